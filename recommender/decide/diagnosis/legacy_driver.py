"""An NVIDIA driver older than every CUDA release the frameworks were ever built for.

NVIDIA's table of each CUDA release's minimum driver (``rules/gpus.yaml`` ``driver_branches``)
starts at CUDA 7.0, whose first driver branch is R346. A driver of an older branch (a legacy
340.xx for a Tesla-era card, a 3xx of 2014) runs only CUDA releases before 7.0, and no CUDA
build of PyTorch, TensorFlow or jax was made for one: TensorFlow's first GPU release needed CUDA
7.0, PyTorch's first wheels CUDA 7.5, jax's CUDA 9 and later. So whatever build the paste runs,
that driver is too old for it: ``driver-too-old``, inferred from the driver's version alone (a
warning: the paste need not name the build, and the table's newest-CUDA mapping is not
extrapolated below its first row, only bounded by it).
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.facts.reports.gpus import GpuTable

_KIND = FindingKind("driver", Category.DRIVER_TOO_OLD.value)
#: A driver version's branch: its first three digits ("340" of 340.108, "352" of 352.63).
_BRANCH = re.compile(r"\s*([0-9]{3})(?:\.[0-9]{1,3}){1,2}\s*$", re.ASCII)
#: NVIDIA's table of CUDA toolkits and their minimum drivers (the rows of rules/gpus.yaml).
SOURCE = "https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html"


def legacy_driver(paste: Paste, table: GpuTable) -> list[Finding]:
    """A warning where the paste's NVIDIA driver is of a branch older than the first one that
    runs CUDA 7.0: too old for any CUDA build of the deep learning frameworks."""
    fact = paste.facts.get("driver.version")
    match = _BRANCH.match(str(fact.value)) if fact is not None else None
    if fact is None or match is None:
        return []
    rows = table.driver_branches
    if not rows or int(match.group(1)) >= rows[0][0]:
        return []
    lowest, first_cuda = rows[0]
    return [
        _KIND.finding(
            paste,
            "legacy-branch",
            "warn",
            f"NVIDIA driver {fact.value} is older than any CUDA build of PyTorch, TensorFlow or jax",
            f"driver {fact.value} is of branch R{match.group(1)}, older than R{lowest}, the first "
            f"branch that runs CUDA {first_cuda} (NVIDIA's minimum driver of each CUDA release): it "
            f"runs only CUDA releases before {first_cuda}, and no CUDA build of PyTorch, "
            "TensorFlow or jax was made for one (inferred from the driver's version alone; the "
            "text need not name the build)",
            "Install a current NVIDIA driver for this GPU; if this legacy branch is the newest "
            "the GPU has, the GPU cannot run these frameworks' CUDA builds: use their CPU builds "
            "or another GPU",
            [fact],
            SOURCE,
        )
    ]
