"""sglang's ``python3 -m sglang.check_env``: ``Python: 3.11.9 (...)``, ``CUDA available: True``,
``GPU 0,1: NVIDIA A100-SXM4-80GB``, ``GPU 0,1 Compute Capability: 8.0``, ``CUDA Driver Version:
550.90.07``, ``PyTorch: 2.3.1+cu121``, then one ``name: version`` line per package (``sglang:``,
``flashinfer:`` or ``flashinfer_python:``, ``sgl_kernel:``, ``vllm:``) and ``NVIDIA Topology:``.
sglang/check_env.py prints these keys (``get_cuda_info`` and ``get_package_versions``); a
package that is not installed reads ``Module Not Found``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recommender.facts.reports.lines import local_build
from recommender.facts.reports.model import Block, Fact

FORMAT = "sglang-env"
_KEY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_ .,-]{0,60}?): {0,8}(?P<value>.{0,300})$")
_GPUS = re.compile(r"^GPU (?P<ids>[0-9]{1,3}(?:,[0-9]{1,3}){0,63})(?P<cc> Compute Capability)?$")
_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+_-]{0,60}$")
_CC = re.compile(r"^[0-9]{1,2}\.[0-9]$")
_DRIVER = re.compile(r"^[0-9]{3}\.[0-9]{1,3}(?:\.[0-9]{1,3})?$")
#: The package keys sglang prints, spelled as dlrec's package facts (``flashinfer_python`` is the
#: wheel FlashInfer publishes since 0.2; both are FlashInfer's kernels).
_PACKAGES = {"flashinfer_python": "flashinfer", "flashinfer-python": "flashinfer"}
#: What only sglang's report prints: a block needs one of these and the CUDA line.
_ANCHORS = ("sglang", "sgl_kernel", "flashinfer", "flashinfer_python")


def _facts(key: str, value: str) -> list[tuple[str, Any]]:
    gpus = _GPUS.match(key)
    if gpus:
        ids = [int(i) for i in gpus.group("ids").split(",")]
        if gpus.group("cc"):
            return [(f"gpu.{i}.cc", value) for i in ids] if _CC.match(value) else []
        return [(f"gpu.{i}.name", value) for i in ids] if value else []
    if key == "CUDA available" and value in ("True", "False"):
        return [("frameworks.pytorch.cuda_available", value == "True")]
    if key == "CUDA Driver Version" and _DRIVER.match(value):
        return [("driver.version", value)]
    if key == "Python" and re.match(r"^[0-9]\.[0-9]{1,2}", value):
        return [("python.version", value.split()[0])]
    if key == "PyTorch" and _VERSION.match(value):
        out: list[tuple[str, Any]] = [
            ("frameworks.pytorch.installed", True),
            ("frameworks.pytorch.version", value),
        ]
        return out + [(f"frameworks.pytorch.build.{k}", v) for k, v in local_build(value).items()]
    name = key.lower()
    if re.fullmatch(r"[a-z][a-z0-9_-]{1,40}", name) and _VERSION.match(value):
        return [(f"package.{_PACKAGES.get(name, name).replace('_', '-')}", value)]
    return []


#: A report is one run of ``key: value`` lines; this many other lines in a row end it (the
#: driver version repeated once per GPU, a warning printed between two keys).
_GAP = 16


def read(lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    facts: list[Fact] = []
    cuda = anchored = False
    gap = 0
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        m = _KEY.match(line) if ": " in line[:70] or line.endswith(":") else None
        found = _facts(m.group("key").strip(), m.group("value").strip()) if m else []
        if not found:
            gap += 1
            if facts and gap > _GAP:
                blocks.extend(_block(facts, cuda and anchored))
                facts, cuda, anchored = [], False, False
            continue
        gap = 0
        key = m.group("key").strip() if m else ""
        cuda = cuda or key in ("CUDA available", "CUDA Driver Version")
        anchored = anchored or key.lower() in _ANCHORS
        facts.extend(Fact(path=p, value=v, line=number) for p, v in found)
    blocks.extend(_block(facts, cuda and anchored))
    return blocks


def _block(facts: list[Fact], complete: bool) -> list[Block]:
    if not facts or not complete:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
