"""Checks of a live machine that users hit right after a framework installs: a small /dev/shm in
a container, NVML's "Unknown Error" in a container, GPU numbering, and device ids in
CUDA_VISIBLE_DEVICES. Each looks at the probed facts and the environment only."""

from __future__ import annotations

from collections.abc import Mapping

from recommender.core.catalog import Accelerator
from recommender.decide.checklist.inputs import ItemView
from recommender.decide.checklist.registry import Check, Finding, defines, finding

#: Below this, DataLoader workers and NCCL run out of shared memory (Docker's default is 64 MB).
SHM_FLOOR = 1 << 30
_CUDA = Accelerator.CUDA.value


def _cuda_gpus(view: ItemView) -> list[dict[str, object]]:
    return [dict(a) for a in view.inputs.facts.accelerators if a.get("kind") == _CUDA]


@defines("shm", verdicts=("small", "fine"), fields=("shm",), cites=("shm",))
def shm(view: ItemView) -> Finding | None:
    size = view.fact("disk.shm_bytes")
    if not isinstance(size, int) or not view.fact("os.container"):
        return None  # only a container has a small /dev/shm by default; unknown says nothing
    verdict = "small" if size < SHM_FLOOR else "fine"
    return finding(verdict, shm=f"{size / (1 << 20):.0f} MiB")


@defines("nvml_unknown", verdicts=("lost",), fields=(), cites=("nvml",))
def nvml_unknown(view: ItemView) -> Finding | None:
    probes = view.fact("probes")
    nvidia = probes.get("nvidia") if isinstance(probes, Mapping) else None
    reason = str(nvidia.get("reason") or "") if isinstance(nvidia, Mapping) else ""
    return finding("lost") if "Unknown Error" in reason else None


@defines("device_order", verdicts=("mixed",), fields=("gpus",), cites=("device-order",))
def device_order(view: ItemView) -> Finding | None:
    env = view.inputs.env
    gpus = _cuda_gpus(view)
    names = sorted({str(g.get("name")) for g in gpus})
    if env is None or len(names) < 2 or env.get("CUDA_DEVICE_ORDER") == "PCI_BUS_ID":
        return None
    return finding("mixed", gpus=", ".join(names))


@defines("visible_ids", verdicts=("mig", "uuid"), fields=("value",), cites=("visible-devices",))
def visible_ids(view: ItemView) -> Finding | None:
    env = view.inputs.env
    value = (env or {}).get("CUDA_VISIBLE_DEVICES") or ""
    if "MIG-" in value:
        return finding("mig", value=value)
    if "GPU-" in value:
        return finding("uuid", value=value)
    return None


BUILTIN: tuple[Check, ...] = (shm, nvml_unknown, device_order, visible_ids)

__all__ = ["BUILTIN", "SHM_FLOOR"]
