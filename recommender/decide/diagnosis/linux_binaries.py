"""A library's Linux binaries on native Windows: a package whose loader, run from a Windows
install (``C:\\...\\site-packages\\bitsandbytes\\...``), looks for Linux shared objects
(``libcudart.so``, ``libbitsandbytes_cuda118.so``) was installed from a wheel that carries only
Linux builds. bitsandbytes before 0.43.0 published a pure-Python wheel (py3-none-any) whose
compiled parts are Linux ``.so`` files, so pip installs it on Windows and its CUDA set-up then
fails; 0.43.0 is its first release with a Windows build (rules/platform_wheels.yaml, from the
index; the release note: https://huggingface.co/posts/Titus-von-Koeller/208953986335856).
``no-matching-wheel``: the library's own lines prove the Windows install and the Linux search, so
a failure."""

from __future__ import annotations

import re
from collections.abc import Mapping

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_version
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.rulebase.platform_wheels import Library

_KIND = FindingKind("linux-binaries", Category.NO_MATCHING_WHEEL.value)
#: A Linux shared object's file name (not a Windows DLL, not a Python module).
_SHARED_OBJECT = re.compile(r"\blib[A-Za-z0-9_+-]{1,60}\.so(?:\.[0-9]{1,4}){0,3}\b")
#: A Windows drive's path ("C:\\"), and the package a site-packages path enters.
_DRIVE = re.compile(r"\b[A-Za-z]:\\")
_PACKAGE = re.compile(r"(?P<name>[A-Za-z0-9_]{2,40})\\")
_SITE = "\\site-packages\\"
#: How many lines the scan reads: a loader's warnings come first.
_LIMIT = 5000


def _windows_search(paste: Paste, names: Mapping[str, str]) -> tuple[str, int] | None:
    """(library, line) where a Windows install of a library names a Linux shared object."""
    for number, text in enumerate(paste.lines[:_LIMIT], 1):
        head = text[:2000]
        at = head.find(_SITE)
        if at < 0 or ".so" not in head or _DRIVE.search(head, 0, at) is None:
            continue
        m = _PACKAGE.match(head, at + len(_SITE))
        if m is None or _SHARED_OBJECT.search(head) is None:
            continue
        name = names.get(m.group("name").lower())
        if name is not None:
            return name, number
    return None


def linux_binaries_findings(paste: Paste, libraries: Mapping[str, Library]) -> list[Finding]:
    """A library whose pure-Python wheels carry only Linux builds, caught searching for them on
    Windows."""
    names = {
        name.replace("-", "_").lower(): name
        for name, lib in libraries.items()
        if lib.pure - lib.built("windows") and lib.built("windows")
    }
    found = _windows_search(paste, names)
    if found is None:
        return []
    name, line = found
    lib = libraries[name]
    first = min(lib.built("windows"))
    stated = fact_version(paste.facts.get(f"package.{name}"))
    if stated is not None and stated >= first:
        return []  # a release with a Windows build: its .so search is another story
    return [
        _KIND.finding(
            paste,
            name,
            "fail",
            f"{name} installed on Windows is a build with only Linux binaries",
            f"its loader, installed on Windows, looks for Linux shared objects (.so): {name}'s "
            f"releases before {first} published a pure-Python wheel whose compiled parts are "
            f"Linux builds, so pip installs it on Windows and it cannot load there; {first} is "
            "its first release with a Windows wheel",
            f'pip install -U "{name}>={first}"',
            [line],
            lib.source,
        )
    ]


__all__ = ["linux_binaries_findings"]
