"""Parse ``sources.yaml`` (claims and URL sources) and ``questions.yaml`` into values."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from recommender.core.catalog import ACCELERATOR_ANSWERS, FRAMEWORK_IDS
from recommender.facts.document import FACT_SCHEMA
from recommender.rulebase.conditions import line_of
from recommender.rulebase.model import Choice, Claim, Question, UrlSource
from recommender.rulebase.validate import Where, check_keys, entries_of, text_field

_CLAIM_ID = re.compile(r"^[A-Z][A-Z0-9-]*$")
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def parse_sources(
    doc: Mapping[str, Any], where: Where
) -> tuple[dict[str, Claim], dict[str, UrlSource]]:
    claims: dict[str, Claim] = {}
    entries, keyed = entries_of(doc.get("claims") or [], where.entry(doc, ""), "claims")
    for cid, entry in entries:
        at = where.entry(entry, f"claim {cid!r}")
        check_keys(
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
            section=section if isinstance(section, str) else text_field(entry, "section", at),
            summary=text_field(entry, "summary", at),
            today=text_field(entry, "today", at),
        )
    urls: dict[str, UrlSource] = {}
    entries, keyed = entries_of(doc.get("urls") or [], where.entry(doc, ""), "urls")
    for uid, entry in entries:
        at = where.entry(entry, f"url {uid!r}")
        check_keys(
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
        url = text_field(entry, "url", at)
        if not url.startswith("https://"):
            raise at.fail(f"url {url!r} must start with https://", line_of(entry, "url"))
        urls[uid] = UrlSource(id=uid, url=url, title=text_field(entry, "title", at))
    return claims, urls


def parse_questions(doc: Mapping[str, Any], where: Where) -> tuple[Question, ...]:
    nodes = doc.get("questions")
    if not isinstance(nodes, list) or not nodes:
        raise where.fail("'questions' must be a non-empty list", line_of(doc, "questions"))
    questions: list[Question] = []
    for node in nodes:
        key = node.get("key") if isinstance(node, Mapping) else None
        at = where.entry(node, f"question {key!r}")
        check_keys(
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
        parsed: list[Choice] = []
        for choice in choices:
            cat = at.entry(choice, at.label)
            check_keys(choice, cat, ("value", "label"), ("value", "label"), "a choice")
            value = text_field(choice, "value", cat)
            if value in (c.value for c in parsed):
                raise cat.fail(f"duplicate choice {value!r}")
            parsed.append(Choice(value=value, label=text_field(choice, "label", cat)))
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
                prompt=text_field(node, "prompt", at),
                help=text_field(node, "help", at),
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


def _check_catalog_choices(node: Mapping[str, Any], at: Where, parsed: Sequence[Choice]) -> None:
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
            f"choices: {problem} (the {name} of recommender/core/catalog.py: {', '.join(ids)}, "
            f"plus {sentinel!r})",
            line_of(node, "choices"),
        )


__all__ = ["parse_questions", "parse_sources"]
