"""PCI devices from /sys/bus/pci/devices: vendor, device and class, no external command."""

from __future__ import annotations

from recommender.core.frozen import frozen
from recommender.probes.base import Host

NVIDIA, AMD, INTEL, GOOGLE = "0x10de", "0x1002", "0x8086", "0x1ae0"
_DISPLAY_CLASSES = ("0x0300", "0x0302", "0x0380", "0x1200")  # VGA, 3D, other display, accelerator


@frozen
class PciDevice:
    address: str
    vendor: str
    device: str
    pci_class: str

    @property
    def is_display_or_accelerator(self) -> bool:
        return self.pci_class[:6] in _DISPLAY_CLASSES


def pci_devices(host: Host, vendor: str | None = None) -> tuple[PciDevice, ...]:
    found = []
    for addr in host.listdir("/sys/bus/pci/devices"):
        base = f"/sys/bus/pci/devices/{addr}"
        ven = (host.read_text(f"{base}/vendor") or "").strip().lower()
        if vendor and ven != vendor:
            continue
        found.append(
            PciDevice(
                address=addr,
                vendor=ven,
                device=(host.read_text(f"{base}/device") or "").strip().lower(),
                pci_class=(host.read_text(f"{base}/class") or "").strip().lower(),
            )
        )
    return tuple(found)


def display_devices(host: Host, vendor: str) -> tuple[PciDevice, ...]:
    return tuple(d for d in pci_devices(host, vendor) if d.is_display_or_accelerator)
