"""onnxruntime-gpu's CUDA provider that could not be created, read against the CUDA release the
paste states. Each onnxruntime-gpu wheel on PyPI is built for one CUDA major and loads only that
major's libraries (onnxruntime's "CUDA Execution Provider" requirements: CUDA 11 builds up to
1.18, CUDA 12 from 1.19 on; compat.yaml ``onnxruntime_gpu_pypi_cuda``). The release's major is
read, in order, from the failure itself (1.19 and later say "Require cuDNN 9.* and CUDA 12.*"),
from the onnxruntime-gpu release the paste lists, or, where neither is stated, inferred: the
default wheels before 1.19 were CUDA 11 builds, so a CUDA 12 environment is named as a likely
mismatch (the finding says it is inferred). Where a CUDA release the paste states is of the
build's major, or none is stated, nothing is said. Always a warning: the failure has other causes
(a cuDNN missing from the path) that the same text may not rule out."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import FindingKind, fact_version, stated_cuda_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

_KIND = FindingKind("ort-cuda", Category.VERSION_MISMATCH.value)
TABLE = "onnxruntime_gpu_pypi_cuda"
URL = "https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#requirements"
_FAILED = "failed to create cudaexecutionprovider"
#: The provider library itself failing to load names the same failure one step earlier:
#: Windows' ``LoadLibrary failed with error 126 "" when trying to load
#: "...onnxruntime_providers_cuda.dll"`` (a CUDA or cuDNN DLL it depends on is missing) and
#: Linux's ``Failed to load library libonnxruntime_providers_cuda.so with error: ...``
#: (https://github.com/microsoft/onnxruntime/issues/21684).
_PROVIDER = "onnxruntime_providers_cuda"
_LOAD_FAILED = ("loadlibrary failed", "failed to load library")
_REQUIRES = re.compile(r"Require cuDNN [0-9]{1,2}\.\* and CUDA (?P<cuda>[0-9]{1,2})\.\*", re.I)
#: The CPU distribution installed by name (``pip install onnxruntime``): it has no CUDA provider at
#: all, so the CUDA major is not the cause (cpu-wheel-on-gpu is).
_CPU_INSTALL = re.compile(r"\bpip3? install (?:-U |--upgrade )?onnxruntime(?![-_.]?gpu)\b", re.I)
#: The first release whose default PyPI wheel is a CUDA 12 build.
_FIRST_CUDA12 = "1.19"


def _table_major(release: Version, table: Sequence[Any]) -> int | None:
    for row in table:
        if not isinstance(row, Mapping):
            continue
        try:
            if release in SpecifierSet(str(row.get("versions", ""))):
                major = str(row.get("cuda", ""))
                return int(major) if is_digits(major) else None
        except InvalidSpecifier:
            continue
    return None


def _build_major(
    paste: Paste, failed: Sequence[int], tables: Mapping[str, Any]
) -> tuple[int, int | None, str] | None:
    """The build's CUDA major, the line that states it (None: inferred) and how it is known."""
    for number in failed:
        m = _REQUIRES.search(paste.line(number)[:2000])
        if m:
            return int(m.group("cuda")), number, "the failure names the CUDA major it needs"
    fact = paste.facts.get("package.onnxruntime-gpu")
    release = fact_version(fact)
    if fact is not None and release is not None:
        major = _table_major(release, tables.get(TABLE) or ())
        if major is not None:
            return major, fact.line, f"onnxruntime-gpu {fact.value} is a CUDA {major} build"
    return None


def _cpu_package(paste: Paste) -> bool:
    """The paste lists or installs only the CPU distribution."""
    if paste.facts.get("package.onnxruntime-gpu") is not None:
        return False
    return paste.facts.get("package.onnxruntime") is not None or any(
        _CPU_INSTALL.search(text[:2000]) for text in paste.lines[:5000]
    )


def _provider_failed(text: str) -> bool:
    """The line says the CUDA provider could not be created, or its library not loaded."""
    return _FAILED in text or (_PROVIDER in text and any(w in text for w in _LOAD_FAILED))


def ort_cuda_findings(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """The CUDA provider's failure next to a stated CUDA release of another major than the
    build's (stated or inferred)."""
    failed = [n for n, text in enumerate(paste.lines[:5000], 1) if _provider_failed(text.lower())]
    if not failed or _cpu_package(paste):
        return []
    stated = stated_cuda_lines(paste, failed)
    if not stated:
        return []
    build = _build_major(paste, failed, tables)
    inferred = build is None
    if build is None:
        if min(major for major, _ in stated) < 12:
            return []
        build = (11, None, f"onnxruntime-gpu's wheels before {_FIRST_CUDA12} are CUDA 11 builds")
    major, line, how = build
    if any(have == major for have, _ in stated):
        return []
    (have, minor), have_line = min(stated.items(), key=lambda kv: kv[1])
    proof = [failed[0], have_line, *([line] if line is not None else [])]
    return [
        _KIND.finding(
            paste,
            "cuda-major",
            "warn",
            "onnxruntime-gpu could not create its CUDA provider: the paste states CUDA "
            f"{have}.{minor}, and this onnxruntime-gpu is a CUDA {major} build"
            + (" (inferred: the paste names no release)" if inferred else ""),
            f"{how}; its CUDA provider loads only CUDA {major}'s libraries",
            f"Install the onnxruntime-gpu build for CUDA {have} (onnxruntime-gpu {_FIRST_CUDA12} or "
            f"later is a CUDA 12 build on PyPI; CUDA 11 builds up to 1.18), or CUDA {major}.x with "
            "the cuDNN that release requires, on the library path",
            proof,
            URL,
        )
    ]


__all__ = ["ort_cuda_findings"]
