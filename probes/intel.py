"""intel: Intel GPUs usable as XPU (best effort: PCI display devices with a DRM render node)."""

from __future__ import annotations

from recommender.probes.base import Host, ProbeResult, probe
from recommender.probes.pci import INTEL, display_devices

# Discrete Arc / Data Center GPU Max device-id prefixes; integrated GPUs are noted, not counted.
_DISCRETE_PREFIXES = ("0x56", "0x0b", "0xe2")


@probe("intel", section="accelerators", budget_s=2.0)
def intel_probe(host: Host) -> ProbeResult:
    devices = display_devices(host, INTEL)
    if not devices:
        return ProbeResult.absent("no Intel GPU")
    discrete = [d for d in devices if d.device.startswith(_DISCRETE_PREFIXES)]
    if not discrete:
        return ProbeResult.absent("only an integrated Intel GPU (not a training device)")
    if not any(n.startswith("renderD") for n in host.listdir("/dev/dri")):
        return ProbeResult.unknown(
            "an Intel discrete GPU is present but has no /dev/dri render node"
        )
    accels = [
        {
            "kind": "xpu",
            "vendor": "intel",
            "index": i,
            "name": f"Intel GPU (PCI 8086:{d.device[2:]})",
            "memory_bytes": None,
            "visible": True,
        }
        for i, d in enumerate(discrete)
    ]
    return ProbeResult.ok({"accelerators": accels})
