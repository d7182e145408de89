"""Shared fixtures: an isolated home and cache, a CLI runner, a fake host builder, and the leak
check that fails any test leaving a process behind.

Processes a fixture owns beyond one test (a Slurm or Ray test cluster, a registry server) are
registered with the ``owned_processes`` fixture, so the leak check leaves them alone::

    @pytest.fixture(scope="session")
    def ray_cluster(owned_processes):
        proc = subprocess.Popen([...], start_new_session=True)
        owned_processes.add_group(proc.pid)  # the daemon and everything in its group
        yield ...
        proc.kill(); proc.wait()
        owned_processes.discard_group(proc.pid)

``add(pid)`` owns one process and its descendants, ``add_group(pgid)`` a process group,
``add_session(sid)`` a whole session.
"""

from __future__ import annotations

import os
import stat
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from tests.engines import OWNED_PIDS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_CLEARED = (
    "NO_COLOR",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
    "KERAS_BACKEND",
    "CUDA_VISIBLE_DEVICES",
    "TF_USE_LEGACY_KERAS",
    "DLREC_SYSROOT",
    "TPU_NAME",
    "COLAB_TPU_ADDR",
    "PJRT_DEVICE",
    "PYTORCH_ENABLE_MPS_FALLBACK",
)


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/* from the current output instead of comparing.",
    )


@pytest.fixture
def update_goldens(request) -> bool:
    """True under ``pytest --update-goldens``: golden tests write their file, then pass."""
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the real home: HOME, the cache dir and the Keras config live in tmp."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DLREC_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


class FakeHost:
    """A temp tree standing for /proc, /sys, /dev and the cgroup files, plus a fake PATH."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "_bin"
        self.bin.mkdir(parents=True, exist_ok=True)

    def write(self, system_path: str, text: str = "") -> Path:
        p = self.root / system_path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        return p

    def tool(self, name: str, script: str) -> Path:
        """A fake executable (a bash script) first on PATH."""
        p = self.bin / name
        p.write_text("#!/usr/bin/env bash\n" + textwrap.dedent(script))
        p.chmod(p.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return p

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env["DLREC_SYSROOT"] = str(self.root)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env.update(extra)
        return env

    def host(self, **extra: str):
        from recommender.probes import Host

        return Host(root=self.root, env=self.env(**extra))


@pytest.fixture
def fake_host(tmp_path) -> FakeHost:
    return FakeHost(tmp_path / "host")


def skip_unless_ci(reason: str) -> None:
    """Skip a test whose prerequisite is missing on a developer's machine; in CI (CI=true),
    where .ci/run installs the frameworks and shared/ lies beside the clone, fail instead, so
    a broken install can never pass as a skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI promises this prerequisite: {reason}")
    pytest.skip(reason)


def dlrec_argv(*args: str) -> list[str]:
    """Run the real CLI as a subprocess (for exit codes, timing and leftover-process checks)."""
    return [sys.executable, "-m", "recommender", *args]


# --- no test leaves a process behind -------------------------------------------------------------


class OwnedProcesses:
    """Processes that fixtures own beyond one test; the leak check ignores them."""

    def __init__(self) -> None:
        self.pids: set[int] = set()
        self.groups: set[int] = set()
        self.sessions: set[int] = set()

    def add(self, pid: int) -> None:
        """Own ``pid``, every descendant of it, and, when it leads a session, the session."""
        self.pids.add(pid)

    def add_group(self, pgid: int) -> None:
        self.groups.add(pgid)

    def add_session(self, sid: int) -> None:
        self.sessions.add(sid)

    def discard(self, pid: int) -> None:
        self.pids.discard(pid)

    def discard_group(self, pgid: int) -> None:
        self.groups.discard(pgid)

    def discard_session(self, sid: int) -> None:
        self.sessions.discard(sid)

    def owns(self, proc: psutil.Process) -> bool:
        try:
            sid = os.getsid(proc.pid)
            if os.getpgid(proc.pid) in self.groups or sid in self.sessions or sid in self.pids:
                return True
            return any(p.pid in self.pids for p in (proc, *proc.parents()))
        except (OSError, psutil.Error):
            return True  # gone meanwhile


OWNED = OwnedProcesses()
OWNED.pids = OWNED_PIDS  # one registry: the Slurm and Ray fixtures (tests/engines.py) fill it


@pytest.fixture(scope="session")
def owned_processes() -> OwnedProcesses:
    """Register the daemons a fixture owns (see the module's docstring)."""
    return OWNED


def _supervisor_keeper() -> int | None:
    """The in-process supervisor's keeper: a daemon for the session's lifetime, by design."""
    supervisor = sys.modules.get("recommender.supervise.supervisor")
    proc = getattr(getattr(supervisor, "_KEEPER", None), "proc", None)
    return proc.pid if proc is not None and proc.poll() is None else None


def _live_descendants() -> dict[int, psutil.Process]:
    try:
        found = psutil.Process().children(recursive=True)
    except psutil.Error:
        return {}
    live = {}
    for p in found:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                live[p.pid] = p
        except psutil.Error:
            continue
    return live


def _reap_zombies() -> None:
    """Reap this process's zombie children that no fixture owns: orphans it adopted as their
    subreaper, and tests' un-waited children, which would otherwise pile up."""
    try:
        children = psutil.Process().children()
    except psutil.Error:
        return
    for p in children:
        try:
            if p.status() == psutil.STATUS_ZOMBIE and not OWNED.owns(p):
                os.waitpid(p.pid, os.WNOHANG)
        except (OSError, psutil.Error):
            continue


@pytest.fixture(scope="session", autouse=True)
def _adopt_orphans():
    """Make the test session the subreaper of everything its tests start (Linux): a process
    that detached (double fork, setsid) is re-parented here, where the leak check sees it."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            pass
    yield


@pytest.fixture(autouse=True)
def _no_process_left_behind(request, _adopt_orphans):
    """Fail the test that leaves a process behind: kill what it left, and name the test.
    Daemons registered with ``owned_processes`` and the supervisor's keeper are not leaks."""
    before = set(_live_descendants())
    yield
    deadline = time.monotonic() + 3.0  # a killed group is reaped asynchronously
    while True:
        keeper = _supervisor_keeper()
        left = [
            p
            for pid, p in _live_descendants().items()
            if pid not in before and pid != keeper and not OWNED.owns(p)
        ]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    names = []
    for p in left:
        try:
            names.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
            p.kill()
        except psutil.Error:
            continue
    psutil.wait_procs(left, timeout=3)
    _reap_zombies()
    if names:
        pytest.fail(f"{request.node.nodeid} left {len(names)} process(es) behind: {names}")


# The real cluster engines (Slurm, Ray), started by fixtures when a test asks for them.
from tests.engines import ray_cluster, slurm_cluster  # noqa: E402, F401, I001
