"""``transformers-cli env`` / ``transformers env``, ``diffusers-cli env``, ``accelerate env`` and
``huggingface-cli env``: ``- Key: value`` lines. ``PyTorch version (GPU?): 2.1.0+cu121 (True)``
says the version and whether torch saw a GPU; accelerate prints ``PyTorch version (GPU?)`` and
``GPU type``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recommender.core.catalog import Framework
from recommender.facts.reports.lines import local_build
from recommender.facts.reports.model import Block, Fact

FORMAT = "hf-env"
_ROW = re.compile(
    r"^[-*] {0,4}`?(?P<key>[A-Za-z][A-Za-z0-9 ()/?`._-]{0,60}?)`?: {0,8}(?P<value>.{0,300})$"
)
_WITH_GPU = re.compile(r"^(?P<version>[0-9][0-9A-Za-z.+-]{0,40}) {0,4}\((?P<gpu>True|False|NA)\)")
_MARKERS = (
    "transformers` version",
    "diffusers` version",
    "accelerate` version",
    "huggingface_hub` version",
    "- huggingface_hub version:",
    # ``trl env`` (trl/scripts/env.py): ``- TRL version: 0.12.1`` after ``- Transformers version``
    "- TRL version:",
)
#: The Hugging Face libraries whose releases are checked against each other (stack_pairs.py):
#: every env command prints them as ``- `transformers` version: 4.47.0`` or ``- PEFT version:
#: 0.13.2`` (``not installed`` when absent), read as the package's version.
_LIBRARIES = ("transformers", "trl", "peft", "accelerate")
_LIBRARY_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+!-]{0,40}$")
#: ``huggingface-cli env`` (huggingface_hub's ``dump_environment_info``) names the frameworks
#: ``- Torch: 2.1.0+cu118`` and ``- Tensorflow: 2.10.1`` (``N/A`` when not installed), with no
#: word on the GPU.
_HUB_FRAMEWORKS = {"torch": "pytorch", "tensorflow": "tensorflow"}


def _framework(key: str) -> str | None:
    key = key.lower()
    if key.startswith("pytorch version"):
        return "pytorch"
    if key.startswith("tensorflow version"):
        return "tensorflow"
    if key.startswith("jax version"):
        return "jax"
    return None


def _facts(key: str, value: str) -> list[tuple[str, Any]]:
    framework = _framework(key)
    if framework is not None:
        m = _WITH_GPU.match(value)
        if m is None:
            return []
        version = m.group("version")
        out: list[tuple[str, Any]] = [
            (f"frameworks.{framework}.installed", True),
            (f"frameworks.{framework}.version", version),
        ]
        gpu = m.group("gpu")
        if framework == Framework.PYTORCH:
            out += [(f"frameworks.pytorch.build.{k}", v) for k, v in local_build(version).items()]
            if gpu in ("True", "False"):
                out.append(("frameworks.pytorch.cuda_available", gpu == "True"))
        elif framework == Framework.TENSORFLOW and gpu in ("True", "False"):
            out.append(("tf.gpu_visible", gpu == "True"))
        return out
    low = key.lower()
    hub = _HUB_FRAMEWORKS.get(low)
    if hub is not None and re.match(r"^[0-9][0-9A-Za-z.+-]{0,40}$", value):
        out = [(f"frameworks.{hub}.installed", True), (f"frameworks.{hub}.version", value)]
        if hub == Framework.PYTORCH:
            out += [(f"frameworks.pytorch.build.{k}", v) for k, v in local_build(value).items()]
        return out
    if low == "platform" and value:
        return [("os.python_platform", value.strip())]
    if low == "python version" and re.match(r"^[0-9]\.[0-9]{1,2}", value):
        return [("python.version", value.split()[0])]
    if low == "gpu type" and value and value.lower() not in ("none", "n/a"):
        return [("gpu.0.name", value.strip())]
    if low in ("jaxlib version",) and re.match(r"^[0-9]", value):
        return [("frameworks.jax.jaxlib", value.split()[0])]
    return _library(low, value)


def _library(key: str, value: str) -> list[tuple[str, Any]]:
    """``transformers version`` / ``trl version`` with a release: the package's version."""
    name, _, rest = key.replace("`", "").partition(" ")
    if rest != "version" or name not in _LIBRARIES or not _LIBRARY_VERSION.match(value):
        return []
    return [(f"package.{name}", value)]


def read(lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    facts: list[Fact] = []
    start = end = 0
    marked = False
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line.startswith(("-", "*")):
            continue
        m = _ROW.match(line)
        if m is None:
            continue
        key, value = m.group("key").strip("` "), m.group("value").strip()
        if any(marker in line for marker in _MARKERS):
            marked = True
        found = _facts(key, value)
        if not found:
            continue
        if not facts:
            start = number
        facts.extend(Fact(path=p, value=v, line=number) for p, v in found)
        end = number
    if facts and (marked or any(f.path.endswith("cuda_available") for f in facts)):
        blocks.append(Block(format=FORMAT, start=start, end=end, facts=tuple(facts)))
    return blocks
