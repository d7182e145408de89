"""Parse the ``rules`` of ``tradeoffs.yaml``, ``compat.yaml`` and overlays into Rule values.

Each rule: known keys, an id, ``why`` and ``sources`` (known claims and URL ids), exactly one
effect, framework ids, a ``fix`` template with known placeholders only, a real ``verified:``
date (required in compat.yaml), and its ``when`` compiled once (``rulebase/conditions.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from recommender.core.catalog import (
    ACCELERATOR_KINDS,
    BACKEND_FRAMEWORK,
    FRAMEWORK_IDS,
    KERAS_BACKENDS,
    Framework,
)
from recommender.core.frozen import freeze
from recommender.rulebase.conditions import CompileContext, compile_condition, line_of
from recommender.rulebase.model import KerasReach, Rule
from recommender.rulebase.tables import COMMAND_FIELDS
from recommender.rulebase.validate import (
    ParseContext,
    Where,
    check_keys,
    check_template,
    check_verified,
    kind_of,
    text_field,
)

SCORE_KEYS = (*FRAMEWORK_IDS, *(f"keras.{b}" for b in KERAS_BACKENDS))
EFFECTS = ("score", "block", "warn")
RULE_KEYS = (
    "id",
    "sources",
    "when",
    "score",
    "block",
    "warn",
    "why",
    "note",
    "verified",
    "fix",
    "block_device",
    "keras_backends",
    "keras_reach",
)
KERAS_REACH_KEYS = ("reaches", "why", "sources")
#: Score keys that are a Keras backend's framework: a rule scoring one says whether it reaches
#: Keras on that backend.
BACKEND_SCORE_KEYS = frozenset(BACKEND_FRAMEWORK.values())
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _framework_list(
    node: Mapping[str, Any], key: str, at: Where, allowed: Sequence[str]
) -> tuple[str, ...]:
    value = node[key]
    if not isinstance(value, list) or not value:
        raise at.fail(
            f"{key!r} must be a non-empty list of frameworks (allowed: {', '.join(allowed)})",
            line_of(node, key),
        )
    for item in value:
        if item not in allowed:
            raise at.fail(
                f"{key}: {item!r} is not a framework id (allowed: {', '.join(allowed)})",
                line_of(node, key),
            )
    if len(set(value)) != len(value):
        raise at.fail(f"{key}: a framework is listed twice", line_of(node, key))
    return tuple(value)


def _parse_score(node: Mapping[str, Any], at: Where) -> Mapping[str, float]:
    score = node["score"]
    if not isinstance(score, Mapping) or not score:
        raise at.fail(
            f"'score' must be a mapping FRAMEWORK: number (allowed: {', '.join(SCORE_KEYS)})",
            line_of(node, "score"),
        )
    for fw, delta in score.items():
        if fw not in SCORE_KEYS:
            raise at.fail(
                f"score: {fw!r} is not a framework id (allowed: {', '.join(SCORE_KEYS)})",
                line_of(score, fw),
            )
        if isinstance(delta, bool) or not isinstance(delta, (int, float)):
            raise at.fail(f"score: {fw} must be a number, got {delta!r}", line_of(score, fw))
    return MappingProxyType(dict(score))


def _parse_sources_list(node: Mapping[str, Any], at: Where, ctx: ParseContext) -> tuple[str, ...]:
    sources = node["sources"]
    line = line_of(node, "sources")
    if not isinstance(sources, list) or not sources:
        raise at.fail("'sources' must be a non-empty list of claim ids and url:<id>", line)
    for source in sources:
        if not isinstance(source, str):
            raise at.fail(f"source {source!r} must be a claim id or url:<id>", line)
        if source.startswith("url:"):
            if source[4:] not in ctx.urls:
                raise at.fail(
                    f"unknown url source {source!r} (not in rules/sources.yaml urls)", line
                )
        elif source not in ctx.claims:
            raise at.fail(
                f"unknown claim {source!r} (allowed: {', '.join(sorted(ctx.claims))}, or url:<id>)",
                line,
            )
    return tuple(sources)


def _parse_keras_reach(node: Mapping[str, Any], at: Where, ctx: ParseContext) -> KerasReach | None:
    """``keras_reach: {reaches: true|false, why: "...", sources: [...]}`` on a rule that scores a
    Keras backend's framework (refused elsewhere). Absent, the reason does not reach Keras and
    the explanation says the rule does not say (every bundled rule says: a test checks it)."""
    scored = BACKEND_SCORE_KEYS & set(node.get("score") or ())
    if "keras_reach" not in node:
        return None
    value = node["keras_reach"]
    line = line_of(node, "keras_reach")
    if not scored:
        raise at.fail("'keras_reach' goes with a score for tensorflow, pytorch or jax", line)
    if not isinstance(value, Mapping):
        raise at.fail("'keras_reach' must be a mapping {reaches, why, sources}", line)
    check_keys(value, at, KERAS_REACH_KEYS, ("reaches", "why"), "keras_reach")
    if not isinstance(value["reaches"], bool):
        raise at.fail("keras_reach.reaches must be true or false", line_of(value, "reaches"))
    sources = _parse_sources_list(value, at, ctx) if "sources" in value else ()
    if value["reaches"] and not sources:
        raise at.fail("keras_reach with reaches: true cites its sources", line)
    if value["reaches"] and Framework.KERAS in (node.get("score") or {}):
        raise at.fail(
            "keras_reach with reaches: true on a rule that also scores keras counts it twice", line
        )
    return KerasReach(reaches=value["reaches"], why=text_field(value, "why", at), sources=sources)


def _parse_rule(node: Any, where: Where, ctx: ParseContext, *, compat: bool) -> Rule:
    rule_id = node.get("id") if isinstance(node, Mapping) else None
    at = where.entry(node, f"rule {rule_id!r}")
    check_keys(node, at, RULE_KEYS, ("id",), "a rule")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise at.fail("rule id must match [a-z0-9][a-z0-9-]*", line_of(node, "id"))
    for key in ("why", "sources"):
        if key not in node:
            raise at.fail(f"missing key {key!r}")
    effects = [k for k in EFFECTS if k in node]
    if len(effects) != 1:
        found = ", ".join(effects) or "none"
        raise at.fail(f"a rule has exactly one effect: score, block or warn (found: {found})")
    sources = _parse_sources_list(node, at, ctx)
    verified = check_verified(node.get("verified"), at, line_of(node, "verified"))
    if compat:
        if verified is None:
            raise at.fail("compat.yaml rules need 'verified: YYYY-MM' (or YYYY-MM-DD)")
        if not any(s.startswith("url:") for s in sources):
            raise at.fail(
                "compat.yaml rules cite at least one url:<id> source", line_of(node, "sources")
            )
        if effects[0] == "score":
            raise at.fail("compat.yaml holds block and warn rules; put scores in tradeoffs.yaml")
    if "block_device" in node:
        if effects[0] != "block":
            raise at.fail("'block_device' goes with 'block'", line_of(node, "block_device"))
        if node["block_device"] not in ACCELERATOR_KINDS:
            raise at.fail(
                f"block_device {node['block_device']!r} is not a device (allowed: "
                f"{', '.join(ACCELERATOR_KINDS)})",
                line_of(node, "block_device"),
            )
    reads: tuple[str, ...] = ()
    test = None
    if "when" in node:
        cctx = CompileContext(
            file=where.file,
            rule=rule_id,
            questions=ctx.questions,
            line=line_of(node, "when") or at.line,
            memo=ctx.memo,
        )
        test = compile_condition(node["when"], cctx)
        reads = tuple(sorted(cctx.reads))
    return Rule(
        id=rule_id,
        sources=sources,
        why=text_field(node, "why", at),
        when=freeze(node.get("when")),
        score=_parse_score(node, at) if "score" in node else MappingProxyType({}),
        block=_framework_list(node, "block", at, FRAMEWORK_IDS) if "block" in node else (),
        block_device=node.get("block_device"),
        warn=_framework_list(node, "warn", at, (*FRAMEWORK_IDS, "all")) if "warn" in node else (),
        note=text_field(node, "note", at, required=False),
        verified=verified,
        fix=_parse_fix(node, at),
        keras_backends=(
            _framework_list(node, "keras_backends", at, KERAS_BACKENDS)
            if "keras_backends" in node
            else ()
        ),
        keras_reach=_parse_keras_reach(node, at, ctx),
        file=where.file,
        line=at.line,
        reads=reads,
        test=test,
    )


def _parse_fix(node: Mapping[str, Any], at: Where) -> str | None:
    """A rule's ``fix``: a template the checklist fills with ``{python}`` and ``{backend}``."""
    fix = text_field(node, "fix", at, required=False)
    if fix is not None:
        check_template(fix, COMMAND_FIELDS, at, line_of(node, "fix"), "fix")
    return fix


def parse_rules(
    doc: Mapping[str, Any], where: Where, ctx: ParseContext, *, compat: bool
) -> list[Rule]:
    nodes = doc.get("rules")
    if nodes is None:
        return []
    if not isinstance(nodes, list):
        raise where.fail(
            f"'rules' must be a list of rules, got {kind_of(nodes)}", line_of(doc, "rules")
        )
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for node in nodes:
        rule = _parse_rule(node, where, ctx, compat=compat)
        if rule.id in seen:
            first = seen[rule.id]
            raise where.entry(node, f"rule {rule.id!r}").fail(
                f"duplicate rule id (first at {first.file}:{first.line})"
            )
        seen[rule.id] = rule
        rules.append(rule)
    return rules


__all__ = ["EFFECTS", "RULE_KEYS", "SCORE_KEYS", "parse_rules"]
