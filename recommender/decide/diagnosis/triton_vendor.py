"""Triton's NVIDIA code path on a machine whose GPU is AMD's.

torch's ROCm builds ship their own Triton (``pytorch-triton-rocm``, pulled from the same ROCm
index as torch), which compiles for the GPU through HIP. Where a paste shows Triton taking its
NVIDIA path (PTX code generation, ptxas, its ``backends/nvidia`` files) while the GPU it names is
an AMD one, the Triton that torch imported is a build for NVIDIA (``triton`` from PyPI or a CUDA
index, installed over or beside ROCm's), not the ROCm one: the two packages are of different
vendors' builds, and compiling fails whatever the model. A warning: the paste shows the path
taken, not the packages installed.
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.inferred import first_line
from recommender.facts.reports import Paste

#: PyTorch's ROCm install pulls its Triton from the ROCm index (pytorch-triton-rocm).
ROCM_TRITON_URL = "https://pytorch.org/get-started/locally/"

#: Triton compiling for NVIDIA: its PTX code generation, its ptxas, its NVIDIA backend's files.
_NVIDIA_PATH = re.compile(
    r"Internal Triton PTX codegen error|triton[/\\]backends[/\\]nvidia|TRITON_PTXAS_PATH"
    r"|ptxas fatal"
)
#: The machine's GPU named as AMD's, or torch's ROCm build.
_AMD = re.compile(
    r"\b(?:radeon|instinct mi[0-9]{2,3}|gfx[0-9]{3,4}[a-c]?|rocm(?! used to build pytorch: n/a)"
    r"|hip_visible_devices)\b|\+rocm[0-9]",
    re.IGNORECASE,
)
#: An NVIDIA GPU or driver named anywhere: Triton's NVIDIA path is then the expected one.
_NVIDIA = re.compile(
    r"nvidia-smi|geforce|\brtx\b|\bgtx\b|quadro|tesla|driver version: ?[0-9]", re.I
)


def triton_for_nvidia_on_amd(paste: Paste) -> list[Finding]:
    """A warning where Triton takes its NVIDIA path on a paste that shows only an AMD GPU."""
    triton = first_line(paste, _NVIDIA_PATH)
    if triton is None:
        return []
    amd = first_line(paste, _AMD)
    if amd is None or first_line(paste, _NVIDIA) is not None:
        return []
    return [
        Finding(
            id="build:triton-for-nvidia-on-amd",
            category=Category.VERSION_MISMATCH.value,
            status="warn",
            title="Triton compiles for NVIDIA on an AMD machine: the Triton imported is not ROCm's",
            detail=(
                "Triton took its NVIDIA path (PTX, ptxas) where the GPU the paste names is AMD's "
                "or torch is its ROCm build: the triton package imported is a build for NVIDIA "
                "(PyPI's or a CUDA index's), not the pytorch-triton-rocm that torch's ROCm build "
                "ships"
            ),
            fix=(
                "pip uninstall -y triton pytorch-triton pytorch-triton-rocm, then reinstall torch "
                "from the ROCm index (pip install torch --index-url "
                "https://download.pytorch.org/whl/rocmX.Y), which brings its own Triton"
            ),
            quotes=quote_lines(paste, sorted({triton, amd})),
            source=ROCM_TRITON_URL,
        )
    ]
