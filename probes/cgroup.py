"""Find this process's cgroup files, v2 (unified) or v1, through the host root."""

from __future__ import annotations

from recommender.probes.base import Host


def _own_paths(host: Host) -> dict[str, str]:
    """controller -> cgroup path from /proc/self/cgroup (``""`` is the v2 unified entry)."""
    paths: dict[str, str] = {}
    for line in (host.read_text("/proc/self/cgroup") or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    return paths


def cgroup_file(
    host: Host, *, v2: str | None = None, v1: tuple[str, str] | None = None
) -> str | None:
    """The stripped text of a cgroup file, own cgroup first, then the mount root.

    ``v2="memory.max"`` reads the unified hierarchy; ``v1=("memory", "memory.limit_in_bytes")``
    reads a v1 controller. Returns None when the file is missing or unreadable.
    """
    own = _own_paths(host)
    candidates: list[str] = []
    if v2 and host.exists("/sys/fs/cgroup/cgroup.controllers"):
        rel = own.get("", "/").strip("/")
        if rel:
            candidates.append(f"/sys/fs/cgroup/{rel}/{v2}")
        candidates.append(f"/sys/fs/cgroup/{v2}")
    if v1:
        controller, name = v1
        rel = own.get(controller, "/").strip("/")
        for mount in (controller, f"{controller},cpuacct", f"cpuacct,{controller}"):
            if rel:
                candidates.append(f"/sys/fs/cgroup/{mount}/{rel}/{name}")
            candidates.append(f"/sys/fs/cgroup/{mount}/{name}")
    for path in candidates:
        text = host.read_text(path)
        if text is not None:
            return text.strip()
    return None
