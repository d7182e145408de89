"""Probes: read this machine's hardware and installed frameworks into a facts document.

No probe imports tensorflow, torch, keras or jax; each runs under a time budget.
"""

from recommender.probes.apple import apple_probe
from recommender.probes.base import (
    FunctionProbe,
    Host,
    Probe,
    ProbeRegistry,
    ProbeResult,
    Status,
    probe,
)
from recommender.probes.cpu import cpu_probe
from recommender.probes.disk import disk_probe
from recommender.probes.frameworks import TF_DISTRIBUTIONS, frameworks_probe
from recommender.probes.intel import intel_probe
from recommender.probes.memory import memory_probe
from recommender.probes.nvidia import nvidia_probe
from recommender.probes.os_info import os_probe
from recommender.probes.python_env import python_probe
from recommender.probes.rocm import rocm_probe
from recommender.probes.runner import ProbeRun, assemble, run_probes
from recommender.probes.tpu import tpu_probe

#: The built-in probes, in report order.
DEFAULT_PROBES = (
    python_probe,
    os_probe,
    cpu_probe,
    memory_probe,
    disk_probe,
    nvidia_probe,
    rocm_probe,
    apple_probe,
    tpu_probe,
    intel_probe,
    frameworks_probe,
)


def default_registry() -> ProbeRegistry:
    return ProbeRegistry(DEFAULT_PROBES)


__all__ = [
    "DEFAULT_PROBES",
    "FunctionProbe",
    "Host",
    "Probe",
    "ProbeRegistry",
    "ProbeResult",
    "ProbeRun",
    "Status",
    "TF_DISTRIBUTIONS",
    "assemble",
    "default_registry",
    "probe",
    "run_probes",
]
