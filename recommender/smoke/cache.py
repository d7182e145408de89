"""The smoke cache: passing runs stored as JSON, keyed by everything that could change them.

One file per run (framework x backend x device) in ``<cache dir>/smoke/``, named by a
fingerprint of the framework's version and build, the device, the Python and dlrec versions, the
interpreter path and the smoke settings. Written atomically (temp file + ``os.replace``). Failed
runs are never cached: the fix is usually outside what the fingerprint sees (a NumPy downgrade).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

from recommender import __version__
from recommender.atomic import write_atomic

#: Bump when the child's models, data or measurements change: old entries stop matching.
CACHE_FORMAT = 2  # 2: results carry the per-step losses


def smoke_dir(env: Mapping[str, str]) -> str:
    from recommender.probes.disk import cache_dir

    return os.path.join(cache_dir(env), "smoke")


def log_dir(env: Mapping[str, str]) -> str:
    """Where smoke logs go: ``<cache dir>/smoke/logs``, or a fresh temp folder when the cache dir
    cannot be made or written (a read-only home): an unwritable cache costs speed, never the run."""
    path = os.path.join(smoke_dir(env), "logs")
    try:
        os.makedirs(path, exist_ok=True)
        if os.access(path, os.W_OK | os.X_OK):
            return path
    except OSError:
        pass
    return tempfile.mkdtemp(prefix="dlrec-smoke-logs-")


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
    """(cached_at, result dicts) for ``key``, or None when missing, unreadable or not matching."""
    try:
        with open(_path(env, key), encoding="utf-8") as fh:
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
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomic(path, json.dumps(doc, indent=1))
    except OSError:
        return None
    return cached_at


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
