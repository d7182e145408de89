"""apple: Apple silicon GPUs (Metal / MPS) on macOS arm64, and Rosetta translation."""

from __future__ import annotations

import platform

from recommender.core.numfmt import is_digits
from recommender.probes.base import Host, ProbeResult, probe
from recommender.probes.cpu import rosetta_translated
from recommender.probes.process import run_bounded


def _sysctl(name: str) -> str | None:
    res = run_bounded(["sysctl", "-n", name], timeout=1.5)
    return res.stdout.strip() if res.ok and res.stdout.strip() else None


@probe("apple", section="accelerators", budget_s=3.0)
def apple_probe(host: Host) -> ProbeResult:
    if platform.system() != "Darwin":
        return ProbeResult.absent("not macOS")
    translated = rosetta_translated()
    if platform.machine() != "arm64" and not translated:
        return ProbeResult.absent("an Intel Mac: no Apple-silicon GPU (MPS needs arm64)")
    brand = _sysctl("machdep.cpu.brand_string") or "Apple silicon"
    memsize = _sysctl("hw.memsize")
    accel = {
        "kind": "mps",
        "vendor": "apple",
        "index": 0,
        "name": f"{brand} GPU",
        "memory_bytes": int(memsize) if memsize and is_digits(memsize) else None,  # unified memory
        "macos_version": platform.mac_ver()[0] or None,
        "visible": True,
    }
    warnings = []
    if translated:
        warnings.append(
            "Python runs under Rosetta (x86_64 on Apple silicon): install an arm64 "
            "Python to use MPS and native wheels"
        )
    return ProbeResult.ok({"accelerators": [accel], "rosetta": bool(translated)}, warnings=warnings)
