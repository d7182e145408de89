"""The throwaway environments: ``<cache dir>/envs/<key>/``, one per install plan.

The key is a hash of the plan's pip argument lists, the Python that creates the environment
(implementation, version, base interpreter) and the platform, so the same plan on the same
Python reuses its environment and anything else gets a new one.

Never half-made: an environment is trusted only when its marker, ``dlrec-env.json``, exists;
the marker is written last (atomically), after the install succeeded. An environment is built
in place, not in a temp folder renamed at the end, because pip writes the absolute path of the
environment into its scripts; one builder at a time holds ``<key>.lock`` (``flock``), and a
folder without a marker (a try killed midway) is removed by the next builder or by
``dlrec cache prune``. The folder and everything dlrec creates in it are private (0700).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import sys
import sysconfig
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from recommender.core.atomic import write_atomic

MARKER = "dlrec-env.json"
#: Bump when what an environment holds changes meaning: old ones stop matching.
FORMAT = 1


def envs_dir(env: Mapping[str, str]) -> str:
    from recommender.probes.disk import cache_dir

    return os.path.join(cache_dir(env), "envs")


def private_dir(path: str) -> str:
    """Create ``path`` (and its parents) and make it 0700, whatever the umask."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def python_id() -> dict[str, str]:
    """The Python an environment is made from, and the platform it runs on."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return {
        "implementation": sys.implementation.name,
        "version": platform.python_version(),
        "base": os.path.realpath(base),
        "platform": sysconfig.get_platform(),
    }


def key_of(steps: tuple[tuple[str, ...], ...], python: Mapping[str, str] | None = None) -> str:
    doc = {"format": FORMAT, "steps": [list(s) for s in steps], "python": python or python_id()}
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
    return digest[:20]


def env_python(path: str) -> str:
    if os.name == "nt":
        return os.path.join(path, "Scripts", "python.exe")
    return os.path.join(path, "bin", "python")


@dataclass(frozen=True, slots=True, kw_only=True)
class Stored:
    """One environment in the cache: its folder, its marker's content (None: never finished)."""

    path: str
    marker: Mapping[str, Any] | None
    bytes: int
    mtime: float

    @property
    def ready(self) -> bool:
        return self.marker is not None and os.path.exists(env_python(self.path))


def read_marker(path: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(path, MARKER), "rb") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == FORMAT else None


def write_marker(path: str, doc: Mapping[str, Any]) -> None:
    """The last thing a build writes: from now on the environment is trusted."""
    write_atomic(os.path.join(path, MARKER), json.dumps({"format": FORMAT, **doc}, indent=1))


def remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def locked(root: str, key: str, on_wait=None) -> Iterator[None]:
    """One builder of ``key`` at a time (others wait, after ``on_wait()``); a no-op where
    ``fcntl`` is missing."""
    try:
        import fcntl
    except ImportError:  # Windows: one dlrec at a time is the user's business there
        yield
        return
    fd = os.open(os.path.join(root, f"{key}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _size(path: str) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def stored(env: Mapping[str, str]) -> list[Stored]:
    """Every environment in the cache, newest first (a folder without marker: unfinished)."""
    root = envs_dir(env)
    try:
        entries = [e for e in os.scandir(root) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    out = []
    for entry in entries:
        marker = read_marker(entry.path)
        mtime = os.stat(os.path.join(entry.path, MARKER)).st_mtime if marker else 0.0
        out.append(
            Stored(
                path=entry.path,
                marker=marker,
                bytes=_size(entry.path),
                mtime=mtime or entry.stat(follow_symlinks=False).st_mtime,
            )
        )
    return sorted(out, key=lambda s: s.mtime, reverse=True)


def prune(env: Mapping[str, str], older_than: float | None = None) -> list[Stored]:
    """Remove environments (only those last used over ``older_than`` seconds ago, when given;
    an unfinished one goes whatever its age, unless another dlrec holds its lock)."""
    root, now, gone = envs_dir(env), time.time(), []
    for item in stored(env):
        if item.ready and older_than is not None and now - item.mtime <= older_than:
            continue
        key = os.path.basename(item.path)
        if not item.ready and _busy(root, key):
            continue
        remove(item.path)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(root, f"{key}.lock"))
        gone.append(item)
    return gone


def _busy(root: str, key: str) -> bool:
    """Another dlrec is building ``key`` right now."""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        fd = os.open(os.path.join(root, f"{key}.lock"), os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def touch(path: str) -> None:
    """A reuse counts as a use: ``prune --older-than`` goes by the marker's time."""
    with contextlib.suppress(OSError):
        os.utime(os.path.join(path, MARKER))
