"""Which libraries with their own CUDA kernels a paste shows in use.

A traceback through ``.../site-packages/flash_attn/...`` proves the library is installed; an
``import xformers`` line (in a script, a session or a traceback's source line) proves it is
imported. Their kernels are not torch's, so the diagnosis checks them apart.
"""

from __future__ import annotations

import re

from recommender.facts.reports.model import Fact

#: Libraries with their own CUDA kernels: a traceback through one proves it is in use.
_OWN_KERNELS = (
    "flash-attn",
    "vllm",
    "bitsandbytes",
    "xformers",
    "deepspeed",
    "cpm-kernels",
    "mmcv",
    "apex",
    "auto-gptq",
    "exllamav2",
    "mamba-ssm",
    "causal-conv1d",
    "detectron2",
)
_SITE = re.compile(r"[/\\]site-packages[/\\](?P<pkg>[A-Za-z0-9_]{2,40})[/\\]")


#: ``import flash_attn`` / ``from xformers.ops import ...`` (in a script, a session or a
#: traceback's source line): the module of a library with its own kernels, in use.
_IMPORT = re.compile(r"^(?:>>> |\.\.\. )?(?:import|from) (?P<pkg>[A-Za-z][A-Za-z0-9_]{1,40})\b")


def imports(line: str, number: int) -> list[Fact]:
    """A line importing a library with its own kernels: that library, in use."""
    m = _IMPORT.match(line[:200])
    if m is None:
        return []
    name = m.group("pkg").lower().replace("_", "-")
    if name not in _OWN_KERNELS:
        return []
    return [Fact(path=f"package.{name}", value="imported", line=number)]


def site_packages(line: str, number: int) -> list[Fact]:
    """A traceback's ``.../site-packages/flash_attn/...`` proves the package is installed."""
    m = _SITE.search(line[:1000])
    if m is None:
        return []
    name = m.group("pkg").lower().replace("_", "-")
    if name not in _OWN_KERNELS:
        return []
    return [Fact(path=f"package.{name}", value="installed", line=number)]
