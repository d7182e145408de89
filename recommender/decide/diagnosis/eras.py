"""GPU, driver and CUDA releases that belong to different eras, wherever the paste states them.

Each NVIDIA GPU architecture arrived with one CUDA release: nvcc older than it has no target for
the GPU, and a driver branch older than it does not know the GPU. A paste states these versions
in tool output (nvcc, nvidia-smi, a build's CUDA) or in a sentence ("I use CUDA 9.0 with an RTX
2080 Ti", "my CUDA is 12.9 and the driver 570"); whichever states them, the same model judges
them, from two cited tables: compat.yaml's ``cuda_first_for_cc`` (the first CUDA release that
compiles for a compute capability) and gpus.yaml's driver branches (the newest CUDA a driver runs,
``driver.max_cuda``).

- A CUDA release older than the GPU's architecture: whatever was built with it carries no kernels
  for the GPU (at most PTX of an older architecture, JIT-compiled where the build ships it).
- A driver whose newest CUDA is older than the GPU's first release: the driver predates the GPU.
- A CUDA release newer than the newest the driver runs: its runtime, or code its nvcc built, asks
  the driver for more than it has (within a major from CUDA 11, only newer features and PTX).

Every finding is a warning: a sentence rarely says which CUDA it names (the toolkit, the one a
framework bundles, nvidia-smi's header), and the paste's own error, where it shows one, is judged
by the message's signature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import major_minor, quote_lines, stated_cuda_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

RELEASE_NOTES_URL = "https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html"
ARCH_LIST_URL = (
    "https://github.com/pytorch/pytorch/blob/main/cmake/Modules_CUDA_fix/upstream/FindCUDA/"
    "select_compute_arch.cmake"
)
#: compat.yaml's table: compute capability -> the first CUDA release that compiles for it.
TABLE = "cuda_first_for_cc"
#: At most one finding of each kind per paste, and this many GPUs looked at.
_MAX_GPUS = 8

Release = tuple[int, int]


def _first_release(cc: Release, table: Mapping[str, Any]) -> tuple[Release, Release] | None:
    """(the table's row, the first CUDA release for it) for ``cc``: the highest row at or below
    it (a capability between rows takes the older row's release, so the check never claims too
    much); None below the first row."""
    best: tuple[Release, Release] | None = None
    for key, value in table.items():
        row, release = major_minor(key), major_minor(value)
        if row is None or release is None or row > cc:
            continue
        if best is None or row > best[0]:
            best = (row, release)
    return best


def _gpus(paste: Paste) -> list[tuple[str, Release, int]]:
    """NVIDIA GPUs with a known compute capability: (name, capability, the line naming it)."""
    names = {
        str(f.value): f.line
        for path, f in paste.facts.items()
        if path.startswith("gpu.") and path.endswith(".name")
    }
    fallback = min(names.values(), default=0)
    out = []
    for acc in paste.doc.get("accelerators") or ():
        if not isinstance(acc, Mapping) or acc.get("vendor") != Accelerator.CUDA.info.vendor:
            continue
        cc = major_minor(acc.get("compute_capability"))
        name = str(acc.get("name") or "the GPU")
        if cc is not None:
            out.append((name, cc, names.get(name, fallback)))
    return out[:_MAX_GPUS]


def _text(release: Release) -> str:
    return f"{release[0]}.{release[1]}"


def _driver_line(paste: Paste) -> tuple[Release, int] | None:
    top = paste.facts.get("driver.max_cuda")
    limit = major_minor(top.value) if top else None
    return (limit, top.line) if top is not None and limit is not None else None


def cuda_older_than_gpu(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """A stated CUDA release older than the first one that compiles for a GPU the paste names."""
    table = tables.get(TABLE) or {}
    stated = stated_cuda_lines(paste)
    driver = _driver_line(paste)
    for name, cc, gpu_line in _gpus(paste):
        first = _first_release(cc, table)
        if first is None:
            continue
        older = sorted(r for r in stated if r < first[1])
        if not older or (driver is not None and older[0] == driver[0]):
            continue  # the driver's own newest CUDA: driver_older_than_gpu says it
        release, line = older[0], stated[older[0]]
        return [
            Finding(
                id="era:cuda-before-gpu",
                category=Category.ARCH_UNSUPPORTED.value,
                status="warn",
                title="A CUDA release older than the GPU's architecture",
                detail=(
                    f"CUDA {_text(release)} is stated next to the {name} (compute capability "
                    f"{_text(cc)}); CUDA compiles for compute capability {_text(first[0])} only "
                    f"from CUDA {_text(first[1])}: a build made with CUDA {_text(release)} has no "
                    "kernels for this GPU (inferred from the versions stated, not read from an "
                    "error)"
                ),
                fix=(
                    f"Install a build made with CUDA {_text(first[1])} or newer (and a driver for "
                    "it); the framework's current CUDA wheels carry this GPU's architecture"
                ),
                quotes=quote_lines(paste, [line, gpu_line]),
                source=ARCH_LIST_URL,
            )
        ]
    return []


def driver_older_than_gpu(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """A driver whose newest CUDA predates the first CUDA release for a GPU the paste names."""
    driver = _driver_line(paste)
    if driver is None:
        return []
    table = tables.get(TABLE) or {}
    for name, cc, gpu_line in _gpus(paste):
        first = _first_release(cc, table)
        if first is None or driver[0] >= first[1]:
            continue
        return [
            Finding(
                id="era:driver-before-gpu",
                category=Category.DRIVER_TOO_OLD.value,
                status="warn",
                title="The driver is older than the GPU's architecture",
                detail=(
                    f"the driver runs CUDA {_text(driver[0])} at most, and the {name} (compute "
                    f"capability {_text(cc)}) arrived with CUDA {_text(first[1])}: a driver "
                    "branch older than that does not know the GPU (inferred from the versions "
                    "stated)"
                ),
                fix=f"Install an NVIDIA driver for CUDA {_text(first[1])} or newer",
                quotes=quote_lines(paste, [driver[1], gpu_line]),
                source=RELEASE_NOTES_URL,
            )
        ]
    return []


def cuda_newer_than_driver(paste: Paste) -> list[Finding]:
    """A stated CUDA release newer than the newest the driver runs."""
    driver = _driver_line(paste)
    if driver is None:
        return []
    limit, driver_line = driver
    stated = stated_cuda_lines(paste)
    newer = sorted((r for r in stated if r > limit), reverse=True)
    if not newer:
        return []
    release = newer[0]
    same_major = release[0] == limit[0] and release[0] >= 11
    note = (
        " (the same major release: it runs through minor version compatibility, except "
        "features and PTX newer than the driver)"
        if same_major
        else ""
    )
    return [
        Finding(
            id="era:cuda-after-driver",
            category=Category.DRIVER_TOO_OLD.value,
            status="warn",
            title="A CUDA release newer than the driver runs",
            detail=(
                f"CUDA {_text(release)} is stated, and the driver runs CUDA {_text(limit)} at "
                f"most{note}: inferred from the versions stated, not read from an error"
            ),
            fix=(
                f"Upgrade the NVIDIA driver to one for CUDA {_text(release)}, or use a build "
                f"for CUDA {_text(limit)} or older"
            ),
            quotes=quote_lines(paste, [stated[release], driver_line]),
            source=RELEASE_NOTES_URL,
        )
    ]


def era_findings(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """Every era mismatch between the GPU, the driver and the CUDA releases the paste states."""
    return [
        *cuda_older_than_gpu(paste, tables),
        *driver_older_than_gpu(paste, tables),
        *cuda_newer_than_driver(paste),
    ]
