"""python: the interpreter dlrec (and so the smoke trainings) runs under."""

from __future__ import annotations

import os
import platform
import sys
import sysconfig

from recommender.probes.base import Host, ProbeResult, probe


def environment_kind(host: Host) -> str:
    """``conda``, ``venv`` or ``system``."""
    prefix = sys.prefix
    if host.env.get("CONDA_PREFIX") == prefix or os.path.isdir(os.path.join(prefix, "conda-meta")):
        return "conda"
    if prefix != getattr(sys, "base_prefix", prefix):
        return "venv"
    return "system"


def externally_managed() -> bool:
    """PEP 668: the interpreter's stdlib directory holds an EXTERNALLY-MANAGED marker (Debian,
    Ubuntu 23.04+, Fedora, Homebrew): pip refuses to install into it outside a venv."""
    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        return False  # a venv is never externally managed
    stdlib = sysconfig.get_path("stdlib")
    return bool(stdlib) and os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED"))


def conda_base(host: Host) -> bool:
    """conda's base environment (its root prefix holds ``condabin``): installs there can break
    conda itself."""
    if host.env.get("CONDA_DEFAULT_ENV") == "base" and host.env.get("CONDA_PREFIX") == sys.prefix:
        return True
    return os.path.isdir(os.path.join(sys.prefix, "condabin")) and os.path.isdir(
        os.path.join(sys.prefix, "conda-meta")
    )


@probe("python", section="python", budget_s=1.0)
def python_probe(host: Host) -> ProbeResult:
    return ProbeResult.ok(
        {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
            "environment": environment_kind(host),
            "externally_managed": externally_managed(),
            "conda_base": conda_base(host),
            "bits": 64 if sys.maxsize > 2**32 else 32,
        }
    )
