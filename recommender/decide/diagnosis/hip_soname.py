"""The HIP runtime of another ROCm release: a program asks for ``libamdhip64.so.N`` and the loader
cannot open it, while the paste states ROCm M (M != N) installed.

HIP's file name carries the ROCm major that ships it: ``libamdhip64.so.5`` is ROCm 5's (Debian's
libamdhip64-5 package is rocm-hipamd 5.2.3 and 5.7.1, ROCM_5_URL), ``libamdhip64.so.6`` ROCm 6's
(the soname list of Arch's rocprofiler 6.0.2, ROCM_6_URL), ``libamdhip64.so.7`` ROCm 7's (Ubuntu's
libamdhip64-7 is rocm-hipamd 7.1.0, ROCM_7_URL). So a package asking for HIP 5 on a ROCm 6 system
(a torch, llama.cpp, ctranslate2 or bitsandbytes build for ROCm 5) was built for another ROCm; the
missing file is the symptom. What states ROCm M: torch's ``+rocmX.Y`` and collect_env's "ROCM used
to build PyTorch" (rocm_releases.stated_release), words ("ROCm 6.1", "rocm-6.2.0", ``/opt/rocm-6.2``)
on a line that does not ask for the library. A warning: inferred from names, as asked_cuda's is.
"""

from __future__ import annotations

import re
from dataclasses import replace

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED
from recommender.decide.diagnosis.rocm_releases import stated_release
from recommender.facts.reports import Paste

ROCM_5_URL = "https://packages.debian.org/bookworm/libamdhip64-5"
ROCM_6_URL = "https://archlinux.org/packages/extra/x86_64/rocprofiler/sonames/"
ROCM_7_URL = "https://packages.ubuntu.com/resolute/libs/libamdhip64-7"
_SOURCES = {5: ROCM_5_URL, 6: ROCM_6_URL, 7: ROCM_7_URL}

#: HIP's runtime named with its major where the loader failed on it.
_ASKED = re.compile(r"(?<![A-Za-z0-9_])libamdhip64\.so\.(?P<major>[0-9]{1,2})(?![0-9])")
_FAILED = re.compile(
    r"cannot open shared object|No such file|not found|could not (?:load|open|find)"
    r"|cannot (?:load|find)|failed to load|unable to load",
    re.IGNORECASE,
)
#: ROCm stated with its release in words or a directory: "ROCm 6.1", "rocm-6.2.0", "/opt/rocm-6.2",
#: "ROCm v5.7", torch's "+rocm6.0"; never the tail of a package's name, whose version is its own
#: (``pytorch-triton-rocm==2.1.0``, ``tensorflow-rocm==2.14.0.600``).
_STATED = re.compile(
    r"(?<![A-Za-z0-9_-])rocm[ _/:=-]{0,3}v?(?P<major>[0-9])\.(?P<minor>[0-9]{1,2})", re.IGNORECASE
)


def _asked(paste: Paste) -> tuple[int, int] | None:
    """(line, HIP major) of the first HIP runtime the loader failed on."""
    for number, line in enumerate(paste.lines[:2000], start=1):
        m = _ASKED.search(line[:2000])
        if m is not None and _FAILED.search(line[:2000]):
            return number, int(m.group("major"))
    return None


def _stated(paste: Paste, asked_line: int) -> dict[int, int]:
    """ROCm majors the paste states, each with its first line."""
    found: dict[int, int] = {}
    stated = stated_release(paste)
    if stated is not None:
        found[stated[0][0]] = stated[1].line
    for number, line in enumerate(paste.lines[:2000], start=1):
        if number == asked_line or Accelerator.ROCM.value not in line.lower():
            continue
        for m in _STATED.finditer(line[:2000]):
            found.setdefault(int(m.group("major")), number)
    return found


def hip_of_another_rocm(paste: Paste) -> list[Finding]:
    """A HIP runtime of ROCm N not found where the paste states only other ROCm majors."""
    asked = _asked(paste)
    if asked is None or asked[1] not in _SOURCES:
        return []
    number, major = asked
    stated = _stated(paste, number)
    if not stated or major in stated:
        return []
    said = ", ".join(f"ROCm {m}" for m in sorted(stated))
    finding = INFERRED.finding(
        paste,
        "hip-rocm-release",
        "warn",
        title="A package asks for the HIP runtime of another ROCm release than the one installed",
        detail=f"libamdhip64.so.{major} is ROCm {major}'s HIP runtime; the paste states {said}: "
        "the package asking for it was built for another ROCm (inferred from the library's name)",
        fix=f"Install the package's build for the installed ROCm (its rocmX.Y wheel or index), "
        f"or the ROCm {major} release whose HIP runtime it names",
        proof=[number, *sorted(stated.values())[:2]],
        source=_SOURCES[major],
    )
    return [replace(finding, also=(*finding.also, Category.MISSING_LIBRARY.value))]
