"""Parse the settings of ``tradeoffs.yaml``, the tables of ``compat.yaml`` and the entries of
``frameworks.yaml``; every template in them is checked (``check_template``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.core.catalog import FRAMEWORK_IDS
from recommender.core.frozen import freeze
from recommender.rulebase.conditions import line_of, parse_version
from recommender.rulebase.validate import (
    Where,
    check_keys,
    check_template,
    entries_of,
    kind_of,
)

FRAMEWORK_ENTRY_IDS = FRAMEWORK_IDS
#: What a frameworks.yaml entry may say. Install commands are the planner's (rules/wheels.yaml):
#: an ``install`` here would be ignored, so it is refused.
FRAMEWORK_KEYS = ("name", "import", "docs", "sizes_mb", "pip", "wheel_index")
#: The placeholders each kind of template is filled with (decide/ranking/rank.py, decide/checklist/build.py).
#: ``{install_<framework>}``: the install planner's command for that framework (issue 26).
COMMAND_FIELDS = frozenset({"python", "backend", *(f"install_{fw}" for fw in FRAMEWORK_IDS)})
WHEEL_INDEX_FIELDS = frozenset({"build"})


def parse_settings(
    node: Any, where: Where, known: Mapping[str, float] | None = None
) -> dict[str, float]:
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        raise where.fail(f"'settings' must be a mapping of name: number, got {kind_of(node)}")
    out = {}
    for key, value in node.items():
        if known is not None and key not in known:
            raise where.fail(
                f"unknown setting {key!r} (allowed: {', '.join(sorted(known))})", line_of(node, key)
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise where.fail(f"setting {key!r} must be a number, got {value!r}", line_of(node, key))
        out[str(key)] = value
    return out


def parse_tables(node: Any, where: Where) -> Mapping[str, Any]:
    if not isinstance(node, Mapping):
        raise where.fail(f"'tables' must be a mapping, got {kind_of(node)}")
    newest = node.get("newest_known")
    if not isinstance(newest, Mapping) or not newest:
        raise where.fail(
            "'tables' needs 'newest_known': {tensorflow: \"2.21\", pytorch: ..., keras: ...}",
            line_of(node, "newest_known"),
        )
    for fw, version in newest.items():
        if fw not in FRAMEWORK_ENTRY_IDS:
            raise where.fail(
                f"newest_known: {fw!r} is not a framework id (allowed: {', '.join(FRAMEWORK_ENTRY_IDS)})",
                line_of(newest, fw),
            )
        if not isinstance(version, str) or parse_version(version) is None:
            raise where.fail(
                f'newest_known.{fw} must be a quoted version string such as "2.21", got {version!r}',
                line_of(newest, fw),
            )
    frozen: Mapping[str, Any] = freeze(node)
    return frozen


def parse_frameworks(node: Any, where: Where) -> Mapping[str, Any]:
    """frameworks.yaml: known framework ids, known keys, a ``wheel_index`` template."""
    out = {}
    entries, _ = entries_of(node, where, "'frameworks'")
    for fid, entry in entries:
        if fid not in FRAMEWORK_ENTRY_IDS:
            raise where.entry(entry, "").fail(
                f"{fid!r} is not a framework id (allowed: {', '.join(FRAMEWORK_ENTRY_IDS)})"
            )
        check_keys(
            entry, where.entry(entry, f"framework {fid!r}"), FRAMEWORK_KEYS, what="a framework"
        )
        if isinstance(entry.get("wheel_index"), str):
            check_template(
                entry["wheel_index"],
                WHEEL_INDEX_FIELDS,
                where.entry(entry, f"framework {fid!r}"),
                line_of(entry, "wheel_index"),
                "wheel_index",
            )
        out[fid] = entry
    frozen: Mapping[str, Any] = freeze(out)
    return frozen


__all__ = [
    "COMMAND_FIELDS",
    "FRAMEWORK_ENTRY_IDS",
    "WHEEL_INDEX_FIELDS",
    "parse_frameworks",
    "parse_settings",
    "parse_tables",
]
