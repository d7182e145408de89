"""The supervisor's ways to outlive nothing it started: ``prctl`` (``PR_SET_PDEATHSIG``,
``PR_SET_CHILD_SUBREAPER``) and the keeper, a tiny process holding the read end of a pipe from
dlrec that kills every group still registered once dlrec is gone, however it ended.

A base layer: the standard library only.
"""

from __future__ import annotations

import os
import signal  # noqa: F401 - the keeper's code names it
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable

_POSIX = os.name == "posix"
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
_PRCTL: list = []  # [prctl or None], resolved in the parent before its first fork


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def prctl():
    if not _PRCTL:
        _PRCTL.append(_load_prctl())
    return _PRCTL[0]


def become_subreaper() -> bool:
    """Make dlrec the child subreaper of its descendants (Linux 3.4+): an orphan is re-parented
    here, where :meth:`Child.kill` finds it, instead of to init. Idempotent."""
    call = prctl()
    return call is not None and call(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


# The keeper reads "+PGID" / "-PGID" lines; at end-of-file (dlrec is gone, however it ended) it
# kills every group it still holds. It runs isolated (-I -S) in its own session, without our env.
_KEEPER_CODE = """\
import os, signal
live, buf = set(), b""
while True:
    chunk = os.read(0, 4096)
    if not chunk:
        break
    *lines, buf = (buf + chunk).split(b"\\n")
    for line in lines:
        if line[:1] == b"+":
            live.add(int(line[1:]))
        elif line[:1] == b"-":
            live.discard(int(line[1:]))
for group in live:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
"""


class Keeper:
    """dlrec's end of the keeper's pipe. Every call is made under the supervisor's lock."""

    def __init__(self, live: Callable[[], Iterable[int]]) -> None:
        self.fd: int | None = None
        self.proc: subprocess.Popen | None = None
        self._live = live  # the groups to tell a keeper started late
        self.spawner: int | None = None  # the thread inside Popen for a supervised child

    def ready(self) -> int | None:
        """The pipe's fd, the keeper started first if need be (before the child it guards)."""
        if self.fd is None:
            self._start()
        return self.fd

    def add(self, pgid: int) -> None:
        if self.fd is None and not self._start():
            return
        self._send(f"+{pgid}\n")

    def remove(self, pgid: int) -> None:
        if self.fd is not None:
            self._send(f"-{pgid}\n")

    def _send(self, line: str) -> None:
        try:
            if self.fd is None:
                raise TypeError("the keeper's pipe is closed")
            os.write(self.fd, line.encode())
        except (OSError, TypeError):  # the keeper died: PDEATHSIG and the handlers remain
            self.forget()

    def forget_after_fork(self) -> None:
        """In a forked copy of dlrec: close the pipe, unless this fork is one of the
        supervisor's own children (its ``preexec`` still writes its group there; ``exec``
        closes the descriptor right after)."""
        if self.spawner != threading.get_ident():
            self.forget()

    def forget(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def _start(self) -> bool:
        if not _POSIX or not sys.executable or (self.proc and self.proc.poll() is None):
            return False
        env = {k: os.environ[k] for k in ("PATH", "LD_LIBRARY_PATH") if k in os.environ}
        read, write = os.pipe()  # both non-inheritable: no child but the keeper holds them
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _KEEPER_CODE],
                stdin=read,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=os.path.abspath(os.sep),
                env=env,
                start_new_session=True,
            )
        except OSError:
            os.close(write)
            return False
        finally:
            os.close(read)
        self.fd = write
        for pgid in self._live():
            self._send(f"+{pgid}\n")
        return True
