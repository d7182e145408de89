"""The installed torch against its own builds (rules/wheels.yaml ``builds``): which CUDA builds of
that very release exist, which GPU architectures each carries, and the install command of a
variant that would run here, with the newest release that would.

A diagnosis judges what is installed, not today's newest release: a fix keeps the user's version
where one of its variants runs on this driver and GPU (torch 2.1.0 on cu118 for an R470 driver),
and names the newest release that runs as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from recommender.core.catalog import Accelerator, Framework
from recommender.decide.checklist.install import version_of

if TYPE_CHECKING:
    from recommender.decide.checklist.inputs import ItemView
    from recommender.rulebase.wheels.model import Build, WheelMatrix

#: torch releases from which rules/wheels.yaml has its builds' architecture lists.
ARCH_LISTS_FROM = Version("1.8")


def nvidia_builds(matrix: WheelMatrix) -> tuple[Build, ...]:
    """Every PyTorch NVIDIA build row of rules/wheels.yaml with an index, newest CUDA first."""
    rows = [
        b
        for b in matrix.builds
        if b.framework is Framework.PYTORCH
        and b.accelerator is Accelerator.CUDA
        and b.cuda is not None
        and b.index_url
    ]
    return tuple(sorted(rows, key=lambda b: b.cuda or Version("0"), reverse=True))


def _release(version: str | None) -> Version | None:
    """``2.1.0+cu121`` -> 2.1.0 (a local or pre-release part dropped)."""
    v = version_of(version)
    return Version(v.base_version) if v is not None else None


def _carries(arches: Sequence[Version], cc: Version) -> bool:
    """A GPU of ``cc`` runs the build's SASS: an arch of its major at or below its minor."""
    return any(a.major == cc.major and a.minor <= cc.minor for a in arches)


def report_arches(listed: object) -> tuple[Version, ...] | None:
    """The report's ``sm_86 sm_90`` list (torch's own warning) as capabilities, or None."""
    if not isinstance(listed, (list, tuple)):
        return None
    out = []
    for sm in listed:
        digits = str(sm).removeprefix("sm_").removeprefix("compute_")
        try:
            out.append(Version(f"{digits[:-1]}.{digits[-1]}"))
        except (InvalidVersion, IndexError):
            continue
    return tuple(out) or None


def build_of(matrix: WheelMatrix, release: Version, cuda: str | None) -> Build | None:
    """The wheels.yaml row of this release's build for CUDA ``cuda`` (major.minor)."""
    want = version_of(cuda)
    if want is None:
        return None
    for b in nvidia_builds(matrix):
        same = b.cuda is not None and b.cuda.release[:2] == want.release[:2]
        if same and b.releases.contains(release, prereleases=True):
            return b
    return None


#: CUDA majors with minor-version compatibility (NVIDIA, CUDA Compatibility: from CUDA 11 on, a
#: build of any 11.x (12.x, 13.x) runs on a driver of that major, without PTX JIT).
MINOR_COMPAT_FROM = 11

#: The oldest compute capability each CUDA toolkit compiles for (CUDA release notes: 9.0 and
#: 10.x build sm_30 and up; 11.x dropped sm_30, keeping sm_35 deprecated; 12.0 dropped Kepler).
#: Where a torch build's own list is unknown (before torch 1.8), a GPU below this cannot run it.
TOOLKIT_MIN_CC = {9: Version("3.0"), 10: Version("3.0"), 11: Version("3.5"), 12: Version("5.0")}


#: The newest GPU major each toolkit compiles for (CUDA 9.x and 10.x stop at Volta/Turing,
#: sm_70-sm_75; Ampere's sm_80 arrived with CUDA 11.0). Left out: a major with no ceiling known.
TOOLKIT_MAX_MAJOR = {9: 7, 10: 7}


def toolkit_span(cuda: str | None) -> tuple[Version, int | None] | None:
    """(lowest compute capability, highest GPU major or None) the CUDA toolkit compiles for."""
    v = version_of(cuda)
    if v is None or v.major not in TOOLKIT_MIN_CC:
        return None
    return TOOLKIT_MIN_CC[v.major], TOOLKIT_MAX_MAJOR.get(v.major)


def _runs(b: Build, max_cuda: Version | None, ccs: Iterable[Version]) -> bool:
    if max_cuda is not None and b.cuda is not None and b.cuda.release[:2] > max_cuda.release[:2]:
        if not (b.cuda.major == max_cuda.major >= MINOR_COMPAT_FROM):
            return False
    return all(_carries(b.arches, cc) for cc in ccs) if b.arches else not tuple(ccs)


def _command(python: str, requirement: str, b: Build, max_cuda: Version | None = None) -> str:
    line = f'{python} -m pip install --force-reinstall "{requirement}" --index-url {b.index_url}'
    if max_cuda is not None and b.cuda is not None and b.cuda.release[:2] > max_cuda.release[:2]:
        line += " (CUDA minor-version compatibility runs it)"
    return line


def _newest(
    matrix: WheelMatrix, max_cuda: Version | None, ccs: Sequence[Version]
) -> tuple[str, Build] | None:
    for line in matrix.lines("torch"):
        for b in prefer_native(nvidia_builds(matrix), max_cuda):
            if b.releases.contains(line.newest, prereleases=True) and _runs(b, max_cuda, ccs):
                return str(line.newest), b
    return None


def variant_fix(view: ItemView) -> str | None:
    """The command that installs a CUDA build of the installed torch release that this driver
    and these GPUs run, then the newest release that runs; None when neither is known."""
    release = _release(view.fw("version"))
    max_cuda = version_of(view.fact("derived.nvidia_max_cuda"))
    ccs = [
        cc
        for g in view.inputs.nvidia_gpus()
        if (cc := version_of(g.get("compute_capability"))) is not None
    ]
    python = view.inputs.python
    matrix = view.inputs.rulebase.wheels
    keep = None
    if release is not None:
        keep = next(
            (
                b
                for b in prefer_native(nvidia_builds(matrix), max_cuda)
                if b.releases.contains(release, prereleases=True) and _runs(b, max_cuda, ccs)
            ),
            None,
        )
    newest = _newest(matrix, max_cuda, ccs)
    if release is None or (newest is not None and Version(newest[0]) == release):
        return None  # the newest release already: the install planner's command says it
    parts = []
    if keep is not None and release is not None:
        parts.append(_command(python, f"torch=={release}", keep, max_cuda))
    if newest is not None and (release is None or Version(newest[0]) != release):
        prefix = "newest release that runs here: " if parts else ""
        parts.append(prefix + _command(python, f"torch=={newest[0]}", newest[1], max_cuda))
    if not parts:
        return None
    return "; or the ".join(parts)


def prefer_native(builds: Sequence[Build], max_cuda: Version | None) -> list[Build]:
    """Builds the driver runs natively first, then those only minor-version compatibility runs."""
    if max_cuda is None:
        return list(builds)
    native = [
        b for b in builds if b.cuda is not None and b.cuda.release[:2] <= max_cuda.release[:2]
    ]
    return native + [b for b in builds if b not in native]


__all__ = [
    "ARCH_LISTS_FROM",
    "toolkit_span",
    "build_of",
    "nvidia_builds",
    "report_arches",
    "variant_fix",
]
