"""YAML through the safe loader only (the C one where PyYAML has it): no tags, anchors or
aliases, nesting capped, duplicate keys refused, YAML 1.2 booleans, dates kept as written,
numbers capped; every mapping a LocatedDict.

Imported only when a YAML document is read: importing PyYAML costs about 25 ms (its reader
compiles one large pattern), and a warm ``dlrec recommend`` reads its rules from the JSON cache.
"""

from __future__ import annotations

import math
import re
from typing import Any, cast

import yaml
from yaml.error import Mark

from recommender.core.documents.base import (
    MAX_DEPTH,
    MAX_DIGITS,
    DocumentError,
    LocatedDict,
    first_line,
)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Parse = _Loader


class _StrictLoader(_Loader):  # type: ignore[misc, valid-type]
    """The safe loader with duplicate keys refused and line numbers kept."""


# Replace YAML 1.1's bool resolver (yes/no/on/off) with YAML 1.2's (true/false only).
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.copy().items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> LocatedDict:
    result = LocatedDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) or key is None:
            raise DocumentError(
                f"line {key_node.start_mark.line + 1}", "mapping keys must be plain scalars"
            )
        if key in result:
            raise DocumentError(
                f"line {key_node.start_mark.line + 1}",
                f"duplicate key {key!r} (first at line {result.key_lines[key]})",
            )
        result.key_lines[key] = key_node.start_mark.line + 1
        try:
            result[key] = loader.construct_object(value_node, deep=True)
        except _ValueRefused as exc:  # say whose value it is: releases[0].verified
            raise exc.within(str(key)) from None
    return result


class _ValueRefused(DocumentError):
    """A scalar refused while building the document; ``path`` says whose value it was."""

    def __init__(self, line: int, message: str, path: str = "") -> None:
        super().__init__(f"line {line}", f"{path}: {message}" if path else message)
        self.line, self.bare, self.path = line, message, path

    def within(self, part: str) -> _ValueRefused:
        sep = "" if not self.path or self.path.startswith("[") else "."
        return _ValueRefused(self.line, self.bare, f"{part}{sep}{self.path}")


def _construct_sequence(loader: _StrictLoader, node: yaml.SequenceNode) -> list:
    out = []
    for i, child in enumerate(node.value):
        try:
            out.append(loader.construct_object(child, deep=True))
        except _ValueRefused as exc:
            raise exc.within(f"[{i}]") from None
    return out


#: The largest int a document may hold: one of MAX_DIGITS decimal digits (a short hex or
#: base-60 literal can spell a far larger one, which then fails wherever it is printed).
_MAX_BITS = int(MAX_DIGITS * 3.3219)


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    digits = sum(ch.isalnum() for ch in node.value)  # hex digits count too
    if digits > MAX_DIGITS:
        raise _ValueRefused(
            node.start_mark.line + 1, f"a number of {digits:,} digits (the limit is {MAX_DIGITS:,})"
        )
    value = _Loader.construct_yaml_int(loader, node)
    if abs(value).bit_length() > _MAX_BITS:
        raise _ValueRefused(
            node.start_mark.line + 1,
            f"{node.value[:20]!r}... is a number over {MAX_DIGITS:,} digits",
        )
    return value


def _construct_float(loader: _StrictLoader, node: yaml.ScalarNode) -> float:
    """A finite number only: ``.nan``, ``.inf`` and ``1e999`` (which is inf) are refused, here,
    with their line: a score of NaN compares false with everything and crashed ranking."""
    if len(node.value) > MAX_DIGITS:
        raise _ValueRefused(node.start_mark.line + 1, f"a number of {len(node.value):,} characters")
    value = _Loader.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise _ValueRefused(node.start_mark.line + 1, f"{node.value!r} is not a finite number")
    return value


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> str:
    """The date as written, once it is known to be a real one (readers parse it themselves)."""
    try:
        _Loader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        raise _ValueRefused(
            node.start_mark.line + 1, f"{node.value!r} is not a valid date (YYYY-MM-DD)"
        ) from None
    return node.value


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_StrictLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _check_events(text: str) -> None:
    """Refuse tags, anchors, aliases and deep nesting from the event stream, before composing."""
    depth = 0
    for event in yaml.parse(text, Loader=_Parse):
        # The parser's events always carry their marks (the stubs allow None).
        line = cast(Mark, event.start_mark).line + 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise DocumentError(f"line {line}", "YAML anchors and aliases (&, *) are not allowed")
        tag = getattr(event, "tag", None)  # None unless the document spells one out
        if tag:
            raise DocumentError(f"line {line}", f"YAML tags such as {tag!r} are not allowed")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise DocumentError(f"line {line}", f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load_bundled(text: str) -> Any:
    """A rule table the project ships (gpus, ROCm, Jetson, the generated package tables): the
    safe loader, the C one where PyYAML has it (the pure-Python one is about ten times slower:
    0.08 s for the 42 KB wheel table), without the line numbers a user's document needs.
    Raises ``yaml.YAMLError`` as ``yaml.safe_load`` does."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a safe loader


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML (JSON is YAML too) safely; errors name ``file:line``."""
    if "\x00" in text:
        raise DocumentError(name, "binary data (NUL bytes) is not a YAML document")
    try:
        _check_events(text)
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except DocumentError as exc:
        raise DocumentError(f"{name}:{exc.where.removeprefix('line ')}", exc.message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}" if mark else name
        raise DocumentError(
            where, f"invalid YAML: {first_line(exc.problem or exc.context)}"
        ) from None
    except (
        yaml.YAMLError
    ) as exc:  # e.g. a ReaderError (a control character): its text has two lines
        raise DocumentError(name, f"invalid YAML: {first_line(exc)}") from None
    except RecursionError:
        raise DocumentError(name, f"nested deeper than {MAX_DEPTH} levels") from None


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def locate(text: str, path: str) -> int | None:
    """The line of the value at a dotted ``path`` (``accelerators[0].name``) in a document's
    text, for an error found after parsing; None when it cannot be told."""
    parts = [int(i) if i else key for key, i in _PATH_PART.findall(path)]
    try:
        node = yaml.compose(text, Loader=_Parse)
    except (yaml.YAMLError, RecursionError):
        return None
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
        if node is None:
            return None
    return node.start_mark.line + 1 if node is not None else None


__all__ = ["locate", "parse_yaml"]
