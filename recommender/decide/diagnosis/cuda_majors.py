"""One environment, two CUDA major releases: torch built for one, NVIDIA's library wheels of another.

pip's NVIDIA wheels name the CUDA major they were built for: ``nvidia-cuda-runtime-cu12``,
``nvidia-nccl-cu13``, ``nvidia-cudnn-cu11``; from CUDA 13 on the runtime wheel also comes without a
suffix (``nvidia-cuda-runtime 13.0.x``, which torch's cu13x builds depend on), whose own version is
the CUDA release (the other unsuffixed wheels are versioned by their library, cuSPARSE 12.x under
CUDA 13, and say nothing here). A torch ``+cuXYZ`` build with wheels of another major, or wheels of
two majors, means a package in the environment was built for a CUDA other than the rest: vLLM built
for CUDA 13 next to torch cu129 asks for ``libcudart.so.13`` (vllm-project/vllm#43435), and two
cuDNN trees of two majors load sublibraries of two versions. A warning: two majors can live side
by side when no one process loads both."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import fact_version, major_minor, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste

SOURCE_URL = "https://github.com/vllm-project/vllm/issues/43435"

#: ``package.nvidia-<library>-cu<major>``: the wheel's CUDA major is in its name.
_SUFFIXED = re.compile(r"^package\.nvidia-[a-z0-9-]{1,40}-cu(?P<major>1[0-9])$")
#: CUDA 13's runtime wheel without a suffix: its own version is the CUDA release.
_UNSUFFIXED = "package.nvidia-cuda-runtime"
#: The first CUDA major with pip runtime wheels.
_FIRST_WHEEL_MAJOR = 11


def _wheel_majors(paste: Paste) -> dict[int, Fact]:
    """CUDA major -> the wheel line that says it, the runtime's first (a placeholder ``0.0.0a0``
    wheel says nothing)."""
    found: list[tuple[int, int, Fact]] = []
    bare = paste.facts.get(_UNSUFFIXED)
    version = fact_version(bare)
    if bare is not None and version is not None and version.major >= _FIRST_WHEEL_MAJOR:
        found.append((0, version.major, bare))
    for path, fact in paste.facts.items():
        match = _SUFFIXED.match(path)
        version = fact_version(fact)
        if match is None or version is None or version.major == 0:
            continue
        rank = 0 if "cuda-runtime" in path else 1
        found.append((rank, int(match.group("major")), fact))
    out: dict[int, Fact] = {}
    for _, major, fact in sorted(found, key=lambda item: (item[0], item[2].line)):
        out.setdefault(major, fact)
    return out


def cuda_majors(paste: Paste) -> list[Finding]:
    """A warning where torch's CUDA build and the NVIDIA wheels span two CUDA majors."""
    wheels = _wheel_majors(paste)
    built = paste.facts.get("frameworks.pytorch.build.cuda")
    torch_release = major_minor(built.value) if built else None
    majors = set(wheels)
    if torch_release is not None:
        majors.add(torch_release[0])
    if len(majors) < 2 or not wheels:
        return []
    lines = [fact.line for fact in wheels.values()]
    torch_line = paste.facts.get("frameworks.pytorch.version")
    if torch_release is not None and torch_line is not None:
        lines.append(torch_line.line)
    names = ", ".join(f"CUDA {m}" for m in sorted(majors))
    keep = f"CUDA {torch_release[0]}" if torch_release else "one CUDA major"
    return [
        Finding(
            id="cuda-majors",
            category=Category.VERSION_MISMATCH.value,
            status="warn",
            title="Packages built for two CUDA major releases in one environment",
            detail=(
                f"the NVIDIA library wheels and the torch build span {names}: a package was "
                "built for a CUDA other than the rest, and one process can load libraries of "
                "both (libcudart of one major asked for, or cuDNN sublibraries of two versions)"
            ),
            fix=(
                f"Install every CUDA package for {keep} (the build of the package that brought "
                "the other major's wheels for torch's CUDA, or torch for that CUDA), and "
                "uninstall the other major's nvidia-* wheels"
            ),
            quotes=quote_lines(paste, lines),
            source=SOURCE_URL,
        )
    ]
