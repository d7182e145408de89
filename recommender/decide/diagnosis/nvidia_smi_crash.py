"""nvidia-smi crashing under WSL 2, told as a shell session: the command on one line and the
shell's crash report alone on the next.

Under WSL 2 nvidia-smi is the Windows driver's Linux build in /usr/lib/wsl/lib, and some Windows
driver releases shipped one that crashes there (https://github.com/microsoft/WSL/issues/11277,
https://github.com/microsoft/WSL/issues/11870: "segmentation fault" on every WSL distribution with
the latest drivers; another release fixes it). An interactive bash prints "Segmentation fault (core
dumped)" without the command's name, so the signature that reads zsh's "segmentation fault
nvidia-smi" on one line misses it: this reads the two lines together. Only under WSL 2 (elsewhere
a crash has other causes), as a warning.
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.wsl import on_wsl2
from recommender.facts.reports import Paste

CRASH_URL = "https://github.com/microsoft/WSL/issues/11277"

#: A shell line that runs nvidia-smi (a prompt before it or not; options after it).
_RUNS_SMI = re.compile(
    r"(?:^|[$#>] {0,4})(?:sudo )?(?:/usr/lib/wsl/lib/)?nvidia-smi(?: [^\n]{0,80})?$"
)
#: The shell's or the kernel's word for the crash, alone on the line.
_CRASH = re.compile(r"^(?:\[[0-9]{1,6}\] {0,4}[0-9]{1,8} {1,4})?(?:Segmentation fault|Bus error)")
_MAX_LINES = 5000


def _crash_lines(paste: Paste) -> list[int]:
    """The nvidia-smi command line and the crash report right below it (a blank line between
    allowed)."""
    lines = paste.lines[:_MAX_LINES]
    for number, line in enumerate(lines, 1):
        if "nvidia-smi" not in line or not _RUNS_SMI.search(line.strip()[:200]):
            continue
        below = [n for n in range(number + 1, min(number + 3, len(lines) + 1))]
        crash = next((n for n in below if _CRASH.search(lines[n - 1].strip())), None)
        if crash is not None:
            return [number, crash]
    return []


def nvidia_smi_crash_wsl(paste: Paste) -> list[Finding]:
    """nvidia-smi run and crashing at once, on a paste from WSL 2."""
    if not on_wsl2(paste):
        return []
    shown = _crash_lines(paste)
    if not shown:
        return []
    return [
        Finding(
            id="platform:wsl-nvidia-smi-crash",
            category=Category.WSL_ISSUE.value,
            status="warn",
            title="WSL 2: nvidia-smi crashes (a fault of the Windows driver's WSL libraries in some releases)",
            detail=(
                "nvidia-smi crashed as soon as it ran under WSL 2, where it is the Windows "
                "driver's own Linux build (/usr/lib/wsl/lib/nvidia-smi): some Windows driver "
                "releases shipped one that crashes there"
            ),
            fix=(
                "Install another Windows NVIDIA driver release (newer, or the one before) and run "
                "wsl --shutdown; install no Linux NVIDIA driver inside WSL"
            ),
            quotes=quote_lines(paste, shown),
            source=CRASH_URL,
        )
    ]
