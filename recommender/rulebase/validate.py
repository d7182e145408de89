"""What every part of the rule loader shares: where an error is, key and type checks, and the
checks of the two kinds of value that reach a person verbatim: templates and dates.

- ``check_template``: a ``fix`` or an install command may name only the placeholders its filler
  knows (``{python}``, ``{backend}``, ...), bare: no attribute or index (``{python.nosuch}``), no
  conversion and no format spec (``{python:>50000000}`` would print 50 MB), no positional ``{0}``.
- ``check_verified``: a ``verified:`` date is ``YYYY-MM`` or ``YYYY-MM-DD`` and a real date
  (``2024-02-30`` is not); ``verified_date`` reads it for the staleness check of ``rules check``.
"""

from __future__ import annotations

import datetime as _dt
import re
import string
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from recommender.core.frozen import frozen
from recommender.rulebase.conditions import RuleError, Test, line_of
from recommender.rulebase.model import Claim, UrlSource

_VERIFIED = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass(slots=True)
class Where:
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

    def entry(self, node: Any, label: str) -> Where:
        return Where(self.file, getattr(node, "line", 0) or self.line, label)


def check_keys(
    node: Any,
    where: Where,
    allowed: Sequence[str],
    required: Sequence[str] = (),
    what: str = "an entry",
) -> None:
    if not isinstance(node, Mapping):
        raise where.fail(
            f"expected {what} (a mapping with keys {', '.join(allowed)}), got {kind_of(node)}"
        )
    for key in node:
        if key not in allowed:
            raise where.fail(
                f"unknown key {key!r} (allowed: {', '.join(allowed)})", line_of(node, key)
            )
    for key in required:
        if key not in node:
            raise where.fail(f"missing key {key!r}")


def kind_of(value: Any) -> str:
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


@overload
def text_field(
    node: Mapping[str, Any], key: str, where: Where, *, required: Literal[True] = ...
) -> str: ...
@overload
def text_field(
    node: Mapping[str, Any], key: str, where: Where, *, required: bool
) -> str | None: ...
def text_field(
    node: Mapping[str, Any], key: str, where: Where, *, required: bool = True
) -> str | None:
    value = node.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise where.fail(
            f"{key!r} must be a non-empty string, got {kind_of(value)}", line_of(node, key)
        )
    return value


def entries_of(node: Any, where: Where, what: str) -> tuple[list[tuple[Any, Any]], bool]:
    """A list of mappings with ``id``, or a mapping keyed by id: ([(id, entry), ...], keyed)."""
    if isinstance(node, Mapping):
        return list(node.items()), True
    if isinstance(node, list):
        return [(e.get("id") if isinstance(e, Mapping) else None, e) for e in node], False
    raise where.fail(f"{what} must be a list, got {kind_of(node)}")


@frozen
class ParseContext:
    questions: Mapping[str, frozenset[str]]
    claims: Mapping[str, Claim]
    urls: Mapping[str, UrlSource]
    #: Compiled conditions shared by the rules of one load (see CompileContext.memo).
    memo: dict[str, tuple[Test, frozenset[str]]] = field(default_factory=dict)


def check_template(
    text: str, allowed: Collection[str], where: Where, line: int | None, what: str
) -> None:
    """Refuse a template with a placeholder outside ``allowed``, or with any format syntax."""
    names = ", ".join(f"{{{a}}}" for a in sorted(allowed)) or "none"
    rule = f"(allowed: {names}; bare names only, no format spec; {{{{ and }}}} for a brace)"
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise where.fail(f"{what}: {exc} {rule}", line) from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise where.fail(f"{what}: placeholder {shown[:40]!r} is not allowed {rule}", line)


def verified_date(text: str) -> _dt.date | None:
    """The date a ``verified:`` value names (its first day for ``YYYY-MM``), or None."""
    match = _VERIFIED.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def check_verified(value: Any, where: Where, line: int | None) -> str | None:
    """A rule's ``verified:`` value, or a one-line error naming what is allowed."""
    if value is None:
        return None
    if not isinstance(value, str) or verified_date(value) is None:
        raise where.fail(
            f"'verified' must be YYYY-MM or YYYY-MM-DD and a real date (such as 2026-11), "
            f"got {value!r}",
            line,
        )
    return value


__all__ = [
    "ParseContext",
    "Where",
    "check_keys",
    "check_template",
    "check_verified",
    "entries_of",
    "kind_of",
    "text_field",
    "verified_date",
]
