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
            out.append(
                Finding(
                    id=f"{framework}:{item.id}",
                    category=category.value,
                    status=item.status.value,
                    title=item.title,
                    detail=item.detail,
                    fix=item.fix,
                    quotes=quote_lines(paste, lines),
                    source=item.rule,
                )
            )
    return out


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
