"""cpu: model, vendor, arch, cores (logical and usable under affinity and cgroup quota), ISA flags."""

from __future__ import annotations

import math
import os
import platform

from recommender.probes.base import Host, ProbeResult, probe
from recommender.probes.cgroup import cgroup_file
from recommender.probes.process import run_bounded

# The flags that decide what a framework build can run; everything else in /proc/cpuinfo is noise.
_X86_FLAGS = ("sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni")
_X86_PREFIXES = ("avx512", "amx")
_ARM_FLAGS = ("neon", "asimd", "sve", "sve2", "asimdhp", "asimddp", "bf16", "i8mm", "fphp")

# /proc/cpuinfo on aarch64 often has no "model name": name the implementer instead.
_ARM_IMPLEMENTERS = {
    "0x41": "ARM",
    "0x42": "Broadcom",
    "0x43": "Cavium",
    "0x46": "Fujitsu",
    "0x48": "HiSilicon",
    "0x4e": "NVIDIA",
    "0x50": "Ampere (APM)",
    "0x51": "Qualcomm",
    "0x61": "Apple",
    "0xc0": "Ampere",
}


def _interesting(flags: set[str]) -> list[str]:
    keep = {f for f in flags if f in _X86_FLAGS or f in _ARM_FLAGS or f.startswith(_X86_PREFIXES)}
    if "asimd" in keep:  # aarch64 calls NEON "asimd"
        keep.add("neon")
    return sorted(keep)


def parse_cpuinfo(text: str) -> dict:
    """Model, vendor and flags from /proc/cpuinfo (x86 or Arm). Missing fields are None."""
    first: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            if first and not line.strip():
                break  # the first processor block is enough
            continue
        first.setdefault(key.strip().lower(), value.strip())
    raw_flags = first.get("flags") or first.get("features")
    model = first.get("model name") or first.get("hardware") or first.get("cpu model")
    vendor = first.get("vendor_id")
    implementer = first.get("cpu implementer", "").lower()
    if implementer:
        vendor = vendor or _ARM_IMPLEMENTERS.get(implementer, f"implementer {implementer}")
        if not model:
            part = first.get("cpu part", "?")
            model = f"{vendor} (part {part})"
    return {
        "model": model,
        "vendor": vendor,
        "flags": _interesting(set(raw_flags.split())) if raw_flags is not None else None,
    }


def _darwin_cpu() -> dict:
    res = run_bounded(["sysctl", "-n", "machdep.cpu.brand_string"], timeout=1.5)
    model = res.stdout.strip() if res.ok else None
    flags_res = run_bounded(["sysctl", "hw.optional"], timeout=1.5)
    flags: list[str] | None = None
    if flags_res.ok:
        names = {
            line.split(":")[0].rsplit(".", 1)[-1].strip().lower()
            for line in flags_res.stdout.splitlines()
            if line.strip().endswith(": 1")
        }
        aliases = {
            "avx1_0": "avx",
            "avx2_0": "avx2",
            "fma": "fma",
            "neon": "neon",
            "arm_fphp": "fphp",
            "arm_feat_bf16": "bf16",
            "arm_feat_i8mm": "i8mm",
        }
        flags = sorted(
            {aliases.get(n, n) for n in names} & (set(_X86_FLAGS) | set(_ARM_FLAGS))
            | {n for n in names if n.startswith(_X86_PREFIXES)}
        )
    vendor = "Apple" if model and model.startswith("Apple") else ("GenuineIntel" if model else None)
    return {"model": model, "vendor": vendor, "flags": flags}


def rosetta_translated() -> bool | None:
    """True when this (x86_64) process runs under Rosetta 2 on Apple silicon."""
    if platform.system() != "Darwin":
        return None
    res = run_bounded(["sysctl", "-in", "sysctl.proc_translated"], timeout=1.5)
    if not res.ok:
        return None
    return res.stdout.strip() == "1"


def cgroup_cpu_limit(host: Host) -> float | None:
    """CPUs allowed by the cgroup quota (v2 ``cpu.max``, v1 ``cfs_quota_us``), None if unlimited."""
    text = cgroup_file(host, v2="cpu.max")
    if text is not None:
        parts = text.split()
        if len(parts) >= 1 and parts[0] != "max":
            try:
                period = float(parts[1]) if len(parts) > 1 else 100000.0
                return float(parts[0]) / period if period > 0 else None
            except ValueError:
                return None
        return None
    quota = cgroup_file(host, v1=("cpu", "cpu.cfs_quota_us"))
    period_text = cgroup_file(host, v1=("cpu", "cpu.cfs_period_us"))
    try:
        q, p = int(quota or "-1"), int(period_text or "100000")
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def usable_cores(host: Host, logical: int | None) -> int | None:
    counts = []
    if logical:
        counts.append(logical)
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:  # honours taskset / numactl / container cpusets
        try:
            counts.append(len(affinity(0)))
        except OSError:
            pass
    quota = cgroup_cpu_limit(host)
    if quota:
        counts.append(max(1, math.ceil(quota)))
    return min(counts) if counts else None


@probe("cpu", section="cpu", budget_s=3.0)
def cpu_probe(host: Host) -> ProbeResult:
    system = platform.system()
    if system == "Darwin":
        info = _darwin_cpu()
    elif system == "Linux" or host.exists("/proc/cpuinfo"):
        text = host.read_text("/proc/cpuinfo")
        info = parse_cpuinfo(text) if text else {"model": None, "vendor": None, "flags": None}
    else:
        info = {"model": platform.processor() or None, "vendor": None, "flags": None}
    logical = os.cpu_count()
    data = {
        "model": info["model"],
        "vendor": info["vendor"],
        "arch": platform.machine(),
        "logical_cores": logical,
        "usable_cores": usable_cores(host, logical),
        "flags": info["flags"],
        "rosetta": rosetta_translated(),
    }
    if info["flags"] is None:
        return ProbeResult.ok(data, warnings=["CPU instruction-set flags could not be read"])
    return ProbeResult.ok(data)
