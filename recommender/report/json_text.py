"""JSON text for ``--json``: ``json.dumps(doc, indent=2)``, but fast for a fleet's long lists.

The standard encoder drops to pure Python once it indents; a fleet of 10,000 nodes then spends
more time writing its JSON than reading the 10,000 files. Here a list of more than ``LONG`` items
is written one item per line, each item compact (the C encoder), and everything else exactly as
``json.dumps(doc, indent=2, ensure_ascii=False)`` writes it: a document without a long list comes
out byte for byte the same.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: A list longer than this is written an item per line, each item on one line.
LONG = 100
#: One encoder for every value (``json.dumps(..., ensure_ascii=False)`` builds one per call).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a surrogate pair, as JSON spells a character beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


#: Inside a JSON text these can only stand in a string, where ``\uXXXX`` is the same value:
#: the JSON channel keeps every character of the data, and writes none that a terminal obeys
#: (bidi overrides, zero-width characters) or that UTF-8 cannot hold (a lone surrogate).
_UNSAFE = re.compile(
    "[\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)


def dumps(value: Any) -> str:
    """``value`` as indented JSON (no trailing newline)."""
    return _UNSAFE.sub(_escaped, _dump(value, ""))


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
