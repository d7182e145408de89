"""A library published as two distributions of one import package, a CPU-only one and a CUDA one
(onnxruntime / onnxruntime-gpu, paddlepaddle / paddlepaddle-gpu, faiss-cpu / faiss-gpu), read
against the packages a paste lists (compat.yaml's ``cpu_gpu_distributions``).

Both installed: the two write the same directory, so which build imports is undefined (the one
installed last wins file by file); a failure next to a GPU, a warning where the paste shows none.
Only the CPU one, next to a GPU the paste shows: that library cannot use it; a warning, since the
library may not be the one the report is about. Only the CPU one and no GPU: nothing to say.

A table entry names a distribution (``faiss-cpu``), a distribution within a range of releases
(``tensorflow<2.1``: TensorFlow's ``tensorflow`` was CPU-only before 2.1) or a family of names
(``mxnet-cu*``: one per CUDA release). ``alone: false``: only the two together say something (a
CPU-only release listed alone is the framework's own build checks' to judge), or the list of entries
that are read alone (TensorFlow's CPU-only ``tensorflow`` releases, not tensorflow-cpu). ``framework``: a
conda build string that names the GPU variant (``frameworks.<framework>.build.flavour``) proves
the listed package is not the CPU one (conda's tensorflow-gpu is a metapackage over it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from packaging.specifiers import SpecifierSet

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import fact_version, quote_lines, shows_gpu
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste


def _entry(paste: Paste, entry: str) -> list[Fact]:
    """The package facts one table entry names: a name, a name with a range, a ``prefix*``."""
    if entry.endswith("*"):
        prefix = f"package.{entry[:-1]}"
        return [f for path, f in paste.facts.items() if path.startswith(prefix)]
    cut = next((i for i, c in enumerate(entry) if c in "<>=!~"), len(entry))
    fact = paste.facts.get(f"package.{entry[:cut].strip()}")
    if fact is None or cut == len(entry):
        return [fact] if fact is not None else []
    version = fact_version(fact)
    return [fact] if version is not None and version in SpecifierSet(entry[cut:]) else []


def _listed(paste: Paste, names: object) -> list[Fact]:
    """The package facts of ``names`` the paste lists, in the table's order."""
    if not isinstance(names, Sequence) or isinstance(names, str):
        return []
    return [f for name in names for f in _entry(paste, str(name))]


def _name(fact: Fact) -> str:
    return fact.path.removeprefix("package.")


def _pinned(fact: Fact) -> str:
    """The GPU distribution at the release the paste lists (``mxnet-cu112==1.9.1``), so that the
    reinstall keeps the release the rest of the environment was built with."""
    version = fact_version(fact)
    return f"{_name(fact)}=={version}" if version is not None else _name(fact)


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
            f"pip uninstall -y {' '.join(names)}, then pip install {_pinned(gpu[0])} (it runs on "
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
        built = paste.facts.get(f"frameworks.{family.get('framework')}.build.flavour")
        if not cpu or (built is not None and built.value == Accelerator.CUDA):
            continue  # none listed, or a conda build string names the GPU variant
        gpu = [f for f in _listed(paste, family.get("gpu")) if f not in cpu]
        alone = family.get("alone", True)
        # ``alone``: true (every CPU entry read alone), false (none), or the entries that are
        lone = cpu if alone is True else (_listed(paste, alone) if alone else [])
        if gpu:
            out.append(_both(module, cpu, gpu, paste, source))
        elif lone and shows_gpu(paste):
            names = family.get("gpu") or ()
            first = str(names[0]) if isinstance(names, Sequence) and names else "the GPU build"
            out.append(_cpu_only(module, lone, first, paste, source))
    return out
