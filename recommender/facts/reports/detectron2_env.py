"""detectron2's environment table (``python -m detectron2.utils.collect_env``, also printed at the
start of its training logs): two columns, ``sys.platform  linux``, ``detectron2  0.6 @/path``,
``detectron2 arch flags  3.5, 5.0, 7.5`` (or ``sm_70`` in old releases), ``PyTorch  1.10.0+cu113
@/path``, ``GPU available  True``, ``GPU 0,1  GeForce GTX TITAN X (arch=5.2)``, ``torchvision arch
flags  ...``. The arch flags are the compute capabilities the library's own compiled CUDA ops carry
kernels for (``cuobjdump --list-elf`` of its ``_C`` extension,
https://github.com/facebookresearch/detectron2/blob/main/detectron2/utils/collect_env.py): a GPU
outside them cannot run those ops, whatever torch's own build covers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recommender.facts.reports.lines import local_build
from recommender.facts.reports.model import Block, Fact

FORMAT = "detectron2-env"
_ROW = re.compile(
    r"^ {0,8}(?P<key>sys\.platform|detectron2 arch flags|torchvision arch flags|detectron2"
    r"|Detectron2 CUDA Compiler|CUDA compiler"
    r"|PyTorch|GPU available|CUDA available|GPU [0-9]{1,2}(?:,[0-9]{1,2}){0,15}) {2,60}"
    r"(?P<value>\S.{0,300})$"
)
#: The rows that make a two-column table detectron2's (and not any other aligned listing).
_MARKERS = ("sys.platform", "detectron2 arch flags", "torchvision arch flags")
#: ``sm_70`` (old releases), ``7.5`` / ``12.0`` (cuobjdump's ``.sm_75.`` joined with dots).
_ARCH = re.compile(r"\bsm_(?P<sm>[0-9]{2,3})\b|(?<![0-9.])(?P<cc>[0-9]{1,2}\.[0-9])(?![0-9.])")
_GPU_ARCH = re.compile(r" {0,4}\(arch=(?P<cc>[0-9]{1,2}\.[0-9])\)$")
_VERSION = re.compile(r"^(?P<v>[0-9][0-9A-Za-z.+-]{0,40})(?: {1,4}@|$)")
#: A value that is no list: the .so path and "cannot find cuobjdump", or an error.
_NO_LIST = ("cannot find", "not found", "failed", "not built")


def arches(value: str) -> list[str]:
    """The compute capabilities an arch-flags value lists, as ``"7.5"`` strings (sorted, unique);
    none where the value is a path or an error instead of a list."""
    low = value.lower()
    if any(word in low for word in _NO_LIST) or "/" in value or "\\" in value:
        return []
    out = set()
    for m in _ARCH.finditer(value[:400]):
        sm = m.group("sm")
        out.add(f"{sm[:-1]}.{sm[-1]}" if sm else m.group("cc"))
    return sorted(out, key=lambda cc: tuple(int(p) for p in cc.split(".")))


#: The CUDA compiler row where detectron2's own extension imports is ``_C.get_cuda_version()``, the
#: CUDA it was compiled with: "not available" in a build without CUDA (where ``_C`` does not import,
#: the row is CUDA_HOME's nvcc instead, never "not available"; utils/collect_env.py).
_NO_CUDA_BUILD = "not available"


def _facts(key: str, value: str, gpus: int) -> list[tuple[str, Any]]:
    if key.endswith(("CUDA Compiler", "CUDA compiler")):
        built = not value.lower().startswith(_NO_CUDA_BUILD)
        return [] if built else [("library.detectron2.built_with_cuda", False)]
    if key.endswith(" arch flags"):
        listed = arches(value)
        package = key.split()[0]
        return [(f"library.{package}.arches", ", ".join(listed))] if listed else []
    if key in ("detectron2", "PyTorch"):
        m = _VERSION.match(value)
        if m is None:
            return []
        version = m.group("v")
        if key == "detectron2":
            return [("package.detectron2", version)]
        return [
            ("frameworks.pytorch.installed", True),
            ("frameworks.pytorch.version", version),
            *((f"frameworks.pytorch.build.{k}", v) for k, v in local_build(version).items()),
        ]
    if key in ("GPU available", "CUDA available"):
        if value in ("True", "False"):
            return [("frameworks.pytorch.cuda_available", value == "True")]
        return []
    if key.startswith("GPU "):
        m = _GPU_ARCH.search(value)
        name = value[: m.start()] if m else value
        out: list[tuple[str, Any]] = [(f"gpu.{gpus}.name", name.strip())]
        if m:
            out.append((f"gpu.{gpus}.cc", m.group("cc")))
        return out
    return []


def read(lines: Sequence[str]) -> list[Block]:
    """The facts of every detectron2 table in the paste (one block for all of them)."""
    facts: list[Fact] = []
    marked = False
    gpus = 0
    for number, line in enumerate(lines, 1):
        if "  " not in line:
            continue
        m = _ROW.match(line[:400])
        if m is None:
            continue
        key, value = m.group("key"), m.group("value").strip()
        if key in _MARKERS:
            marked = True
        found = _facts(key, value, gpus)
        if key.startswith("GPU ") and found:
            gpus += 1
        facts.extend(Fact(path=p, value=v, line=number) for p, v in found)
    if not facts or not marked:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
