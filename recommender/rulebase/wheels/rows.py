"""Typed, strict readers for one mapping of ``rules/wheels.yaml`` (used by ``wheels.py``).

A ``Row`` refuses unknown keys when it is made, then hands out typed values: ``text``,
``version``, ``spec``, ``date``, ``choice`` (an enum), ``platforms``, ``sources``. Every
refusal is a ``BadInputError`` at ``file:line`` naming the key path, e.g.
``rules/wheels.yaml:57: releases[3].pyhton: unknown key (allowed: package, line, ...)``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.core.catalog import Platform
from recommender.core.errors import BadInputError

E = TypeVar("E", bound=enum.Enum)
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def date_of(value: object) -> _dt.date | None:
    """A ``datetime.date`` (as YAML builds it) or a ``YYYY-MM-DD`` string, else None."""
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    match = _DATE.match(value) if isinstance(value, str) else None
    if not match:
        return None
    try:
        return _dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


@dataclass(slots=True)
class Context:
    """What every row of one file shares: its name and the source ids defined so far."""

    file: str
    sources: frozenset[str] = field(default_factory=frozenset)


def as_mapping(value: object, file: str, label: str, line: int) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise BadInputError(
            f"{label}: expected a mapping, got {_kind(value)}", where=f"{file}:{line}"
        )
    return value


def _line_of(node: Mapping[str, object], key: str, default: int) -> int:
    finder = getattr(node, "line_of", None)
    found = finder(key) if callable(finder) else None
    return found if isinstance(found, int) and found > 0 else default


@dataclass(slots=True)
class Row:
    """One mapping of the file, its label (``builds[4]``) and line, read key by key."""

    node: Mapping[str, object]
    file: str
    label: str
    allowed: Sequence[str] | None = None
    line: int = 0
    context: Context = field(default_factory=lambda: Context(file=""))

    def __post_init__(self) -> None:
        self.line = self.line or _line_of(self.node, "", 1) or 1
        if not self.context.file:
            self.context = Context(file=self.file)
        if self.allowed is not None:
            for key in self.node:
                if key not in self.allowed:
                    raise self.fail(str(key), f"unknown key (allowed: {', '.join(self.allowed)})")

    # --- structure ---------------------------------------------------------------------------

    def path(self, key: str) -> str:
        return f"{self.label}.{key}" if self.label else key

    def fail(self, key: str, message: str) -> BadInputError:
        line = _line_of(self.node, key, self.line)
        return BadInputError(f"{self.path(key)}: {message}", where=f"{self.file}:{line}")

    def has(self, key: str) -> bool:
        return self.node.get(key) is not None

    def get(self, key: str) -> object:
        return self.node.get(key)

    def need(self, key: str) -> object:
        if key not in self.node:
            raise self.fail(key, "missing key")
        value = self.node[key]
        if value is None:
            raise self.fail(key, "needs a value")
        return value

    def names(self, allowed: Sequence[str] | None = None) -> tuple[str, ...]:
        for key in self.node:
            if not isinstance(key, str) or (allowed is not None and key not in allowed):
                listed = f" (allowed: {', '.join(allowed)})" if allowed else ""
                raise self.fail(str(key), f"unknown key{listed}")
        return tuple(str(k) for k in self.node)

    def child(self, key: str, allowed: Sequence[str] | None = None) -> Row:
        node = as_mapping(
            self.need(key), self.file, self.path(key), _line_of(self.node, key, self.line)
        )
        return Row(
            node,
            self.file,
            self.path(key),
            allowed,
            _line_of(self.node, key, self.line),
            self.context,
        )

    def children(self, key: str, allowed: Sequence[str]) -> Iterator[Row]:
        if not self.has(key):
            return
        items = self.node[key]
        if not isinstance(items, list):
            raise self.fail(key, f"expected a list, got {_kind(items)}")
        for i, item in enumerate(items):
            label = f"{self.path(key)}[{i}]"
            line = _line_of(item, "", self.line) if isinstance(item, Mapping) else self.line
            yield Row(
                as_mapping(item, self.file, label, line),
                self.file,
                label,
                allowed,
                line,
                self.context,
            )

    # --- scalars -----------------------------------------------------------------------------

    def text(self, key: str) -> str:
        value = self.need(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {_kind(value)}")
        return value

    def opt_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str) -> int:
        value = self.need(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, f"expected an integer, got {_kind(value)}")
        return value

    def version(self, key: str) -> Version:
        value = self.need(key)
        if not isinstance(value, str):
            raise self.fail(key, f"expected a version string (quote it), got {value!r}")
        try:
            return Version(value)
        except InvalidVersion:
            raise self.fail(key, f"{value!r} is not a PEP 440 version") from None

    def opt_version(self, key: str) -> Version | None:
        return self.version(key) if self.has(key) else None

    def spec(self, key: str) -> SpecifierSet:
        value = self.need(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a version specifier string, got {value!r}")
        try:
            return SpecifierSet(value)
        except InvalidSpecifier:
            raise self.fail(
                key, f'{value!r} is not a PEP 440 specifier (e.g. ">=3.10,<3.14")'
            ) from None

    def date(self, key: str) -> _dt.date:
        value = self.need(key)
        found = date_of(value)
        if found is None:
            raise self.fail(key, f"{value!s:.40} is not a valid date (YYYY-MM-DD)")
        return found

    def choice(self, key: str, kind: type[E], names: Mapping[str, E] | None = None) -> E:
        """A member of ``kind`` by its value, or by its name in ``names`` (a closed set spelt
        otherwise in the file, or only some members allowed)."""
        value = self.need(key)
        by_name = names if names is not None else {str(m.value): m for m in kind}
        if not isinstance(value, str) or value not in by_name:
            raise self.fail(key, f"{value!r} is not allowed (allowed: {', '.join(by_name)})")
        return by_name[value]

    def opt_url(self, key: str) -> str | None:
        url = self.opt_text(key)
        if url is not None and not url.startswith("https://"):
            raise self.fail(key, f"{url!r} is not an https:// URL")
        return url

    # --- lists -------------------------------------------------------------------------------

    def texts(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        if not self.has(key):
            if required:
                self.need(key)
            return ()
        items = self.node[key]
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise self.fail(key, "expected a list of strings")
        return tuple(str(i) for i in items)

    def versions(self, key: str) -> tuple[Version, ...]:
        out = []
        for text in self.texts(key):
            try:
                out.append(Version(text))
            except InvalidVersion:
                raise self.fail(key, f"{text!r} is not a version") from None
        return tuple(out)

    def platforms(self, key: str) -> tuple[Platform, ...]:
        allowed = [p.value for p in Platform]
        names = self.texts(key, required=True)
        for name in names:
            if name not in allowed:
                raise self.fail(key, f"{name!r} is not a platform (allowed: {', '.join(allowed)})")
        return tuple(Platform(n) for n in names)

    def sources(self, key: str) -> tuple[str, ...]:
        ids = self.texts(key, required=True)
        if not ids:
            raise self.fail(key, "needs at least one source id")
        for source in ids:
            if source not in self.context.sources:
                raise self.fail(key, f"{source!r} is not defined under sources:")
        return ids


def rows_of(top: Row, key: str, allowed: Sequence[str]) -> Iterator[Row]:
    if key not in top.node:
        raise top.fail(key, "missing table")
    yield from top.children(key, allowed)


def check_unique(file: str, table: str, keys: Sequence[tuple[object, int]]) -> None:
    """Refuse a second row with the same key; ``keys`` are (key, line) in file order."""
    seen: set[object] = set()
    for i, (key, line) in enumerate(keys):
        if key in seen:
            raise BadInputError(f"{table}[{i}]: duplicate row {key!r}", where=f"{file}:{line}")
        seen.add(key)
