"""Run an external command with a hard time budget. Never hangs, never leaves a process.

The child gets its own session (process group), writes to temp files rather than pipes (so a
grandchild that keeps stdout open cannot stall us), and on timeout the whole group is killed.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_OUTPUT_LIMIT = 4 << 20  # a command that prints more than 4 MiB is not telling us facts

# Children still running, with the thread that started them. A probe that overruns its budget is
# abandoned by the runner, which then kills that thread's children (kill_live); at exit, any
# child left is killed too, so a hung tool never outlives dlrec.
# A thread whose children were killed is "abandoned": it may start no further command.
_LIVE: dict[int, tuple[subprocess.Popen, threading.Thread]] = {}
_ABANDONED: set[threading.Thread] = set()
_LIVE_LOCK = threading.Lock()
_SHUTTING_DOWN = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandResult:
    argv: tuple[str, ...]
    returncode: int | None  # None: did not run to completion (timeout or could not start)
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    error: str | None = None  # could not start: not found, permission denied
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and self.error is None


def kill_group(proc: subprocess.Popen) -> None:
    """Kill the child's whole process group, then reap the child. Safe to call twice."""
    killpg = getattr(os, "killpg", None)  # POSIX only
    if killpg is not None:
        try:
            killpg(proc.pid, signal.SIGKILL)
        except OSError:  # no such group left, or not ours
            pass
    try:
        proc.kill()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
        pass


def kill_live(thread: threading.Thread | None = None) -> int:
    """Kill the process groups ``thread`` started, and let it start no more; with None, do that
    for every thread (at exit). Returns how many groups were killed."""
    global _SHUTTING_DOWN
    with _LIVE_LOCK:
        if thread is None:
            _SHUTTING_DOWN = True
        else:
            _ABANDONED.add(thread)
        doomed = [proc for proc, owner in _LIVE.values() if thread is None or owner is thread]
    for proc in doomed:
        kill_group(proc)
    return len(doomed)


atexit.register(kill_live)


def _read(fh) -> str:
    fh.seek(0)
    return fh.read(_OUTPUT_LIMIT).decode("utf-8", "replace")


def _usable_cwd() -> str | None:
    """None (inherit) while the working directory exists, else the temp dir: a child started in a
    deleted directory fails in odd ways (torch: "oneMKL FATAL ERROR: Cannot load ...")."""
    try:
        os.getcwd()
        return None
    except OSError:
        return tempfile.gettempdir()


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> CommandResult:
    """Run ``argv`` for at most ``timeout`` seconds and return what it printed."""
    start = time.monotonic()
    argv = tuple(argv)
    me = threading.current_thread()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with _LIVE_LOCK:  # start and register atomically, so kill_live never misses a child
            if _SHUTTING_DOWN or me in _ABANDONED:
                return CommandResult(
                    argv=argv, returncode=None, error="abandoned: time budget spent"
                )
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    env=dict(env) if env is not None else None,
                    cwd=cwd if cwd is not None else _usable_cwd(),
                    start_new_session=True,
                )
            except OSError as exc:
                return CommandResult(
                    argv=argv,
                    returncode=None,
                    error=exc.strerror or str(exc),
                    seconds=time.monotonic() - start,
                )
            _LIVE[proc.pid] = (proc, me)
        try:
            returncode = proc.wait(timeout=max(timeout, 0.01))
            timed_out = False
        except subprocess.TimeoutExpired:
            returncode, timed_out = None, True
        finally:
            # Also reaps grandchildren left in the group after a normal exit.
            kill_group(proc)
            with _LIVE_LOCK:
                _LIVE.pop(proc.pid, None)
        return CommandResult(
            argv=argv,
            returncode=returncode,
            stdout=_read(out),
            stderr=_read(err),
            timed_out=timed_out,
            seconds=time.monotonic() - start,
        )
