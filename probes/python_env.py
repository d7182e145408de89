"""python: the interpreter dlrec (and so the smoke trainings) runs under."""

from __future__ import annotations

import os
import platform
import sys

from recommender.probes.base import Host, ProbeResult, probe


def environment_kind(host: Host) -> str:
    """``conda``, ``venv`` or ``system``."""
    prefix = sys.prefix
    if host.env.get("CONDA_PREFIX") == prefix or os.path.isdir(os.path.join(prefix, "conda-meta")):
        return "conda"
    if prefix != getattr(sys, "base_prefix", prefix):
        return "venv"
    return "system"


@probe("python", section="python", budget_s=1.0)
def python_probe(host: Host) -> ProbeResult:
    return ProbeResult.ok(
        {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "environment": environment_kind(host),
            "bits": 64 if sys.maxsize > 2**32 else 32,
        }
    )
