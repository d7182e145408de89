"""Parse ``tiers.yaml`` into a ``TierTable``: known frameworks, devices, OSes and tiers, cited
sources, a real ``verified`` date, no duplicates, and every framework x device covered."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.rulebase.conditions import line_of
from recommender.rulebase.tiers import (
    OSES,
    TIER_FRAMEWORKS,
    TIERS,
    WHERE,
    TierEntry,
    TierTable,
)
from recommender.rulebase.validate import ParseContext, Where, check_keys, check_verified

_KEYS = ("framework", "where", "os", "tier", "why", "sources", "verified")
_REQUIRED = ("framework", "where", "tier", "why", "sources", "verified")


def _choice(node: Mapping[str, Any], key: str, allowed: tuple[str, ...], at: Where) -> str:
    value = node.get(key)
    if value not in allowed:
        raise at.fail(f"{key}: {value!r} is not allowed (allowed: {', '.join(allowed)})")
    return str(value)


def _sources(node: Mapping[str, Any], at: Where, ctx: ParseContext) -> tuple[str, ...]:
    sources = node.get("sources")
    line = line_of(node, "sources")
    if not isinstance(sources, list) or not sources:
        raise at.fail("'sources' must be a non-empty list of claim ids and url:<id>", line)
    for source in sources:
        known = (
            isinstance(source, str) and source[4:] in ctx.urls
            if isinstance(source, str) and source.startswith("url:")
            else source in ctx.claims
        )
        if not known:
            raise at.fail(f"unknown source {source!r} (not in rules/sources.yaml)", line)
    return tuple(sources)


def _entry(node: Any, where: Where, ctx: ParseContext) -> TierEntry:
    if not isinstance(node, Mapping):
        raise where.fail("each tier entry must be a mapping")
    line = getattr(node, "line", 0) or where.line
    at = Where(where.file, line, f"tier {node.get('framework')}/{node.get('where')}")
    check_keys(node, at, _KEYS, _REQUIRED, "a tier entry")
    os = node.get("os")
    why = node.get("why")
    if not isinstance(why, str) or not why.strip():
        raise at.fail("'why' must be a sentence")
    verified = check_verified(node.get("verified"), at, line_of(node, "verified"))
    return TierEntry(
        framework=_choice(node, "framework", TIER_FRAMEWORKS, at),
        where=_choice(node, "where", WHERE, at),
        os=None if os is None else _choice(node, "os", OSES, at),
        tier=_choice(node, "tier", tuple(TIERS), at),
        why=why.strip(),
        sources=_sources(node, at, ctx),
        verified=str(verified),
        line=line,
    )


def parse_tiers(node: Any, where: Where, ctx: ParseContext) -> TierTable:
    if node is None:
        return TierTable()
    if not isinstance(node, list):
        raise where.fail("'tiers' must be a list of entries")
    entries: list[TierEntry] = []
    seen: dict[tuple[str, str, str | None], TierEntry] = {}
    for item in node:
        entry = _entry(item, where, ctx)
        key = (entry.framework, entry.where, entry.os)
        if key in seen:
            raise Where(where.file, entry.line).fail(
                f"duplicate tier for {'/'.join(k or 'any OS' for k in key)} "
                f"(first at line {seen[key].line})"
            )
        seen[key] = entry
        entries.append(entry)
    table = TierTable(entries=tuple(entries))
    for fw in TIER_FRAMEWORKS:
        for place in WHERE:
            missing = [os for os in OSES if table.lookup(fw, place, os) is None]
            if missing:
                raise where.fail(f"no tier for {fw} on {place} under {', '.join(missing)}")
    return table
