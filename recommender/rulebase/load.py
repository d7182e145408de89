"""Load the rule base (rules/*.yaml plus ``--rules`` overlays) and refuse anything off-contract.

docs/RULES.md is the contract. Every file goes through ``recommender/core/documents.py`` (safe
loader, no tags/aliases, size and depth caps, no duplicate keys, YAML 1.1 booleans and dates
stay strings). The parts check the shape: ``rulebase/sources.py`` (claims, URLs, questions),
``rulebase/tables.py`` (settings, tables, install entries), ``rulebase/rules.py`` (rules:
unknown keys, claim and URL ids, framework ids, answer values, fact paths, one effect per rule,
a real ``verified:`` date on compat rules, templates with known placeholders only, duplicate
ids), with the helpers of ``rulebase/validate.py``; the values are ``rulebase/model.py``.
Conditions are compiled once (``recommender/rulebase/conditions.py``) so the engine only calls
closures. Every error is one line: ``file:line: rule 'id': what is wrong (allowed: ...)``.

This module keeps the public names importable from ``recommender.rulebase.load``.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from recommender.core.documents import DocumentError, parse_json, parse_yaml, read_text
from recommender.core.frozen import freeze, thaw
from recommender.rulebase import cache
from recommender.rulebase.conditions import RuleError, line_of
from recommender.rulebase.model import Choice, Claim, Question, Rule, RuleBase, UrlSource
from recommender.rulebase.rules import RULE_KEYS, SCORE_KEYS, parse_rules
from recommender.rulebase.sources import parse_questions, parse_sources
from recommender.rulebase.tables import parse_frameworks, parse_settings, parse_tables
from recommender.rulebase.tiers_parse import parse_tiers
from recommender.rulebase.validate import ParseContext, Where, check_keys, kind_of, verified_date
from recommender.rulebase.wheels.load import wheels_from_document

WHEELS_FILE = "wheels.yaml"
CHECKLIST_FILE = "checklist.yaml"
BUNDLED_FILES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sources.yaml": ("claims", "urls"),
        "questions.yaml": ("questions",),
        "tradeoffs.yaml": ("settings", "rules"),
        "compat.yaml": ("tables", "rules"),
        "frameworks.yaml": ("frameworks",),
        "tiers.yaml": ("tiers",),
    }
)
#: Bundled files a rules folder may leave out (the test fixtures' folders predate them).
OPTIONAL_FILES = frozenset({"tiers.yaml"})
OVERLAY_KEYS = ("rules", "settings")
#: A rule verified longer ago than this is reported as stale by ``dlrec rules check``.
STALE_AFTER_MONTHS = 6


# --- files ---------------------------------------------------------------------------------


def _read(path: Path, display: str, allowed: Sequence[str]) -> Mapping[str, Any]:
    """Read an overlay safely; it must be a mapping with only ``allowed`` top-level keys."""
    try:
        text = read_text(path)
        doc = (
            parse_json(text, display)
            if path.suffix.lower() == ".json"
            else parse_yaml(text, display)
        )
    except DocumentError as exc:
        location = exc.where if exc.where.startswith(display) else display
        raise RuleError(exc.message, where=location) from None
    where = Where(display, 1)
    if not isinstance(doc, Mapping):
        raise where.fail(f"expected a mapping with keys {', '.join(allowed)}, got {kind_of(doc)}")
    check_keys(doc, where, allowed, what="a rule file")
    return doc


def bundled_dir() -> Path:
    """The bundled rules directory, shipped as package data of ``recommender``."""
    # rules/ ships inside the package (recommender/rules is a link to the repo's rules/).
    return Path(__file__).resolve().parent.parent / "rules"


def _text(path: Path, display: str) -> str:
    try:
        return read_text(path)
    except DocumentError as exc:
        raise RuleError(exc.message, where=display) from None


def _parse(text: str, display: str) -> Any:
    try:
        return parse_yaml(text, display)
    except DocumentError as exc:
        location = exc.where if exc.where.startswith(display) else display
        raise RuleError(exc.message, where=location) from None


def _checked(doc: Any, display: str, allowed: Sequence[str]) -> Mapping[str, Any]:
    """A rule file's document: a mapping with only ``allowed`` top-level keys."""
    where = Where(display, 1)
    if not isinstance(doc, Mapping):
        raise where.fail(f"expected a mapping with keys {', '.join(allowed)}, got {kind_of(doc)}")
    check_keys(doc, where, allowed, what="a rule file")
    return doc


def _sources_of(root: Path) -> dict[str, Path]:
    """How errors name each file the rule base is built from -> its path: the five rule files,
    wheels.yaml (the bundled one where the folder has none: a test's rules folder) and
    checklist.yaml where the folder has one."""
    files = {
        f"rules/{name}": root / name
        for name in BUNDLED_FILES
        if name not in OPTIONAL_FILES or (root / name).is_file()
    }
    wheels = root / WHEELS_FILE
    wheels = wheels if wheels.is_file() else bundled_dir() / WHEELS_FILE
    files[str(wheels)] = wheels
    checklist = root / CHECKLIST_FILE
    if checklist.is_file():
        files[f"rules/{CHECKLIST_FILE}" if root == bundled_dir() else str(checklist)] = checklist
    return files


def _load_bundled(root: Path) -> RuleBase:
    files = _sources_of(root)
    parsed = cache.parsed(
        {display: _text(path, display) for display, path in files.items()}, _parse
    )
    docs = {
        name: _checked(parsed[f"rules/{name}"], f"rules/{name}", keys)
        for name, keys in BUNDLED_FILES.items()
        if f"rules/{name}" in parsed
    }
    docs.setdefault("tiers.yaml", {})  # a rules folder without tiers: every row is "unknown"
    wheels_name = next(d for d, path in files.items() if path.name == WHEELS_FILE)
    checklist_file = next(
        (d for d, path in files.items() if path.name == CHECKLIST_FILE),
        f"rules/{CHECKLIST_FILE}" if root == bundled_dir() else str(root / CHECKLIST_FILE),
    )
    claims, urls = parse_sources(docs["sources.yaml"], Where("rules/sources.yaml", 1))
    questions = parse_questions(docs["questions.yaml"], Where("rules/questions.yaml", 1))
    ctx = ParseContext(
        questions={q.key: frozenset(q.values) for q in questions}, claims=claims, urls=urls
    )
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for name in ("tradeoffs.yaml", "compat.yaml"):
        where = Where(f"rules/{name}", 1)
        for rule in parse_rules(docs[name], where, ctx, compat=name == "compat.yaml"):
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
            parse_settings(
                docs["tradeoffs.yaml"].get("settings"),
                Where("rules/tradeoffs.yaml", line_of(docs["tradeoffs.yaml"], "settings") or 1),
            )
        ),
        frameworks=parse_frameworks(
            docs["frameworks.yaml"].get("frameworks"),
            Where("rules/frameworks.yaml", line_of(docs["frameworks.yaml"], "frameworks") or 1),
        ),
        tables=parse_tables(
            compat.get("tables"), Where("rules/compat.yaml", line_of(compat, "tables") or 1)
        ),
        wheels=wheels_from_document(parsed[wheels_name], wheels_name),
        checklist_doc=parsed.get(checklist_file),
        checklist_file=checklist_file,
        tiers=parse_tiers(
            docs["tiers.yaml"].get("tiers"),
            Where("rules/tiers.yaml", line_of(docs["tiers.yaml"], "tiers") or 1),
            ctx,
        ),
        files=tuple(f"rules/{name}" for name in BUNDLED_FILES),
        _index=MappingProxyType({r.id: r for r in rules}),
    )


def _apply_overlay(base: RuleBase, path: Path) -> RuleBase:
    display = str(path)
    doc = _read(path, display, OVERLAY_KEYS)
    where = Where(display, 1)
    if not doc:
        raise where.fail(
            f"an overlay needs 'rules' and/or 'settings' (allowed: {', '.join(OVERLAY_KEYS)})"
        )
    ctx = ParseContext(
        questions={q.key: frozenset(q.values) for q in base.questions},
        claims=base.claims,
        urls=base.urls,
    )
    added = parse_rules(doc, where, ctx, compat=False)
    settings = parse_settings(
        doc.get("settings"), Where(display, line_of(doc, "settings") or 1), base.settings
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
    extra: Sequence[str | os.PathLike[str]] = (), *, bundled: str | os.PathLike[str] | None = None
) -> RuleBase:
    """The bundled rule base plus overlays (each adds rules or replaces them by id).

    ``bundled`` points at another directory holding the five bundled files (tests use it).
    Raises RuleError (exit 2, one line naming file, line and rule id) on any bad input.
    Each call reads and checks the files (a warm run reads the parsed documents from the cache
    folder): the caller that owns the run loads the rule base once and passes it down.
    """
    directory = Path(bundled) if bundled is not None else bundled_dir()
    base = _load_bundled(directory)
    for path in extra:
        base = _apply_overlay(base, Path(path))
    return base


def load_questions() -> tuple[Question, ...]:
    """The bundled questions alone (keys, choices, prompts), read and checked as the rule base
    reads them: what the CLI's options need for their help, without building the rule base."""
    display = "rules/questions.yaml"
    text = _text(bundled_dir() / "questions.yaml", display)
    parsed = cache.parsed({display: text}, _parse)  # a warm run reads its cache entry
    doc = _checked(parsed[display], display, BUNDLED_FILES["questions.yaml"])
    return parse_questions(doc, Where(display, 1))


def _months_between(earlier: _dt.date, later: _dt.date) -> int:
    return (
        (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)
    )


def stale_rules(
    rulebase: RuleBase, today: _dt.date, months: int = STALE_AFTER_MONTHS
) -> tuple[tuple[Rule, int], ...]:
    """(rule, whole months since it was verified) for each rule verified more than ``months``
    before ``today`` (the run's date: the caller reads the clock, so tests can freeze it)."""
    out = []
    for rule in rulebase.rules:
        when = verified_date(rule.verified) if rule.verified else None
        if when is not None and _months_between(when, today) > months:
            out.append((rule, _months_between(when, today)))
    return tuple(out)


__all__ = [
    "BUNDLED_FILES",
    "RULE_KEYS",
    "SCORE_KEYS",
    "STALE_AFTER_MONTHS",
    "Choice",
    "Claim",
    "Question",
    "Rule",
    "RuleBase",
    "RuleError",
    "UrlSource",
    "bundled_dir",
    "freeze",
    "load_questions",
    "load_rulebase",
    "stale_rules",
    "thaw",
]
