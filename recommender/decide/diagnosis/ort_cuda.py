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
from recommender.decide.diagnosis.cudnn import named_cudnn
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
#: An onnxruntime package or feed that names its CUDA major (``onnxruntime-win-x64-cuda12-1.17.1``,
#: the ``onnxruntime-cuda-12`` feed) and, where it does, its release.
_NAMED_BUILD = re.compile(r"onnxruntime[A-Za-z0-9_-]{0,30}?cuda-?(?P<cuda>1[0-9])\b", re.I)
_NAMED_RELEASE = re.compile(
    r"onnxruntime[A-Za-z0-9_-]{0,40}?(?:-|==?)(?P<v>1\.[0-9]{1,2}(?:\.[0-9]{1,2})?)\b", re.I
)
#: The cuDNN major onnxruntime's CUDA builds link (the requirements table: cuDNN 8 up to 1.17,
#: both CUDA 11.8 and 12.2 builds; cuDNN 9 for the CUDA 12 builds from 1.19 on; "ONNX Runtime
#: built with cuDNN 8.x is not compatible with cuDNN 9.x, and vice versa"). 1.18 shipped both.
_CUDNN_8_UNTIL = Version("1.18")
_CUDNN_9_FROM = Version("1.19")
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
    for number, text in enumerate(paste.lines[:5000], 1):
        named = _NAMED_BUILD.search(text[:2000])
        if named:
            return int(named.group("cuda")), number, "the onnxruntime package's name says its CUDA"
    release = _release(paste)
    if release is not None:
        major = _table_major(release[0], tables.get(TABLE) or ())
        if major is not None:
            return major, release[1], f"onnxruntime-gpu {release[0]} is a CUDA {major} build"
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


def _release(paste: Paste) -> tuple[Version, int] | None:
    """The onnxruntime release the paste names (its package list, a package's file name)."""
    fact = paste.facts.get("package.onnxruntime-gpu")
    version = fact_version(fact)
    if fact is not None and version is not None:
        return version, fact.line
    for number, text in enumerate(paste.lines[:5000], 1):
        m = _NAMED_RELEASE.search(text[:2000])
        if m:
            return Version(m.group("v")), number
    return None


def _cudnn_major(paste: Paste, failed: Sequence[int]) -> list[Finding]:
    """The provider's failure where the paste states a cuDNN major the release was not built with."""
    release = _release(paste)
    have = named_cudnn(paste, failed)
    if release is None or have is None:
        return []
    version, release_line = release
    build = _build_major(paste, failed, {})
    if version < _CUDNN_8_UNTIL:
        needs = 8
    elif version >= _CUDNN_9_FROM and (build is None or build[0] >= 12):
        needs = 9
    else:
        return []
    if have[0] == needs:
        return []
    return [
        _KIND.finding(
            paste,
            "cudnn-major",
            "warn",
            f"onnxruntime {version}'s CUDA provider did not load: it is built with cuDNN {needs}, "
            f"and the paste states cuDNN {have[0]}",
            f"onnxruntime's CUDA builds link one cuDNN major ({version}: cuDNN {needs}); cuDNN "
            f"{have[0]}'s files have other names, so the provider's dependency is missing",
            f"Install cuDNN {needs} for this CUDA and put its bin (lib) folder on PATH "
            "(LD_LIBRARY_PATH), or install the onnxruntime release built with cuDNN "
            f"{have[0]} (the CUDA-ExecutionProvider requirements table lists them)",
            [failed[0], have[1], release_line],
            URL,
        )
    ]


def ort_cuda_findings(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """The CUDA provider's failure next to a stated CUDA release of another major than the
    build's (stated or inferred), or a stated cuDNN major the release was not built with."""
    failed = [n for n, text in enumerate(paste.lines[:5000], 1) if _provider_failed(text.lower())]
    if not failed or _cpu_package(paste):
        return []
    return [*_cuda_major(paste, failed, tables), *_cudnn_major(paste, failed)]


def _cuda_major(paste: Paste, failed: Sequence[int], tables: Mapping[str, Any]) -> list[Finding]:
    """The provider's failure next to a stated CUDA of another major than the build's."""
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
