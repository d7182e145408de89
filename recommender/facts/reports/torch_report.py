"""collect_env (torch's and vLLM's, every generation, whole or a fragment) inside a paste.

The reading itself is facts/collect_env.py's; this module finds the report's lines in a longer
text, accepts a fragment (a vLLM report pasted from its middle: two labels, one of them only
collect_env prints), and states the facts the diagnosis compares across blocks with the line of
the label that printed them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recommender.facts.reports.collect_env import build_document, layout
from recommender.facts.reports.gpus import GpuTable
from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.text import STRONG, label_of, split_report

#: After the last label, the lines a block (GPU rows, package lists) may still take.
_TAIL = 400

#: Report field -> the facts it states (document path, or the paste path of an accelerator value).
_FIELD_OF = {
    "frameworks.pytorch.version": "torch_version",
    "frameworks.pytorch.build.flavour": "torch_version",
    "frameworks.pytorch.build.cuda": "cuda_build",
    "frameworks.pytorch.build.rocm": "rocm_build",
    "frameworks.pytorch.cuda_available": "cuda_available",
    "os.system": "platform",
    "os.wsl": "platform",
    "os.python_platform": "platform",
    "python.version": "python",
    "driver.version": "driver",
    "vllm.version": "vllm_version",
}


def _labels(lines: Sequence[str]) -> dict[str, int]:
    """Each collect_env field -> the first line that prints it."""
    found: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if ":" not in line[:60] and not line.lower().startswith("pytorch version"):
            continue
        field, _ = label_of(line)
        if field is not None and field not in found:
            found[field] = number
    return found


def _accepted(fields: Mapping[str, int]) -> bool:
    strong = STRONG & set(fields)
    return bool(strong) and (len(fields) >= 2 or bool({"torch_version", "cuda_available"} & strong))


def read(
    lines: Sequence[str], origin: str, gpus: GpuTable
) -> tuple[list[Block], dict[str, Any] | None]:
    """The collect_env block and the facts document it makes, or ([], None)."""
    fields = _labels(lines)
    if not _accepted(fields):
        return [], None
    start = min(fields.values())
    end = min(len(lines), max(fields.values()) + _TAIL)
    report = split_report("\n".join(lines[start - 1 : end]))
    if not report.fields:
        return [], None
    doc = build_document(report, origin=origin, gpus=gpus)
    fmt, generation = layout(report)
    facts = _facts(doc, fields, start)
    last = max(fields.values())
    return [Block(format=fmt, start=start, end=last, facts=tuple(facts))], doc


def _facts(doc: Mapping[str, Any], fields: Mapping[str, int], start: int) -> list[Fact]:
    out: list[Fact] = []

    def line_of(path: str) -> int:
        return fields.get(_FIELD_OF.get(path, ""), start)

    for path in (
        "frameworks.pytorch.version",
        "frameworks.pytorch.build.flavour",
        "frameworks.pytorch.build.cuda",
        "frameworks.pytorch.cuda_available",
        "os.system",
        "os.wsl",
        "os.python_platform",
        "python.version",
        "vllm.version",
    ):
        value = _get(doc, path)
        if value is not None:
            out.append(Fact(path=path, value=value, line=line_of(path)))
    gpus_line = fields.get("gpus", start)
    for index, acc in enumerate(doc.get("accelerators") or ()):
        if not isinstance(acc, Mapping):
            continue
        if acc.get("driver_version") and index == 0:
            out.append(
                Fact(
                    path="driver.version",
                    value=acc["driver_version"],
                    line=line_of("driver.version"),
                )
            )
        if acc.get("name"):
            out.append(Fact(path=f"gpu.{index}.name", value=acc["name"], line=gpus_line))
    return out


def _get(doc: Mapping[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node
