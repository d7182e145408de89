"""Load the rule base (rules/*.yaml plus ``--rules`` overlays) and refuse anything off-contract.

docs/RULES.md is the contract. Every file goes through ``recommender/documents.py`` (safe
loader, no tags/aliases, size and depth caps, no duplicate keys, YAML 1.1 booleans stay
strings). This module then checks the shape: unknown keys at every level, claim and URL ids,
framework ids, answer values, fact paths, one effect per rule, ``verified:`` on compat rules,
duplicate ids. Conditions are compiled once here (``recommender/engine/conditions.py``) so the engine
only calls closures. Every error is one line: ``file:line: rule 'id': what is wrong (allowed: ...)``.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from recommender.catalog import (
    ACCELERATOR_ANSWERS,
    ACCELERATOR_KINDS,
    FRAMEWORK_IDS,
    KERAS_BACKENDS,
)
from recommender.documents import DocumentError, parse_json, parse_yaml, read_text
from recommender.engine.conditions import (
    CompileContext,
    RuleError,
    Test,
    compile_condition,
    line_of,
    parse_version,
)
from recommender.facts.document import FACT_SCHEMA
from recommender.frozen import freeze, thaw

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
)
BUNDLED_FILES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sources.yaml": ("claims", "urls"),
        "questions.yaml": ("questions",),
        "tradeoffs.yaml": ("settings", "rules"),
        "compat.yaml": ("tables", "rules"),
        "frameworks.yaml": ("frameworks",),
    }
)
OVERLAY_KEYS = ("rules", "settings")
FRAMEWORK_ENTRY_IDS = FRAMEWORK_IDS

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CLAIM_ID = re.compile(r"^[A-Z][A-Z0-9-]*$")
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_VERIFIED = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    key: str
    prompt: str
    help: str
    choices: tuple[Choice, ...]
    default: str
    #: A fact path whose value, when it is one of the choices, pre-fills the default.
    prefill: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    id: str
    section: str
    summary: str
    today: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlSource:
    id: str
    url: str
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    sources: tuple[str, ...]
    why: str
    #: The condition as written (None = always), for ``explain`` and JSON.
    when: Any = None
    score: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    block: tuple[str, ...] = ()
    block_device: str | None = None
    warn: tuple[str, ...] = ()
    note: str | None = None
    verified: str | None = None
    fix: str | None = None
    file: str = ""
    line: int = 0
    #: Fact paths and ``answer.KEY`` names the condition reads, sorted.
    reads: tuple[str, ...] = ()
    test: Test | None = field(default=None, compare=False, repr=False)

    @property
    def effect(self) -> str:
        return "score" if self.score else "block" if self.block else "warn"

    @property
    def effect_summary(self) -> str:
        if self.score:
            return "score " + ", ".join(f"{k} {v:+g}" for k, v in self.score.items())
        if self.block:
            device = f" ({self.block_device} only)" if self.block_device else ""
            return "block " + ", ".join(self.block) + device
        return "warn " + ", ".join(self.warn)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "file": self.file,
            "line": self.line,
            "effect": self.effect,
        }
        if self.score:
            data["score"] = dict(self.score)
        if self.block:
            data["block"] = list(self.block)
            data["block_device"] = self.block_device
        if self.warn:
            data["warn"] = list(self.warn)
        data.update(
            when=thaw(self.when),
            reads=list(self.reads),
            why=self.why,
            note=self.note,
            verified=self.verified,
            fix=self.fix,
            sources=list(self.sources),
        )
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleBase:
    rules: tuple[Rule, ...]
    questions: tuple[Question, ...]
    claims: Mapping[str, Claim]
    urls: Mapping[str, UrlSource]
    settings: Mapping[str, float]
    frameworks: Mapping[str, Any]
    tables: Mapping[str, Any]
    #: The files this rule base was read from, in order (bundled first, then overlays).
    files: tuple[str, ...] = ()
    _index: Mapping[str, Rule] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    #: Memo for derived, immutable views (the engine's precomputed plan, fact paths); never copied
    #: by ``dataclasses.replace``, so an overlaid rule base starts with an empty one.
    _memo: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError when there is none."""
        return self._index[rule_id]

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    @property
    def fact_paths(self) -> frozenset[str]:
        """Every fact path (not answers) some rule reads."""
        paths = self._memo.get("fact_paths")
        if paths is None:
            paths = self._memo["fact_paths"] = frozenset(
                p for r in self.rules for p in r.reads if not p.startswith("answer.")
            )
        return paths

    @property
    def newest_known(self) -> Mapping[str, str]:
        return self.tables.get("newest_known") or MappingProxyType({})


# --- small helpers -------------------------------------------------------------------------


@dataclass(slots=True)
class _Where:
    """Where an error is: the file, the current line, and the rule (or entry) it concerns."""

    file: str
    line: int = 0
    label: str = ""

    def fail(self, message: str, line: int | None = None) -> RuleError:
        prefix = f"{self.label}: " if self.label else ""
        return RuleError(
            prefix + message,
            where=f"{self.file}:{line or self.line}" if (line or self.line) else self.file,
        )

    def entry(self, node: Any, label: str) -> _Where:
        return _Where(self.file, getattr(node, "line", 0) or self.line, label)


def _check_keys(
    node: Any,
    where: _Where,
    allowed: Sequence[str],
    required: Sequence[str] = (),
    what: str = "an entry",
) -> None:
    if not isinstance(node, Mapping):
        raise where.fail(
            f"expected {what} (a mapping with keys {', '.join(allowed)}), got {_kind(node)}"
        )
    for key in node:
        if key not in allowed:
            raise where.fail(
                f"unknown key {key!r} (allowed: {', '.join(allowed)})", line_of(node, key)
            )
    for key in required:
        if key not in node:
            raise where.fail(f"missing key {key!r}")


def _kind(value: Any) -> str:
    return (
        {
            dict: "a mapping",
            list: "a list",
            str: "a string",
            bool: "a boolean",
            int: "a number",
            float: "a number",
            type(None): "nothing",
        }.get(type(value), type(value).__name__)
        if not isinstance(value, Mapping)
        else "a mapping"
    )


def _text(node: Mapping, key: str, where: _Where, *, required: bool = True) -> str | None:
    value = node.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise where.fail(
            f"{key!r} must be a non-empty string, got {_kind(value)}", line_of(node, key)
        )
    return value


def _entries(node: Any, where: _Where, what: str) -> tuple[list[tuple[Any, Any]], bool]:
    """A list of mappings with ``id``, or a mapping keyed by id: ([(id, entry), ...], keyed)."""
    if isinstance(node, Mapping):
        return list(node.items()), True
    if isinstance(node, list):
        return [(e.get("id") if isinstance(e, Mapping) else None, e) for e in node], False
    raise where.fail(f"{what} must be a list, got {_kind(node)}")


# --- sources, questions, settings, tables, frameworks --------------------------------------


def _parse_sources(doc: Mapping, where: _Where) -> tuple[dict[str, Claim], dict[str, UrlSource]]:
    claims: dict[str, Claim] = {}
    entries, keyed = _entries(doc.get("claims") or [], where.entry(doc, ""), "claims")
    for cid, entry in entries:
        at = where.entry(entry, f"claim {cid!r}")
        _check_keys(
            entry,
            at,
            ("id", "section", "summary", "today"),
            ("section", "summary", "today") if keyed else ("id", "section", "summary", "today"),
            "a claim",
        )
        if keyed and "id" in entry and entry["id"] != cid:
            raise at.fail(f"id {entry['id']!r} differs from its key")
        if not isinstance(cid, str) or not _CLAIM_ID.match(cid):
            raise at.fail(f"claim id {cid!r} must look like TF-LITE ([A-Z][A-Z0-9-]*)")
        if cid in claims:
            raise at.fail("duplicate claim id")
        section = entry["section"]
        if isinstance(section, int) and not isinstance(section, bool):
            section = str(section)
        claims[cid] = Claim(
            id=cid,
            section=section if isinstance(section, str) else _text(entry, "section", at),
            summary=_text(entry, "summary", at),
            today=_text(entry, "today", at),
        )
    urls: dict[str, UrlSource] = {}
    entries, keyed = _entries(doc.get("urls") or [], where.entry(doc, ""), "urls")
    for uid, entry in entries:
        at = where.entry(entry, f"url {uid!r}")
        _check_keys(
            entry,
            at,
            ("id", "url", "title"),
            ("url", "title") if keyed else ("id", "url", "title"),
            "a url source",
        )
        if not isinstance(uid, str) or not _SOURCE_ID.match(uid):
            raise at.fail(f"url id {uid!r} must match [a-z0-9][a-z0-9_.-]*")
        if uid in urls:
            raise at.fail("duplicate url id")
        url = _text(entry, "url", at)
        if not url.startswith("https://"):
            raise at.fail(f"url {url!r} must start with https://", line_of(entry, "url"))
        urls[uid] = UrlSource(id=uid, url=url, title=_text(entry, "title", at))
    return claims, urls


def _parse_questions(doc: Mapping, where: _Where) -> tuple[Question, ...]:
    nodes = doc.get("questions")
    if not isinstance(nodes, list) or not nodes:
        raise where.fail("'questions' must be a non-empty list", line_of(doc, "questions"))
    questions: list[Question] = []
    for node in nodes:
        key = node.get("key") if isinstance(node, Mapping) else None
        at = where.entry(node, f"question {key!r}")
        _check_keys(
            node,
            at,
            ("key", "prompt", "help", "choices", "default", "prefill", "catalog"),
            ("key", "prompt", "help", "choices", "default"),
            "a question",
        )
        if not isinstance(key, str) or not re.match(r"^[a-z][a-z0-9_]*$", key):
            raise at.fail("'key' must match [a-z][a-z0-9_]*", line_of(node, "key"))
        if any(q.key == key for q in questions):
            raise at.fail("duplicate question key")
        choices = node["choices"]
        if not isinstance(choices, list) or not choices:
            raise at.fail(
                "'choices' must be a non-empty list of {value, label}", line_of(node, "choices")
            )
        parsed = []
        for choice in choices:
            cat = at.entry(choice, at.label)
            _check_keys(choice, cat, ("value", "label"), ("value", "label"), "a choice")
            value = _text(choice, "value", cat)
            if value in (c.value for c in parsed):
                raise cat.fail(f"duplicate choice {value!r}")
            parsed.append(Choice(value=value, label=_text(choice, "label", cat)))
        _check_catalog_choices(node, at, parsed)
        default = node["default"]
        if default not in [c.value for c in parsed]:
            raise at.fail(
                f"default {default!r} is not a choice (allowed: {', '.join(c.value for c in parsed)})",
                line_of(node, "default"),
            )
        prefill = node.get("prefill")
        if prefill is not None and prefill not in FACT_SCHEMA:
            raise at.fail(
                f"prefill {prefill!r} is not a fact path in FACT_SCHEMA", line_of(node, "prefill")
            )
        questions.append(
            Question(
                key=key,
                prompt=_text(node, "prompt", at),
                help=_text(node, "help", at),
                choices=tuple(parsed),
                default=default,
                prefill=prefill,
            )
        )
    return tuple(questions)


#: ``catalog: NAME`` on a question: its choices are exactly the catalog's ids (plus the sentinel).
_CATALOG_CHOICES = {
    "frameworks": (FRAMEWORK_IDS, "none"),
    "accelerators": (ACCELERATOR_ANSWERS[1:], ACCELERATOR_ANSWERS[0]),
}


def _check_catalog_choices(node: Mapping, at: _Where, parsed: Sequence[Choice]) -> None:
    """YAML refers to the catalog's ids and never defines them: a question bound to a catalog
    list must offer every id of it, and nothing else but its sentinel (``auto``, ``none``)."""
    name = node.get("catalog")
    if name is None:
        return
    if name not in _CATALOG_CHOICES:
        raise at.fail(
            f"catalog {name!r} is not a catalog list (allowed: {', '.join(_CATALOG_CHOICES)})",
            line_of(node, "catalog"),
        )
    ids, sentinel = _CATALOG_CHOICES[name]
    values = [c.value for c in parsed]
    unknown = [v for v in values if v not in ids and v != sentinel]
    missing = [i for i in ids if i not in values]
    if unknown or missing:
        problem = f"{unknown[0]!r} is not a catalog id" if unknown else f"{missing[0]!r} is missing"
        raise at.fail(
            f"choices: {problem} (the {name} of recommender/catalog.py: {', '.join(ids)}, "
            f"plus {sentinel!r})",
            line_of(node, "choices"),
        )


def _parse_settings(
    node: Any, where: _Where, known: Mapping[str, float] | None = None
) -> dict[str, float]:
    if node is None:
        return {}
    if not isinstance(node, Mapping):
        raise where.fail(f"'settings' must be a mapping of name: number, got {_kind(node)}")
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


def _parse_tables(node: Any, where: _Where) -> Mapping[str, Any]:
    if not isinstance(node, Mapping):
        raise where.fail(f"'tables' must be a mapping, got {_kind(node)}")
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
    return freeze(node)


def _parse_frameworks(node: Any, where: _Where, ctx: _Context) -> Mapping[str, Any]:
    out = {}
    entries, _ = _entries(node, where, "'frameworks'")
    for fid, entry in entries:
        if fid not in FRAMEWORK_ENTRY_IDS:
            raise where.entry(entry, "").fail(
                f"{fid!r} is not a framework id (allowed: {', '.join(FRAMEWORK_ENTRY_IDS)})"
            )
        if not isinstance(entry, Mapping):
            raise where.entry(entry, f"framework {fid!r}").fail(
                f"expected a mapping, got {_kind(entry)}"
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
    return freeze(out)


def _check_install(items: Any, where: _Where, fid: str, ctx: _Context) -> None:
    """Install entries are checked like rules, so `dlrec rules check` catches a bad `when`."""
    _check_choices(items, where, f"{fid}.install", "command", ctx)


def _check_choices(items: Any, where: _Where, label: str, value_key: str, ctx: _Context) -> None:
    """A list of ``{when, <value_key>}`` entries (first true ``when`` wins): keys, a non-empty
    string value, and each condition compiled like a rule's."""
    if not isinstance(items, list):
        raise where.fail(
            f"{label} must be a list of {{when, {value_key}}} entries, got {_kind(items)}"
        )
    for i, item in enumerate(items):
        at = where.entry(item, f"{label}[{i}]")
        _check_keys(item, at, ("when", value_key), required=(value_key,))
        if not isinstance(item[value_key], str) or not item[value_key].strip():
            raise at.fail(f"{value_key!r} must be a non-empty string", line_of(item, value_key))
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


# --- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Context:
    questions: Mapping[str, frozenset[str]]
    claims: Mapping[str, Claim]
    urls: Mapping[str, UrlSource]
    #: Compiled conditions shared by the rules of one load (see CompileContext.memo).
    memo: dict = field(default_factory=dict)


def _framework_list(node: Mapping, key: str, at: _Where, allowed: Sequence[str]) -> tuple[str, ...]:
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


def _parse_score(node: Mapping, at: _Where) -> Mapping[str, float]:
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


def _parse_sources_list(node: Mapping, at: _Where, ctx: _Context) -> tuple[str, ...]:
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


def _parse_rule(node: Any, where: _Where, ctx: _Context, *, compat: bool) -> Rule:
    rule_id = node.get("id") if isinstance(node, Mapping) else None
    at = where.entry(node, f"rule {rule_id!r}")
    _check_keys(node, at, RULE_KEYS, ("id",), "a rule")
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
    verified = node.get("verified")
    if verified is not None and (not isinstance(verified, str) or not _VERIFIED.match(verified)):
        raise at.fail(f"'verified' must be YYYY-MM, got {verified!r}", line_of(node, "verified"))
    if compat:
        if verified is None:
            raise at.fail("compat.yaml rules need 'verified: YYYY-MM'")
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
        why=_text(node, "why", at),
        when=freeze(node.get("when")),
        score=_parse_score(node, at) if "score" in node else MappingProxyType({}),
        block=_framework_list(node, "block", at, FRAMEWORK_IDS) if "block" in node else (),
        block_device=node.get("block_device"),
        warn=_framework_list(node, "warn", at, (*FRAMEWORK_IDS, "all")) if "warn" in node else (),
        note=_text(node, "note", at, required=False),
        verified=verified,
        fix=_text(node, "fix", at, required=False),
        file=where.file,
        line=at.line,
        reads=reads,
        test=test,
    )


def _parse_rules(doc: Mapping, where: _Where, ctx: _Context, *, compat: bool) -> list[Rule]:
    nodes = doc.get("rules")
    if nodes is None:
        return []
    if not isinstance(nodes, list):
        raise where.fail(
            f"'rules' must be a list of rules, got {_kind(nodes)}", line_of(doc, "rules")
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


# --- files ---------------------------------------------------------------------------------


def _read(path: Path, display: str, allowed: Sequence[str]) -> Mapping:
    """Read one document safely; it must be a mapping with only ``allowed`` top-level keys."""
    try:
        text = read_text(path)
        doc = (
            parse_json(text, display)
            if path.suffix.lower() == ".json"
            else parse_yaml(text, display)
        )
    except DocumentError as exc:
        where = exc.where if exc.where.startswith(display) else display
        raise RuleError(exc.message, where=where) from None
    where = _Where(display, 1)
    if not isinstance(doc, Mapping):
        raise where.fail(f"expected a mapping with keys {', '.join(allowed)}, got {_kind(doc)}")
    _check_keys(doc, where, allowed, what="a rule file")
    return doc


def bundled_dir() -> Path:
    """The bundled rules directory, shipped as package data of ``recommender``."""
    # rules/ ships inside the package (recommender/rules is a link to the repo's rules/).
    return Path(__file__).resolve().parent.parent / "rules"


def _stamp(directory: Path) -> tuple:
    out = []
    for name in BUNDLED_FILES:
        try:
            st = os.stat(directory / name)
            out.append((name, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((name, None, None))
    return tuple(out)


@functools.lru_cache(maxsize=8)
def _load_bundled(directory: str, stamp: tuple) -> RuleBase:
    root = Path(directory)
    docs = {name: _read(root / name, f"rules/{name}", keys) for name, keys in BUNDLED_FILES.items()}
    claims, urls = _parse_sources(docs["sources.yaml"], _Where("rules/sources.yaml", 1))
    questions = _parse_questions(docs["questions.yaml"], _Where("rules/questions.yaml", 1))
    ctx = _Context(
        questions={q.key: frozenset(q.values) for q in questions}, claims=claims, urls=urls
    )
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for name in ("tradeoffs.yaml", "compat.yaml"):
        where = _Where(f"rules/{name}", 1)
        for rule in _parse_rules(docs[name], where, ctx, compat=name == "compat.yaml"):
            if rule.id in seen:
                first = seen[rule.id]
                raise RuleError(
                    f"rule {rule.id!r}: duplicate rule id (first at {first.file}:{first.line})",
                    where=f"{rule.file}:{rule.line}",
                )
            seen[rule.id] = rule
            rules.append(rule)
    compat = docs["compat.yaml"]
    return RuleBase(
        rules=tuple(rules),
        questions=questions,
        claims=MappingProxyType(claims),
        urls=MappingProxyType(urls),
        settings=MappingProxyType(
            _parse_settings(
                docs["tradeoffs.yaml"].get("settings"),
                _Where("rules/tradeoffs.yaml", line_of(docs["tradeoffs.yaml"], "settings") or 1),
            )
        ),
        frameworks=_parse_frameworks(
            docs["frameworks.yaml"].get("frameworks"),
            _Where("rules/frameworks.yaml", line_of(docs["frameworks.yaml"], "frameworks") or 1),
            ctx,
        ),
        tables=_parse_tables(
            compat.get("tables"), _Where("rules/compat.yaml", line_of(compat, "tables") or 1)
        ),
        files=tuple(f"rules/{name}" for name in BUNDLED_FILES),
        _index=MappingProxyType({r.id: r for r in rules}),
    )


def _apply_overlay(base: RuleBase, path: Path) -> RuleBase:
    display = str(path)
    doc = _read(path, display, OVERLAY_KEYS)
    where = _Where(display, 1)
    if not doc:
        raise where.fail(
            f"an overlay needs 'rules' and/or 'settings' (allowed: {', '.join(OVERLAY_KEYS)})"
        )
    ctx = _Context(
        questions={q.key: frozenset(q.values) for q in base.questions},
        claims=base.claims,
        urls=base.urls,
    )
    added = _parse_rules(doc, where, ctx, compat=False)
    settings = _parse_settings(
        doc.get("settings"), _Where(display, line_of(doc, "settings") or 1), base.settings
    )
    by_id = {r.id: r for r in added}
    rules = [by_id.pop(r.id, r) for r in base.rules]
    rules.extend(r for r in added if r.id in by_id)
    return replace(
        base,
        rules=tuple(rules),
        settings=MappingProxyType({**base.settings, **settings}),
        files=(*base.files, display),
        _index=MappingProxyType({r.id: r for r in rules}),
    )


def load_rulebase(
    extra: Sequence[str | os.PathLike] = (), *, bundled: str | os.PathLike | None = None
) -> RuleBase:
    """The bundled rule base plus overlays (each adds rules or replaces them by id).

    ``bundled`` points at another directory holding the five bundled files (tests use it).
    Raises RuleError (exit 2, one line naming file, line and rule id) on any bad input.
    """
    directory = Path(bundled) if bundled is not None else bundled_dir()
    base = _load_bundled(str(directory), _stamp(directory))
    for path in extra:
        base = _apply_overlay(base, Path(path))
    return base


__all__ = [
    "BUNDLED_FILES",
    "RULE_KEYS",
    "SCORE_KEYS",
    "Choice",
    "Claim",
    "Question",
    "Rule",
    "RuleBase",
    "RuleError",
    "UrlSource",
    "bundled_dir",
    "freeze",
    "load_rulebase",
    "thaw",
]
