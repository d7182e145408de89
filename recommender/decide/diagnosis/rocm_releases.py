"""The ROCm release a paste states against that release's official GPU list (rules/rocm.yaml
``releases``, from AMD's compatibility matrix): PyTorch's ROCm wheels still carry code objects for
older targets (gfx900, gfx906) that the ROCm release itself no longer lists, so such a GPU starts
and then crashes or hangs where AMD tests and fixes nothing. A warning: the code may still run."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste
from recommender.facts.rocm_table import RocmTable

if TYPE_CHECKING:  # gfx.py calls this module with its GPUs
    from recommender.decide.diagnosis.gfx import AmdGpu

_UNLISTED = FindingKind("gfx", Category.ROCM_ISSUE.value)

#: Where a paste states the ROCm release: torch's build label (+rocm6.0), collect_env's "ROCM used
#: to build PyTorch" (6.0.32830-d62f6a171), a sentence ("torch with rocm 6.0").
_RELEASE_FACTS = ("frameworks.pytorch.version", "frameworks.pytorch.build.rocm", "rocm.release")
_LABEL = re.compile(r"rocm([0-9]{1,2})\.([0-9]{1,2})")
_PLAIN = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})(?![0-9])")


def stated_release(paste: Paste) -> tuple[tuple[int, int], Fact] | None:
    """The ROCm release (major, minor) the paste states and the fact that states it."""
    for path in _RELEASE_FACTS:
        fact = paste.facts.get(path)
        if fact is None:
            continue
        text = str(fact.value).lower()
        m = _LABEL.search(text) if path == "frameworks.pytorch.version" else _PLAIN.match(text)
        if m is not None:
            return (int(m.group(1)), int(m.group(2))), fact
    return None


def unlisted_targets(paste: Paste, gpus: Sequence[AmdGpu], table: RocmTable) -> list[Finding]:
    """A GPU whose target the wheels carry but the stated ROCm release does not list."""
    stated = stated_release(paste)
    if stated is None:
        return []
    (major, minor), fact = stated
    line = table.release((major, minor))
    if line is None:
        return []
    for gpu in gpus:
        target = table.targets.get(gpu.gfx)
        # an older target the wheels still carry (targets added after mid-2024 are newer than the
        # lists, and those without wheels are gfx.py's no-kernels finding)
        if target is None or target.support != "wheels" or not target.since_2024:
            continue
        if gpu.gfx in line.targets:
            continue
        listed = ", ".join(sorted(line.targets))
        return [
            _UNLISTED.finding(
                paste,
                "unlisted",
                "warn",
                f"ROCm {major}.{minor} does not support this AMD GPU ({gpu.gfx})",
                f"{gpu.name} is {gpu.gfx}; ROCm {major}.{minor}'s compatibility matrix lists "
                f"{listed} only, so it runs there unofficially (PyTorch's wheels still carry its "
                "code objects): crashes, hangs and wrong results on it are not fixed (inferred "
                "from the GPU and the release the paste states)",
                "Use a GPU the ROCm release supports, or the last ROCm/PyTorch build known to work "
                "on this one (pin it), or run on the CPU",
                [fact.line, *fact_lines(paste, ("gpu.",))],
                line.source,
            )
        ]
    return []
