"""Mirrors: ``--index-map FROM=TO`` (or ``DLREC_INDEX_MAP``) rewrites every index URL a plan
prints or writes; ``PIP_INDEX_URL`` names the index of the steps that use pip's default.

A mapping is a URL prefix and its replacement, both https:// (or http:// for an internal
mirror) with no spaces or quotes; the longest matching prefix wins.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from recommender.core.problems import BadRequest
from recommender.decide.install.values import InstallPlan, NoBuild

__all__ = [
    "ENV_MAP",
    "apply_mirrors",
    "default_index",
    "map_plan_dict",
    "mirrored",
    "parse_index_map",
    "rewrite",
]

ENV_MAP = "DLREC_INDEX_MAP"
_URL = re.compile(r"^https?://[^\s'\"<>\\]{1,500}$")


def parse_index_map(pairs: Sequence[str], env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """FROM=TO pairs from the flags, else from DLREC_INDEX_MAP (space-separated)."""
    words = list(pairs) or (env.get(ENV_MAP) or "").split()
    out = []
    for word in words:
        src, sep, dst = word.partition("=")
        if not sep or not _URL.match(src) or not _URL.match(dst):
            raise BadRequest(f"--index-map {word[:120]!r}: expected FROM=TO, two http(s) URLs")
        out.append((src, dst))
    return tuple(sorted(out, key=lambda p: len(p[0]), reverse=True))


def rewrite(url: str, mapping: Sequence[tuple[str, str]]) -> str:
    for src, dst in mapping:
        if url.startswith(src):
            return dst + url[len(src) :]
    return url


def default_index(env: Mapping[str, str], mapping: Sequence[tuple[str, str]]) -> str | None:
    """The user's own default index (PIP_INDEX_URL, else UV_INDEX_URL), mirrored; None if unset."""
    value = _default_index(env)
    return rewrite(value, mapping) if value else None


def _default_index(env: Mapping[str, str]) -> str | None:
    value = env.get("PIP_INDEX_URL") or env.get("UV_INDEX_URL")
    return value if value and _URL.match(value) else None


def _step(
    argv: tuple[str, ...], mapping: Sequence[tuple[str, str]], default: str | None
) -> tuple[str, ...]:
    words = list(argv)
    if "--index-url" in words:
        i = words.index("--index-url") + 1
        words[i] = rewrite(words[i], mapping)
    elif "install" in words and default:
        words += ["--index-url", rewrite(default, mapping)]
    return tuple(words)


def apply_mirrors(
    plan: InstallPlan | NoBuild, mapping: Sequence[tuple[str, str]], env: Mapping[str, str]
) -> InstallPlan | NoBuild:
    """The plan with its index URLs rewritten (ways out too), PIP_INDEX_URL made visible."""
    default = _default_index(env)
    if isinstance(plan, NoBuild):
        if not mapping:
            return plan
        ways = tuple(_rewrite_text(w, mapping) for w in plan.ways_out)
        return replace(plan, ways_out=ways)
    if not mapping and not default:
        return plan
    commands = tuple(_step(c, mapping, default) for c in plan.commands)
    index = rewrite(plan.index_url, mapping) if plan.index_url else None
    notes = plan.notes
    if default:
        notes = (*notes, f"PIP_INDEX_URL/UV_INDEX_URL is set: PyPI steps use {default}")
    return replace(plan, commands=commands, index_url=index, notes=notes)


def _rewrite_text(text: str, mapping: Sequence[tuple[str, str]]) -> str:
    for src, dst in mapping:
        text = text.replace(src, dst)
    return text


def map_plan_dict(
    plan: Mapping[str, object] | None, mapping: Sequence[tuple[str, str]]
) -> Mapping[str, object] | None:
    """A ranking row's ``install_plan`` dict with its index URLs rewritten (for ``init``)."""
    if not plan or not mapping:
        return plan
    out = dict(plan)
    if isinstance(out.get("index_url"), str):
        out["index_url"] = rewrite(str(out["index_url"]), mapping)
    commands = out.get("commands")
    if isinstance(commands, list):
        out["commands"] = [list(_step(tuple(str(w) for w in c), mapping, None)) for c in commands]
    if isinstance(out.get("command_line"), str):
        out["command_line"] = _rewrite_text(str(out["command_line"]), mapping)
    ways = out.get("ways_out")
    if isinstance(ways, list):
        out["ways_out"] = [_rewrite_text(str(w), mapping) for w in ways]
    return out


def mirrored(value: Any, mapping: Sequence[tuple[str, str]]) -> Any:
    """``value`` (frozen dataclasses, mappings, tuples, lists, strings) with every index URL
    prefix in ``mapping`` rewritten in every string: a ranking's plans, install lines and
    ways out alike. Types are kept."""
    if not mapping:
        return value
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        return _rewrite_text(value, mapping)
    if isinstance(value, enum.Enum) or value is None or isinstance(value, (bool, int, float)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: mirrored(getattr(value, f.name), mapping)
            for f in dataclasses.fields(value)
            if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, MappingProxyType):
        return MappingProxyType({k: mirrored(v, mapping) for k, v in value.items()})
    if isinstance(value, Mapping):
        return {k: mirrored(v, mapping) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(mirrored(v, mapping) for v in value)
    if isinstance(value, list):
        return [mirrored(v, mapping) for v in value]
    return value
