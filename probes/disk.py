"""disk: free space where the project lives and where dlrec caches results."""

from __future__ import annotations

import os
import shutil
import sys

from recommender.probes.base import Host, ProbeResult, probe


def cache_dir(env) -> str:
    """The dlrec cache dir: ``DLREC_CACHE_DIR`` or the platform's user cache dir."""
    override = env.get("DLREC_CACHE_DIR")
    if override:
        return override
    if sys.platform == "linux":  # platformdirs' own rule on Linux, without its 30 ms import
        base = env.get("XDG_CACHE_HOME", "")
        return os.path.join(base if base.strip() else os.path.expanduser("~/.cache"), "dlrec")
    import platformdirs

    return platformdirs.user_cache_dir("dlrec", appauthor=False)


def _free(path: str) -> int | None:
    probe_path = path
    while probe_path and not os.path.exists(probe_path):  # cache dir may not exist yet
        parent = os.path.dirname(probe_path)
        if parent == probe_path:
            break
        probe_path = parent
    try:
        return shutil.disk_usage(probe_path).free
    except OSError:
        return None


def _shm_size(host: Host) -> int | None:
    """The size of /dev/shm (PyTorch's DataLoader workers and NCCL put shared memory there;
    Docker gives a container 64 MB unless run with --shm-size or --ipc=host)."""
    try:
        stat = os.statvfs(host.path("/dev/shm"))
    except (OSError, AttributeError):  # no /dev/shm (macOS, Windows), or unreadable
        return None
    return stat.f_blocks * stat.f_frsize


@probe("disk", section="disk", budget_s=2.0)
def disk_probe(host: Host) -> ProbeResult:
    cwd = os.getcwd()
    cache = cache_dir(host.env)
    free = _free(cwd)
    data = {"path": cwd, "free_bytes": free, "cache_path": cache, "cache_free_bytes": _free(cache)}
    data["shm_bytes"] = _shm_size(host)
    if free is None:
        return ProbeResult.unknown(f"cannot read free space of {cwd}", data)
    return ProbeResult.ok(data)
