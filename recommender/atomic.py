"""The one way dlrec writes a file: a temp file beside the target, fsync, then ``os.replace``.

A crash, a full disk or Ctrl-C at any point leaves either the old file or no file, never half
of one, and never a temp file lying around (the temp file is removed on any exception,
``KeyboardInterrupt`` included). Readers never see a partial write.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _read_umask() -> int:
    current = os.umask(0o022)  # the only way to read it; restored at once, at import time
    os.umask(current)
    return current


_UMASK = _read_umask()


def write_atomic(path: str | os.PathLike, data: str | bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically and return the path.

    Raises ``OSError`` when the folder is missing or not writable; callers turn that into a
    message for a person. ``mode`` sets the file's permission bits (default: 0o666 & ~umask, as
    ``open`` would give, rather than mkstemp's 0o600).
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        try:
            os.fchmod(fd, mode if mode is not None else 0o666 & ~_UMASK)
        except (AttributeError, OSError):  # no fchmod (Windows) or a filesystem without modes
            pass
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


__all__ = ["write_atomic"]
