"""A torch release stated without its CUDA variant ("I installed pytorch 2.4", ``torch==2.4.0``
with no local label) against the NVIDIA GPUs the paste shows. The checklist's torch_cc judges a
build whose CUDA release is known; a release alone names several builds (cu118, cu121, cu124 for
2.4), each with its own architecture list (rules/wheels.yaml, from torch 1.8 on). Where every
CUDA build of that release leaves the GPU out (no SASS of its major at or below its minor, CUDA's
binary compatibility), no pip install of that release runs on it, whichever variant pip chose:
a Blackwell card under torch 2.4, a Kepler card under torch 2.4. A warning: the release comes
without its build, and a source build may carry the GPU."""

from __future__ import annotations

from packaging.version import Version

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.checklist.checks.pytorch import ARCH_LISTS_FROM, nvidia_builds
from recommender.decide.diagnosis._paste import FindingKind, fact_lines
from recommender.decide.diagnosis.arch_lists import nvidia_ccs
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.rulebase.wheels.model import Build, WheelMatrix

_KIND = FindingKind("torch-release-arches", Category.ARCH_UNSUPPORTED.value)
SOURCE = "https://pytorch.org/get-started/previous-versions/"
#: What states the build beside the version: then torch_cc judges that build.
_BUILD_FACTS = (
    "frameworks.pytorch.build.cuda",
    "frameworks.pytorch.build.flavour",
    "frameworks.pytorch.build.arch_list",
    "frameworks.pytorch.build.rocm",
)


def _release(value: object) -> Version | None:
    """The release of a version with no local label (a label names the build), else None."""
    text = str(value).strip()
    if not text or "+" in text:
        return None
    try:
        return Version(text)
    except ValueError:
        return None


def _runs(build: Build, major: int, minor: int) -> bool:
    return any(a.major == major and a.minor <= minor for a in build.arches)


def _span(builds: list[Build]) -> str:
    return "; ".join(
        f"cu{b.cuda.major}{b.cuda.minor}: " + " ".join(f"sm_{a.major}{a.minor}" for a in b.arches)
        for b in builds
        if b.cuda is not None
    )


def release_arch_findings(paste: Paste, matrix: WheelMatrix) -> list[Finding]:
    """A warning for a GPU that no CUDA build of the stated torch release carries."""
    fact = paste.facts.get("frameworks.pytorch.version")
    if fact is None or any(paste.facts.get(path) for path in _BUILD_FACTS):
        return []
    release = _release(fact.value)
    if release is None or release < ARCH_LISTS_FROM:
        return []
    builds = [
        b
        for b in nvidia_builds(matrix)
        if b.arches and b.releases.contains(release, prereleases=True)
    ]
    if not builds:
        return []
    gpu = next(
        (g for g in nvidia_ccs(paste) if not any(_runs(b, g[1], g[2]) for b in builds)), None
    )
    if gpu is None:
        return []
    name, major, minor = gpu
    return [
        _KIND.finding(
            paste,
            f"{release}:{major}.{minor}",
            "warn",
            f"No CUDA build of torch {release} carries kernels for this GPU",
            f"{name} has compute capability {major}.{minor}; every CUDA wheel of torch {release} "
            f"leaves it out ({_span(builds)}), so CUDA kernels fail with 'no kernel image is "
            "available' whichever variant was installed (inferred from the release stated, not "
            "read from an error)",
            "Install a torch release whose CUDA wheels list this GPU's architecture "
            "(pytorch.org's selector names the CUDA variant), or build torch from source for it",
            [fact.line, *fact_lines(paste, ("gpu.",))],
            SOURCE,
        )
    ]


__all__ = ["release_arch_findings"]
