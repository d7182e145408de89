"""Read many facts files that are mostly copies of a few machines (a fleet of nodes).

A fleet of 10,000 nodes is usually a handful of machine images. Two facts documents describe the
same machine when they are equal but for who and when: host and user names, paths, collection
time and probe timings (``machine_key``; what ``--redact`` masks). ``CopyReader`` reads each
distinct machine once, in full (parsed, shape-checked, validated against the schema, frozen), and
gives every copy of it the same ``Facts`` value.

A copy is told by its text, without parsing it: cut the volatile fields out (``"hostname":
"node1"``, ``"seconds": 0.12``, ...) and the rest of the text is byte-identical to a file already
read in full. Such a copy is valid JSON with the same keys and values everywhere else, so only
what was cut is checked: each cut value must be a plain JSON string (no escape, no control
character), ``null`` or a plain number, which is all the full parser would accept there. A copy
that fails any of this (an escape in its host name, another layout, a duplicate key, a bad value)
is read in full like any other file, so it gets the same one-line refusal a single file gets.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from recommender.core.documents import DocumentError, read_text
from recommender.core.errors import BadInputError
from recommender.facts.document import SAFE_FIELDS, Facts, safe_field_ok
from recommender.facts.load import check_facts_document, facts_document, facts_from_document

#: Keys whose values never make two machines different: who and when, not what.
STRING_KEYS = ("hostname", "collected_at", "dlrec_version", "executable", "path", "cache_path")
NUMBER_KEYS = ("seconds",)
_NOT_THE_MACHINE = frozenset(
    {"hostname", "collected_at", "dlrec_version", "seconds", "source", "executable", "path"}
)
_HOME = re.compile(r"(/home/|/Users/|[A-Za-z]:\\\\Users\\\\)[^/\\\\\s\"]+")

#: One volatile field in a file's text: (string key, its value) or ("seconds", its number).
#: ``split`` yields, per field, the text before it, then these four groups.
_CUT = re.compile(  # the quote in front of both keys is factored out, which scans faster
    rf'"(?:({"|".join(STRING_KEYS)})"\s*:\s*("[^"\\]*(?:\\.[^"\\]*)*"|null)'
    rf'|({"|".join(NUMBER_KEYS)})"\s*:\s*([-+0-9.eE]+))'
)
_GROUPS = 5  # split's stride: the text before a field, then _CUT's four groups
#: What makes a cut string value need the full parser: an escape or a control character.
_NOT_PLAIN = re.compile(r"[\x00-\x1f\\]")
_NUMBER = r"-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,20})?(?:[eE][-+]?[0-9]{1,3})?"
_NUMBERS = re.compile(rf"(?:{_NUMBER}(?:,{_NUMBER})*)?")


def _strip(doc: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in _NOT_THE_MACHINE}
    probes = doc.get("probes")
    if isinstance(probes, Mapping):  # a probe's status counts, its time does not
        out["probes"] = {
            name: {k: v for k, v in p.items() if k not in _NOT_THE_MACHINE}
            if isinstance(p, Mapping)
            else p
            for name, p in probes.items()
        }
    for name in ("os", "python", "disk"):  # host name, the interpreter's and the disk's paths
        section = doc.get(name)
        if isinstance(section, Mapping):
            out[name] = {
                k: v for k, v in section.items() if k not in _NOT_THE_MACHINE and k != "cache_path"
            }
    return out


def machine_key(doc: Mapping[str, Any]) -> str:
    """Equal for the facts of identical machines: host and user names, home paths, collection
    time and probe timings (what ``--redact`` masks, and when) are left out."""
    text = json.dumps(_strip(doc), sort_keys=True, default=str)
    return _HOME.sub(r"\1~", text) if "Users" in text or "/home/" in text else text


def _digest(*texts: str) -> bytes:
    """A text's stand-in as a key: 16 bytes (BLAKE2b) instead of the ~10 KB of a facts document,
    so that a fleet of 10,000 distinct machines does not keep 10,000 documents' texts as keys."""
    h = hashlib.blake2b(digest_size=16)
    for text in texts:
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.digest()


@dataclass(frozen=True, slots=True)
class _Shape:
    """A file read in full, as the pattern its copies' texts follow."""

    machine: int  # the distinct machine's number (``Reading.machine``)
    top_host: int | None  # which cut field is the top-level ``hostname``
    os_host: int | None  # ... and which ``os.hostname``
    checked: tuple[tuple[int, str], ...]  # the cut fields that must be of a kind (a real path)


def _fields(node: Any, path: tuple[Any, ...], out: list[tuple[tuple[Any, ...], Any]]) -> None:
    """The volatile fields of a parsed document, in its text's order: (path, value)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            plain = (key in STRING_KEYS and (value is None or isinstance(value, str))) or (
                key in NUMBER_KEYS
                and isinstance(value, (int, float))
                and not isinstance(value, bool)
            )
            if plain:
                out.append(((*path, key), value))
            else:
                _fields(value, (*path, key), out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _fields(value, (*path, i), out)


def _shape(doc: Mapping[str, Any], parts: list[Any], machine: int) -> _Shape | None:
    """The pattern a parsed document's text sets for its copies; None when its cut fields do not
    line up one-to-one with its parsed ones (an escaped key, ``NaN``, ...): no copy of it is then
    recognised, each is read in full."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    _fields(doc, (), found)
    cut = []
    for i in range(1, len(parts), _GROUPS):
        key, value = (parts[i], parts[i + 1]) if parts[i] else (parts[i + 2], parts[i + 3])
        try:
            cut.append((key, json.loads(value)))
        except ValueError:
            return None
    parsed = [(path[-1], value) for path, value in found]
    if len(parsed) != len(cut) or any(
        a != b or type(a[1]) is not type(b[1]) for a, b in zip(parsed, cut, strict=True)
    ):
        return None
    where = {path: i for i, (path, _) in enumerate(found)}
    dotted = [".".join(map(str, path)) for path, _ in found]
    return _Shape(
        machine=machine,
        top_host=where.get(("hostname",)),
        os_host=where.get(("os", "hostname")),
        checked=tuple((i, p) for i, p in enumerate(dotted) if p in SAFE_FIELDS),
    )


def _plain(value: str | None) -> str | None:
    return None if value is None or value == "null" else value[1:-1]


@dataclass(frozen=True, slots=True)
class Reading:
    """One file as the fleet reads it: its machine's number (0, 1, ... in the order the distinct
    machines were first read), that machine's Facts when this file is the first of it (None for
    a copy of a machine read before: its results are the first one's), and the document's host
    names (``hostname`` and ``os.hostname``)."""

    machine: int
    facts: Facts | None
    names: Mapping[str, Any]


class CopyReader:
    """Reads a fleet's files; identical machines share one validated, frozen Facts value.

    ``read`` gives every copy the first one's Facts (kept for each machine); ``read_machine``
    keeps none, so a fleet read one file at a time holds a digest per distinct machine and
    per layout, never their documents."""

    def __init__(self) -> None:
        self._shapes: dict[bytes, _Shape | None] = {}
        self._machines: dict[bytes, int] = {}
        self._facts: dict[int, Facts] = {}  # what ``read`` hands out again for a copy
        self.full_reads = 0  # files parsed in full (the rest were recognised as copies)

    def read(self, path: str) -> tuple[Facts, Mapping[str, Any]]:
        """(the file's Facts, the document's host names: ``hostname`` and ``os.hostname``)."""
        got = self.read_machine(path)
        if got.facts is not None:
            self._facts[got.machine] = got.facts
        return self._facts[got.machine], got.names

    def read_machine(self, path: str) -> Reading:
        """The file's machine, its Facts if it is the first file of it, and its host names."""
        try:
            text = read_text(path)
        except DocumentError as exc:
            raise BadInputError(exc.message, where=exc.where) from None
        parts = _CUT.split(text) if "\x00" not in text else None
        pattern = None
        if parts is not None:
            # Which string key each cut field is ("" for a number); no NUL in the texts between.
            keys = [k or "" for k in parts[1::_GROUPS]]
            pattern = _digest(str(len(keys)), *parts[0::_GROUPS], *keys)
            shape = self._shapes.get(pattern)
            if shape is not None:
                names = self._copy_names(parts, shape)
                if names is not None:
                    return Reading(machine=shape.machine, facts=None, names=names)
        return self._read_in_full(path, text, parts, pattern)

    @staticmethod
    def _copy_names(parts: list[Any], shape: _Shape) -> Mapping[str, Any] | None:
        """A copy's host names, or None when a cut value needs the full parser."""
        strings = parts[2::_GROUPS]
        if _NOT_PLAIN.search("".join(s for s in strings if s)):
            return None
        numbers = [n for n in parts[4::_GROUPS] if n]
        if not _NUMBERS.fullmatch(",".join(numbers)):
            return None
        if not all(math.isfinite(float(n)) for n in numbers):
            return None  # 1e999: read in full, where a number that is not finite is refused
        if not all(safe_field_ok(p, _plain(strings[i])) for i, p in shape.checked):
            return None  # read in full: it is refused there, in one line naming the key
        top = _plain(strings[shape.top_host]) if shape.top_host is not None else None
        host = _plain(strings[shape.os_host]) if shape.os_host is not None else None
        return {"hostname": top, "os": {"hostname": host}}

    def _read_in_full(
        self, path: str, text: str, parts: list[Any] | None, pattern: bytes | None
    ) -> Reading:
        self.full_reads += 1
        try:
            doc = facts_document(text, str(path))
        except DocumentError as exc:
            raise BadInputError(exc.message, where=exc.where) from None
        key = _digest(machine_key(doc))
        machine = self._machines.get(key)
        facts = None
        if machine is None:
            facts = facts_from_document(doc, path, text)
            machine = self._machines[key] = len(self._machines)
        else:  # the same machine, but this file's own paths and times are checked too
            check_facts_document(doc, path, text)
        if pattern is not None and pattern not in self._shapes and text.lstrip().startswith("{"):
            self._shapes[pattern] = _shape(doc, parts or [], machine)
        return Reading(machine=machine, facts=facts, names=doc)

    @property
    def machines(self) -> int:
        """How many distinct machines were read."""
        return len(self._machines)
