"""The newest GPU architectures a library's own prebuilt kernels leave out: releases published
before an architecture existed (or before their wheels were built with a CUDA that knows it) carry
no code for it, whatever the torch beside them covers. One row per library and architecture,
each from the library's own tracker or docs; library_floors.py has the oldest architectures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_lines
from recommender.decide.diagnosis.arch_lists import nvidia_ccs, stated_lists
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.kernels import package_fact
from recommender.facts.reports import Paste
from recommender.facts.reports.model import Fact

_KIND = FindingKind("library-ceiling", Category.LIBRARY_KERNELS_UNSUPPORTED.value)


@dataclass(frozen=True, slots=True, kw_only=True)
class KernelCeiling:
    """``package``'s prebuilt kernels up to release ``last_without`` have no code for compute
    capability ``major`` (a GPU of that major runs none of them)."""

    package: str
    label: str
    major: int
    arch: str
    last_without: tuple[int, ...]
    source: str


CEILINGS: tuple[KernelCeiling, ...] = (
    # vLLM #20748 (2025-07): "sm_120 support appears to be missing in pre-built whl for 0.9.2";
    # RTX 50 / RTX PRO Blackwell users rebuild with TORCH_CUDA_ARCH_LIST=12.0 (#14452, #18995).
    KernelCeiling(
        package="vllm",
        label="vLLM",
        major=12,
        arch="sm_120 (RTX 50, RTX PRO Blackwell)",
        last_without=(0, 9, 2),
        source="https://github.com/vllm-project/vllm/issues/20748",
    ),
)


def _release(value: object) -> tuple[int, ...] | None:
    m = re.match(r"v?([0-9]{1,3})\.([0-9]{1,3})(?:\.([0-9]{1,3}))?", str(value).strip())
    if m is None:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


#: torch's own warning that its build lacks the GPU: then the missing kernels are torch's first.
_TORCH_REFUSED = "is not compatible with the current PyTorch installation"


def _versioned(paste: Paste, package: str) -> Any:
    """The package's fact that states a release (its version row beside a package list or a
    repository context), else whichever fact shows the package."""
    own = next((b for b in paste.blocks if b.format == f"{package}-collect-env"), None)
    facts = [
        paste.facts.get(f"{package}.version"),
        package_fact(paste, package),
        Fact(path=f"package.{package}", value="its own report", line=own.start) if own else None,
    ]
    shown = [f for f in facts if f is not None]
    return next(
        (f for f in shown if _release(f.value) is not None),
        next((f for f in shown if f.line), shown[0] if shown else None),
    )


def ceiling_findings(paste: Paste) -> list[Finding]:
    """A library of CEILINGS on a GPU of the architecture its release (or, where the paste does
    not show the release, its releases up to ``last_without``) has no kernels for: a warning,
    since a build from source or a later wheel may carry them. A build list the paste states is
    arch_lists.py's to judge."""
    if stated_lists(paste) or any(_TORCH_REFUSED in line for line in paste.lines[:5000]):
        return []
    out = []
    for row in CEILINGS:
        fact = _versioned(paste, row.package)
        gpu = next((g for g in nvidia_ccs(paste) if g[1] == row.major), None)
        release = _release(fact.value) if fact is not None else None
        if fact is None or gpu is None or (release is None and not fact.line):
            continue  # the tracker the report was filed in names no installed release
        if release is not None and release > row.last_without:
            continue
        last = ".".join(str(n) for n in row.last_without)
        shown = (
            f"{row.label} {fact.value}, a release whose wheels lack it"
            if release is not None
            else f"a {row.label} whose release the paste does not show (its wheels up to {last} lack it)"
        )
        out.append(
            _KIND.finding(
                paste,
                row.package,
                "warn",
                f"{row.label}'s prebuilt kernels may have no code for this GPU",
                f"{gpu[0]} is {row.arch}; this is {shown}, so {row.label}'s own ops fail with "
                "'no kernel image is available' while torch's own kernels run",
                f"Upgrade {row.label} past {last} (a wheel built with CUDA 12.8 or newer), or build "
                f'it from source with TORCH_CUDA_ARCH_LIST="{gpu[1]}.{gpu[2]}"',
                [fact.line, *fact_lines(paste, ("gpu.",))],
                row.source,
            )
        )
    return out
