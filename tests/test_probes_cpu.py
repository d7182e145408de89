"""cpu probe on a fake host: cpuinfo (x86, aarch64), cgroup quotas (v2, v1), CPU affinity."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from recommender.probes.cpu import cgroup_cpu_limit, cpu_probe, parse_cpuinfo, usable_cores
from tests.conftest import ROOT, dlrec_argv

X86_CPUINFO = """\
processor\t: 0
vendor_id\t: GenuineIntel
cpu family\t: 6
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu vme sse4_1 sse4_2 avx avx2 fma f16c avx512f avx512bw avx512_bf16 amx_tile amx_bf16 ht

processor\t: 1
vendor_id\t: GenuineIntel
model name\t: SOMETHING ELSE
flags\t\t: fpu
"""

AARCH64_CPUINFO = """\
processor\t: 0
BogoMIPS\t: 2000.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp sve sve2 bf16 i8mm
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x1
CPU part\t: 0xd40
CPU revision\t: 1

processor\t: 1
Features\t: fp asimd
CPU implementer\t: 0x41
"""


def test_x86_cpuinfo_model_vendor_and_interesting_flags_only(fake_host):
    fake_host.write("/proc/cpuinfo", X86_CPUINFO)
    result = cpu_probe.collect(fake_host.host())
    assert result.status.value == "ok"
    assert result.data["model"] == "Intel(R) Xeon(R) Platinum 8480+"
    assert result.data["vendor"] == "GenuineIntel"
    assert result.data["flags"] == [
        "amx_bf16",
        "amx_tile",
        "avx",
        "avx2",
        "avx512_bf16",
        "avx512bw",
        "avx512f",
        "f16c",
        "fma",
        "sse4_1",
        "sse4_2",
    ]
    assert "fpu" not in result.data["flags"]  # noise is dropped; the first block wins
    assert result.warnings == ()


def test_aarch64_cpuinfo_without_model_name_names_the_implementer():
    info = parse_cpuinfo(AARCH64_CPUINFO)
    assert info["vendor"] == "ARM"
    assert info["model"] == "ARM (part 0xd40)"
    assert {"neon", "asimd", "sve", "sve2", "bf16", "i8mm"} <= set(info["flags"])
    assert "aes" not in info["flags"]


def test_unknown_arm_implementer_and_empty_features():
    info = parse_cpuinfo("processor : 0\nFeatures :\nCPU implementer : 0x99\nCPU part : 0x1\n")
    assert info["vendor"] == "implementer 0x99"
    assert info["flags"] == []


def test_missing_cpuinfo_is_ok_with_a_warning_and_no_flags(fake_host):
    result = cpu_probe.collect(fake_host.host())
    assert result.status.value == "ok"
    assert result.data["flags"] is None and result.data["model"] is None
    assert any("flags could not be read" in w for w in result.warnings)


def test_garbage_cpuinfo_never_raises():
    for text in ("", "\n\n\n", ":::", "\x00\xff garbage", "flags"):
        info = parse_cpuinfo(text)
        assert set(info) == {"model", "vendor", "flags"}


@pytest.fixture
def eight_cpus(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)


def test_cgroup_v2_cpu_max_150000_of_100000_gives_2_usable_cores(fake_host, eight_cpus):
    fake_host.write("/sys/fs/cgroup/cgroup.controllers", "cpu memory")
    fake_host.write("/sys/fs/cgroup/cpu.max", "150000 100000\n")
    host = fake_host.host()
    assert cgroup_cpu_limit(host) == pytest.approx(1.5)
    assert usable_cores(host, 8) == 2


def test_cgroup_v2_own_cgroup_path_from_proc_self_cgroup(fake_host, eight_cpus):
    fake_host.write("/sys/fs/cgroup/cgroup.controllers", "cpu")
    fake_host.write("/proc/self/cgroup", "0::/kubepods/pod1/ctr\n")
    fake_host.write("/sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", "50000 100000\n")
    fake_host.write("/sys/fs/cgroup/cpu.max", "max 100000\n")
    assert usable_cores(fake_host.host(), 8) == 1


def test_cgroup_v2_cpu_max_unlimited(fake_host, eight_cpus):
    fake_host.write("/sys/fs/cgroup/cgroup.controllers", "cpu")
    fake_host.write("/sys/fs/cgroup/cpu.max", "max 100000\n")
    assert cgroup_cpu_limit(fake_host.host()) is None
    assert usable_cores(fake_host.host(), 8) == 8


def test_cgroup_v1_cfs_quota(fake_host, eight_cpus):
    fake_host.write("/proc/self/cgroup", "4:cpu,cpuacct:/docker/abc\n")
    fake_host.write("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "300000\n")
    fake_host.write("/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n")
    assert cgroup_cpu_limit(fake_host.host()) == pytest.approx(3.0)
    assert usable_cores(fake_host.host(), 8) == 3


def test_cgroup_v1_unlimited_quota_and_garbage(fake_host, eight_cpus):
    fake_host.write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n")
    fake_host.write("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n")
    assert cgroup_cpu_limit(fake_host.host()) is None
    fake_host.write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "lots\n")
    assert cgroup_cpu_limit(fake_host.host()) is None
    assert usable_cores(fake_host.host(), 8) == 8


def test_cgroup_v2_garbage_cpu_max(fake_host, eight_cpus):
    fake_host.write("/sys/fs/cgroup/cgroup.controllers", "cpu")
    for text in ("abc def", "100000 0", ""):
        fake_host.write("/sys/fs/cgroup/cpu.max", text)
        assert cgroup_cpu_limit(fake_host.host()) is None


def test_affinity_counts(fake_host, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert usable_cores(fake_host.host(), 8) == 1


@pytest.mark.skipif(
    shutil.which("taskset") is None or not hasattr(os, "sched_getaffinity"),
    reason="taskset is not installed",
)
def test_taskset_one_cpu_gives_one_usable_core_in_the_real_cli(fake_host):
    env = fake_host.env()
    env.pop("DLREC_SYSROOT")  # the real host, affinity reduced by taskset
    cpu_id = min(os.sched_getaffinity(0))  # a CPU this process may use (cpusets vary)
    proc = subprocess.run(
        ["taskset", "-c", str(cpu_id), *dlrec_argv("probe", "--json")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    cpu = json.loads(proc.stdout)["cpu"]
    assert cpu["usable_cores"] == 1
    assert cpu["logical_cores"] == os.cpu_count()
