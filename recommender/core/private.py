"""dlrec's own folders and files are private, whatever the umask: folders 0700, files 0600.

The smoke cache decides verdicts (a world-writable entry under ``umask 000`` let anyone on the
machine plant a passing result) and the logs hold tracebacks, command lines and paths. Every
folder dlrec makes under its cache dir goes through :func:`private_dir`, every file it writes
there through :data:`FILE_MODE`. Crash logs are pruned to the newest :data:`KEEP_CRASH_LOGS`.
"""

from __future__ import annotations

import os
import stat

DIR_MODE = 0o700
FILE_MODE = 0o600
KEEP_CRASH_LOGS = 20


def private_dir(path: str, *, root: str | None = None) -> str:
    """Make ``path`` (and each missing folder between ``root`` and it) with mode 0700; a folder
    below ``root`` that exists already with group or other bits is narrowed to 0700 if this
    user owns it. Raises ``OSError`` as ``os.makedirs`` does."""
    chain = []
    here = os.path.abspath(path)
    stop = os.path.abspath(root) if root else None
    while True:
        chain.append(here)
        parent = os.path.dirname(here)
        if here == stop or parent == here or (stop is None and len(chain) > 1):
            break
        here = parent
    for folder in reversed(chain):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(folder, DIR_MODE, exist_ok=True)
        st = os.stat(folder)
        if not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(folder)
        if folder != stop and st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.chmod(folder, DIR_MODE)  # never the root itself (DLREC_CACHE_DIR may be shared)
    return path


def trusted(st: os.stat_result) -> bool:
    """A file of dlrec's that no one else could have written: this user's, not group- or
    other-writable (an entry from before this rule, or planted, is not believed)."""
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def prune(folder: str, prefix: str, keep: int = KEEP_CRASH_LOGS) -> int:
    """Delete all but the newest ``keep`` files named ``prefix*`` in ``folder``; how many went."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.startswith(prefix))
    except OSError:
        return 0
    gone = 0
    for name in names[: max(0, len(names) - keep)]:  # the names sort by their timestamp
        try:
            os.unlink(os.path.join(folder, name))
            gone += 1
        except OSError:
            continue
    return gone


__all__ = ["DIR_MODE", "FILE_MODE", "KEEP_CRASH_LOGS", "private_dir", "prune", "trusted"]
