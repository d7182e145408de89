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

import os
from pathlib import Path
from types import ModuleType
from typing import Any

from recommender.core.documents.base import MAX_BYTES as MAX_BYTES
from recommender.core.documents.base import MAX_DEPTH as MAX_DEPTH
from recommender.core.documents.base import MAX_DIGITS as MAX_DIGITS
from recommender.core.documents.base import DocumentError as DocumentError
from recommender.core.documents.base import LocatedDict as LocatedDict
from recommender.core.documents.base import read_text as read_text
from recommender.core.documents.json_text import parse_json as parse_json


def _yaml_text(name: str) -> ModuleType:
    """The YAML reader, imported on first use. ``dlrec`` checks at start-up that ``yaml`` is
    the installed PyYAML (``cli/bootstrap.py``); an installed one that is broken (half removed)
    fails here, as one line naming the document, never as a traceback."""
    try:
        from recommender.core.documents import yaml_text
    except Exception as exc:  # noqa: BLE001 - whatever a broken module raises on import
        text = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
        problem = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        raise DocumentError(
            name,
            f"cannot read YAML: the module 'yaml' is broken: {problem}; reinstall dlrec's "
            "dependencies: python -m pip install --force-reinstall dlrec",
        ) from None
    return yaml_text


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML (JSON is YAML too) safely; errors name ``file:line``. PyYAML is imported
    here, on the first YAML document a run reads (``yaml_text.py``)."""
    return _yaml_text(name).parse_yaml(text, name)


def locate(text: str, path: str) -> int | None:
    """The line of the value at a dotted ``path`` (``accelerators[0].name``) in a document's
    text, for an error found after parsing; None when it cannot be told."""
    try:
        reader = _yaml_text(path)
    except DocumentError:
        return None
    return reader.locate(text, path)


def where_is(path: str, key: str) -> str:
    """``FILE:LINE`` of the value at the dotted ``key`` in the file ``path``, for an error found
    after parsing; a missing key gives the line of the mapping it belongs in, and a key that
    cannot be placed gives the file alone."""
    text, line = read_text(path), None
    while key and line is None:
        line = locate(text, key)
        key = key.rpartition(".")[0]
    return f"{path}:{line}" if line else path


def load_document(path: str | os.PathLike) -> Any:
    """Read a YAML or JSON file (by extension; JSON first for ``.json``) safely."""
    text = read_text(path)
    name = str(path)
    if Path(name).suffix.lower() == ".json":
        return parse_json(text, name)
    return parse_yaml(text, name)


__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "DocumentError",
    "LocatedDict",
    "load_document",
    "locate",
    "parse_json",
    "parse_yaml",
    "read_text",
]
