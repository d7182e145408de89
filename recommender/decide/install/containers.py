"""Official container images (and vendor wheels outside any index) as ways out: when no pip build fits here, an image that carries
the framework's build for this architecture, accelerator, driver and (on a Jetson) JetPack."""

from __future__ import annotations

from packaging.version import Version

from recommender.core.catalog import Accelerator, Framework
from recommender.facts.machine import Machine
from recommender.rulebase.wheels.model import Container, WheelMatrix

__all__ = ["container_ways"]

_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def _runs_here(row: Container, machine: Machine) -> bool:
    arch = _ARCH.get((machine.machine or "").lower())
    if arch is None or arch not in row.arches or (machine.system or "").lower() != "linux":
        return False
    if row.jetpack is not None:  # an unknown JetPack: the image is picked on the board itself
        if machine.jetpack is None:
            return machine.jetson
        return row.jetpack.contains(machine.jetpack, True)
    if machine.tegra and row.accelerator is Accelerator.CUDA:
        return False  # an SBSA image does not drive a Jetson's integrated GPU
    if row.python is not None and machine.python is not None:
        if not row.python.contains(machine.python, True):
            return False
    if row.driver and machine.driver_version is not None:
        return machine.driver_version >= Version(row.driver)
    return True


def container_ways(
    matrix: WheelMatrix, framework: Framework, target: Accelerator, machine: Machine
) -> tuple[str, ...]:
    """One way out per fitting image: the accelerator's image first, then a CPU one."""
    wanted = [target] if target is Accelerator.CPU else [target, Accelerator.CPU]
    ways: list[str] = []
    for accelerator in wanted:
        for row in matrix.containers:
            if row.framework is framework and row.accelerator is accelerator:
                if _runs_here(row, machine):
                    what = "" if accelerator is target else " (CPU only)"
                    label = "NVIDIA's wheel" if row.kind == "wheel" else "Official container image"
                    ways.append(f"{label}{what} ({row.row}): {row.command}")
                    if row.kind == "image":
                        break
    return tuple(ways)
