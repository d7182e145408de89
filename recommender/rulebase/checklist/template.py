"""Checklist text templates: ``"{python} -m pip install {distribution}"``, parsed once at load.

A placeholder is a field name, optionally with a default after ``|``:
``{frameworks.keras.backend_source|the Keras config}``. The loader checks every field against
what the item may use (docs/RULES.md, "Checklist items"); nothing else is ever formatted, and no
format spec or conversion (``{x!r}``, ``{x:>4}``) is accepted. ``{{`` and ``}}`` are braces.
"""

from __future__ import annotations

import enum
import string
from collections.abc import Callable
from dataclasses import dataclass

#: What a missing field (no value, no default) shows in a detail line.
MISSING = "?"


class Status(str, enum.Enum):
    """A checklist item's status; the JSON value is the enum's value."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    #: Not known for another machine's facts (its disk, this run's memory, a smoke run there):
    #: neither a pass nor a warning, with a neutral mark of its own (issue 26).
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Part:
    literal: str
    field: str | None = None
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template; ``render`` fills it from a lookup of field values."""

    text: str
    parts: tuple[Part, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(p.field for p in self.parts if p.field is not None)

    def render(self, lookup: Callable[[str], str | None], *, strict: bool) -> str | None:
        """The text with its fields filled. A field without a value takes its default; with
        none, ``strict`` (a fix) gives None, since a fix with a hole is not an exact fix, and
        otherwise (a detail) it shows ``?``."""
        out: list[str] = []
        for part in self.parts:
            out.append(part.literal)
            if part.field is None:
                continue
            value = lookup(part.field)
            if value is None:
                value = part.default
            if value is None:
                if strict:
                    return None
                value = MISSING
            out.append(value)
        return "".join(out)


class TemplateError(ValueError):
    """A template that does not parse; the message says why."""


def parse_template(text: str) -> Template:
    """Split ``text`` into literals and ``{field|default}`` placeholders, or raise TemplateError."""
    parts: list[Part] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{exc} (write a literal brace as {{{{ or }}}})") from None
    for literal, name, spec, conversion in parsed:
        if name is None:
            parts.append(Part(literal))
            continue
        if spec or conversion:
            raise TemplateError(
                f"placeholder {{{name}}} has a format spec or conversion; "
                "only {field} and {field|default} are allowed"
            )
        field, bar, default = name.partition("|")
        if not field.strip():
            raise TemplateError("an empty placeholder {} names no field")
        parts.append(Part(literal, field.strip(), default if bar else None))
    return Template(text=text, parts=tuple(parts))


__all__ = ["MISSING", "Part", "Status", "Template", "TemplateError", "parse_template"]
