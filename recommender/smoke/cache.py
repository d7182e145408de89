"""The smoke cache: passing runs stored as JSON, keyed by everything that could change them.

One file per run (framework x backend x device) in ``<cache dir>/smoke/``, named by a
fingerprint of the framework's version and build, the device, the Python and dlrec versions, the
interpreter path and the smoke settings. Written atomically (temp file + ``os.replace``, which
replaces a symlink rather than following it); read without following a symlink. Failed runs are
never cached: the fix is usually outside what the fingerprint sees (a NumPy downgrade). An entry
that is unreadable, foreign or wrongly typed is a miss, and the next passing run rewrites it.

Any number of dlrec processes may share one cache: each run writes its logs in a folder of its
own (:class:`RunLogs`), so no run reads another's output or logs.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from recommender import __version__
from recommender.core.atomic import write_atomic
from recommender.core.private import FILE_MODE, private_dir, trusted
from recommender.probes.disk import cache_dir

#: Bump when the child's models, data or measurements change: old entries stop matching.
CACHE_FORMAT = 2  # 2: results carry the per-step losses
#: Run log folders kept in ``<cache dir>/smoke/logs`` (older ones are removed, if over an hour old).
KEEP_RUNS = 20
#: A ``.tmp`` left in the cache folder this long ago was a write killed midway (SIGKILL).
STALE_TMP_S = 60.0
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def smoke_dir(env: Mapping[str, str]) -> str:
    return os.path.join(cache_dir(env), "smoke")


@dataclass(frozen=True, slots=True)
class RunLogs:
    """This run's own log folder, created fresh (mode 0700), so that no other dlrec writes in it:
    ``<cache dir>/smoke/logs/<time>-<pid>-<random>``, or a temp folder when the cache dir cannot
    be made or written (a read-only home: an unwritable cache costs speed, never the run)."""

    path: str
    temporary: bool

    @classmethod
    def create(cls, env: Mapping[str, str]) -> RunLogs:
        import tempfile  # here: a warm run reads the cache and makes no log folder

        logs = os.path.join(smoke_dir(env), "logs")
        prefix = time.strftime("%Y%m%d-%H%M%S-") + f"{os.getpid()}-"
        try:
            private_dir(logs, root=cache_dir(env))
            sweep(env)
            return cls(tempfile.mkdtemp(prefix=prefix, dir=logs), False)
        except OSError:
            return cls(tempfile.mkdtemp(prefix=f"dlrec-smoke-{prefix}"), True)

    def finish(self, keep: Iterable[str]) -> frozenset[str] | None:
        """After the run. In the cache every log stays (``None``: all kept). In a temp folder
        only the ``keep`` logs (failed runs', which the output names) stay; the rest and, when
        nothing is kept, the folder go: nothing else is left in TMPDIR. Returns what stayed."""
        if not self.temporary:
            return None
        kept = frozenset(p for p in keep if p and os.path.dirname(p) == self.path)
        try:
            names = os.listdir(self.path)
        except OSError:
            return frozenset()
        for name in names:
            path = os.path.join(self.path, name)
            if path not in kept:
                _remove(path)
        if not kept:
            _remove(self.path)
        return kept


def _remove(path: str) -> None:
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def sweep(env: Mapping[str, str], now: float | None = None) -> None:
    """Remove what killed runs left: ``.tmp`` files of writes cut short in the cache folder, and
    run log folders beyond the newest :data:`KEEP_RUNS` (only those over an hour old, so a run
    that is still going keeps its logs)."""
    now = time.time() if now is None else now
    root = smoke_dir(env)
    for entry in _scan(root):
        if entry.name.endswith(".tmp") and entry.is_file(follow_symlinks=False):
            if now - entry.stat(follow_symlinks=False).st_mtime > STALE_TMP_S:
                _remove(entry.path)
    runs = sorted(
        (e for e in _scan(os.path.join(root, "logs")) if e.is_dir(follow_symlinks=False)),
        key=lambda e: e.stat(follow_symlinks=False).st_mtime,
        reverse=True,
    )
    for entry in runs[KEEP_RUNS:]:
        if now - entry.stat(follow_symlinks=False).st_mtime > 3600:
            _remove(entry.path)


def _scan(path: str) -> list[os.DirEntry]:
    try:
        with os.scandir(path) as it:
            return list(it)
    except OSError:
        return []


def fingerprint(
    *,
    framework: str,
    backend: str | None,
    device: str,
    framework_facts: Mapping[str, Any],
    steps: int,
    models: tuple[str, ...],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The cache key as a readable dict (stored in the entry, hashed for its file name)."""
    return {
        "format": CACHE_FORMAT,
        "framework": framework,
        "backend": backend,
        "device": device,
        "version": framework_facts.get("version"),
        "distribution": framework_facts.get("distribution"),
        "build": _plain(framework_facts.get("build")),
        "dlrec": __version__,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "steps": steps,
        "models": list(models),
        **dict(extra or {}),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _path(env: Mapping[str, str], key: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:24]
    name = f"{key['framework']}-{key.get('backend') or 'default'}-{key['device']}-{digest}.json"
    return os.path.join(smoke_dir(env), name)


def load(env: Mapping[str, str], key: Mapping[str, Any]) -> tuple[str, list[dict]] | None:
    """(cached_at, result dicts) for ``key``, or None when missing, unreadable, not matching,
    or writable by someone else (a world-writable entry could be a planted verdict)."""
    try:
        fd = os.open(_path(env, key), os.O_RDONLY | _NOFOLLOW)  # a symlink is a miss
        with os.fdopen(fd, encoding="utf-8") as fh:
            if not trusted(os.fstat(fd)):
                return None
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != _plain(key):
        return None
    results, cached_at = doc.get("results"), doc.get("cached_at")
    if (
        not isinstance(results, list)
        or not isinstance(cached_at, str)
        or not all(isinstance(r, dict) for r in results)
    ):
        return None
    return cached_at, results


def store(env: Mapping[str, str], key: Mapping[str, Any], results: list[dict]) -> str | None:
    """Write an entry atomically; return its timestamp (None if the cache dir is not writable)."""
    cached_at = now_utc()
    path = _path(env, key)
    doc = {"key": _plain(key), "cached_at": cached_at, "results": results}
    try:
        private_dir(os.path.dirname(path), root=cache_dir(env))
        write_atomic(path, json.dumps(doc, indent=1), mode=FILE_MODE)
    except OSError:
        return None
    return cached_at


def well_typed(doc: Mapping[str, Any], types: Mapping[str, tuple[type, ...]]) -> bool:
    """True when each key of ``types`` holds one of its types in ``doc`` (absent reads as None;
    a bool is not a number). A cached entry that fails this is a miss, never a crash."""
    for key, allowed in types.items():
        value = doc.get(key)
        if isinstance(value, bool) and bool not in allowed:
            return False
        if not isinstance(value, allowed):
            return False
    return True


#: Types for ``well_typed``: a measured figure, and an optional one.
NUMBER = (int, float, type(None))
OPTIONAL_STR = (str, type(None))


def now_utc() -> str:
    return (
        _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    )


def age_seconds(cached_at: str, now: _dt.datetime | None = None) -> float | None:
    try:
        then = _dt.datetime.fromisoformat(cached_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    now = now or _dt.datetime.now(_dt.timezone.utc)
    return max(0.0, (now - then).total_seconds())


def describe_age(seconds: float | None) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago'."""
    if seconds is None:
        return "at an unknown time"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"
