"""Host and container faults: cgroup limits and broken cgroup files, CPU quota and affinity,
an aarch64 cpuinfo, psutil.cpu_freq() raising, and a dead mount blocking disk_usage.

Fake hosts stand in for /proc and /sys (DLREC_SYSROOT). The tests run as root, so "unreadable"
is simulated the two ways root still cannot read a file as text: a directory where the file
should be, and a FIFO (which must not block the probe: Host.read_text checks is_file first)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time

import pytest

from recommender.facts.collect import collect_facts
from tests.faults.helpers import run

MEMINFO = "MemTotal:       16384000 kB\nMemAvailable:   8192000 kB\n"
V2 = "0::/\n"


def memory_of(fake_host, files: dict[str, str | None], cgroup: str = V2) -> dict:
    """Write ``files`` (None: a directory; "FIFO": a named pipe) and probe through the real CLI."""
    fake_host.write("/proc/meminfo", MEMINFO)
    fake_host.write("/proc/self/cgroup", cgroup)
    for path, text in files.items():
        target = fake_host.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            target.mkdir()
        elif text == "FIFO":
            os.mkfifo(target)
        else:
            target.write_text(text)
    ran = run("probe", "--json", env=fake_host.env(), timeout=20)
    assert ran.code == 0 and ran.err == "", ran.err
    assert ran.seconds < 10  # a FIFO in the way never blocks
    doc = json.loads(ran.out)
    assert doc["probes"]["memory"]["status"] == "ok"
    return doc["memory"]


@pytest.mark.parametrize(
    "files, cgroup, limit",
    [
        (
            {
                "/sys/fs/cgroup/cgroup.controllers": "memory",
                "/sys/fs/cgroup/memory.max": "4294967296\n",
            },
            V2,
            4 << 30,
        ),
        (
            {"/sys/fs/cgroup/cgroup.controllers": "memory", "/sys/fs/cgroup/memory.max": "max\n"},
            V2,
            None,
        ),
        (
            {"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"},
            "5:memory:/\n",
            None,
        ),
        ({"/sys/fs/cgroup/memory/memory.limit_in_bytes": "2147483648\n"}, "5:memory:/\n", 2 << 30),
        ({}, V2, None),  # missing
        (
            {"/sys/fs/cgroup/cgroup.controllers": "memory", "/sys/fs/cgroup/memory.max": None},
            V2,
            None,
        ),  # a dir
        (
            {"/sys/fs/cgroup/cgroup.controllers": "memory", "/sys/fs/cgroup/memory.max": "FIFO"},
            V2,
            None,
        ),  # a FIFO
        (
            {
                "/sys/fs/cgroup/cgroup.controllers": "memory",
                "/sys/fs/cgroup/memory.max": "\x00\xffgarbage",
            },
            V2,
            None,
        ),
    ],
    ids=[
        "v2-number",
        "v2-max",
        "v1-unlimited",
        "v1-number",
        "missing",
        "unreadable-dir",
        "fifo",
        "garbage",
    ],
)
def test_cgroup_memory_limit(fake_host, files, cgroup, limit):
    """Trigger: cgroup v2 memory.max a number or "max"; v1 unlimited; files missing/unreadable."""
    mem = memory_of(fake_host, files, cgroup)
    assert mem["limit_bytes"] == limit
    assert mem["usable_bytes"] == (limit or 16384000 * 1024)


@pytest.fixture
def eight_cpus(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)


def test_cpu_max_150000_100000_gives_two_usable_cores(fake_host, eight_cpus):
    """Trigger: cgroup v2 cpu.max "150000 100000" (1.5 CPUs) on an 8-CPU host."""
    fake_host.write("/sys/fs/cgroup/cgroup.controllers", "cpu")
    fake_host.write("/proc/self/cgroup", V2)
    fake_host.write("/sys/fs/cgroup/cpu.max", "150000 100000\n")
    facts = collect_facts(host=fake_host.host(), scale=0.5)
    assert facts.get("cpu.logical_cores") == 8 and facts.get("cpu.usable_cores") == 2


@pytest.mark.skipif(not shutil.which("taskset"), reason="taskset is not installed")
def test_affinity_reduced_to_one_cpu():
    """Trigger: `taskset -c 0 dlrec probe` (affinity reduced to one CPU)."""
    ran = run("probe", "--json", argv_prefix=("taskset", "-c", "0"))
    assert ran.code == 0 and json.loads(ran.out)["cpu"]["usable_cores"] == 1


def test_aarch64_cpuinfo_without_model_name(fake_host):
    """Trigger: an aarch64 /proc/cpuinfo with no "model name" line (Graviton-like)."""
    fake_host.write(
        "/proc/cpuinfo",
        "processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd sve2 bf16 i8mm\n"
        "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU part\t: 0xd4f\n\n",
    )
    ran = run("probe", "--json", env=fake_host.env())
    cpu = json.loads(ran.out)["cpu"]
    assert ran.code == 0 and cpu["model"] == "ARM (part 0xd4f)" and cpu["vendor"] == "ARM"
    assert {"neon", "asimd", "sve2", "bf16", "i8mm"} <= set(cpu["flags"])


def test_psutil_cpu_freq_raising_does_not_affect_probe(tmp_path):
    """Trigger: psutil.cpu_freq() raises (a sitecustomize patches it in the dlrec process).

    dlrec never calls cpu_freq (the source says so below); the probe must not change at all."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import psutil\n"
        "def cpu_freq(*a, **k):\n    raise OSError('cpu_freq: /sys/devices/system/cpu/cpufreq unreadable')\n"
        "psutil.cpu_freq = cpu_freq\n"
    )
    ran = run("probe", "--json", PYTHONPATH=str(site))
    doc = json.loads(ran.out)
    assert ran.code == 0 and doc["probes"]["cpu"]["status"] == "ok" and doc["cpu"]["logical_cores"]
    for folder in ("probes", "recommender"):
        for path in (run.__globals__["ROOT"] / folder).glob("**/*.py"):
            assert "cpu_freq" not in path.read_text(), path


def test_dead_mount_blocking_disk_usage(monkeypatch):
    """Trigger: shutil.disk_usage blocks forever (a dead NFS mount), in-process."""
    release = threading.Event()
    monkeypatch.setattr(shutil, "disk_usage", lambda path: release.wait())
    scale = 0.25
    start = time.monotonic()
    try:
        facts = collect_facts(scale=scale)
    finally:
        release.set()  # let the abandoned probe thread finish
    elapsed = time.monotonic() - start
    disk_budget = 2.0 * scale
    assert elapsed < disk_budget + 1.0, elapsed
    probe = facts.doc["probes"]["disk"]
    assert probe["status"] == "unknown" and probe["reason"] == f"timed out after {disk_budget:g}s"
    assert facts.get("disk.free_bytes") is None
