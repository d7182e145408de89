"""Findings from the checklist of each framework the paste shows: a failed item is a finding, its
fix the install planner's."""

from __future__ import annotations

from collections.abc import Mapping

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.checklist.build import Checklist, Item
from recommender.decide.diagnosis._paste import fact_lines, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
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
#: a CUDA build), so "no driver or GPU visible" is a warning there, not a fail.
LOOKS_FOR_GPU = frozenset({"collect-env", "vllm-collect-env", "nvidia-smi", "jax-env", "ds-report"})

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
    if LOOKS_FOR_GPU.intersection(paste.formats):
        return True
    if "frameworks.pytorch.cuda_warning" in paste.facts:
        return True
    return bool(fact_lines(paste, ("gpu.", "driver.", "accelerators")))


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
