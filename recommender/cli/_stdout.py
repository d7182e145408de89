"""Standard output that fails the way a person can act on (issue 25).

``main`` puts :func:`install` in front of every command: ``sys.stdout`` becomes a text stream
over :class:`_Guarded`, which writes to file descriptor 1 and

* on ``EPIPE`` (``dlrec recommend | head -1``: the reader left) sends the rest to ``/dev/null``
  and lets the command run to its end, so dlrec exits with the code the command would have had
  (0 when a recommendation was made), with nothing on stderr;
* on any other write error (``ENOSPC``: a full disk; ``EBADF``: standard output closed;
  ``EIO``, ``EFBIG``, ...) raises :class:`OutputFailed`, which ``main`` prints as one line and
  exit 1 ("the output could not be written"), never an internal error with a crash log;
* with no standard output at all (``dlrec recommend >&-``: Python's ``sys.stdout`` is None)
  raises :class:`OutputFailed` at the first write: a report that went nowhere is no success.
"""

from __future__ import annotations

import errno
import io
import os
import sys


class OutputFailed(Exception):
    """Standard output could not be written (not an ``OSError``: click's own handler would
    turn it into exit 1 with a traceback-free but misleading silence)."""

    def __init__(self, err: OSError) -> None:
        reason = os.strerror(err.errno) if err.errno else str(err)
        super().__init__(f"cannot write the output to standard output: {reason}")


class _Guarded(io.RawIOBase):
    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self.reader_left = False
        self.failed = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        if self._fd < 0:
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        return self._fd

    def isatty(self) -> bool:
        try:
            return os.isatty(self._fd)
        except OSError:
            return False

    def write(self, data) -> int:
        size = len(memoryview(data))
        if self.reader_left or self.failed:  # told once; the rest is dropped
            return size
        try:
            if self._fd < 0:
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            return os.write(self._fd, data)
        except BrokenPipeError:
            self._leave()
            return size
        except OSError as exc:
            self.failed = True
            raise OutputFailed(exc) from None

    def _leave(self) -> None:
        """The reader is gone: what is left goes nowhere, quietly."""
        self.reader_left = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._fd)
            os.close(devnull)
        except OSError:
            pass


def install() -> _Guarded | None:
    """Put the guarded stream in place of ``sys.stdout`` (a real process's only; a test's
    captured stream is left alone). Returns the raw stream, or None when left alone."""
    current = sys.stdout
    if current is not None:
        try:
            if current.fileno() != 1:
                return None
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            return None
    try:
        os.fstat(1)
        fd = 1
    except OSError:  # closed: hold fd 1 on /dev/null, or the next file opened would get it
        fd = -1
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            if devnull != 1:
                os.dup2(devnull, 1)
                os.close(devnull)
        except OSError:
            pass
    raw = _Guarded(fd)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=getattr(current, "encoding", None) or "utf-8",
        errors=getattr(current, "errors", None) or "strict",
        line_buffering=bool(getattr(current, "line_buffering", False)) or raw.isatty(),
        write_through=False,
    )
    return raw


def flush() -> None:
    """Flush ``sys.stdout`` now, while an error can still be told (not at interpreter exit)."""
    if sys.stdout is not None:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            pass


__all__ = ["OutputFailed", "flush", "install"]
