"""A GPU the framework reaches as root and not as the user: the device files' permissions.

The NVIDIA kernel module creates its device files (/dev/nvidiactl, /dev/nvidia0, ...) with the
owner, group and mode it is given (NVreg_DeviceFileUID, NVreg_DeviceFileGID, NVreg_DeviceFileMode:
nv-reg.h), and some distributions give them mode 0660 for the video group (openSUSE's modprobe
configuration for its NVIDIA packages); a user outside that group then gets no GPU while root
does. A paste in which the same check answers True when run with sudo or at a root prompt and
False without shows exactly that, and the framework is a GPU build (a CPU build never answers
True).
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.facts.reports.model import Fact

SOURCE = "https://github.com/NVIDIA/open-gpu-kernel-modules/blob/main/kernel-open/nvidia/nv-reg.h"

#: A command run as root: sudo (or doas) before it, or a root shell's prompt ("root@host:~#",
#: "[root@host ~]#", a bare "# ").
_AS_ROOT = re.compile(r"(?:^|[\s;(&|`])(?:sudo|doas)\s|^\s{0,4}\[?root@|^\s{0,4}#\s")
#: How far above an answer its command may be (the command, then its output).
_COMMAND_ABOVE = 2


def _as_root(paste: Paste, line: int) -> bool:
    """The answer on ``line`` came from a command run as root: the line itself (a one-liner with
    its output) or one of the lines just above it."""
    return any(
        _AS_ROOT.search(paste.line(n)) is not None
        for n in range(max(1, line - _COMMAND_ABOVE), line + 1)
    )


def root_only(paste: Paste) -> tuple[Fact, Fact] | None:
    """A framework's GPU check answering True as root and False as the user: those two answers
    (root's, the user's), or None."""
    for c in paste.conflicts:
        if not c.path.endswith(".cuda_available"):
            continue
        yes, no = (c.first, c.second) if c.first.value is True else (c.second, c.first)
        if yes.value is True and no.value is False:
            if _as_root(paste, yes.line) and not _as_root(paste, no.line):
                return yes, no
    return None


def root_only_gpu(paste: Paste) -> list[Finding]:
    """The GPU reachable as root only: the user lacks access to the device files."""
    answers = root_only(paste)
    if answers is None:
        return []
    yes, no = answers
    return [
        Finding(
            id="host:gpu-root-only",
            category=Category.NO_DEVICE.value,
            status="fail",
            title="The GPU answers as root but not as this user: the device files' permissions",
            detail=(
                f"the same check answers True when run as root (line {yes.line}) and False "
                f"without (line {no.line}): the framework is a GPU build and the driver works, "
                "but this user may not open the NVIDIA device files (/dev/nvidia*)"
            ),
            fix=(
                "Check ls -l /dev/nvidia*: add the user to the group that owns them (usermod -aG "
                "video $USER on openSUSE and others, then log in again), or have the driver "
                "create them readable for the user's group (NVreg_DeviceFileGID / "
                "NVreg_DeviceFileMode); do not run the program as root instead"
            ),
            quotes=quote_lines(paste, [yes.line - 1, yes.line, no.line - 1, no.line]),
            source=SOURCE,
        )
    ]
