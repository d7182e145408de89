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
#: The op table's row: the op, whether it was built at install time, whether this machine can
#: build it (https://www.deepspeed.ai/tutorials/advanced-install/, "ds_report").
_OP = re.compile(
    r"^(?P<op>[a-z][a-z0-9_]{1,40}) {0,2}\.{1,80} {0,2}\[(?:YES|NO)\] {0,2}\.{1,80} {0,2}"
    r"\[(?P<compatible>OKAY|NO)\]"
)
#: The op builder's reason an op is not compatible ("[WARNING]  sparse_attn requires CUDA
#: version 10.1+, does not currently support >=11 or <10.1").
_REQUIRES = re.compile(
    r"^\[WARNING\] {1,4}(?P<op>[a-z][a-z0-9_]{1,40}) (?P<what>requires .{1,300})$"
)
#: Terminal colours that lost their escape character on the way into an issue ("[93m [WARNING] [0m").
_COLOUR = re.compile(r"\x1b?\[[0-9;]{1,8}m")


def _op_facts(line: str) -> list[tuple[str, Any]]:
    """An op row's compatibility, or an op builder's stated requirement."""
    if "[" not in line:
        return []
    line = _COLOUR.sub("", line).strip()
    m = _OP.match(line)
    if m is not None:
        compatible = m.group("compatible") == "OKAY"
        return [(f"deepspeed.op.{m.group('op')}", "compatible" if compatible else "incompatible")]
    m = _REQUIRES.match(line)
    return [(f"deepspeed.op_requires.{m.group('op')}", m.group("what"))] if m else []


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
        if "..." not in line and "requires" not in line:
            continue
        m = _ROW.match(line)
        found = _op_facts(line) or (_facts(m.group("key"), m.group("value")) if m else [])
        if found:
            facts.extend(Fact(path=p, value=v, line=number) for p, v in found)
            first = first or number
            last = number
    if not facts or not seen:
        return []
    return [Block(format=FORMAT, start=first, end=last, facts=tuple(facts))]
