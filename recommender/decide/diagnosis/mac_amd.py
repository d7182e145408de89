"""An AMD GPU in a Mac, with torch asked for CUDA or ROCm: neither exists on macOS. ROCm is
built on the Linux kernel driver (amdgpu/KFD) and ships for Linux (the HIP SDK for Windows); no
torch build for macOS has CUDA or ROCm, so ``torch.cuda.is_available()`` is False there whatever
is installed. A Mac reaches its GPU only through Metal (torch's MPS device), which is a platform
fact, not something to fix in the installation."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.inferred import MACOS_WORDS, asked_is_available, first_line
from recommender.facts.reports import Paste

#: ROCm's supported operating systems: Linux distributions (and Windows for the HIP SDK).
ROCM_SYSTEMS_URL = (
    "https://rocm.docs.amd.com/projects/install-on-linux/en/latest/reference/"
    "system-requirements.html"
)

#: A Linux system shown beside it (a distribution, a kernel, os-release): the failing machine may
#: be that one, and the Mac only mentioned.
_LINUX = re.compile(r"\b(?:ubuntu|debian|centos|fedora|red hat|rhel|arch linux|linux)\b", re.I)
#: An AMD GPU named (its brand, product lines, gfx target; not an AMD processor).
_AMD = re.compile(
    r"\b(?:radeon|vega ?[0-9]{0,2}|polaris|navi ?[0-9]{0,2}|gfx[0-9]{3,4}[a-c]?"
    r"|amd (?:gpu|graphics|card))\b",
    re.IGNORECASE,
)
#: ROCm or HIP named: what the user expected to run.
_ROCM = re.compile(r"\brocm\b|\bhip\b|\bhipcc\b", re.IGNORECASE)


def _asked(paste: Paste) -> int | None:
    """The line that shows CUDA or ROCm asked of torch: torch's answer to the user's own check
    (``torch.cuda.is_available()`` False), or ROCm/HIP named. A program that quietly fell back to
    the CPU (Whisper's FP16 warning) asked nothing: on a Mac that is what it should do."""
    cuda = paste.facts.get("frameworks.pytorch.cuda_available")
    if cuda is not None and cuda.value is False and asked_is_available(paste, cuda.line):
        return cuda.line
    return first_line(paste, _ROCM)


def amd_gpu_on_macos(paste: Paste) -> list[Finding]:
    """A fail where the paste is from a Mac with an AMD GPU and asks torch for CUDA or ROCm."""
    system = paste.facts.get("os.system")
    if system is not None and str(system.value) != "Darwin":
        return []
    mac = system.line if system is not None else first_line(paste, MACOS_WORDS)
    if mac is None or first_line(paste, _LINUX) is not None:
        return []
    gfx = [f.line for p, f in paste.facts.items() if p.startswith("gpu.") and p.endswith(".gfx")]
    amd = gfx[0] if gfx else first_line(paste, _AMD)
    asked = _asked(paste)
    if amd is None or asked is None:
        return []
    return [
        Finding(
            id="platform:amd-gpu-on-macos",
            category=Category.ROCM_ISSUE.value,
            status="fail",
            title="ROCm and CUDA do not exist on macOS: torch cannot use this Mac's AMD GPU through them",
            detail=(
                "the paste is from a Mac with an AMD GPU and asks torch for CUDA or ROCm; ROCm "
                "runs on Linux (its kernel driver) and, for the HIP SDK, Windows, and no torch "
                "build for macOS has CUDA or ROCm, so torch.cuda.is_available() is False there "
                "whatever is installed"
            ),
            fix=(
                "On the Mac use torch's MPS device (torch.device('mps'); Apple lists AMD GPUs for "
                "it on macOS 12.3 or later with the releases of that time, newer releases Apple "
                "silicon only), or run on Linux with a GPU that ROCm supports and torch's ROCm "
                "build (https://pytorch.org/get-started/locally/)"
            ),
            quotes=quote_lines(paste, sorted({mac, amd, asked})),
            source=ROCM_SYSTEMS_URL,
        )
    ]
