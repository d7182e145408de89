"""DeepSpeed's ``ds_report``: ``torch version .......... 2.0.1+cu118`` rows under a
``DeepSpeed general environment info:`` heading, and the op table (``[NO] ....... [OKAY]``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recommender.facts.reports.lines import local_build
from recommender.facts.reports.model import Block, Fact

FORMAT = "ds-report"
_ROW = re.compile(r"^(?P<key>[a-z][a-z .]{0,40}?) {0,4}\.{3,80} {0,4}(?P<value>\S.{0,300})$")


def _facts(key: str, value: str) -> list[tuple[str, Any]]:
    key = key.strip(" .")
    if key == "torch version":
        version = value.split()[0]
        return [
            ("frameworks.pytorch.installed", True),
            ("frameworks.pytorch.version", version),
            *((f"frameworks.pytorch.build.{k}", v) for k, v in local_build(version).items()),
        ]
    if key == "torch cuda version" and re.fullmatch(r"[0-9]{1,2}\.[0-9]{1,2}", value.strip()):
        return [("frameworks.pytorch.build.cuda", value.strip())]
    if key == "nvcc version" and re.fullmatch(r"[0-9]{1,2}\.[0-9]{1,2}", value.strip()):
        return [("toolkit.nvcc", value.strip())]  # CUDA_HOME's nvcc, which builds the ops
    if key == "deepspeed info":
        return [("package.deepspeed", value.split()[0])]
    return []


def read(lines: Sequence[str]) -> list[Block]:
    facts: list[Fact] = []
    first = last = 0
    seen = False
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if (
            "DeepSpeed general environment info" in line
            or "DeepSpeed C++/CUDA extension op report" in line
        ):
            seen = True
        if "..." not in line:
            continue
        m = _ROW.match(line)
        if m is None:
            continue
        found = _facts(m.group("key"), m.group("value"))
        if found:
            facts.extend(Fact(path=p, value=v, line=number) for p, v in found)
            first = first or number
            last = number
    if not facts or not seen:
        return []
    return [Block(format=FORMAT, start=first, end=last, facts=tuple(facts))]
