"""GPUs named in prose ("I have an RTX 4090", "on V100s"): read only where no block of the paste
lists a GPU, and only names the GPU table knows (so "P0" or "A1" in a log stays unread)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.gpus import compute_capability, load_gpu_table
from recommender.facts.reports.model import Block, Fact

FORMAT = "prose"
#: A GPU model as people write it: GeForce's RTX/GTX numbers, Quadro/TITAN names, and the
#: data-centre letters-and-digits (V100, A100, T4, L40S, H200); a plural "s" is allowed.
_CANDIDATE = re.compile(
    r"\b(?P<name>(?:GeForce )?(?:RTX|GTX) ?(?:A?[0-9]{3,4}(?: ?Ti)?(?: SUPER)?)"
    r"|(?:Quadro|TITAN|Titan) [A-Za-z0-9]{1,8}"
    r"|(?:Tesla |NVIDIA )?[KPVTAHLB][0-9]{1,3}[A-Z]?)s?\b",
    re.ASCII,
)
_MAX_GPUS = 4


def _lookup(name: str, table) -> tuple[str, str] | None:
    spaced = re.sub(r"^((?:GeForce )?(?:RTX|GTX))(?=[0-9A])", r"\1 ", name)
    for candidate in (spaced, f"GeForce {spaced}"):
        cc = compute_capability(candidate, table)
        if cc:
            return candidate, cc
    return None


def read(lines: Sequence[str]) -> list[Block]:
    """The distinct GPU models the text names, each with the line that names it."""
    table = load_gpu_table()
    facts: list[Fact] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not any(ch.isdigit() for ch in line[:2000]):
            continue
        for m in _CANDIDATE.finditer(line[:2000]):
            found = _lookup(m.group("name"), table)
            if found is None or found[0] in seen:
                continue
            index = len(seen)
            seen.add(found[0])
            facts.append(Fact(path=f"gpu.{index}.name", value=found[0], line=number))
            if len(seen) >= _MAX_GPUS:
                break
        if len(seen) >= _MAX_GPUS:
            break
    if not facts:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
