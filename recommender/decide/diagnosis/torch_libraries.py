"""A library of torch's own that only some torch releases ship, asked for by a compiled module: the
module was built against those releases.

torch's CUDA builds of 1.8 to 1.13 split ``libtorch_cuda.so`` into ``libtorch_cuda_cu.so`` and
``libtorch_cuda_cpp.so`` (``torch_cuda_cu.dll`` / ``torch_cuda_cpp.dll`` on Windows;
BUILD_SPLIT_CUDA, pytorch/pytorch#49050), and 2.0 merged them back (pytorch/pytorch#87502; the
2.0.0 wheels lack both, pytorch/pytorch#98196). An extension compiled against a split build links
them by name, so where the loader cannot find one, the extension was built for those releases and
the installed torch is another one (flash-attn's maintainer: "the extension was compiled for one
version of Pytorch, and then another version of Pytorch is installed",
Dao-AILab/flash-attention#236). The releases are compat.yaml's ``torch_release_libraries``. A
failure where the paste's tool output states a torch outside them; a warning else (inferred from
the library's name alone).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from recommender.decide.diagnosis._paste import fact_version, stated_in_prose
from recommender.decide.diagnosis.extension_loads import importing_package
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED
from recommender.facts.reports import Paste

#: The finding's key (its id is ``inferred:<KEY>``).
KEY = "torch-release-library"
#: torch's own library named as a Linux soname or a Windows DLL.
_LIBRARY = re.compile(r"(?<![A-Za-z0-9_])(?:lib)?(?P<name>torch_[a-z_]{1,30})(?:\.so|\.dll)")
#: The loader's words that it did not find the library (within the same line).
_MISSING = re.compile(
    r"cannot open shared object|No such file|not found|could not (?:be )?find|could not be found"
    r"|Error loading",
    re.IGNORECASE,
)


def _releases(tables: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """library name -> (the torch releases that ship it as a specifier, its source)."""
    out: dict[str, tuple[str, str]] = {}
    for row in tables.get("torch_release_libraries") or ():
        out[str(row["library"])] = (str(row["torch"]), str(row["source"]))
    return out


def _asked(paste: Paste, known: Mapping[str, tuple[str, str]]) -> tuple[int, str] | None:
    for number, line in enumerate(paste.lines[:2000], start=1):
        text = line[:2000]
        if not _MISSING.search(text):
            continue
        for m in _LIBRARY.finditer(text):
            if m.group("name") in known:
                return number, m.group("name")
    return None


def release_library(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """A compiled module asks for a torch library that only other torch releases ship."""
    known = _releases(tables)
    found = _asked(paste, known)
    if found is None:
        return []
    number, name = found
    spec, source = known[name]
    try:
        releases = SpecifierSet(spec)
    except InvalidSpecifier:
        return []
    torch = paste.facts.get("frameworks.pytorch.version")
    have = fact_version(torch)
    if have is not None and releases.contains(Version(have.public), prereleases=True):
        return []  # a torch that ships it: the file is missing, not of another release
    outside = have is not None
    certain = outside and torch is not None and not stated_in_prose(paste, torch)
    package = importing_package(paste, number)
    who = package or "the extension that loads it"
    stated = f"; torch {torch.value} is installed (line {torch.line})" if outside and torch else ""
    return [
        INFERRED.finding(
            paste,
            KEY,
            "fail" if certain else "warn",
            title=f"{who} was built against another torch release (it asks for {name}, which "
            f"only torch releases {spec} ship)",
            detail=f"{name} is a library of torch's CUDA builds {spec} only; a compiled module "
            f"that asks for it was built against one of them{stated}"
            + ("" if certain else " (inferred from the library's name)"),
            fix=f"Reinstall {who} built for the installed torch, or rebuild it from source against "
            "it (pip install --no-build-isolation --no-cache-dir --force-reinstall "
            f"{package or '<the extension>'}), or install a torch {spec}",
            proof=[number, *([torch.line] if outside and torch else [])],
            source=source,
        )
    ]
