"""The one way dlrec writes a file: a temp file beside the target, fsync, then ``os.replace``.

A crash, a full disk or Ctrl-C at any point leaves either the old file or no file, never half
of one, and never a temp file lying around (the temp file is removed on any exception,
``KeyboardInterrupt`` included). Readers never see a partial write.

Two more promises:

- A target that exists and is not a regular file is never replaced: a FIFO or a character
  device (``--out /dev/null``, ``--out >(cat)``) is written in place, as a shell redirect would
  (opening a FIFO waits for its reader); anything else (a block device, a socket, a directory)
  is refused with an ``OSError`` that says so. Symlinks are followed to decide.
- A regular file that is replaced keeps its permission bits and, where the OS allows, its owner:
  a 0600 file stays 0600, never widened to 0644.

``write_atomic_many`` stages several files first and renames them only when every one is
written, so a full disk half-way leaves none of them changed.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import cast


def _read_umask() -> int:
    current = os.umask(0o022)  # the only way to read it; restored at once, at import time
    os.umask(current)
    return current


_UMASK = _read_umask()


def _encode(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _existing(target: Path) -> os.stat_result | None:
    """What is at ``target`` now (symlinks followed), or None when nothing is."""
    try:
        return os.stat(target)
    except FileNotFoundError:
        return None


def _write_in_place(target: Path, raw: bytes, st: os.stat_result) -> None:
    """Write to an existing FIFO or character device; refuse every other non-regular file."""
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(target))
    if not (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
        raise OSError(
            errno.EINVAL,
            "is a block device or socket, not a file (dlrec writes regular files, and in place "
            "only to FIFOs and character devices)",
            str(target),
        )
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "wb") as fh:
        fh.write(raw)


def _stage(target: Path, raw: bytes, mode: int | None, st: os.stat_result | None) -> str:
    """A fsynced temp file beside ``target`` holding ``raw``; its path."""
    import tempfile  # here: random and its hashes load only for a write (a warm run writes none)

    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        if mode is None:
            mode = st.st_mode & 0o777 if st is not None else 0o666 & ~_UMASK
        try:
            os.fchmod(fd, mode)
            if st is not None and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                os.fchown(fd, st.st_uid, st.st_gid)
        except (AttributeError, OSError):  # no fchmod (Windows), a filesystem without modes,
            pass  # or not allowed to give the file back to its owner
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _remove(path: str | os.PathLike) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_atomic(path: str | os.PathLike, data: str | bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically and return the path.

    Raises ``OSError`` when the folder is missing or not writable, or the target is a kind of
    file dlrec does not write; callers turn that into a message for a person. ``mode`` sets the
    file's permission bits (default: an existing file's own, else 0o666 & ~umask, as ``open``
    would give, rather than mkstemp's 0o600).
    """
    return write_atomic_many([(path, data)], mode=mode)[0]


def write_atomic_many(
    files: Sequence[tuple[str | os.PathLike, str | bytes]], *, mode: int | None = None
) -> list[Path]:
    """Write several files all or nothing: each is staged beside its target first, and only
    when all are staged are they renamed into place. Returns the paths, in order.

    A failure while staging (a full disk) leaves every target as it was and no temp file. A
    failure while renaming (rare: no space is needed) leaves the files renamed so far.
    """
    targets = [(Path(p), _encode(d)) for p, d in files]
    staged: list[tuple[Path, str | None, bytes, os.stat_result | None]] = []
    target = None
    try:
        for target, raw in targets:
            st = _existing(target)
            special = st is not None and not stat.S_ISREG(st.st_mode)
            if st is not None and special and stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "is a directory", str(target))
            staged.append((target, None if special else _stage(target, raw, mode, st), raw, st))
        while staged:
            target, tmp, raw, st = staged[0]
            if tmp is None:
                # Staged without a temporary file only when the target exists (special), so st.
                _write_in_place(target, raw, cast(os.stat_result, st))
            else:
                os.replace(tmp, target)
            staged.pop(0)
    except OSError as exc:
        _remove_staged(staged)
        if target is not None:  # name the file being written, not its temp file
            exc.filename, exc.filename2 = str(target), None
        raise
    except BaseException:
        _remove_staged(staged)
        raise
    return [target for target, _ in targets]


def _remove_staged(staged: Sequence[tuple[Path, str | None, bytes, object]]) -> None:
    for _, tmp, _, _ in staged:
        if tmp is not None:
            _remove(tmp)


def os_error_text(exc: OSError) -> str:
    """The error in words, disk full and quota named as such."""
    import errno

    if exc.errno == errno.ENOSPC:
        return "the disk is full (No space left on device)"
    if exc.errno == getattr(errno, "EDQUOT", None):
        return "the disk quota is exceeded"
    return exc.strerror or str(exc)


__all__ = ["os_error_text", "write_atomic", "write_atomic_many"]
