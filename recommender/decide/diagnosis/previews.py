"""Windows Insider preview builds under WSL 2: GPU compute in WSL 2 broke on several preview
flights and came back in a later one, so a GPU that WSL 2 cannot reach on such a build is the
build's, whatever else the paste says (the WSL team tracked each: 20226-20241, 21327-21354)."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.wsl import on_wsl2
from recommender.facts.reports import Paste

#: The WSL team's own tracking issue for a preview flight without GPU compute in WSL 2.
PREVIEW_URL = "https://github.com/microsoft/WSL/issues/6617"

#: Windows builds released to everyone from 20000 on: Windows Server 2022 (20348) and Windows 11
#: 21H2-25H2 (22000, 22621, 22631, 26100, 26200)
#: (https://learn.microsoft.com/en-us/windows/release-health/windows11-release-information).
#: Every other build from 20000 on is an Insider preview flight (Windows 10's last release,
#: 22H2, is 19045).
RELEASED_FROM_20000 = frozenset({20348, 22000, 22621, 22631, 26100, 26200})
PREVIEW_FLOOR = 20000
#: The flights on which the WSL team tracked GPU compute in WSL 2 as broken, fixed in a later flight
#: (PREVIEW_URL and the flights' known issues): on these a GPU in WSL 2 does not work at all.
BROKEN_FLIGHTS = ((20226, 20241), (21327, 21354))

#: A line that says the GPU does not work: it names the GPU path (the GPU, CUDA, WSL 2's GPU
#: device /dev/dxg, nvidia-smi) and a failure. Two searches of one line each, both linear.
_GPU_WORD = re.compile(r"\b(?:GPUs?|vGPU|CUDA|cuda|nvidia-smi)\b|/dev/dxg")
_FAILS = re.compile(
    r"\b(?:not (?:available|work(?:ing)?|visible|detected|found|usable|recogni[sz]ed)"
    r"|will fail|fail(?:s|ed|ing)?|lost|no longer|unavailable|missing|broken|broke"
    r"|doesn't work|does not work|can't|cannot|no CUDA GPUs)\b",
    re.IGNORECASE,
)
_MAX_LINES = 2000


def _preview_build(paste: Paste) -> tuple[str, list[int]] | None:
    """The preview flight the paste states: its number (when given) and the lines saying so."""
    build = paste.facts.get("os.windows_build")
    named = paste.facts.get("os.windows_preview")
    if build is not None and is_digits(str(build.value)):
        number = int(build.value)
        if number >= PREVIEW_FLOOR and number not in RELEASED_FROM_20000:
            return f"build {number}", [build.line] + ([named.line] if named else [])
        if named is None:
            return None  # a released build, and no words say it is a preview
    if named is not None:
        return "a preview build", [named.line] + ([build.line] if build else [])
    return None


def _gpu_failure_lines(paste: Paste) -> list[int]:
    out = []
    for number, line in enumerate(paste.lines[:_MAX_LINES], 1):
        head = line[:2000]
        if _GPU_WORD.search(head) and _FAILS.search(head):
            out.append(number)
            if len(out) >= 2:
                break
    return out


def _broken_flight(paste: Paste) -> int | None:
    build = paste.facts.get("os.windows_build")
    if build is None or not is_digits(str(build.value)):
        return None
    number = int(build.value)
    return number if any(lo <= number <= hi for lo, hi in BROKEN_FLIGHTS) else None


def _native_windows(paste: Paste) -> bool:
    system = paste.facts.get("os.system")
    return system is not None and str(system.value) == "Windows"


def _on_broken_flight(paste: Paste, failing: list[int]) -> list[Finding]:
    """A flight on which GPU compute in WSL 2 was broken: under WSL 2 where the paste shows a GPU
    (it cannot have worked there), or where WSL is unsaid, next to a GPU that fails (CUDA on
    Windows' own side was unaffected, and a flight number in a CUDA report of those months names
    WSL 2's preview channel): a warning, inferred from the flight's number."""
    number = _broken_flight(paste)
    if number is None or _native_windows(paste):
        return []
    wsl2 = on_wsl2(paste)
    gpu = [f.line for p, f in paste.facts.items() if p.startswith("gpu.") and p.endswith(".name")]
    shown = failing or (gpu[:1] if wsl2 else [])
    if not shown:
        return []
    build = paste.facts["os.windows_build"]
    where = (
        "WSL 2 there" if wsl2 else "WSL 2 there (if this runs under WSL 2: the text does not say)"
    )
    return [
        Finding(
            id="platform:wsl-broken-flight",
            category=Category.WSL_ISSUE.value,
            status="warn",
            title="A Windows Insider flight on which GPU compute in WSL 2 was broken",
            detail=(
                f"this is Windows build {number}, one of the preview flights on which GPU compute "
                f"in WSL 2 did not work ({', '.join(f'{lo}-{hi}' for lo, hi in BROKEN_FLIGHTS)}, "
                f"fixed in a later flight): the GPU cannot work in {where} (inferred from "
                "the build number)"
            ),
            fix=(
                "Update to a later Insider flight, or leave the Insider programme for a released "
                "build (Windows 11, or Windows 10 21H2 or later), then restart WSL (wsl --shutdown)"
            ),
            quotes=quote_lines(paste, [build.line, *shown]),
            source=PREVIEW_URL,
        )
    ]


def wsl_preview_build(paste: Paste) -> list[Finding]:
    """WSL 2 on an Insider preview flight, and a line saying the GPU does not work there."""
    stated = paste.facts.get("os.wsl")
    if stated is not None and str(stated.value) == "1":
        return []
    preview = _preview_build(paste)
    if preview is None:
        return []
    failing = _gpu_failure_lines(paste)
    if not on_wsl2(paste) or not failing:
        return _on_broken_flight(paste, failing)
    which, lines = preview
    return [
        Finding(
            id="platform:wsl-preview-build",
            category=Category.WSL_ISSUE.value,
            status="fail",
            title="A Windows Insider preview build: GPU compute in WSL 2 breaks on some flights",
            detail=(
                f"this is Windows {which}, an Insider preview flight, and the text says the GPU "
                "does not work in WSL 2; several preview flights shipped without working GPU "
                "compute in WSL 2 (20226-20241, 21327-21354), fixed in a later flight"
            ),
            fix=(
                "Update to the next Insider flight, or leave the Insider programme for a released "
                "build (Windows 11, or Windows 10 21H2 or later); keep the NVIDIA driver on Windows "
                "only, then restart WSL (wsl --shutdown)"
            ),
            quotes=quote_lines(paste, [*lines, *failing]),
            source=PREVIEW_URL,
        )
    ]
