"""memory probe on a fake host: /proc/meminfo and the cgroup limit (v2, v1, missing, garbage)."""

from __future__ import annotations

from recommender.probes.memory import cgroup_memory_limit, memory_probe, parse_meminfo

GIB = 1 << 30
MEMINFO = "MemTotal:       16777216 kB\nMemFree:         1048576 kB\nMemAvailable:    8388608 kB\n"


def _probe(fake_host):
    fake_host.write("/proc/meminfo", MEMINFO)
    return memory_probe.collect(fake_host.host())


def test_meminfo_without_cgroup(fake_host):
    result = _probe(fake_host)
    assert result.status.value == "ok"
    assert result.data == {
        "total_bytes": 16 * GIB,
        "available_bytes": 8 * GIB,
        "limit_bytes": None,
        "usable_bytes": 16 * GIB,
    }


def test_cgroup_v2_memory_max_number(fake_host):
    fake_host.write("/sys/fs/cgroup/cgroup.controllers", "memory")
    fake_host.write("/sys/fs/cgroup/memory.max", f"{4 * GIB}\n")
    data = _probe(fake_host).data
    assert data["limit_bytes"] == 4 * GIB
    assert data["usable_bytes"] == 4 * GIB
    assert data["total_bytes"] == 16 * GIB  # psutil-style host RAM stays reported


def test_cgroup_v2_memory_max_max(fake_host):
    fake_host.write("/sys/fs/cgroup/cgroup.controllers", "memory")
    fake_host.write("/sys/fs/cgroup/memory.max", "max\n")
    assert _probe(fake_host).data["limit_bytes"] is None


def test_cgroup_v1_limit_and_unlimited(fake_host):
    fake_host.write("/proc/self/cgroup", "4:memory:/docker/abc\n")
    path = "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes"
    fake_host.write(path, f"{2 * GIB}\n")
    assert _probe(fake_host).data["limit_bytes"] == 2 * GIB
    fake_host.write(path, "9223372036854771712\n")  # v1's "unlimited"
    assert cgroup_memory_limit(fake_host.host()) is None
    assert _probe(fake_host).data["limit_bytes"] is None


def test_limit_above_physical_ram_is_no_limit(fake_host):
    fake_host.write("/sys/fs/cgroup/memory/memory.limit_in_bytes", f"{64 * GIB}\n")
    assert _probe(fake_host).data["limit_bytes"] is None


def test_missing_unreadable_or_garbage_cgroup_files_mean_no_limit(fake_host):
    assert _probe(fake_host).data["limit_bytes"] is None  # missing
    (fake_host.root / "sys/fs/cgroup/memory/memory.limit_in_bytes").mkdir(
        parents=True
    )  # not a file
    assert _probe(fake_host).data["limit_bytes"] is None
    fake_host.write("/sys/fs/cgroup/cgroup.controllers", "memory")
    fake_host.write("/sys/fs/cgroup/memory.max", "garbage\n")
    assert _probe(fake_host).data["limit_bytes"] is None
    fake_host.write("/sys/fs/cgroup/memory.max", "")
    assert _probe(fake_host).data["limit_bytes"] is None


def test_unreadable_meminfo_on_linux_is_unknown(fake_host):
    result = memory_probe.collect(fake_host.host())
    assert result.status.value == "unknown"
    assert "/proc/meminfo" in result.reason


def test_meminfo_without_memavailable_falls_back_to_memfree():
    info = parse_meminfo("MemTotal: 100 kB\nMemFree: 50 kB\nbogus line\nHugePages_Total: 0\n")
    assert info == {"MemTotal": 102400, "MemFree": 51200, "HugePages_Total": 0}
