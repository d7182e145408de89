"""AMD GPUs named in prose ("my RX 6700 XT", "a radeon instinct mi25 ... which is gfx900", "on
gfx1031"): the card's gfx target, by the GPU table (rules/gpus.yaml) for a product name and as
written for a target that rules/rocm.yaml lists. Read, like prose.py's NVIDIA names, only where no
block of the paste lists a GPU, so what ROCm supports (gfx.py) is asked of every AMD GPU a report
names, whatever its wording."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.gpus import GpuTable, amd_gfx
from recommender.facts.reports.model import Fact
from recommender.facts.reports.tables import HardwareTables
from recommender.facts.rocm_table import RocmTable

#: A gfx target as LLVM names it: gfx900, gfx90a, gfx1031, gfx1151 (a ":xnack-" feature suffix
#: is the same target).
_TARGET = re.compile(r"\bgfx(?P<num>[0-9]{3,4}[a-c]?)\b", re.IGNORECASE | re.ASCII)
#: An AMD product as people write it: Radeon RX/Pro numbers (with XT, XTX, GRE or M), Radeon VII,
#: Instinct MI boards (MI25, MI50, MI210, MI300X), with or without "AMD" and "Radeon"; the
#: integrated Radeon of a Ryzen (Radeon 780M, 890M, 8060S) and the Radeon AI PRO boards.
_PRODUCT = re.compile(
    r"\b(?P<name>(?:Radeon )?(?:RX|Pro|PRO) ?[0-9]{3,4}(?: ?(?:XTX|XT|GRE|M))?"
    r"|(?:Radeon )?(?:Instinct )?MI[0-9]{2,3}[AX]?|Radeon (?:Pro )?VII"
    r"|Radeon (?:AI PRO R[0-9]{4}|[0-9]{3,4}[MS]))\b",
    re.IGNORECASE | re.ASCII,
)
_MAX_GPUS = 4
#: Candidate words looked at per paste: a paste of a million "RX 1"s must not cost a million
#: look-ups, and people name their GPU early.
_MAX_CANDIDATES = 400


def _product_gfx(name: str, table: GpuTable) -> tuple[str, str] | None:
    """(the table's spelling, its gfx target) for a product name, trying the forms the table
    keys use (with and without "Radeon", "Radeon Instinct" and "Instinct")."""
    words = " ".join(name.split())
    bare = re.sub(r"^(?:radeon )?(?:instinct )?", "", words, flags=re.IGNORECASE)
    spaced = re.sub(r"^(RX|Pro|PRO)(?=[0-9])", r"\1 ", bare)
    spaced = re.sub(r"(?<=[0-9])(XTX|XT|GRE)$", r" \1", spaced, flags=re.IGNORECASE)
    for form in (
        words,
        f"Radeon {spaced}",
        f"Radeon Instinct {spaced}",
        f"Instinct {spaced}",
    ):
        gfx = amd_gfx(form, table)
        if gfx:
            return f"AMD {form}", gfx
    return None


def read_amd(lines: Sequence[str], tables: HardwareTables) -> list[Fact]:
    """gpu.N.name / gpu.N.gfx facts for the AMD GPUs the text names by product (names the GPU
    table knows), each with the line that names it; where it names none, the first gfx target the
    ROCm table lists ("which is gfx900"): a sentence listing other targets ("the wheels carry
    gfx1030 and gfx1100") comes after the user's own in the reports read so far, and one target is
    one GPU, never several."""
    table = tables.gpus
    facts: list[Fact] = []
    seen: set[str] = set()
    budget = _MAX_CANDIDATES
    for number, line in enumerate(lines, 1):
        if budget <= 0 or len(seen) >= _MAX_GPUS:
            break
        for m in _PRODUCT.finditer(line, 0, 2000):
            budget -= 1
            named = _product_gfx(m.group("name"), table) if budget >= 0 else None
            if named is None or named[0] in seen or len(seen) >= _MAX_GPUS:
                continue
            index = len(seen)
            seen.add(named[0])
            facts.append(Fact(path=f"gpu.{index}.name", value=named[0], line=number))
            facts.append(Fact(path=f"gpu.{index}.gfx", value=named[1], line=number))
    return facts or _first_target(lines, tables.rocm)


def _first_target(lines: Sequence[str], rocm: RocmTable) -> list[Fact]:
    targets = rocm.targets
    for number, line in enumerate(lines[:5000], 1):
        for m in _TARGET.finditer(line, 0, 2000):
            gfx = f"gfx{m.group('num').lower()}"
            if gfx in targets:
                return [Fact(path="gpu.0.gfx", value=gfx, line=number)]
    return []
