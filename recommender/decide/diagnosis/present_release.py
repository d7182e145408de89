"""A shared library asked for at one release while the paste shows it installed at another.

A compiled program names each library it links by its soname, which carries the library's ABI
release (``libavutil.so.56`` is FFmpeg 4's libavutil, ``libtensorflow_framework.so.1`` TensorFlow
1's framework library, ``libnvinfer.so.7`` TensorRT 7's runtime). Where the loader cannot open
``libX.so.N`` and the same paste lists ``libX.so.M`` (an ``ls``/``find`` listing, a package list, a
loader's "Successfully opened"), the library is installed, in another release: the program was
built against a release of it other than the installed one, and the missing file is the symptom
(the Linux loader resolves a DT_NEEDED entry by its exact soname, ld.so(8):
https://man7.org/linux/man-pages/man8/ld.so.8.html; the soname changes when the ABI does, per the
Program Library HOWTO, https://tldp.org/HOWTO/Program-Library-HOWTO/shared-libraries.html).

The CUDA libraries are asked_cuda's and HIP's hip_soname's (both set the name against a CUDA or ROCm
release, not only against the file); here any other library. A warning: the two names are the
evidence, not the program's own word.
"""

from __future__ import annotations

import re
from dataclasses import replace

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED
from recommender.facts.reports import Paste

SONAME_URL = "https://tldp.org/HOWTO/Program-Library-HOWTO/shared-libraries.html"

#: A versioned shared library's name: its stem and the release after ``.so.``.
_SONAME = re.compile(
    r"(?<![A-Za-z0-9_+.-])(?P<stem>lib[A-Za-z][A-Za-z0-9_+-]{0,60})\.so\.(?P<release>[0-9]{1,4}(?:\.[0-9]{1,4}){0,3})(?![0-9])"
)
#: Words on a line that say a library did not load.
_FAILED = re.compile(
    r"cannot open shared object|No such file|not found|could not (?:load|open|find|dlopen)"
    r"|cannot (?:load|find)|failed to load|unable to (?:load|find|open)|is missing|\bmissing\b",
    re.IGNORECASE,
)
#: Libraries whose names other rules set against a CUDA or ROCm release (asked_cuda, hip_soname).
_READ_ELSEWHERE = re.compile(
    r"^lib(?:cudart|cublasLt|cublas|cufft|curand|cusparse|cusolver|cudnn|nvrtc|amdhip64)$"
)
_LINES = 2000


def _same_release(asked: str, shown: str) -> bool:
    """``shown`` is ``asked`` or a fuller spelling of it (``58`` and ``58.29.100``)."""
    return shown == asked or shown.startswith(asked + ".") or asked.startswith(shown + ".")


def _failed_loads(paste: Paste) -> list[tuple[int, str, str]]:
    """(line, stem, release) of each versioned library a line says did not load."""
    out = []
    for number, line in enumerate(paste.lines[:_LINES], start=1):
        text = line[:2000]
        if not _FAILED.search(text):
            continue
        for m in _SONAME.finditer(text):
            if not _READ_ELSEWHERE.match(m.group("stem")):
                out.append((number, m.group("stem"), m.group("release")))
    return out


def _shown_elsewhere(
    paste: Paste, failed: set[int], stem: str, asked: str
) -> tuple[int, str] | None:
    """(line, release) of the first line, not one of ``failed``, that names ``stem`` at another
    release than ``asked``."""
    for number, line in enumerate(paste.lines[:_LINES], start=1):
        if number in failed or stem not in line:
            continue
        for m in _SONAME.finditer(line[:2000]):
            if m.group("stem") == stem and not _same_release(asked, m.group("release")):
                return number, m.group("release")
    return None


def library_of_another_release(paste: Paste) -> list[Finding]:
    """A library the loader did not open at release N while the paste shows release M of it."""
    loads = _failed_loads(paste)
    failed = {number for number, _, _ in loads}
    for number, stem, release in loads:
        shown = _shown_elsewhere(paste, failed, stem, release)
        if shown is None:
            continue
        finding = INFERRED.finding(
            paste,
            "library-other-release",
            "warn",
            title="A library is installed in another release than the one the program asks for",
            detail=f"{stem}.so.{release} did not load while the paste shows {stem}.so.{shown[1]}: "
            "the program (or extension) was built against another release of the library than "
            "the installed one (inferred from the two names)",
            fix=f"Install the program's build for the installed {stem} (or rebuild it against "
            f"it), or install the release of {stem} it was built against ({stem}.so.{release})",
            proof=[number, shown[0]],
            source=SONAME_URL,
        )
        return [replace(finding, also=(*finding.also, Category.MISSING_LIBRARY.value))]
    return []
