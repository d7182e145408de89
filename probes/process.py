"""Run an external command with a hard time budget: the probes' door to the one supervisor.

Every command runs under :mod:`recommender.supervise.supervisor`: its own session, output to unnamed temp
files capped at :data:`OUTPUT_CAP` a stream (a tool that prints forever is killed), its whole
group killed on timeout and after every exit, dead with dlrec however dlrec ends, started in
``/`` with PYTHONSAFEPATH (nothing is imported from the working directory). A probe over its
budget is abandoned by the runner, which kills that thread's commands (:func:`kill_live`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import BinaryIO

from recommender.core.frozen import frozen
from recommender.supervise.supervisor import (
    OUTPUT_CAP,
    Stopped,
    abandon,
    kill_all,
    size_text,
    start,
)


def kill_live(thread: threading.Thread | None = None) -> int:
    """Kill the process groups ``thread`` started and let it start no more; with None, every
    live group (at exit). Returns how many groups were killed."""
    return kill_all() if thread is None else abandon(thread)


@frozen
class CommandResult:
    argv: tuple[str, ...]
    returncode: int | None  # None: did not run to completion (timeout, cap, could not start)
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    error: str | None = None  # could not start (not found, permission denied), or over the cap
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and self.error is None


def _read(fh: BinaryIO, cap: int) -> str:
    fh.seek(0)
    return fh.read(cap).decode("utf-8", "replace")


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    cap: int = OUTPUT_CAP,
) -> CommandResult:
    """Run ``argv`` for at most ``timeout`` seconds and return what it printed (at most ``cap``
    bytes a stream: one that prints more is killed)."""
    began = time.monotonic()
    argv = tuple(argv)
    env = {**(os.environ if env is None else env), "PYTHONSAFEPATH": "1"}
    import tempfile  # here: only a probe that runs a tool pays for it (and random)

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            child = start(argv, stdout=out, stderr=err, env=env, cwd=cwd, cap=cap)
        except Stopped as exc:
            return CommandResult(argv=argv, returncode=None, error=str(exc))
        except OSError as exc:
            return CommandResult(
                argv=argv,
                returncode=None,
                error=exc.strerror or str(exc),
                seconds=time.monotonic() - began,
            )
        try:
            ended = child.wait(timeout, cap)
        finally:
            child.kill()  # also kills grandchildren left in the group after a normal exit
        over = ended not in (None, "timeout")
        return CommandResult(
            argv=argv,
            returncode=child.returncode if ended is None else None,
            stdout=_read(out, cap),
            stderr=_read(err, cap),
            timed_out=ended == "timeout",
            error=f"printed more than {size_text(cap)} on {ended}; killed" if over else None,
            seconds=time.monotonic() - began,
        )


__all__ = ["OUTPUT_CAP", "CommandResult", "kill_live", "run_bounded"]
