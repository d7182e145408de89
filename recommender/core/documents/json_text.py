"""JSON with the rules YAML documents follow where they apply: duplicate keys refused, depth and
digits capped, non-finite numbers refused; every object a LocatedDict."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from recommender.core.documents.base import (
    MAX_DEPTH,
    MAX_DIGITS,
    DocumentError,
    LocatedDict,
    first_line,
)

#: A string (to its closing quote, or to the end of an unterminated one: a string that never
#: closes is scanned once, not once per quote in it) or a run of anything but brackets.
#: The optional closing quote makes every attempt succeed at once: no backtracking, one pass.
_NOT_A_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[^"\[\]{}]+', re.DOTALL)


def _json_depth_ok(text: str) -> bool:
    """No nesting deeper than MAX_DEPTH. One linear pass in C drops strings and everything but
    brackets, so only the brackets are walked in Python: a fleet of 10,000 documents is read
    in well under a second, and a 2 MB hostile string in milliseconds."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return True
    brackets = _NOT_A_BRACKET.sub("", text)
    depth = 0
    for ch in brackets:
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        else:
            depth -= 1
    return True


class _JsonRefused(Exception):
    """Raised from inside ``json.loads`` (a hook), caught by ``parse_json``."""

    def __init__(self, message: str, needle: re.Pattern, nth: int = 1) -> None:
        super().__init__(message)
        self.message, self.needle, self.nth = message, needle, nth


def _json_line(text: str, needle: re.Pattern, nth: int) -> int | None:
    """The line of the ``nth`` match of ``needle`` (a hook sees values, not positions)."""
    for i, match in enumerate(needle.finditer(text), 1):
        if i == nth:
            return text.count("\n", 0, match.start()) + 1
    return None


def _json_object(pairs: list[tuple[str, Any]]) -> LocatedDict:
    result = LocatedDict()
    for key, value in pairs:
        if key in result:
            spelled = re.escape(json.dumps(key, ensure_ascii=False))
            raise _JsonRefused(f"duplicate key {key!r}", re.compile(rf"{spelled}\s*:"), 2)
        result[key] = value
    return result


def _json_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_DIGITS:
        digits = len(literal.lstrip("-"))
        message = f"a number of {digits:,} digits (the limit is {MAX_DIGITS:,})"
        raise _JsonRefused(message, re.compile(re.escape(literal)))
    return int(literal)


def _json_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value) or len(literal) > MAX_DIGITS:  # 1e999 reads as inf
        raise _JsonRefused(
            f"{literal[:20]!r} is not a finite number", re.compile(re.escape(literal))
        )
    return value


def _json_constant(literal: str) -> float:
    raise _JsonRefused(f"{literal} is not a finite number", re.compile(re.escape(literal)))


def parse_json(text: str, name: str) -> Any:
    """Parse JSON safely: depth and digits capped, duplicate keys refused (as YAML refuses them)."""
    if not _json_depth_ok(text):
        raise DocumentError(name, f"nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(
            text,
            object_pairs_hook=_json_object,
            parse_int=_json_int,
            parse_float=_json_float,
            parse_constant=_json_constant,
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{name}:{exc.lineno}", f"invalid JSON: {exc.msg}") from None
    except _JsonRefused as exc:
        line = _json_line(text, exc.needle, exc.nth)
        first = _json_line(text, exc.needle, 1) if exc.nth > 1 else None
        message = f"{exc.message} (first at line {first})" if first else exc.message
        raise DocumentError(f"{name}:{line}" if line else name, message) from None
    except (ValueError, RecursionError) as exc:  # e.g. a float literal Python cannot hold
        raise DocumentError(name, f"invalid JSON: {first_line(exc)}") from None


__all__ = ["parse_json"]
