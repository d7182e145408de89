"""A library published as two distributions of one import package, a CPU-only one and a CUDA one
(onnxruntime / onnxruntime-gpu, paddlepaddle / paddlepaddle-gpu, faiss-cpu / faiss-gpu), read
against the packages a paste lists (compat.yaml's ``cpu_gpu_distributions``).

Both installed: the two write the same directory, so which build imports is undefined (the one
installed last wins file by file); a failure next to a GPU, a warning where the paste shows none.
Only the CPU one, next to a GPU the paste shows: that library cannot use it; a warning, since the
library may not be the one the report is about. Only the CPU one and no GPU: nothing to say."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines, shows_gpu
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste


def _listed(paste: Paste, names: object) -> list[Fact]:
    """The package facts of ``names`` the paste lists, in the table's order."""
    if not isinstance(names, Sequence) or isinstance(names, str):
        return []
    found = (paste.facts.get(f"package.{name}") for name in names)
    return [f for f in found if f is not None]


def _name(fact: Fact) -> str:
    return fact.path.removeprefix("package.")


def _both(module: str, cpu: list[Fact], gpu: list[Fact], paste: Paste, source: str) -> Finding:
    gpu_shown = shows_gpu(paste)
    names = [_name(f) for f in (*cpu, *gpu)]
    listed = ", ".join(f"{_name(f)} {f.value}" for f in (*cpu, *gpu))
    return Finding(
        id=f"flavours:{module}-both",
        category=Category.CPU_WHEEL_ON_GPU.value,
        status="fail" if gpu_shown else "warn",
        title=f"{module}: its CPU-only and its GPU distribution are both installed",
        detail=(
            f"{listed}: both install the package {module}, so the files of the one installed "
            "last replace the other's and the CPU-only build may be the one imported"
            + ("" if gpu_shown else " (the paste shows no GPU)")
        ),
        fix=(
            f"pip uninstall -y {' '.join(names)}, then pip install {_name(gpu[0])} (it runs on "
            "the CPU too); install it after any package that depends on the CPU one"
        ),
        quotes=quote_lines(paste, [f.line for f in (*cpu, *gpu)]),
        source=source,
    )


def _cpu_only(module: str, cpu: list[Fact], gpu_name: str, paste: Paste, source: str) -> Finding:
    listed = ", ".join(f"{_name(f)} {f.value}" for f in cpu)
    return Finding(
        id=f"flavours:{module}-cpu",
        category=Category.CPU_WHEEL_ON_GPU.value,
        status="warn",
        title=f"{module} is its CPU-only distribution, next to the GPU the paste shows",
        detail=f"{listed} is the build of {module} without CUDA; {gpu_name} is the one that uses the GPU",
        fix=f"pip uninstall -y {' '.join(_name(f) for f in cpu)}, then pip install {gpu_name}",
        quotes=quote_lines(paste, [f.line for f in cpu]),
        source=source,
    )


def flavour_findings(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """The CPU-only distributions of a two-distribution library that the paste lists."""
    out: list[Finding] = []
    for family in tables.get("cpu_gpu_distributions") or ():
        if not isinstance(family, Mapping):
            continue
        module, source = str(family.get("module")), str(family.get("source") or "")
        cpu = _listed(paste, family.get("cpu"))
        if not cpu:
            continue
        gpu = _listed(paste, family.get("gpu"))
        if gpu:
            out.append(_both(module, cpu, gpu, paste, source))
        elif shows_gpu(paste):
            names = family.get("gpu") or ()
            first = str(names[0]) if isinstance(names, Sequence) and names else "the GPU build"
            out.append(_cpu_only(module, cpu, first, paste, source))
    return out
