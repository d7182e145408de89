"""A minimum the paste states, against what the same paste shows (requirements.py reads the
minimums): a driver below a stated driver floor, a driver whose CUDA ceiling (nvidia-smi's "CUDA
Version") is below a stated CUDA release, an nvcc or cuDNN below a stated one, a GPU below a
stated compute capability, a Python or glibc below a stated one.

The minimum is told (by the writer, or by a program whose check the paste does not show), not
read from a table, so each finding is a warning quoting both lines; its id ends in ``-stated``,
so a paste where one fires is not called healthy. A minimum inside a known error message is left
to that message's signature."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import fact_lines, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.facts.reports.gpus import GpuTable, compute_capability, max_cuda_for_driver
from recommender.facts.reports.model import MAX_LINE
from recommender.facts.reports.requirements import Requirement, stated_requirements

_COMPAT = "https://docs.nvidia.com/deploy/cuda-compatibility/index.html"
_CUDA_GPUS = "https://developer.nvidia.com/cuda-gpus"
_CUDNN = "https://docs.nvidia.com/deeplearning/cudnn/latest/reference/support-matrix.html"
_PYTHON = "https://packaging.python.org/en/latest/specifications/core-metadata/#requires-python"
_GLIBC = "https://peps.python.org/pep-0600/"

#: A GPU's compute capability as a line states it ("compute capability 6.1", "cuda capability 6.0").
_SHOWN_CC = re.compile(
    r"(?:compute|cuda) capability:? {0,2}(?:is |of )?\[?(?P<major>[0-9]{1,2})\.(?P<minor>[0-9])\b"
    r"|\bcompute=(?P<major2>[0-9]{1,2})\.(?P<minor2>[0-9])\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Shown:
    """A value the paste shows for a subject: its label, version and line."""

    label: str
    version: str
    line: int


def _numbers(value: str) -> tuple[int, ...] | None:
    parts = value.strip().split(".")
    if not all(is_digits(p) for p in parts):
        return None
    return tuple(int(p) for p in parts)


def _below(shown: str, need: str, width: int) -> bool:
    """``shown`` is an older release than ``need``, compared on their first ``width`` parts."""
    have, want = _numbers(shown), _numbers(need)
    if have is None or want is None:
        return False
    pad = (0,) * width
    return (have + pad)[:width] < (want + pad)[:width]


def _fact(paste: Paste, path: str, label: str, pattern: str = "") -> list[_Shown]:
    fact = paste.facts.get(path)
    if fact is None:
        return []
    found = re.search(pattern or r"[0-9]{1,3}(?:\.[0-9]{1,3}){0,2}", str(fact.value))
    return [_Shown(label, found.group(0), fact.line)] if found else []


def _ceiling(paste: Paste, table: GpuTable) -> list[_Shown]:
    """The newest CUDA the paste's driver runs: nvidia-smi's "CUDA Version", else the driver's
    branch read against NVIDIA's table."""
    shown = _fact(paste, "driver.max_cuda", "the driver's CUDA ceiling")
    if shown:
        return shown
    driver = paste.facts.get("driver.version")
    cuda = max_cuda_for_driver(str(driver.value), table) if driver is not None else None
    return (
        [_Shown(f"driver {driver.value}'s CUDA ceiling", cuda, driver.line)]
        if driver and cuda
        else []
    )


def _gpus(paste: Paste, table: GpuTable, skip: Sequence[Requirement]) -> list[_Shown]:
    """Every GPU compute capability the paste shows: its device lines, its GPUs by name."""
    out: list[_Shown] = []
    where = min(fact_lines(paste, ("gpu.",)), default=0)  # a report's GPU rows, where it has any
    for acc in paste.doc.get("accelerators") or ():
        if isinstance(acc, Mapping) and acc.get("vendor") == Accelerator.CUDA.info.vendor:
            listed = str(acc.get("compute_capability") or "")
            if _numbers(listed):
                out.append(_Shown(str(acc.get("name") or "the GPU"), listed, where))
    for path, fact in paste.facts.items():
        if path.startswith("gpu.") and path.endswith(".name"):
            cc = compute_capability(str(fact.value), table)
            if cc is not None:
                out.append(_Shown(str(fact.value), cc, fact.line))
    spans: dict[int, list[tuple[int, int]]] = {}
    for r in skip:
        spans.setdefault(r.line, []).append((r.start, r.end))
    for number, line in enumerate(paste.lines, start=1):
        for m in _SHOWN_CC.finditer(line[:MAX_LINE]):
            if any(a <= m.start() < b for a, b in spans.get(number, ())):
                continue
            major, minor = (
                m.group("major") or m.group("major2"),
                m.group("minor") or m.group("minor2"),
            )
            out.append(_Shown("the GPU", f"{major}.{minor}", number))
    return out


def _driver(paste: Paste, table: GpuTable, reqs: Sequence[Requirement]) -> list[_Shown]:
    return _fact(paste, "driver.version", "the NVIDIA driver", r"[0-9]{3}(?:\.[0-9]{1,3}){0,2}")


def _nvcc(paste: Paste, table: GpuTable, reqs: Sequence[Requirement]) -> list[_Shown]:
    return _fact(paste, "toolkit.nvcc", "nvcc")


def _cudnn(paste: Paste, table: GpuTable, reqs: Sequence[Requirement]) -> list[_Shown]:
    return _fact(paste, "toolkit.cudnn", "cuDNN")


def _python(paste: Paste, table: GpuTable, reqs: Sequence[Requirement]) -> list[_Shown]:
    return _fact(paste, "python.version", "Python", r"3\.[0-9]{1,2}")


def _glibc(paste: Paste, table: GpuTable, reqs: Sequence[Requirement]) -> list[_Shown]:
    return _fact(paste, "os.libc", "glibc", r"2\.[0-9]{1,2}")


def _cuda_ceiling(paste: Paste, table: GpuTable, reqs: Sequence[Requirement]) -> list[_Shown]:
    return _ceiling(paste, table)


@dataclass(frozen=True, slots=True)
class _Check:
    """How one kind of minimum is judged: its finding's key, the requirement subject it reads,
    what the paste shows for it, the category, how many version parts count, the wording, the
    fix and the source."""

    key: str
    reads: str
    shown: Callable[[Paste, GpuTable, Sequence[Requirement]], list[_Shown]]
    category: str
    width: int
    noun: str
    fix: str
    source: str


_CHECKS = (
    _Check("driver", "driver", _driver, Category.DRIVER_TOO_OLD.value, 3, "NVIDIA driver", "Update the NVIDIA driver to {need} or newer", _COMPAT),
    _Check("cuda", "cuda", _cuda_ceiling, Category.DRIVER_TOO_OLD.value, 2, "CUDA", "Update the NVIDIA driver to a branch that runs CUDA {need} (nvidia-smi's CUDA Version {need} or newer)", _COMPAT),
    _Check("nvcc", "cuda", _nvcc, Category.VERSION_MISMATCH.value, 2, "CUDA toolkit", "Install the CUDA {need} toolkit (or newer) and point CUDA_HOME and PATH at it", _COMPAT),
    _Check("cudnn", "cudnn", _cudnn, Category.VERSION_MISMATCH.value, 2, "cuDNN", "Install cuDNN {need} or newer for this CUDA release", _CUDNN),
    _Check("capability", "capability", _gpus, Category.ARCH_UNSUPPORTED.value, 2, "compute capability", "Run on a GPU of compute capability {need} or newer, or build the program's kernels for this GPU", _CUDA_GPUS),
    _Check("python", "python", _python, Category.NO_MATCHING_WHEEL.value, 2, "Python", "Use Python {need} or newer (a new environment: conda create -n env python={need})", _PYTHON),
    _Check("glibc", "glibc", _glibc, Category.NO_MATCHING_WHEEL.value, 2, "glibc", "Use a distribution with glibc {need} or newer (or a container of one)", _GLIBC),
)  # fmt: skip


def _finding(paste: Paste, check: _Check, need: Requirement, low: _Shown) -> Finding:
    return Finding(
        id=f"requirement:{check.key}-stated",
        category=check.category,
        status="warn",
        title=f"The paste states a minimum {check.noun} {need.version}, and shows less",
        detail=(
            f"line {need.line} states that {check.noun} {need.version} or newer is needed; "
            f"{low.label} is {low.version}"
            + (f" (line {low.line})" if low.line else "")
            + " (the minimum is told, not read from a table)"
        ),
        fix=check.fix.format(need=need.version),
        quotes=quote_lines(paste, [need.line, low.line]),
        source=check.source,
    )


def stated_floor_findings(paste: Paste, table: GpuTable) -> list[Finding]:
    """A warning for each subject whose stated minimum the paste shows unmet."""
    # a known message's own minimum is its signature's to judge (capability.py reads its group)
    known = {n for h in paste.hits for n in h.lines}
    reqs = tuple(r for r in stated_requirements(paste.lines) if r.line not in known)
    if not reqs:
        return []
    out = []
    for check in _CHECKS:
        needs = [r for r in reqs if r.subject == check.reads]
        if not needs:
            continue
        shown = check.shown(paste, table, reqs)
        # the highest minimum against the oldest release shown (one pass each: pastes are long)
        need = max(needs, key=lambda r: _numbers(r.version) or ())
        low = min(shown, key=lambda v: _numbers(v.version) or (), default=None)
        if low is not None and _below(low.version, need.version, check.width):
            out.append(_finding(paste, check, need, low))
    return out
