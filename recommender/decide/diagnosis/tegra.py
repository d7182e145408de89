"""A Jetson's integrated (Tegra) GPU under a desktop build of torch. CUDA's binary compatibility
across minor revisions (sm_86 code on an 8.7 GPU) holds for desktop GPUs only: "It is not
supported for Tegra. Also, the binary compatibility between desktop and Tegra is not supported"
(the CUDA C++ Programming Guide). So a Jetson Orin (8.7), Xavier (7.2), TX2 (6.2) or Nano/TX1 (5.3)
runs only code built for its own architecture; the desktop builds of torch (the CUDA wheels of
download.pytorch.org's +cuXXX indexes, conda-forge's linux-aarch64 CUDA build) carry none (Orin is
Tegra sm_87, conda-forge's feedstock says), so CUDA may report available and the first kernel
fails. NVIDIA's JetPack wheels are the builds for these boards. Thor (11.0) is an SBSA GPU, where
desktop builds run, and is not read here."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.facts.reports.gpus import GpuTable

BINARY_COMPATIBILITY_URL = (
    "https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#binary-compatibility"
)
_TEGRA = FindingKind("platform", Category.ARCH_UNSUPPORTED.value)

#: The Tegra boards by the word that names their family, most specific first ("Jetson Orin Nano"
#: is an Orin, not a Nano); each one's compute capability is the GPU table's for its names.
TEGRA_FAMILIES = ("orin", "xavier", "tx2", "tx1", "nano")
#: A desktop build of torch named on a line: conda-forge's channel beside torch, a +cuXXX label.
_CONDA_FORGE = re.compile(r"conda-forge", re.IGNORECASE)
_TORCH_WORD = re.compile(r"\b(?:py)?torch\b", re.IGNORECASE)
_CU_LABEL = re.compile(r"\+cu[0-9]{2,3}\b")


def board(paste: Paste, table: GpuTable) -> tuple[str, str, int] | None:
    """(family, compute capability by ``table``, line) of the Jetson board the paste names, or
    None."""
    ccs = table.compute_capability
    for number, text in enumerate(paste.lines[:5000], start=1):
        line = text[:2000].lower()
        if "jetson" not in line:
            continue
        for family in TEGRA_FAMILIES:
            if family not in line:
                continue
            found = {cc for name, cc in ccs.items() if name.startswith("jetson") and family in name}
            if len(found) == 1:
                return family, found.pop(), number
    return None


def _desktop_build(paste: Paste) -> list[int]:
    """Lines that show a desktop CUDA build of torch: its +cuXXX label, conda-forge's torch."""
    version = paste.facts.get("frameworks.pytorch.version")
    if version is not None and _CU_LABEL.search(str(version.value)):
        return [version.line]
    return [
        number
        for number, text in enumerate(paste.lines[:5000], start=1)
        if _CONDA_FORGE.search(text, 0, 2000) and _TORCH_WORD.search(text, 0, 2000)
    ][:2]


def _arch_list(paste: Paste) -> tuple[list[str], int] | None:
    fact = paste.facts.get("frameworks.pytorch.build.arch_list")
    if fact is None:
        return None
    value = fact.value if isinstance(fact.value, (list, tuple)) else str(fact.value).split()
    return [str(a).strip("'\", []") for a in value], fact.line


def tegra_builds(paste: Paste, table: GpuTable) -> list[Finding]:
    """A desktop torch build (or an arch list without the board's own) on a Jetson's Tegra GPU
    (its compute capability by ``table``)."""
    found = board(paste, table)
    cuda = paste.facts.get("frameworks.pytorch.cuda_available")
    if found is None or (cuda is not None and cuda.value is False):
        return []  # no CUDA at all on a Jetson is platform.py's build without CUDA
    family, cc, line = found
    sm = "sm_" + cc.replace(".", "")
    listed = _arch_list(paste)
    if listed is not None:
        arches, arch_line = listed
        if sm in arches or any(a.startswith("compute_") for a in arches):
            return []
        return [
            _finding(
                paste, family, cc, "fail", f"its arch list {', '.join(arches)}", [line, arch_line]
            )
        ]
    desktop = _desktop_build(paste)
    if not desktop:
        return []
    return [
        _finding(paste, family, cc, "warn", "a desktop CUDA build (inferred)", [line, *desktop])
    ]


def _finding(
    paste: Paste, family: str, cc: str, status: str, shown: str, lines: Sequence[int]
) -> Finding:
    return _TEGRA.finding(
        paste,
        "tegra-desktop-build",
        status,
        f"torch has no kernels for this Jetson's Tegra GPU (sm_{cc.replace('.', '')})",
        (
            f"a Jetson {family.capitalize()} has an integrated Tegra GPU of compute capability "
            f"{cc}, which runs only code built for its own architecture (CUDA's binary "
            f"compatibility between desktop and Tegra GPUs does not hold); this torch is {shown}, "
            "so CUDA may answer available and the first kernel still fails"
        ),
        "Install NVIDIA's torch wheel for this JetPack release (the PyTorch for Jetson builds), "
        f"or build torch with TORCH_CUDA_ARCH_LIST={cc}",
        [*lines, *fact_lines(paste, ("frameworks.pytorch.cuda_available",))],
        BINARY_COMPATIBILITY_URL,
    )


_LIBRARY = FindingKind("library", Category.LIBRARY_KERNELS_UNSUPPORTED.value)
#: bitsandbytes' aarch64 wheels on PyPI are built on aarch64-sbsa runners with the standard CUDA
#: Toolkit, not for L4T (JetPack): on a Jetson the first op fails with "Error named symbol not
#: found ... ops.cu"; a build on the board (or a Jetson AI Lab wheel) runs (bitsandbytes #1930,
#: its installation docs since PR #1941).
BNB_JETSON_URL = "https://github.com/bitsandbytes-foundation/bitsandbytes/pull/1941"
#: A build for the board: from source on it, or the Jetson AI Lab's index.
_BOARD_BUILD = re.compile(
    r"jetson-ai-lab|COMPUTE_CAPABILITY=(?:87|72|62|53)|built? (?:it )?from source", re.IGNORECASE
)
_FAILED = ("named symbol not found", "no kernel image is available")


def library_wheels_on_tegra(paste: Paste, table: GpuTable) -> list[Finding]:
    """bitsandbytes' PyPI aarch64 wheel (built for SBSA GPUs) on a Jetson's Tegra GPU: a failure
    where its first op's error shows, else a warning."""
    found = board(paste, table)
    fact = paste.facts.get("package.bitsandbytes")
    lines = paste.lines[:5000]
    if found is None or fact is None or any(_BOARD_BUILD.search(ln, 0, 2000) for ln in lines):
        return []
    family, cc, line = found
    failed = [n for n, ln in enumerate(lines, 1) if any(w in ln for w in _FAILED)]
    return [
        _LIBRARY.finding(
            paste,
            "bitsandbytes-tegra",
            "fail" if failed else "warn",
            "bitsandbytes' PyPI wheel is not built for a Jetson",
            f"a Jetson {family.capitalize()} (compute capability {cc}) runs L4T's CUDA; "
            "bitsandbytes' aarch64 wheels are built for SBSA (server) GPUs with the standard "
            "CUDA Toolkit, so its first CUDA op fails on the board ('Error named symbol not "
            "found ... ops.cu')" + ("" if failed else " (a warning: the paste does not show it)"),
            "Build bitsandbytes on the Jetson (cmake -B build -DCOMPUTE_BACKEND=cuda "
            f"-DCOMPUTE_CAPABILITY={cc.replace('.', '')}; pip install .), or install a Jetson "
            "build of it (Jetson AI Lab's index)",
            [line, fact.line, *failed[:1]],
            BNB_JETSON_URL,
        )
    ]
