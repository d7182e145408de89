"""``rocm-smi`` and ``rocminfo``: the AMD GPUs and their gfx targets.

``rocm-smi --showproductname`` prints ``GPU[0] : Card series: Radeon RX 6700 XT`` and
``GPU[0] : GFX Version: gfx1031``; ``rocminfo`` prints agents with ``Name: gfx1031`` and
``Marketing Name: AMD Radeon RX 6700 XT``; the plain ``rocm-smi`` table has a ``ROCm System
Management Interface`` banner. The ISA name ``amdgcn-amd-amdhsa--gfx1102`` (rocminfo's ISA Info,
the HIP runtime's logs and its "no code object" errors) names the same target wherever it stands
on a line."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.model import Block, Fact

FORMAT = "rocm-smi"
#: rocm-smi pads the index and the key with spaces or tabs (``GPU[0]\t\t: Card series:\t\t...``,
#: ``GPU[0]          : Card series:          ...``).
_SMI = re.compile(
    r"^GPU\[(?P<i>[0-9]{1,2})\][ \t]{0,40}:[ \t]{0,40}(?P<key>[A-Za-z ]{1,40}?):[ \t]{0,40}(?P<value>\S.{0,200})$"
)
_GFX = re.compile(r"^Name: {1,40}(?P<gfx>gfx[0-9a-f]{3,4})\b")
_ISA = re.compile(r"amdgcn-amd-amdhsa--(?P<gfx>gfx[0-9a-f]{3,4})\b")
_MARKETING = re.compile(r"^Marketing Name: {1,40}(?P<name>\S.{0,120})$")


def read(lines: Sequence[str]) -> list[Block]:
    facts: list[Fact] = []
    agent = -1
    gfx_of: dict[int, str] = {}
    named: set[str] = set()
    first = last = 0
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        isa = _ISA.search(line) if "amdgcn-amd-amdhsa--" in line else None
        if isa is not None:
            if gfx_of.get(agent) != isa.group("gfx"):  # rocminfo repeats its agent's target
                agent += 1
                gfx_of[agent] = isa.group("gfx")
                facts.append(Fact(path=f"gpu.{agent}.gfx", value=isa.group("gfx"), line=number))
            first = first or number
            last = number
            continue
        if line.startswith("GPU["):
            m = _SMI.match(line)
            if m is None:
                continue
            key, value, index = m.group("key").lower(), m.group("value").strip(), m.group("i")
            if key in ("card series", "card model", "marketing name", "device name") and value:
                if index in named or value.lower().startswith("0x"):
                    continue  # the first name of a GPU counts (its model may be a PCI id)
                named.add(index)
                facts.append(Fact(path=f"gpu.{index}.name", value=value, line=number))
            elif key.startswith("gfx version") and value.startswith("gfx"):
                facts.append(Fact(path=f"gpu.{index}.gfx", value=value.split()[0], line=number))
            else:
                continue
        elif line.startswith("Name:") and "gfx" in line:
            m = _GFX.match(line)
            if m is None:
                continue
            agent += 1
            gfx_of[agent] = m.group("gfx")
            facts.append(Fact(path=f"gpu.{agent}.gfx", value=m.group("gfx"), line=number))
        elif line.startswith("Marketing Name:") and agent >= 0:
            m = _MARKETING.match(line)
            if m is None or "CPU" in line or "Processor" in line:
                continue
            facts.append(Fact(path=f"gpu.{agent}.name", value=m.group("name").strip(), line=number))
        else:
            continue
        first = first or number
        last = number
    if not facts:
        return []
    return [Block(format=FORMAT, start=first, end=last, facts=tuple(facts))]
