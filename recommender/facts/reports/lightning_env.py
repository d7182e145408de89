"""Lightning's ``collect_env_details.py`` (its bug template asks for it): sections ``* CUDA:``,
``* Lightning:``, ``* Packages:``, ``* System:`` (1.x prints ``cuda:``, ``packages:``, ``system:``),
each key ``- available:         True`` (1.x: no dash) indented under its section, the GPU names
one per line under ``- GPU:`` (or ``- GPU: None``). ``available`` is torch.cuda.is_available(),
``version`` is torch.version.cuda (the CUDA torch was built with)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.packages import listed

FORMAT = "lightning-env"
_SECTION = re.compile(r"^(?:\* )?(?P<name>CUDA|cuda|Lightning|Packages|packages|System|system):$")
_ROW = re.compile(r"^(?:- )?(?P<key>[A-Za-z][A-Za-z0-9_.-]{0,60}): {0,30}(?P<value>.{0,200})$")
_ITEM = re.compile(r"^(?:- )?(?P<name>[A-Za-z][A-Za-z0-9 ()._/-]{1,80})$")
_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+_-]{0,60}$")
#: A section's heading -> what it lists (``CUDA`` is torch's view of the GPUs).
_SECTIONS = {"cuda": "devices", "lightning": "packages", "packages": "packages", "system": "system"}
#: 1.x's keys for torch's version (``pyTorch_version``), read as the package ``torch``.
_TORCH_KEYS = ("torch", "pytorch_version")


def _devices(key: str, value: str) -> list[tuple[str, Any]]:
    if key == "available" and value in ("True", "False"):
        return [("frameworks.pytorch.cuda_available", value == "True")]
    if key == "version" and re.fullmatch(r"[0-9]{1,2}\.[0-9]{1,2}", value):
        return [
            ("frameworks.pytorch.build.flavour", "cuda"),
            ("frameworks.pytorch.build.cuda", value),
        ]
    return []


def _system(key: str, value: str) -> list[tuple[str, Any]]:
    if key == "OS" and value in ("Linux", "Windows", "Darwin"):
        return [("os.system", value)]
    if key == "python" and re.match(r"^[0-9]\.[0-9]{1,2}", value):
        return [("python.version", value.split()[0])]
    if key == "release" and value:
        out: list[tuple[str, Any]] = [("os.release", value)]
        if "microsoft" in value.lower():
            out.append(
                ("os.wsl", 2 if "wsl2" in value.lower() or "standard" in value.lower() else 1)
            )
        return out
    return []


def read(lines: Sequence[str]) -> list[Block]:
    facts: list[Fact] = []
    section = ""
    in_gpus = anchored = False
    gpu = 0
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        head = _SECTION.match(line)
        if head:
            section, in_gpus = _SECTIONS[head.group("name").lower()], False
            continue
        if not section or not line:
            continue
        row = _ROW.match(line)
        if row is None:
            item = _ITEM.match(line) if in_gpus else None
            if item is None:
                section = "" if not line.startswith("-") else section
                continue
            facts.append(
                Fact(path=f"gpu.{gpu}.name", value=item.group("name").strip(), line=number)
            )
            gpu += 1
            continue
        key, value = row.group("key"), row.group("value").strip()
        in_gpus = section == "devices" and key == "GPU" and not value
        found: list[tuple[str, Any]] = []
        if section == "devices":
            found = _devices(key, value)
            anchored = anchored or key == "available"
        elif section == "system":
            found = _system(key, value)
        elif _VERSION.match(value):
            name = "torch" if key.lower() in _TORCH_KEYS else key
            facts.extend(listed(name, value, number))
        facts.extend(Fact(path=p, value=v, line=number) for p, v in found)
    if not facts or not anchored:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
