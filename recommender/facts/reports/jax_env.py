"""``jax.print_environment_info()``: ``jax:    0.4.23``, ``jaxlib: 0.4.23``, ``python: ...``,
``jax.devices (1 total, 1 local): [CpuDevice(id=0)]``, ``platform: uname_result(...)``, then
``$ nvidia-smi`` and its table when nvidia-smi ran (the nvidia-smi reader reads that part)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recommender.core.catalog import Framework
from recommender.facts.reports.model import Block, Fact

FORMAT = "jax-env"
_VERSION = re.compile(
    r"^(?P<key>jax|jaxlib|python|numpy): {1,12}(?P<value>[0-9][0-9A-Za-z.+-]{0,40})"
)
_DEVICES = re.compile(
    r"^jax\.devices \([0-9]{1,5} total, [0-9]{1,5} local\): {0,4}(?P<list>\[.{0,2000})$"
)
_PLATFORM = re.compile(
    r"^platform: {0,4}uname_result\(system='(?P<system>[A-Za-z]{1,20})'.{0,200}?release='(?P<release>[^']{0,80})'"
)


def _kinds(listing: str) -> str:
    low = listing.lower()
    kinds = [
        k
        for k, words in (("gpu", ("cuda", "gpu", "rocm")), ("tpu", ("tpu",)), ("cpu", ("cpu",)))
        if any(w in low for w in words)
    ]
    return ",".join(kinds) or "none"


def _facts(line: str) -> list[tuple[str, Any]]:
    m = _VERSION.match(line)
    if m:
        key, value = m.group("key"), m.group("value")
        if key == Framework.JAX:
            return [("frameworks.jax.installed", True), ("frameworks.jax.version", value)]
        if key == "jaxlib":
            return [("frameworks.jax.jaxlib", value), ("package.jaxlib", value)]
        if key == "python":
            return [("python.version", value)]
        return []
    m = _DEVICES.match(line)
    if m:
        return [("jax.devices", _kinds(m.group("list")))]
    m = _PLATFORM.match(line)
    if m:
        release = m.group("release")
        out: list[tuple[str, Any]] = [("os.system", m.group("system")), ("os.release", release)]
        if "microsoft" in release.lower():
            out.append(
                ("os.wsl", 2 if "wsl2" in release.lower() or "standard" in release.lower() else 1)
            )
        return out
    return []


def read(lines: Sequence[str]) -> list[Block]:
    facts: list[Fact] = []
    first = last = 0
    anchored = False
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line.startswith(("jax", "python:", "numpy:", "platform:")):
            continue
        found = _facts(line)
        if not found:
            continue
        anchored = anchored or line.startswith(("jaxlib:", "jax.devices"))
        facts.extend(Fact(path=p, value=v, line=number) for p, v in found)
        first = first or number
        last = number
    if not facts or not anchored:
        return []
    return [Block(format=FORMAT, start=first, end=last, facts=tuple(facts))]
