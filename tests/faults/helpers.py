"""Helpers for the fault-injection suite (issue 7): import them from tests.faults.helpers.

Every case runs the real CLI (``python -m recommender``) as a subprocess whose environment
carries a per-test token, so ``run`` can prove that no process the test started survives it;
it also checks that stderr is at most one line and never a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.conftest import FIXTURES, ROOT, dlrec_argv
from tests.test_smoke_faults import survivors  # live processes carrying a test's token

FAKES = FIXTURES / "fakepkgs"
NVML_FAILS = (
    "class NVMLError(Exception): pass\n"
    "def nvmlInit(): raise NVMLError('NVML Shared Library Not Found')\n"
)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    seconds: float
    token: str


def token_env(env: dict[str, str] | None = None, **extra: str) -> tuple[dict[str, str], str]:
    token = uuid.uuid4().hex
    merged = dict(os.environ if env is None else env)
    merged.update(extra, DLREC_FAKE_TOKEN=token)
    return merged, token


def run(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 30,
    stdin=subprocess.DEVNULL,
    argv_prefix: tuple[str, ...] = (),
    **extra: str,
) -> Ran:
    """Run ``dlrec ARGS``; assert no traceback, at most one stderr line, and no survivors."""
    env, token = token_env(env, **extra)
    start = time.monotonic()
    proc = subprocess.run(
        [*argv_prefix, *dlrec_argv(*args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        stdin=stdin,
    )
    ran = Ran(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start, token)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert proc.stderr.count("\n") <= 1, proc.stderr
    assert_no_survivors(token)
    return ran


def assert_no_survivors(token: str, grace: float = 2.0) -> None:
    deadline = time.monotonic() + grace
    left = survivors(token)
    while left and time.monotonic() < deadline:  # a killed group is reaped asynchronously
        time.sleep(0.05)
        left = survivors(token)
    assert not left, [(p.pid, p.cmdline()) for p in left]


def dead(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


class GpuHost:
    """A fake host (temp sysroot) with fake tools on a PATH that has no real GPU tool, and a
    fake pynvml (failing unless replaced) first on PYTHONPATH."""

    def __init__(self, fake_host, tmp_path: Path) -> None:
        self.fh = fake_host
        self.site = tmp_path / "site"
        self.site.mkdir()
        self.nvml(NVML_FAILS)
        sysbin = tmp_path / "sysbin"
        sysbin.mkdir()
        for tool in ("bash", "sleep", "cat", "head", "seq"):
            (sysbin / tool).symlink_to(shutil.which(tool))
        self.path = f"{fake_host.bin}{os.pathsep}{sysbin}"
        self.pids = tmp_path / "pids"

    def nvml(self, source: str) -> None:
        (self.site / "pynvml.py").write_text(source)

    def tool(self, name: str, script: str) -> None:
        self.fh.tool(name, script)

    def hanging(self, name: str) -> None:
        """``name`` records its pid and its own child's, then hangs forever."""
        self.fh.tool(name, f"echo $$ >> {self.pids}\nsleep 1000 &\necho $! >> {self.pids}\nwait\n")

    def hung_pids(self) -> list[int]:
        return [int(p) for p in self.pids.read_text().split()] if self.pids.exists() else []

    def env(self, **extra: str) -> dict[str, str]:
        return self.fh.env(PATH=self.path, PYTHONPATH=str(self.site), **extra)


@pytest.fixture
def gpu(fake_host, tmp_path) -> GpuHost:
    return GpuHost(fake_host, tmp_path)


def fake_torch_env(mode: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DLREC_FAKE_TORCH=mode, PYTHONPATH=str(FAKES), **extra)
    return env


__all__ = [
    "FAKES",
    "ROOT",
    "FIXTURES",
    "GpuHost",
    "Ran",
    "assert_no_survivors",
    "dead",
    "fake_torch_env",
    "run",
    "sys",
    "token_env",
]
