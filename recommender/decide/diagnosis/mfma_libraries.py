"""Libraries whose ROCm kernels need the matrix-core (MFMA) instructions of AMD's Instinct (CDNA)
GPUs: xformers' ROCm attention and flash-attn's Composable Kernel backend are built from CK's
MFMA tiles, which no Radeon (RDNA) or Vega GPU has, so on such a GPU they do not build ("needs
target feature mai-insts") or have no kernels for its target, whatever torch's ROCm build covers.
vLLM's published gfx list is kernels.py's."""

from __future__ import annotations

from dataclasses import dataclass

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.gfx import amd_gpus
from recommender.facts.reports import Paste
from recommender.facts.reports.tables import HardwareTables

_KIND = FindingKind("rocm-library", Category.LIBRARY_KERNELS_UNSUPPORTED.value)

#: The gfx targets with MFMA instructions (CDNA 1-4: MI100, MI200, MI300, MI350), by LLVM's
#: processor table.
MFMA_TARGETS = frozenset(("gfx908", "gfx90a", "gfx940", "gfx941", "gfx942", "gfx950"))


@dataclass(frozen=True, slots=True, kw_only=True)
class MfmaLibrary:
    package: str
    label: str
    source: str
    #: What runs such a library's work on a GPU without MFMA, where one exists.
    instead: str
    #: A setting in the paste that selects a path of the library without MFMA (then nothing to say).
    escape: str = ""


MFMA_LIBRARIES: tuple[MfmaLibrary, ...] = (
    # ROCm/xformers #71 (2025): gfx1100 fails to compile, gfx90a and gfx942 build; xformers PR 978:
    # its CK fmha needs __builtin_amdgcn_mfma_*, "needs target feature mai-insts" on gfx1030.
    MfmaLibrary(
        package="xformers",
        label="xformers' ROCm attention kernels",
        source="https://github.com/ROCm/xformers/issues/71",
        instead="use PyTorch's scaled_dot_product_attention instead of xformers",
    ),
    # flash-attn's README, AMD ROCm support: the CK backend for MI200/MI300-class GPUs; the Triton
    # backend (FLASH_ATTENTION_TRITON_AMD_ENABLE=TRUE) also runs on RDNA GPUs.
    MfmaLibrary(
        package="flash-attn",
        label="flash-attn's ROCm (Composable Kernel) backend",
        source="https://github.com/Dao-AILab/flash-attention#amd-rocm-support",
        instead=(
            "build flash-attn's Triton backend instead (FLASH_ATTENTION_TRITON_AMD_ENABLE=TRUE), "
            "or use PyTorch's scaled_dot_product_attention"
        ),
        escape="FLASH_ATTENTION_TRITON_AMD_ENABLE",
    ),
)


def mfma_library_findings(paste: Paste, tables: HardwareTables) -> list[Finding]:
    """A library of MFMA_LIBRARIES beside an AMD GPU without MFMA (a warning: the library may be
    installed and unused, or built for another path)."""
    gpus = [g for g in amd_gpus(paste, tables.gpus) if g.gfx in tables.rocm.targets]
    lacking = [g for g in gpus if g.gfx not in MFMA_TARGETS]
    if not lacking or len(lacking) < len(gpus):
        return []  # an Instinct GPU beside it runs the library's work
    gpu = lacking[0]
    out = []
    for lib in MFMA_LIBRARIES:
        fact = paste.facts.get(f"package.{lib.package}")
        if fact is None or (lib.escape and any(lib.escape in ln for ln in paste.lines[:5000])):
            continue
        out.append(
            _KIND.finding(
                paste,
                lib.package,
                "warn",
                f"{lib.label} need an Instinct (CDNA) GPU",
                f"{gpu.name} is {gpu.gfx}, a GPU without the matrix-core (MFMA) instructions "
                f"{lib.label} are built from: they do not compile for it or carry no kernels "
                "for it, whatever torch's ROCm build covers",
                f"On this GPU, {lib.instead}",
                [fact.line, *fact_lines(paste, ("gpu.",))],
                lib.source,
            )
        )
    return out
