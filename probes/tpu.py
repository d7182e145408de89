"""tpu: Google TPU chips from PCI (vendor 0x1ae0), /dev/accel*, or numbered /dev/vfio/N.

``TPU_NAME``, ``COLAB_TPU_ADDR`` and ``PJRT_DEVICE`` are hints only; no metadata server is
ever queried.
"""

from __future__ import annotations

import re

from recommender.core.numfmt import is_digits
from recommender.probes.base import Host, ProbeResult, probe
from recommender.probes.pci import GOOGLE, pci_devices

_HINTS = ("TPU_NAME", "COLAB_TPU_ADDR", "PJRT_DEVICE", "TPU_ACCELERATOR_TYPE")
# PCI device ids Google TPUs are known by (best effort; unknown ids still count as a TPU).
_GENERATIONS = {
    "0x0027": "TPU v2/v3",
    "0x005e": "TPU v4",
    "0x0056": "TPU v4 lite",
    "0x0062": "TPU v5p",
    "0x0063": "TPU v5e",
    "0x006f": "TPU v6e",
    "0x0076": "TPU7x",
}
# Google's other PCI devices on every GCE VM are never TPUs: gVNIC (0x0042, class 0x0200xx) and
# Google NVMe (0x001f, class 0x0108xx). An unknown id counts only outside storage and network.
_NOT_TPU_CLASSES = ("0x01", "0x02")


def _is_tpu(device) -> bool:
    return device.device in _GENERATIONS or not device.pci_class.startswith(_NOT_TPU_CLASSES)


def _hints(host: Host) -> list[str]:
    return [f"{k}={host.env[k]}" for k in _HINTS if host.env.get(k)]


@probe("tpu", section="accelerators", budget_s=2.0)
def tpu_probe(host: Host) -> ProbeResult:
    chips = [d for d in pci_devices(host, GOOGLE) if _is_tpu(d)]
    # /dev/accel0.. are TPU chips; /dev/accel/ (a directory) is the kernel's generic accel
    # subsystem (Intel NPU, Habana), not a TPU.
    accel_nodes = [n for n in host.listdir("/dev") if re.fullmatch(r"accel\d+", n)]
    vfio_nodes = [n for n in host.listdir("/dev/vfio") if is_digits(n)]
    hints = _hints(host)
    count = len(chips) or len(accel_nodes)
    if not count and vfio_nodes and hints:
        count = len(vfio_nodes)  # v5e/v6e VMs expose chips through vfio only
    if not count:
        if hints:
            return ProbeResult.absent(
                "TPU environment variables are set ("
                + ", ".join(hints)
                + ") but no TPU device is present on this host"
            )
        return ProbeResult.absent("no TPU device (no PCI vendor 0x1ae0, /dev/accel*, /dev/vfio/N)")
    name = _GENERATIONS.get(chips[0].device, "Google TPU") if chips else "Google TPU"
    accels = [
        {
            "kind": "tpu",
            "vendor": "google",
            "index": i,
            "name": name,
            "memory_bytes": None,
            "visible": True,
        }
        for i in range(count)
    ]
    return ProbeResult.ok({"accelerators": accels, "hints": hints})
