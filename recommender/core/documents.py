"""Read a user-supplied document (rules, answers, facts) safely, or refuse it in one line.

Safety, before anything costs time or memory:
- only regular files (no FIFO, no ``/dev/zero``), at most ``MAX_BYTES``;
- UTF-8 only;
- YAML through the safe loader only: no tags, no anchors or aliases, nesting capped at
  ``MAX_DEPTH``, duplicate keys refused, and YAML 1.1 booleans (``yes``/``no``/``on``/``off``)
  left as strings; only ``true``/``false`` are booleans;
- an unquoted date or timestamp stays the string it was written as (as YAML 1.2 reads it), and
  one that names no real moment (``2001-13-45``, ``2024-02-30``, an offset of ``+99:00``) is
  refused by line and key: YAML 1.1 would fail building it;
- numbers of more than ``MAX_DIGITS`` digits are refused (Python would refuse to convert them,
  and converting them costs quadratic time);
- JSON with the same rules where they apply: duplicate keys refused, depth and digits capped;
- every mapping remembers the line of each key, so errors can say ``file:line``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any, cast

import yaml
from yaml.error import Mark

MAX_BYTES = 2 << 20  # 2 MiB: the bundled rule base is well under 100 KiB
MAX_DEPTH = 32
MAX_DIGITS = 4300  # Python's own default limit for int(str) (sys.get_int_max_str_digits)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Parse = _Loader


class DocumentError(ValueError):
    """A document could not be read. ``where`` is ``file`` or ``file:line``."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class LocatedDict(dict):
    """A dict that knows its own line and each key's line (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


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


def read_text(path: str | os.PathLike) -> str:
    """The file's text, refusing non-regular files, big files and non-UTF-8 bytes.

    Read through one descriptor opened without blocking (a FIFO put there after the check
    cannot hang the open) and checked again on that descriptor: a fleet reads 10,000 of these,
    and a buffered ``open()`` costs four times as much per small file."""
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DocumentError(name, "no such file") from None
    except OSError as exc:
        raise DocumentError(name, f"cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise DocumentError(name, "not a regular file (FIFOs, devices and directories are refused)")
    if st.st_size > MAX_BYTES:
        raise DocumentError(name, f"file is {st.st_size:,} bytes; the limit is {MAX_BYTES:,}")
    raw = _read_regular(path, name)
    if len(raw) > MAX_BYTES:
        raise DocumentError(name, f"file is over the {MAX_BYTES:,}-byte limit")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(name, f"not valid UTF-8 (byte {exc.start})") from None


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_READ_FLAGS |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read_regular(path: str | os.PathLike, name: str) -> bytes:
    """At most MAX_BYTES + 1 bytes of a regular file (checked again once it is open)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        raise DocumentError(name, f"cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DocumentError(
                name, "not a regular file (FIFOs, devices and directories are refused)"
            )
        chunks: list[bytes] = []
        left = MAX_BYTES + 1
        want = min(st.st_size + 1, left)  # the size it has now, and one byte to see it grew
        while left > 0:
            chunk = os.read(fd, want)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
            want = min(1 << 16, left)
        return b"".join(chunks)
    except OSError as exc:
        raise DocumentError(name, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def _first_line(message: object) -> str:
    """Error messages are one line: the first non-empty line of a library's message."""
    return next((ln.strip() for ln in str(message).splitlines() if ln.strip()), "unreadable")


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
            where, f"invalid YAML: {_first_line(exc.problem or exc.context)}"
        ) from None
    except (
        yaml.YAMLError
    ) as exc:  # e.g. a ReaderError (a control character): its text has two lines
        raise DocumentError(name, f"invalid YAML: {_first_line(exc)}") from None
    except RecursionError:
        raise DocumentError(name, f"nested deeper than {MAX_DEPTH} levels") from None


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
        raise DocumentError(name, f"invalid JSON: {_first_line(exc)}") from None


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


def load_document(path: str | os.PathLike) -> Any:
    """Read a YAML or JSON file (by extension; JSON first for ``.json``) safely."""
    text = read_text(path)
    name = str(path)
    if Path(name).suffix.lower() == ".json":
        return parse_json(text, name)
    return parse_yaml(text, name)
