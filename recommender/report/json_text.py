"""JSON text for ``--json``: ``json.dumps(doc, indent=2)``, but fast for a fleet's long lists.

The standard encoder drops to pure Python once it indents; a fleet of 10,000 nodes then spends
more time writing its JSON than reading the 10,000 files. Here a list of more than ``LONG`` items
is written one item per line, each item compact (the C encoder), and everything else exactly as
``json.dumps(doc, indent=2, ensure_ascii=False)`` writes it: a document without a long list comes
out byte for byte the same.
"""

from __future__ import annotations

import json
from typing import Any

#: A list longer than this is written an item per line, each item on one line.
LONG = 100
#: One encoder for every value (``json.dumps(..., ensure_ascii=False)`` builds one per call).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def dumps(value: Any) -> str:
    """``value`` as indented JSON (no trailing newline)."""
    return _dump(value, "")


def _key(key: Any) -> str:
    # json's own spelling of a non-string key (True -> "true", 1.5 -> "1.5"), then quoted
    return _ENCODE(key if isinstance(key, str) else _ENCODE(key))


def _dump(value: Any, pad: str) -> str:
    inner = pad + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (f"{inner}{_key(k)}: {_dump(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        if len(value) > LONG:
            lines = (inner + _ENCODE(v) for v in value)
        else:
            lines = (inner + _dump(v, inner) for v in value)
        return "[\n" + ",\n".join(lines) + f"\n{pad}]"
    return _ENCODE(value)
