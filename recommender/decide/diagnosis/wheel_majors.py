"""A package built for a CUDA major newer than any the driver runs (issue 21, session 48).

Some packages say in their own name the CUDA they were built for: pip's NVIDIA library wheels
(``nvidia-cublas-cu12``, ``nvidia-cudnn-cu12``, ``nvidia-nccl-cu11``), CuPy's
(``cupy-cuda12x`` for any CUDA 12.x, ``cupy-cuda111`` for 11.1) and Faiss' (``faiss-gpu-cu12``).
nvidia-smi's header says the newest CUDA the driver runs. CUDA's minor version compatibility lets
a runtime of the driver's own major run on it, never one of a later major
(https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html; verified
2026-12-07): a CUDA 12 wheel beside a driver whose newest CUDA is 11.8 cannot start. The runtime
wheel itself (``nvidia-cuda-runtime-cu12``) is builds.cuda_runtimes' to judge.

A failure where nvidia-smi (tool output) shows the driver; a warning where the driver's CUDA is
only stated in a sentence, where torch's own build is of a major the driver runs (the wheels may
be a leftover no process loads), or where torch answers that CUDA works."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, major_minor, stated_in_prose
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste

MINOR_COMPAT_URL = (
    "https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html"
)
_KIND = FindingKind("wheel-major", Category.DRIVER_TOO_OLD.value)

#: A listed package whose name carries its CUDA major (or major and minor: ``cupy-cuda111``).
_NAMED = re.compile(
    r"^package\.(?:nvidia-[a-z0-9-]{1,40}-cu(?P<nv>1[0-9])|cupy-cuda(?P<cupy>1[0-9])(?:x|[0-9])"
    r"|faiss-gpu-cu(?P<faiss>1[0-9]))$"
)
#: The runtime wheel: builds.cuda_runtimes judges it with its own version.
_RUNTIME = "package.nvidia-cuda-runtime-cu"


def _newest_wheel(paste: Paste) -> tuple[int, Fact] | None:
    """The highest CUDA major a listed package's name says, with its fact (the first listed)."""
    best: tuple[int, Fact] | None = None
    for path, fact in paste.facts.items():
        m = _NAMED.match(path)
        if m is None or path.startswith(_RUNTIME):
            continue
        major = int(m.group("nv") or m.group("cupy") or m.group("faiss"))
        if best is None or major > best[0] or (major == best[0] and fact.line < best[1].line):
            best = (major, fact)
    return best


def _softened(paste: Paste, top: Fact, driver_major: int) -> str | None:
    """Why the finding is only a warning, or None."""
    if stated_in_prose(paste, top):
        return "the driver's CUDA is stated in a sentence, not shown by nvidia-smi"
    seen = paste.facts.get("frameworks.pytorch.cuda_available")
    if seen is not None and seen.value is True:
        return f"torch answers that CUDA is available (line {seen.line})"
    built = paste.facts.get("frameworks.pytorch.build.cuda")
    release = major_minor(built.value) if built is not None else None
    if built is not None and release is not None and release[0] <= driver_major:
        return (
            f"torch itself is built for CUDA {built.value} (line {built.line}), which the driver "
            "runs: the wheel may be a leftover no process loads"
        )
    return None


def wheel_majors(paste: Paste) -> list[Finding]:
    """A package built for a CUDA major above the newest the driver runs."""
    top = paste.facts.get("driver.max_cuda")
    limit = major_minor(top.value) if top is not None else None
    wheel = _newest_wheel(paste)
    if top is None or limit is None or wheel is None or wheel[0] <= limit[0]:
        return []
    major, fact = wheel
    name = fact.path.removeprefix("package.")
    why = _softened(paste, top, limit[0])
    detail = (
        f"{name} {fact.value} is built for CUDA {major}; the driver runs CUDA {top.value} at most, "
        "and a runtime of a later major does not run on it (minor version compatibility stays "
        "within a major)"
    )
    return [
        _KIND.finding(
            paste,
            f"cuda{major}",
            "warn" if why else "fail",
            f"A package built for CUDA {major} beside a driver for CUDA {limit[0]}",
            f"{detail}; {why}" if why else detail,
            f"Upgrade the NVIDIA driver to one for CUDA {major} (nvidia-smi's CUDA Version "
            f"{major}.x or newer), or install the CUDA {limit[0]} builds of the packages",
            [fact, top],
            MINOR_COMPAT_URL,
        )
    ]
