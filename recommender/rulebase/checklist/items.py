"""Load ``rules/checklist.yaml``: the checklist's items, as data, checked against the rule base.

docs/RULES.md ("Checklist items") is the contract. The file is read like every rule file
(``recommender/core/documents.py``: safe loader, no tags or aliases, line numbers kept), and each item
is checked here: unknown keys, rule ids, table names, frameworks.yaml fields, catalog ids
(frameworks, Keras backends, accelerator kinds), sources, check names and their verdicts, and
every template field. Conditions compile with the rule engine's own compiler. Errors are one
line: ``file:line: item 'id': key: what is wrong (allowed: ...)``.

The named checks (computed parts: free disk, smoke results, environment variables) live in
``recommender/decide``; this loader knows only their contracts (``CheckContract``), passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from recommender.core.catalog import ANSWER_KIND, FRAMEWORK_IDS, KERAS_BACKENDS, Accelerator
from recommender.rulebase.checklist.outcomes import (
    RULE_FIX,
    CheckContract,
    Outcome,
    Reads,
    Where,
    parse_outcomes,
    parse_reads,
    refuse_keys,
    template_of,
)
from recommender.rulebase.checklist.template import Status, Template
from recommender.rulebase.conditions import CompileContext, RuleError, Test, compile_condition
from recommender.rulebase.load import CHECKLIST_FILE, RuleBase, UrlSource

TOP_KEYS = ("urls", "items")
ITEM_KEYS = (
    "id",
    "key",
    "title",
    "frameworks",
    "backends",
    "accelerators",
    "each",
    "when",
    "check",
    "reads",
    "rule",
    "detail",
    "fix",
    "outcomes",
    "sources",
)
EACH = ("framework",)
ACCELERATOR_IDS: tuple[str, ...] = tuple(a.value for a in Accelerator)
#: Fields every template may use.
BASE_FIELDS = ("python", "framework", "name", "backend", "nvidia_gpu")
#: Install commands from the install planner (rules/wheels.yaml; the item must read
#: ``wheels: true``): ``install`` for the answered accelerator, ``install_<answer>`` for another.
INSTALL_FIELDS = ("install", *(f"install_{answer}" for answer in ANSWER_KIND))

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_URL_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistItem:
    id: str
    #: The id shown in the output (items that never apply together may share one: ``build``).
    key: str
    #: A template: ``"{name} installed"``.
    title: Template
    #: Catalog ids; empty means any. ``backends`` only with ``frameworks: [keras]``.
    frameworks: tuple[str, ...]
    backends: tuple[str, ...]
    accelerators: tuple[str, ...]
    #: One item per framework the project runs on (``each: framework``).
    each: bool
    when: Test | None
    check: str | None
    reads: Reads
    outcomes: tuple[Outcome, ...]
    sources: tuple[str, ...]
    file: str
    line: int
    #: Fact paths and ``answer.KEY`` names its conditions read.
    condition_reads: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistItems:
    items: tuple[ChecklistItem, ...]
    #: Sources only checklist.yaml cites (``urls:``), beside rules/sources.yaml's.
    urls: Mapping[str, UrlSource]
    file: str


class _ItemContext(CompileContext):
    """Compile errors name the item, not a rule."""

    __slots__ = ()

    def fail(self, message: str, line: int | None = None) -> RuleError:
        return RuleError(f"item {self.rule!r}: {message}", where=f"{self.file}:{line or self.line}")


def _ids(node: Mapping[str, Any], key: str, at: Where, allowed: Sequence[str]) -> tuple[str, ...]:
    value = node.get(key)
    if value is None:
        return ()
    what = f"(allowed: {', '.join(allowed)})"
    if not isinstance(value, list) or not value:
        raise at.fail(key, f"must be a non-empty list {what}", node)
    for v in value:
        if v not in allowed:
            raise at.fail(key, f"{v!r} is not a catalog id {what}", node)
    if len(set(value)) != len(value):
        raise at.fail(key, "an id is listed twice", node)
    return tuple(value)


def _text(node: Mapping[str, Any], key: str, at: Where) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value.strip():
        raise at.fail(key, "must be a non-empty string", node)
    return value


def _sources(
    node: Mapping[str, Any], at: Where, rulebase: RuleBase, urls: Mapping[str, UrlSource]
) -> tuple[str, ...]:
    value = node.get("sources")
    if not isinstance(value, list) or not value:
        raise at.fail("sources", "must be a non-empty list of claim ids and url:<id>", node)
    for source in value:
        known = (
            source[4:] in rulebase.urls or source[4:] in urls
            if isinstance(source, str) and source.startswith("url:")
            else source in rulebase.claims
        )
        if not known:
            raise at.fail(
                "sources",
                f"{source!r} is not a claim id or url:<id> of rules/sources.yaml or this file's urls",
                node,
            )
    return tuple(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class _LoadContext:
    rulebase: RuleBase
    contracts: Mapping[str, CheckContract]
    urls: Mapping[str, UrlSource]
    #: Compiled conditions shared by the items of one load (see CompileContext.memo).
    memo: dict[Any, Any] = field(default_factory=dict)

    def compile(self, node: Any, at: Where) -> tuple[Test, set[str]]:
        ctx = _ItemContext(
            file=at.file,
            rule=at.item,
            questions={q.key: frozenset(q.values) for q in self.rulebase.questions},
            line=at.line,
            memo=self.memo,
        )
        test = compile_condition(node, ctx)
        return test, ctx.reads


def _scope(
    node: Mapping[str, Any], at: Where
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]:
    """Where the item applies: catalog frameworks, Keras backends, accelerator kinds, ``each``."""
    frameworks = _ids(node, "frameworks", at, FRAMEWORK_IDS)
    backends = _ids(node, "backends", at, KERAS_BACKENDS)
    if backends and frameworks != ("keras",):
        raise at.fail("backends", "goes with frameworks: [keras]", node)
    each = node.get("each")
    if each is not None and each not in EACH:
        raise at.fail("each", f"{each!r} is not allowed (allowed: {', '.join(EACH)})", node)
    return frameworks, backends, _ids(node, "accelerators", at, ACCELERATOR_IDS), each is not None


def _contract(
    node: Mapping[str, Any], at: Where, contracts: Mapping[str, CheckContract]
) -> CheckContract | None:
    check = node.get("check")
    if check is None:
        return None
    if check not in contracts:
        raise at.fail("check", f"{check!r} is not a check (allowed: {', '.join(contracts)})", node)
    return contracts[check]


def _parse_item(node: Any, at: Where, ctx: _LoadContext) -> ChecklistItem:
    item_id = node.get("id") if isinstance(node, Mapping) else None
    at = at.entry(node, str(item_id))
    if not isinstance(node, Mapping):
        raise at.fail("items", "each item is a mapping with keys " + ", ".join(ITEM_KEYS))
    refuse_keys(node, ITEM_KEYS, at)
    key = node.get("key", item_id)
    for name, value in (("id", item_id), ("key", key)):
        if not isinstance(value, str) or not _ID.match(value):
            raise at.fail(name, "must match [a-z0-9][a-z0-9-]*", node)
    contract = _contract(node, at, ctx.contracts)
    reads = parse_reads(node, at, ctx.rulebase, contract)
    when, condition_reads = (
        ctx.compile(node["when"], at.moved(node, "when")) if "when" in node else (None, set())
    )
    frameworks, backends, accelerators, each = _scope(node, at)
    fields = _allowed_fields(reads, contract)
    title = template_of(node, "title", at, fields)
    if title is None:
        raise at.fail("title", "missing: every item has a title")
    outcomes = parse_outcomes(
        node,
        at,
        rulebase=ctx.rulebase,
        reads=reads,
        contract=contract,
        compile_when=ctx.compile,
        fields=fields,
    )
    return ChecklistItem(
        id=str(item_id),
        key=str(key),
        title=title,
        frameworks=frameworks,
        backends=backends,
        accelerators=accelerators,
        each=each,
        when=when,
        check=contract.name if contract else None,
        reads=reads,
        outcomes=outcomes,
        sources=_sources(node, at, ctx.rulebase, ctx.urls),
        file=at.file,
        line=at.line,
        condition_reads=frozenset(condition_reads.union(*(o.reads for o in outcomes))),
    )


def _allowed_fields(reads: Reads, contract: CheckContract | None) -> frozenset[str]:
    from recommender.facts.document import FACT_SCHEMA

    facts = {p for p in FACT_SCHEMA if "[]" not in p}
    installs = set(INSTALL_FIELDS) if reads.wheels else set()
    return frozenset({*BASE_FIELDS, *facts, *installs, *(contract.fields if contract else ())})


def _parse_urls(doc: Mapping[str, Any], at: Where, rulebase: RuleBase) -> dict[str, UrlSource]:
    urls: dict[str, UrlSource] = {}
    nodes = doc.get("urls") or []
    if not isinstance(nodes, list):
        raise at.fail("urls", "must be a list of {id, url, title}", doc)
    for node in nodes:
        uid = node.get("id") if isinstance(node, Mapping) else None
        here = at.entry(node, str(uid), kind="url")
        if not isinstance(node, Mapping) or set(node) != {"id", "url", "title"}:
            raise here.fail("urls", "each url is {id, url, title}")
        if not isinstance(uid, str) or not _URL_ID.match(uid):
            raise here.fail("id", "must match [a-z0-9][a-z0-9_.-]*", node)
        if uid in urls or uid in rulebase.urls:
            raise here.fail("id", "duplicate url id (rules/sources.yaml or this file)", node)
        url = _text(node, "url", here)
        if not url.startswith("https://"):
            raise here.fail("url", "must start with https://", node)
        urls[uid] = UrlSource(id=uid, url=url, title=_text(node, "title", here))
    return urls


def parse_checklist(
    doc: Any, display: str, rulebase: RuleBase, contracts: Mapping[str, CheckContract]
) -> ChecklistItems:
    """Checklist items from a parsed document (``display`` names it in errors)."""
    at = Where(file=display, line=1)
    if not isinstance(doc, Mapping) or "items" not in doc:
        raise at.fail("items", "the file is a mapping with 'items' (and optionally 'urls')")
    refuse_keys(doc, TOP_KEYS, at)
    urls = _parse_urls(doc, at.moved(doc, "urls"), rulebase)
    nodes = doc["items"]
    if not isinstance(nodes, list) or not nodes:
        raise at.fail("items", "must be a non-empty list of items", doc)
    ctx = _LoadContext(rulebase=rulebase, contracts=contracts, urls=urls)
    items: list[ChecklistItem] = []
    for node in nodes:
        item = _parse_item(node, at, ctx)
        first = next((i for i in items if i.id == item.id), None)
        if first is not None:
            raise at.entry(node, item.id).fail(
                "id", f"duplicate item id (first at line {first.line})"
            )
        items.append(item)
    return ChecklistItems(items=tuple(items), urls=MappingProxyType(urls), file=display)


def checklist_of(rulebase: RuleBase, contracts: Sequence[CheckContract]) -> ChecklistItems | None:
    """The rule base's checklist.yaml items, checked against it and the named checks'
    contracts, once per rule base (memoised on it); None when its rules folder has none.
    Raises RuleError (exit 2, one line) on a bad file."""
    doc = rulebase.checklist_doc
    if doc is None:
        return None
    wanted = tuple(contracts)
    return rulebase.memo(
        ("checklist", wanted),
        lambda: parse_checklist(
            doc, rulebase.checklist_file, rulebase, {c.name: c for c in wanted}
        ),
    )


__all__ = [
    "BASE_FIELDS",
    "CHECKLIST_FILE",
    "INSTALL_FIELDS",
    "RULE_FIX",
    "ChecklistItem",
    "ChecklistItems",
    "CheckContract",
    "Outcome",
    "Reads",
    "Status",
    "Template",
    "checklist_of",
    "parse_checklist",
]
