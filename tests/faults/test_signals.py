"""Signals (issue #15): however dlrec ends, nothing it started survives.

Ctrl-C, SIGTERM and SIGHUP during smoke (``recommend``, ``checklist``, ``init``, ``smoke``) or
during probing (a hung nvidia-smi) exit 130 with one line, and every child and grandchild is
gone; SIGKILL of dlrec itself leaves nothing either (PR_SET_PDEATHSIG, the keeper, the children's
parent watch), within two seconds. Every wait polls; a per-test token marks every process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, dlrec_argv
from tests.faults.helpers import assert_no_survivors, dead, fake_torch_env, token_env
from tests.test_smoke_faults import survivors


def start(args, env) -> subprocess.Popen:
    return subprocess.Popen(
        dlrec_argv(*args),
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(predicate, within: float, what: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"{what} did not happen within {within}s: {out[-500:]} {err[-500:]}")
        time.sleep(0.05)


def smoke_child_and_grandchild_run(token: str, proc: subprocess.Popen):
    def started() -> bool:
        lines = [" ".join(p.cmdline()) for p in survivors(token) if p.pid != proc.pid]
        return any("smoke.children.train" in c for c in lines) and any(
            "dlrec-fake-torch" in c for c in lines
        )

    return started


def ends_with_130(proc: subprocess.Popen, token: str) -> None:
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        left = [(p.pid, p.cmdline()) for p in survivors(token)]
        proc.kill()
        pytest.fail(f"dlrec did not exit; processes left: {left}")
    # A piped run prints one progress line per smoke run on stderr ("smoke: ... started").
    said = [ln for ln in err.strip().splitlines() if ln.strip() and not ln.startswith("smoke: ")]
    assert (proc.returncode, said) == (130, ["dlrec: interrupted"]), err
    assert "Traceback" not in err


COMMANDS = {
    "recommend": ("recommend",),
    "checklist": ("checklist",),
    "init": ("init", "{tmp}/project"),
    "smoke": ("smoke", "--framework", "pytorch"),
}


@pytest.mark.parametrize(
    "command, sig",
    [
        ("recommend", signal.SIGTERM),
        ("checklist", signal.SIGTERM),
        ("init", signal.SIGTERM),
        ("recommend", signal.SIGHUP),
        ("smoke", signal.SIGHUP),
        ("checklist", signal.SIGINT),
    ],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_a_signal_during_smoke_kills_every_child_and_exits_130(tmp_path, command, sig):
    """Trigger: the smoke child of a fake torch hangs in its import with a grandchild that holds
    its output open; dlrec gets ``sig``. Before: SIGTERM/SIGHUP killed dlrec alone, and the
    children ran on, re-parented to init."""
    env, token = token_env(fake_torch_env("grandchild"))
    args = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    proc = start(args, env)
    wait_until(smoke_child_and_grandchild_run(token, proc), 30, "the smoke child", proc)
    proc.send_signal(sig)
    ends_with_130(proc, token)
    assert_no_survivors(token)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=str)
def test_a_signal_during_probing_kills_a_hung_nvidia_smi(gpu, sig):
    """Trigger: nvidia-smi (and its child) hang; dlrec probe gets ``sig``. Before: SIGTERM left
    the hung nvidia-smi running forever."""
    gpu.hanging("nvidia-smi")
    env, token = token_env(gpu.env())
    proc = start(["probe", "--json"], env)
    wait_until(lambda: len(gpu.hung_pids()) >= 2, 20, "nvidia-smi", proc)
    proc.send_signal(sig)
    ends_with_130(proc, token)
    assert_no_survivors(token)
    assert all(dead(p) for p in gpu.hung_pids())


def test_sigkill_of_dlrec_during_smoke_leaves_nothing():
    """Trigger: dlrec itself is SIGKILLed while its smoke child (and the child's grandchild)
    hang. No handler runs: the kernel (PR_SET_PDEATHSIG) and the keeper must end them."""
    env, token = token_env(fake_torch_env("grandchild"))
    proc = start(["smoke", "--framework", "pytorch"], env)
    wait_until(smoke_child_and_grandchild_run(token, proc), 30, "the smoke child", proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert_no_survivors(token, grace=2.0)


def test_sigkill_of_dlrec_during_probing_kills_the_hung_tool(gpu):
    gpu.hanging("nvidia-smi")
    env, token = token_env(gpu.env())
    proc = start(["probe", "--json"], env)
    wait_until(lambda: len(gpu.hung_pids()) >= 2, 20, "nvidia-smi", proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert_no_survivors(token, grace=2.0)
    assert all(dead(p) for p in gpu.hung_pids())


def test_ctrl_c_while_python_imports_dlrec_prints_no_traceback(tmp_path):
    """Trigger: Ctrl-C lands while dlrec imports click (its first ~0.1 s): a fake click first on
    PYTHONPATH sends the SIGINT from inside ``import click``. Before: Python's own traceback.
    (An interrupt still earlier, inside Python's ``site`` start-up, is out of dlrec's reach.)"""
    fake = tmp_path / "fake" / "click"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(5)\n"
    )
    env = dict(os.environ, PYTHONPATH=f"{fake.parent}{os.pathsep}{ROOT}")
    proc = subprocess.run(
        dlrec_argv("probe", "--json"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr, proc.stderr
    assert (proc.returncode, proc.stderr) == (130, "dlrec: interrupted\n")


_FIRST_IMPORT = (
    "import os, signal, sys, time\n"
    "sys.argv[0] = {argv0!r}\n"
    "import recommender\n"  # dlrec's first module, as pip's launcher imports it
    "os.kill(os.getpid(), signal.SIGINT)\n"
    "time.sleep(5)\n"
)


@pytest.mark.parametrize("argv0", ["/venv/bin/dlrec", "C:\\venv\\Scripts\\dlrec.exe"])
def test_ctrl_c_right_after_dlrecs_first_module_is_one_line(argv0):
    """Trigger: Ctrl-C lands just after pip's launcher imported ``recommender`` (before the CLI
    and its bootstrap are imported: ~10 ms earlier than the bootstrap's handlers). Before: Python's
    KeyboardInterrupt traceback. (Still earlier, inside Python's own start-up and the launcher's
    ``import re``, no dlrec code has run yet.)"""
    code = _FIRST_IMPORT.format(argv0=argv0)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=20
    )
    assert (proc.returncode, proc.stderr) == (130, "dlrec: interrupted\n")


def test_importing_recommender_elsewhere_leaves_ctrl_c_alone():
    """A program that imports ``recommender`` (a test, a notebook) keeps its KeyboardInterrupt."""
    code = _FIRST_IMPORT.format(argv0="/usr/bin/my-tool")
    # The child starts with Ctrl-C at its default: a runner started in the background of a
    # non-interactive shell ignores SIGINT, its children inherit that, and Python then never
    # installs KeyboardInterrupt, whatever dlrec does (a CI run started with `&` failed here).
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.returncode != 130 and "KeyboardInterrupt" in proc.stderr


@pytest.mark.slow
def test_sigkill_of_dlrec_during_distributed_smoke_leaves_no_rank():
    """Trigger: dlrec is SIGKILLed while torchrun's rank 1 hangs. torchrun dies by
    PR_SET_PDEATHSIG; its ranks sit in sessions of their own (torch starts them so), out of the
    keeper's reach: their parent watch must end them."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        pytest.skip("needs the real torch")
    # Two ranks where two cores are usable; on one core (taskset -c 0) dlrec holds one rank a
    # core, so one rank, the hanging one, stands for them: torchrun and a rank of its own session.
    ranks = min(2, len(os.sched_getaffinity(0)))
    env, token = token_env(DLREC_SMOKE_HANG_RANK=str(ranks - 1))
    proc = start(["smoke", "--distributed", str(ranks), "--framework", "pytorch"], env)

    def ranks_run() -> bool:
        lines = [" ".join(p.cmdline()) for p in survivors(token)]
        return sum("--engine ddp" in c and "torch.distributed.run" not in c for c in lines) >= ranks

    wait_until(ranks_run, 120, f"{ranks} rank(s)", proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert_no_survivors(token, grace=2.0)
