"""CUDA asked of a machine whose only GPU the paste names is another vendor's.

CUDA runs only on NVIDIA GPUs, through NVIDIA's driver. Where a CUDA program fails with a driver
or device message ("CUDA driver version is insufficient", "no CUDA-capable device") and the
writer names the machine's GPU as an Intel, AMD or Apple one, with nothing NVIDIA anywhere in the
paste, there is no NVIDIA driver to update: the CUDA runtime reports a missing driver as an
insufficient one (cudaErrorInsufficientDriver is also what it answers where libcuda cannot be
loaded at all). The fix is an NVIDIA GPU, or the program's CPU (or the other vendor's) path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.inferred import first_line
from recommender.facts.reports import Paste

#: NVIDIA's statement that CUDA needs an NVIDIA GPU and its driver (system requirements).
CUDA_REQUIREMENTS_URL = (
    "https://docs.nvidia.com/cuda/cuda-installation-guide-linux/index.html#system-requirements"
)

#: A GPU of another vendor named as the machine's (integrated Intel graphics, Intel Arc, AMD
#: Radeon, Apple silicon).
_OTHER_GPU = re.compile(
    r"\b(?:intel(?:\(r\))? (?:iris|uhd|hd graphics|arc|gpu|graphics)|iris xe|integrated "
    r"(?:intel |amd )?(?:gpu|graphics)|amd (?:radeon|gpu)|radeon|apple m[1-4]|m[1-4] (?:pro|max|"
    r"ultra))\b",
    re.IGNORECASE,
)
#: Anything NVIDIA in the paste: its name, product lines, a data-centre model, nvidia-smi's header.
_NVIDIA = re.compile(
    r"nvidia|geforce|\brtx\b|\bgtx\b|quadro|tesla|titan|jetson|driver version: ?[0-9]|"
    r"\b[AHLTVPK][0-9]{1,3}\b(?! ?(?:pro|max|ultra))",
    re.IGNORECASE,
)
#: What a CUDA program says where no NVIDIA driver or GPU serves it.
_CUDA_UNSERVED = frozenset(
    {Category.DRIVER_TOO_OLD.value, Category.NO_DRIVER.value, Category.NO_DEVICE.value}
)


def no_nvidia_gpu(paste: Paste, found: Sequence[Finding]) -> list[Finding]:
    """A fail where a CUDA driver or device failure meets a paste naming only another vendor's
    GPU."""
    failing = [f for f in found if f.status == "fail" and f.category in _CUDA_UNSERVED]
    if not failing or any(p.startswith("gpu.") or p.startswith("driver.") for p in paste.facts):
        return []
    other = first_line(paste, _OTHER_GPU)
    if other is None or first_line(paste, _NVIDIA) is not None:
        return []
    lines = [other, *(q.line for f in failing for q in f.quotes)]
    return [
        Finding(
            id="platform:no-nvidia-gpu",
            category=Category.NO_DRIVER.value,
            status="fail",
            title="CUDA needs an NVIDIA GPU, and the paste names only another vendor's",
            detail=(
                "the program failed looking for CUDA's driver or device, and the only GPU the "
                "paste names is not NVIDIA's: there is no NVIDIA driver to update, and the CUDA "
                "runtime words a driver it cannot load as an insufficient one"
            ),
            fix=(
                "Run the CUDA code on a machine with an NVIDIA GPU and its driver, or use the "
                "program's CPU path (or a build for this GPU's vendor: ROCm for AMD on Linux, "
                "MPS on Apple silicon, XPU for Intel) where it has one"
            ),
            quotes=quote_lines(paste, sorted(set(lines))),
            source=CUDA_REQUIREMENTS_URL,
        )
    ]
