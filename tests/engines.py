"""Real cluster engines for the tests: a two-node Slurm cluster and a two-node Ray cluster, local.

Slurm (session scope): ``munged``, ``slurmctld`` and two ``slurmd`` (nodes n1 and n2, NodeAddr
127.0.0.1, each on its own port) run in the foreground as children of pytest, with their own
``slurm.conf`` (``SLURM_CONF``), munge socket, state and logs in a temp folder: no systemd, no
/etc. Ray (module scope): ``ray.cluster_utils.Cluster``, its head on 127.0.0.2 and a worker on
127.0.0.3, one CPU each, no dashboard, no usage stats.

Every daemon is stopped by its PID when the scope ends, whether the tests passed or not. Without
the engines' programs the tests skip with the reason, except under ``CI=true``, where a missing
engine is a failure: CI installs them (``.ci/run``) and must run them.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SLURM_PROGRAMS = ("munged", "slurmctld", "slurmd", "srun", "scontrol", "sinfo")
SLURM_NODES = ("n1", "n2")
#: The processes these fixtures own, by PID: the leftover-process checks leave them alone.
OWNED_PIDS: set[int] = set()


def missing_engine(reason: str) -> None:
    """Skip, or under CI=true fail: CI installs every engine and must run its tests."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _find(program: str) -> str | None:
    return shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin")


def _slurm_conf(root: Path, ports: list[int], user: str) -> str:
    host = socket.gethostname()
    lines = [
        "ClusterName=dlrectest",
        "SlurmctldHost=localhost(127.0.0.1)",
        f"SlurmctldPort={ports[0]}",
        f"SlurmdPort={ports[1]}",
        "AuthType=auth/munge",
        f"AuthInfo=socket={root / 'munge' / 'sock'}",
        "CredType=cred/munge",
        f"SlurmUser={user}",
        f"SlurmdUser={user}",
        f"StateSaveLocation={root / 'state'}",
        f"SlurmdSpoolDir={root / 'spool'}/%n",
        f"SlurmctldPidFile={root / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'slurmd'}-%n.pid",
        f"SlurmctldLogFile={root / 'slurmctld.log'}",
        f"SlurmdLogFile={root / 'slurmd'}-%n.log",
        "ProctrackType=proctrack/pgid",
        "TaskPlugin=task/none",
        "SchedulerType=sched/builtin",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core",
        # the configured CPUs are the node's, whatever this host has
        "SlurmdParameters=config_overrides",
        "ReturnToService=2",
        "MpiDefault=none",
        "JobCompType=jobcomp/none",
        "AccountingStorageType=accounting_storage/none",
        "JobAcctGatherType=jobacct_gather/none",
        "MailProg=/bin/true",
        "SlurmdTimeout=30",
        "KillWait=2",
    ]
    for name, port in zip(SLURM_NODES, ports[2:]):
        lines.append(
            f"NodeName={name} NodeAddr=127.0.0.1 NodeHostname={host} Port={port} CPUs=1 "
            "State=UNKNOWN"
        )
    lines.append(
        f"PartitionName=debug Nodes={','.join(SLURM_NODES)} Default=YES MaxTime=INFINITE State=UP"
    )
    return "\n".join(lines) + "\n"


class Daemons:
    """Foreground daemons started as our children; stopped by PID, TERM then KILL."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env, self.procs = root, env, []

    def start(self, name: str, argv: list[str]) -> None:
        log = open(self.root / f"{name}.out", "wb")  # noqa: SIM115 - closed by the process's end
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=self.env
        )
        log.close()
        self.procs.append((name, proc))
        OWNED_PIDS.add(proc.pid)

    def stop(self) -> None:
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            OWNED_PIDS.discard(proc.pid)

    def dead(self) -> str | None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                out = (self.root / f"{name}.out").read_text(errors="replace")[-800:]
                return f"{name} exited with {proc.returncode}: {out}"
        return None


def _wait_idle(env: dict[str, str], daemons: Daemons, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    states = ""
    while time.monotonic() < deadline:
        if why := daemons.dead():
            raise RuntimeError(why)
        proc = subprocess.run(
            ["sinfo", "-h", "-N", "-o", "%N %T"],
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
        )
        states = proc.stdout.strip()
        lines = [line.split() for line in states.splitlines()]
        if len(lines) == len(SLURM_NODES) and all(s == "idle" for _, s in lines):
            return
        time.sleep(0.3)
    raise RuntimeError(f"the Slurm nodes did not become idle within {timeout:g}s: {states!r}")


def _cancel_jobs(env: dict[str, str]) -> None:
    """Cancel whatever a failed test left running, and wait (briefly) for the steps to end."""
    subprocess.run(["scancel", "--full", "--quiet", "--user", getpass.getuser()], env=env,
                   capture_output=True, timeout=15)  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        proc = subprocess.run(["squeue", "-h"], env=env, capture_output=True, text=True, timeout=10)
        if not proc.stdout.strip():
            return
        time.sleep(0.3)


class SlurmCluster:
    """The running test cluster: its settings, and a node's slurmd to kill and bring back."""

    def __init__(self, root: Path, env: dict[str, str], daemons: Daemons) -> None:
        self.root, self.daemons = root, daemons
        self.settings = {"SLURM_CONF": env["SLURM_CONF"], "PATH": env["PATH"]}

    def env(self, **extra: str) -> dict[str, str]:
        """The current environment (a test's own HOME) talking to this cluster, outside any
        allocation."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SLURMD_"))}
        return {**env, **self.settings, **extra}

    def kill_node(self, node: str) -> None:
        """SIGKILL the node's slurmd (by its PID): the node is down."""
        for name, proc in self.daemons.procs:
            if name == f"slurmd-{node}" and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)

    def revive_node(self, node: str) -> None:
        """Start the node's slurmd again and wait until every node is idle."""
        env = self.env()
        self.daemons.procs = [(n, p) for n, p in self.daemons.procs if n != f"slurmd-{node}"]
        self.daemons.start(f"slurmd-{node}", [_find("slurmd") or "slurmd", "-D", "-N", node])
        _wait_idle(env, self.daemons, timeout=60)


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory) -> Iterator[SlurmCluster]:
    """Two Slurm nodes (n1, n2) on this host, ready and idle."""
    missing = [p for p in SLURM_PROGRAMS if _find(p) is None]
    if missing:
        missing_engine(
            f"Slurm is not installed ({', '.join(missing)} not found): "
            "apt-get install slurm-wlm munge"
        )
    root = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool/n1", "spool/n2", "munge"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    munge = root / "munge"
    munge.chmod(0o700)
    key = munge / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)
    ports = [_free_port() for _ in range(2 + len(SLURM_NODES))]
    conf = root / "slurm.conf"
    conf.write_text(_slurm_conf(root, ports, getpass.getuser()))
    sbin = "/usr/sbin:/sbin"
    path = os.environ.get("PATH", "")
    env = {**os.environ, "SLURM_CONF": str(conf), "PATH": f"{path}:{sbin}" if path else sbin}
    for name in [k for k in env if k.startswith(("SLURM_", "SLURMD_")) and k != "SLURM_CONF"]:
        del env[name]  # pytest itself may run inside an allocation
    daemons = Daemons(root, env)
    try:
        daemons.start("munged", [_find("munged") or "munged", "-F", "--force",
                                 f"--socket={munge / 'sock'}", f"--key-file={key}",
                                 f"--pid-file={munge / 'pid'}", f"--log-file={munge / 'log'}",
                                 f"--seed-file={munge / 'seed'}"])  # fmt: skip
        _wait_for(munge / "sock", daemons)
        daemons.start("slurmctld", [_find("slurmctld") or "slurmctld", "-D", "-i"])
        for node in SLURM_NODES:
            daemons.start(f"slurmd-{node}", [_find("slurmd") or "slurmd", "-D", "-N", node])
        _wait_idle(env, daemons)
        yield SlurmCluster(root, env, daemons)
    finally:
        try:
            _cancel_jobs(env)
        except (OSError, subprocess.SubprocessError):
            pass
        daemons.stop()


def _wait_for(path: Path, daemons: Daemons, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if why := daemons.dead():
            raise RuntimeError(why)
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear within {timeout:g}s")
        time.sleep(0.05)


# --- Ray -----------------------------------------------------------------------------------------


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
        import ray.cluster_utils  # noqa: F401
    except ImportError:
        return False
    return True


class RayCluster(dict):
    """The environment that reaches the test cluster (RAY_ADDRESS set), and its worker to kill."""

    proc: subprocess.Popen
    ready: Path

    said = 0

    def _say(self, line: str, timeout: float) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{line}\n".encode())
        self.proc.stdin.flush()
        done = Path(f"{self.ready}.{self.said}")
        self.said += 1
        deadline = time.monotonic() + timeout
        while not done.exists():
            assert self.proc.poll() is None, "the Ray test cluster ended"
            assert time.monotonic() < deadline, f"the Ray test cluster did not {line}"
            time.sleep(0.1)

    def remove_worker(self, timeout: float = 60.0) -> None:
        """Kill the worker node (127.0.0.3): Ray then lists it as dead."""
        self._say("remove-worker", timeout)

    def add_worker(self, timeout: float = 120.0) -> None:
        """A new worker node on 127.0.0.3 (after :meth:`remove_worker`)."""
        self._say("add-worker", timeout)


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory) -> Iterator[RayCluster]:
    """A real two-node Ray cluster (head 127.0.0.2, worker 127.0.0.3); yields env with its
    address in RAY_ADDRESS. Started in a child Python that stays up for the module."""
    if not ray_available():
        missing_engine("Ray is not installed: pip install 'dlrec[ray]'")
    root = tmp_path_factory.mktemp("ray")
    ready = root / "address"
    env = {
        **os.environ,
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_ENABLE_RECORD_ACTOR_TASK_LOGGING": "0",
        "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
    }
    log = open(root / "cluster.out", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("ray_cluster_child.py")), str(ready)],
        stdin=subprocess.PIPE,
        stdout=log,
        stderr=log,
        env=env,
        start_new_session=True,
    )
    log.close()
    OWNED_PIDS.add(proc.pid)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                out = (root / "cluster.out").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the Ray test cluster did not start: {out}")
            time.sleep(0.2)
        cluster = RayCluster({**env, "RAY_ADDRESS": ready.read_text().strip()})
        cluster.proc, cluster.ready = proc, ready
        yield cluster
    finally:
        _stop_ray(proc)
        OWNED_PIDS.discard(proc.pid)


def _stop_ray(proc: subprocess.Popen) -> None:
    """Close the child's stdin: it shuts the cluster down; then its whole session, by PID."""
    try:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # raylets and workers it left: its own session
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
