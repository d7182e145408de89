"""memory: total and available RAM, and the cgroup limit (psutil alone reports the host's RAM)."""

from __future__ import annotations

import platform

from recommender.core.numfmt import is_digits
from recommender.probes.base import Host, ProbeResult, probe
from recommender.probes.cgroup import cgroup_file

# cgroup v1 writes "unlimited" as a huge page-aligned number (9223372036854771712).
_V1_UNLIMITED = 1 << 62


def parse_meminfo(text: str) -> dict[str, int]:
    values = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        parts = rest.split()
        if sep and parts and is_digits(parts[0]):
            factor = 1024 if len(parts) > 1 and parts[1].lower() == "kb" else 1
            values[key.strip()] = int(parts[0]) * factor
    return values


def cgroup_memory_limit(host: Host) -> int | None:
    text = cgroup_file(host, v2="memory.max")
    if text is None:
        text = cgroup_file(host, v1=("memory", "memory.limit_in_bytes"))
    if text is None or text == "max":
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return None if value >= _V1_UNLIMITED else value


def _psutil_memory() -> tuple[int | None, int | None]:
    import psutil  # only off Linux: /proc/meminfo is faster and honours the host root

    vm = psutil.virtual_memory()
    return vm.total, vm.available


@probe("memory", section="memory", budget_s=2.0)
def memory_probe(host: Host) -> ProbeResult:
    text = host.read_text("/proc/meminfo")
    if text:
        info = parse_meminfo(text)
        total = info.get("MemTotal")
        available = info.get("MemAvailable", info.get("MemFree"))
    elif platform.system() != "Linux":
        total, available = _psutil_memory()
    else:
        return ProbeResult.unknown("/proc/meminfo is not readable")
    limit = cgroup_memory_limit(host)
    if limit is not None and total is not None and limit >= total:
        limit = None  # a limit above physical RAM does not constrain anything
    usable = min(v for v in (total, limit) if v is not None) if (total or limit) else None
    return ProbeResult.ok(
        {
            "total_bytes": total,
            "available_bytes": available,
            "limit_bytes": limit,
            "usable_bytes": usable,
        }
    )
