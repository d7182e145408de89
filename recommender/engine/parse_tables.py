"""Parse the settings of ``tradeoffs.yaml``, the tables of ``compat.yaml`` and the install
entries of ``frameworks.yaml``; every template in them is checked (``check_template``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.catalog import FRAMEWORK_IDS
from recommender.engine.conditions import CompileContext, compile_condition, line_of, parse_version
from recommender.engine.rule_checks import (
    ParseContext,
    Where,
    check_keys,
    check_template,
    entries_of,
    kind_of,
)
from recommender.frozen import freeze

FRAMEWORK_ENTRY_IDS = FRAMEWORK_IDS
#: The placeholders each kind of template is filled with (decide/ranking.py, decide/checklist.py).
COMMAND_FIELDS = frozenset({"python", "backend"})
WHEEL_INDEX_FIELDS = frozenset({"build"})
#: ``tables.checklist_fixes``: what decide/checklist.py passes to any of them.
CHECKLIST_FIX_FIELDS = frozenset(
    {
        "python",
        "install",
        "distributions",
        "distribution",
        "min_driver",
        "cuda",
        "alternative",
        "suggest",
        "range",
        "name",
        "version",
        "newest",
        "requirement",
        "index",
        "backend",
        "need",
        "path",
        "framework",
    }
)


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
    _check_fix_templates(node.get("checklist_fixes"), where.entry(node, ""))
    frozen: Mapping[str, Any] = freeze(node)
    return frozen


def parse_frameworks(node: Any, where: Where, ctx: ParseContext) -> Mapping[str, Any]:
    out = {}
    entries, _ = entries_of(node, where, "'frameworks'")
    for fid, entry in entries:
        if fid not in FRAMEWORK_ENTRY_IDS:
            raise where.entry(entry, "").fail(
                f"{fid!r} is not a framework id (allowed: {', '.join(FRAMEWORK_ENTRY_IDS)})"
            )
        if not isinstance(entry, Mapping):
            raise where.entry(entry, f"framework {fid!r}").fail(
                f"expected a mapping, got {kind_of(entry)}"
            )
        if isinstance(entry.get("wheel_index"), str):
            check_template(
                entry["wheel_index"],
                WHEEL_INDEX_FIELDS,
                where.entry(entry, f"framework {fid!r}"),
                line_of(entry, "wheel_index"),
                "wheel_index",
            )
        if "install" in entry:
            _check_install(entry["install"], where.entry(entry, f"framework {fid!r}"), fid, ctx)
        for backend, choice in (entry.get("backends") or {}).items():
            if not isinstance(choice, str):
                _check_choices(
                    choice,
                    where.entry(entry, f"framework {fid!r} backend {backend!r}"),
                    f"{fid}.backends.{backend}",
                    "pip",
                    ctx,
                )
        out[fid] = entry
    frozen: Mapping[str, Any] = freeze(out)
    return frozen


def _check_install(items: Any, where: Where, fid: str, ctx: ParseContext) -> None:
    """Install entries are checked like rules, so `dlrec rules check` catches a bad `when`."""
    _check_choices(items, where, f"{fid}.install", "command", ctx)


def _check_choices(items: Any, where: Where, label: str, value_key: str, ctx: ParseContext) -> None:
    """A list of ``{when, <value_key>}`` entries (first true ``when`` wins): keys, a non-empty
    string value, and each condition compiled like a rule's."""
    if not isinstance(items, list):
        raise where.fail(
            f"{label} must be a list of {{when, {value_key}}} entries, got {kind_of(items)}"
        )
    for i, item in enumerate(items):
        at = where.entry(item, f"{label}[{i}]")
        check_keys(item, at, ("when", value_key), required=(value_key,))
        if not isinstance(item[value_key], str) or not item[value_key].strip():
            raise at.fail(f"{value_key!r} must be a non-empty string", line_of(item, value_key))
        check_template(item[value_key], COMMAND_FIELDS, at, line_of(item, value_key), value_key)
        if "when" in item:
            compile_condition(
                item["when"],
                CompileContext(
                    file=where.file,
                    rule=f"{label}[{i}]",
                    questions=ctx.questions,
                    line=line_of(item, "when") or at.line,
                    memo=ctx.memo,
                ),
            )


def _check_fix_templates(fixes: Any, where: Where) -> None:
    if fixes is None:
        return
    if not isinstance(fixes, Mapping):
        raise where.fail(
            f"checklist_fixes must be a mapping of name: template, got {kind_of(fixes)}"
        )
    for key, text in fixes.items():
        if not isinstance(text, str):
            raise where.fail(f"checklist_fixes.{key} must be a string", line_of(fixes, key))
        check_template(
            text, CHECKLIST_FIX_FIELDS, where, line_of(fixes, key), f"checklist_fixes.{key}"
        )


__all__ = [
    "CHECKLIST_FIX_FIELDS",
    "COMMAND_FIELDS",
    "FRAMEWORK_ENTRY_IDS",
    "WHEEL_INDEX_FIELDS",
    "parse_frameworks",
    "parse_settings",
    "parse_tables",
]
