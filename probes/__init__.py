"""Probes: read this machine's hardware and installed frameworks into a facts document.

No probe imports tensorflow, torch, keras or jax; each runs under a time budget.
"""

from probes.apple import apple_probe
from probes.base import FunctionProbe, Host, Probe, ProbeRegistry, ProbeResult, Status, probe
from probes.cpu import cpu_probe
from probes.disk import disk_probe
from probes.frameworks import TF_DISTRIBUTIONS, frameworks_probe
from probes.intel import intel_probe
from probes.memory import memory_probe
from probes.nvidia import nvidia_probe
from probes.os_info import os_probe
from probes.python_env import python_probe
from probes.rocm import rocm_probe
from probes.runner import ProbeRun, assemble, run_probes
from probes.tpu import tpu_probe

#: The built-in probes, in report order.
DEFAULT_PROBES = (
    python_probe, os_probe, cpu_probe, memory_probe, disk_probe,
    nvidia_probe, rocm_probe, apple_probe, tpu_probe, intel_probe,
    frameworks_probe,
)


def default_registry() -> ProbeRegistry:
    return ProbeRegistry(DEFAULT_PROBES)


__all__ = [
    "DEFAULT_PROBES", "FunctionProbe", "Host", "Probe", "ProbeRegistry", "ProbeResult", "ProbeRun",
    "Status", "TF_DISTRIBUTIONS", "assemble", "default_registry", "probe", "run_probes",
]
