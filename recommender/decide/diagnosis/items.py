"""Findings from the checklist of each framework the paste shows: a failed item is a finding, its
fix the install planner's."""

from __future__ import annotations

import re
from collections.abc import Mapping

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.checklist.build import Checklist, Item
from recommender.decide.diagnosis._paste import fact_lines, quote_lines, shows_gpu
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Block, Paste, ds_report, jax_env, nvidia_smi
from recommender.facts.reports.collect_env import TORCH_FORMAT, VLLM_FORMAT
from recommender.facts.reports.text import label_of
from recommender.rulebase.checklist.template import Status

#: A checklist item (by key) -> the diagnosis its failure is.
ITEM_CATEGORY: Mapping[str, Category] = {
    "driver": Category.DRIVER_TOO_OLD,
    "build": Category.CPU_WHEEL_ON_GPU,
    "jax-build": Category.CPU_WHEEL_ON_GPU,
    "windows-gpu": Category.CPU_WHEEL_ON_GPU,
    "compute-capability": Category.ARCH_UNSUPPORTED,
    "gfx-target": Category.ROCM_ISSUE,
    "gpu-visible": Category.NO_DRIVER,
    "wsl": Category.WSL_ISSUE,
    "mps": Category.MPS_ISSUE,
    "rosetta": Category.MPS_ISSUE,
    "companions": Category.VERSION_MISMATCH,
}

#: Items whose warning is a finding too (the others warn about what a paste cannot show).
WARN_ITEMS = frozenset({"wsl"})

#: Formats that look for the GPU themselves (collect_env and jax's env info run nvidia-smi): where
#: the paste holds none of them and nothing names a GPU, a driver or torch's no-driver warning, a
#: CUDA build that sees no GPU may be on a machine without one (pip's default Linux torch wheel is
#: a CUDA build), so "no driver or GPU visible" is a warning there, not a fail. The names are the
#: readers' own constants: a name no reader emits would never match.
LOOKS_FOR_GPU = frozenset(
    {TORCH_FORMAT, VLLM_FORMAT, nvidia_smi.FORMAT, jax_env.FORMAT, ds_report.FORMAT}
)

#: collect_env looks for the GPU in two lines (torch/utils/collect_env.py: get_gpu_info runs
#: ``nvidia-smi -L`` when CUDA is not available, get_nvidia_driver_version runs ``nvidia-smi``);
#: a fragment without either did not show what it found.
_COLLECT_ENV_GPU_FIELDS = frozenset({"gpus", "driver"})

#: The facts each item reads, to quote their lines.
ITEM_FACTS: Mapping[str, tuple[str, ...]] = {
    "driver": ("frameworks.", "driver.", "gpu."),
    "build": ("frameworks.", "gpu.", "driver."),
    "jax-build": ("frameworks.jax", "jax.", "gpu.", "driver."),
    "windows-gpu": ("frameworks.tensorflow", "os."),
    "compute-capability": ("frameworks.pytorch", "gpu."),
    "gfx-target": ("frameworks.pytorch", "gpu."),
    "gpu-visible": ("frameworks.pytorch", "driver.", "gpu."),
    "wsl": ("os.", "frameworks.pytorch.cuda_available"),
    "mps": ("os.", "mps.", "frameworks.pytorch"),
    "rosetta": ("os.",),
    "companions": ("frameworks.pytorch",),
}


def item_findings(paste: Paste, checklists: Mapping[str, Checklist]) -> list[Finding]:
    out = []
    for framework, checklist in checklists.items():
        for item in checklist.items:
            category = ITEM_CATEGORY.get(item.id)
            if category is None or not _counts(item):
                continue
            lines = fact_lines(paste, ITEM_FACTS.get(item.id, ("frameworks.",)))
            status, detail = item.status.value, item.detail
            if item.id == "gpu-visible" and not _looked_for_gpu(paste):
                status = Status.WARN.value
                detail = (
                    f"{detail}; but nothing in the paste looked for a GPU (no collect_env, "
                    "nvidia-smi, GPU or driver line): on a machine without an NVIDIA GPU this "
                    "is expected"
                )
            elif item.id == "gpu-visible" and not _wants_nvidia_gpu(paste):
                status = Status.WARN.value
                detail = (
                    f"{detail}; but nothing in the paste shows an NVIDIA GPU or a CUDA error: "
                    "on a CPU or TPU host a CUDA build of torch (PyPI's default on Linux) is "
                    "expected"
                )
            if (
                item.id == Accelerator.MPS.value
                and status == Status.FAIL.value
                and not _wants_mps(paste)
            ):
                status = Status.WARN.value
                detail = (
                    f"{detail}; but nothing in the paste uses MPS (no MPS line, no Apple GPU): "
                    "CPU work runs on this macOS"
                )
            container = paste.facts.get("os.container")
            if item.id == "gpu-visible" and container is not None:
                # In a container the driver is the host's, mounted with the GPUs by the container
                # toolkit: none visible there means the GPUs were not passed, not a host without
                # a driver.
                category = Category.NO_DEVICE
                detail = (
                    f"{detail}; the paste was taken inside a {container.value} container, which "
                    "sees the host's driver and GPUs only when they are passed to it"
                )
                lines = [*lines, container.line]
            out.append(
                Finding(
                    id=f"{framework}:{item.id}",
                    category=category.value,
                    status=status,
                    title=item.title,
                    detail=detail,
                    fix=item.fix,
                    quotes=quote_lines(paste, lines),
                    source=item.rule,
                )
            )
    return out


def _looked_for_gpu(paste: Paste) -> bool:
    """The paste holds a block that looks for the GPU, or a GPU, driver or no-driver line."""
    if any(_looked_in(paste, block) for block in paste.blocks):
        return True
    if "frameworks.pytorch.cuda_warning" in paste.facts:
        return True
    return bool(fact_lines(paste, ("gpu.", "driver.", "accelerators")))


def _looked_in(paste: Paste, block: Block) -> bool:
    """``block`` is a format that looks for the GPU; a collect_env one only where it holds the
    lines that print what it found."""
    if block.format not in LOOKS_FOR_GPU:
        return False
    if block.format not in (TORCH_FORMAT, VLLM_FORMAT):
        return True
    return any(
        label_of(paste.line(n).strip())[0] in _COLLECT_ENV_GPU_FIELDS
        for n in range(block.start, block.end + 1)
    )


#: Words by which a paste uses, or asks about, Apple's GPU.
_MPS_WORDS = re.compile(r"\bmps\b|metal performance shaders|apple (?:m\d|silicon)|arm64", re.I)

#: Words naming CUDA, the GPU or an NVIDIA card outside the report block: the paste is about the
#: GPU, not a CPU/TPU host's report that merely lists a CUDA build.
_CUDA_TROUBLE = re.compile(r"cuda|nvidia|\bgpus?\b|geforce|\b(?:rtx|gtx|quadro|tesla)\b", re.I)


#: Blocks of the user's own words and commands (prose, a Python session): CUDA named there is the
#: user's concern, not a report's fixed line.
_USER_TEXT = frozenset({"prose", "python-session"})


def _wants_mps(paste: Paste) -> bool:
    """The paste shows MPS: an MPS fact, an Apple GPU, or MPS / Apple silicon named."""
    if fact_lines(paste, ("mps.",)) or any(
        isinstance(a, Mapping) and a.get("kind") == Accelerator.MPS
        for a in paste.doc.get("accelerators") or ()
    ):
        return True
    return any(_MPS_WORDS.search(line) for line in paste.lines)


def _wants_nvidia_gpu(paste: Paste) -> bool:
    """The paste shows an NVIDIA GPU (a GPU, driver or device fact, torch's no-driver warning) or
    names CUDA/the GPU outside the framework's own report lines: a CUDA build that sees none is
    then a machine whose GPU is not reachable. A report block alone (collect_env's "No CUDA")
    on a CPU or TPU host proves no GPU exists to reach."""
    if shows_gpu(paste) or "frameworks.pytorch.cuda_warning" in paste.facts:
        return True
    if any(_CUDA_TROUBLE.search(h.text) for h in paste.hits):
        return True
    inside = {
        n
        for block in paste.blocks
        if block.format not in _USER_TEXT
        for n in range(block.start, block.end + 1)
    }
    return any(
        _CUDA_TROUBLE.search(line) for n, line in enumerate(paste.lines, start=1) if n not in inside
    )


def _counts(item: Item) -> bool:
    return item.status is Status.FAIL or (item.status is Status.WARN and item.id in WARN_ITEMS)


def planner_fix(checklists: Mapping[str, Checklist], key: str | None) -> str | None:
    if key is None:
        return None
    for checklist in checklists.values():
        for item in checklist.items:
            if item.id == key and item.fix and item.status is not Status.OK:
                return item.fix
    return None
