"""What every reader of a user-supplied document shares: the limits, the one error type, the
dict that remembers lines, and the safe read of a file's text (see the package's docstring)."""

from __future__ import annotations

import os
import stat

MAX_BYTES = 2 << 20  # 2 MiB: the bundled rule base is well under 100 KiB
MAX_DEPTH = 32
MAX_DIGITS = 4300  # Python's own default limit for int(str) (sys.get_int_max_str_digits)


class DocumentError(ValueError):
    """A document could not be read. ``where`` is ``file`` or ``file:line``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class LocatedDict(dict):
    """A dict that knows its own line and each key's line (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


def read_text(path: str | os.PathLike) -> str:
    """The file's text, refusing non-regular files, big files and non-UTF-8 bytes.

    Read through one descriptor opened without blocking (a FIFO put there after the check
    cannot hang the open) and checked again on that descriptor: a fleet reads 10,000 of these,
    and a buffered ``open()`` costs four times as much per small file."""
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DocumentError(name, "no such file") from None
    except OSError as exc:
        raise DocumentError(name, f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise DocumentError(name, "not a regular file (FIFOs, devices and directories are refused)")
    if st.st_size > MAX_BYTES:
        raise DocumentError(name, f"file is {st.st_size:,} bytes; the limit is {MAX_BYTES:,}")
    raw = _read_regular(path, name)
    if len(raw) > MAX_BYTES:
        raise DocumentError(name, f"file is over the {MAX_BYTES:,}-byte limit")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(name, f"not valid UTF-8 (byte {exc.start})") from None


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_READ_FLAGS |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read_regular(path: str | os.PathLike, name: str) -> bytes:
    """At most MAX_BYTES + 1 bytes of a regular file (checked again once it is open)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        raise DocumentError(name, f"cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DocumentError(
                name, "not a regular file (FIFOs, devices and directories are refused)"
            )
        chunks: list[bytes] = []
        left = MAX_BYTES + 1
        want = min(st.st_size + 1, left)  # the size it has now, and one byte to see it grew
        while left > 0:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
            want = min(1 << 16, left)
        return b"".join(chunks)
    except OSError as exc:
        raise DocumentError(name, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def first_line(message: object) -> str:
    """Error messages are one line: the first non-empty line of a library's message."""
    return next((ln.strip() for ln in str(message).splitlines() if ln.strip()), "unreadable")


__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "DocumentError",
    "LocatedDict",
    "first_line",
    "read_text",
]
