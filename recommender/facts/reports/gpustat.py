"""``gpustat``: nvidia-smi's figures one GPU a line, which people paste for a GPU that runs out of
memory as often as nvidia-smi's table (https://github.com/wookayin/gpustat, its README's output).

    myhost                      Thu Mar 14 10:22:31 2024  535.104.05
    [0] NVIDIA GeForce RTX 3090 | 61°C,  98 % | 23876 / 24576 MB | alice(23860M)

Each GPU row gives the GPU's name and its memory in use and in all (gpustat's "MB" are NVML's
MiB); the header line before the rows ends in the driver's version."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.nvidia_smi import NAME_START, with_count

FORMAT = "gpustat"
#: ``[0] NVIDIA GeForce RTX 3090 | 61°C,  98 % | 23876 / 24576 MB |`` (the temperature cell's
#: degree sign and the power cell of ``gpustat -P`` vary: any cells before the memory one).
_ROW = re.compile(
    r"^\[(?P<index>[0-9]{1,2})\] (?P<name>[^|]{2,80}?) {0,20}\|[^|]{0,60}\|(?:[^|]{0,60}\|)?"
    r" {0,8}(?P<used>[0-9]{1,7}) {0,2}/ {0,2}(?P<total>[0-9]{1,7}) MB {0,8}(?:\||$)"
)
#: The header line: host, date and time, then the driver's version last.
_HEADER_DRIVER = re.compile(
    r"[0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4} {1,12}(?P<driver>[0-9]{3}\.[0-9.]{1,12})$"
)


def read(lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    facts: list[Fact] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        row = _ROW.match(line) if line.startswith("[") else None
        if row is None or not row["name"].startswith(NAME_START):
            if facts:
                blocks.append(_block(facts))
                facts = []
            continue
        if not facts and number > 1 and (head := _HEADER_DRIVER.search(lines[number - 2].strip())):
            facts.append(Fact(path="driver.version", value=head["driver"], line=number - 1))
        gpu = f"gpu.{int(row['index'])}"
        facts.append(Fact(path=f"{gpu}.name", value=row["name"].strip(), line=number))
        facts.append(Fact(path=f"{gpu}.memory_used", value=int(row["used"]), line=number))
        facts.append(Fact(path=f"{gpu}.memory", value=int(row["total"]), line=number))
    if facts:
        blocks.append(_block(facts))
    return blocks


def _block(facts: list[Fact]) -> Block:
    block = Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))
    return with_count(block)
