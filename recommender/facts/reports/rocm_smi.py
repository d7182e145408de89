"""``rocm-smi`` and ``rocminfo``: the AMD GPUs and their gfx targets.

``rocm-smi --showproductname`` prints ``GPU[0] : Card series: Radeon RX 6700 XT`` and
``GPU[0] : GFX Version: gfx1031``; ``rocminfo`` prints agents with ``Name: gfx1031`` and
``Marketing Name: AMD Radeon RX 6700 XT``; the plain ``rocm-smi`` table has a ``ROCm System
Management Interface`` banner. The ISA name ``amdgcn-amd-amdhsa--gfx1102`` (rocminfo's ISA Info,
the HIP runtime's logs and its "no code object" errors) names the same target wherever it stands
on a line. rocminfo's agent list (after its ``HSA Agents`` banner) that shows agents and no GPU
among them is a fact of its own (``rocm.agents`` ``no-gpu``): the runtime started and found no GPU
it can use."""

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
#: rocminfo's agent list: its banner and each agent's header ("Agent 2" between star rules).
_AGENTS_BANNER = "HSA Agents"
_AGENT = re.compile(r"^Agent [0-9]{1,3}$")


def _gpu_agent_line(line: str) -> bool:
    """A line of an agent that is a GPU: its gfx name, its device type, its GPU- uuid."""
    if line.startswith("Name:"):
        return "gfx" in line
    if line.startswith("Device Type:"):
        return line.split()[-1] == "GPU"
    return line.startswith("Uuid:") and line.split()[-1].startswith("GPU-")


def _agents_without_gpu(lines: Sequence[str]) -> Fact | None:
    """``rocm.agents`` ``no-gpu`` at rocminfo's banner where its agents include no GPU."""
    banner = agents = 0
    for number, raw in enumerate(lines[:20000], 1):
        line = raw.strip()
        if not banner:
            banner = number if line == _AGENTS_BANNER else 0
        elif _AGENT.match(line):
            agents += 1
        elif _gpu_agent_line(line):
            return None
    return Fact(path="rocm.agents", value="no-gpu", line=banner) if banner and agents else None


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
    no_gpu = _agents_without_gpu(lines) if not facts else None
    if no_gpu is not None:
        facts.append(no_gpu)
        first, last = first or no_gpu.line, max(last, no_gpu.line)
    if not facts:
        return []
    return [Block(format=FORMAT, start=first, end=last, facts=tuple(facts))]
