"""The bundled rule files, parsed once and kept as JSON: a warm run reads one small file instead
of parsing eight YAML documents.

The entry's name is a SHA-256 of dlrec's version, this format's number and every file's name
and text, so a changed file, another dlrec or another rules folder never finds it. It holds data
only (mappings with their line numbers, lists, strings, numbers, booleans, null), decoded by
``json`` alone, whose hook checks each mapping's lines as it reads them (no Python walk over
the documents: this read is on every warm run): an entry that is corrupt, truncated, foreign
or of another format is ignored and written again, and nothing in it is ever run. The validation itself is not
skipped: the rule base is built and checked from these documents exactly as from the parsed
YAML. Overlays (``--rules FILE``) are never cached.

Entries live in ``<cache dir>/rulebase/`` (a folder only the user may open, 0700), one file per
key (0600), written atomically; an unwritable cache dir costs the speed, never the run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from recommender import __version__
from recommender.core.documents import LocatedDict

#: Bump when the encoding changes: older entries then miss and are rewritten.
#: 2: documents are plain JSON; a mapping that knows its lines carries them under two keys no
#: document can hold (a NUL byte: the YAML reader refuses one), read back by ``json``'s hook.
#: 3: its keys' lines as a list in the order of its keys (a list costs the hook no call).
FORMAT = 3
FOLDER = "rulebase"
#: Far more than the bundled files' few hundred KB of JSON; a bigger entry is not ours.
MAX_BYTES = 8 << 20


class _NotOurs(Exception):
    """The entry is not one this dlrec wrote (corrupt, foreign, another shape)."""


def key_of(texts: Mapping[str, str]) -> str:
    """The entry's key: dlrec's version, the format, and each file's name and text."""
    digest = hashlib.sha256(f"dlrec {__version__} rulebase cache {FORMAT}\0".encode())
    for name in sorted(texts):
        data = texts[name].encode("utf-8", "surrogatepass")
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


#: The keys a located mapping's own line and its keys' lines are kept under.
_LINE, _KEY_LINES = "\0l", "\0k"
_INT = frozenset({int})


def _encode(value: Any) -> Any:
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) and not k.startswith("\0") for k in value):
            raise TypeError("a mapping with keys that are not plain strings")  # not cacheable
        node: dict[str, Any] = {k: _encode(v) for k, v in value.items()}
        if isinstance(value, LocatedDict):
            lines = getattr(value, "key_lines", {})
            if lines and list(lines) != list(value):
                raise TypeError("key lines that are not the mapping's keys")  # not cacheable
            node[_LINE] = value.line
            node[_KEY_LINES] = list(lines.values())
        return node
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _located(obj: dict[str, Any]) -> dict[str, Any]:
    """``json``'s hook, called (in C) for every object as it is read: the located mappings
    become LocatedDicts again; anything else that carries a line key is not ours."""
    if _LINE not in obj and _KEY_LINES not in obj:
        return obj
    line, lines = obj.pop(_LINE, None), obj.pop(_KEY_LINES, None)
    if type(line) is not int or type(lines) is not list or len(lines) not in (0, len(obj)):
        raise _NotOurs("bad lines")
    if lines and not set(map(type, lines)) <= _INT:
        raise _NotOurs("bad lines")
    out = LocatedDict(obj)
    out.line = line
    out.key_lines = dict(zip(obj, lines))
    return out


def _folder(env: Mapping[str, str]) -> Path:
    from recommender.probes.disk import cache_dir

    return Path(cache_dir(env)) / FOLDER


def _read(path: Path, key: str, names: frozenset[str]) -> dict[str, Any]:
    with open(path, "rb") as f:
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise _NotOurs("too big")
    # json writes a NUL as \u0000: in an entry of ours only the line keys hold one (a document's
    # own key never starts with one: ``_encode`` refuses it), so any other is not ours.
    nuls = raw.count(b"\\u0000")
    if nuls and nuls != raw.count(b'"\\u0000l":') + raw.count(b'"\\u0000k":'):
        raise _NotOurs("a NUL outside the line keys")
    entry = json.loads(raw, object_hook=_located)
    if not isinstance(entry, dict) or set(entry) != {"format", "key", "documents"}:
        raise _NotOurs("not an entry")
    if entry["format"] != FORMAT or entry["key"] != key:
        raise _NotOurs("another key")
    documents = entry["documents"]
    if not isinstance(documents, dict) or set(documents) != names:
        raise _NotOurs("other files")
    return dict(documents)


def _write(path: Path, key: str, documents: Mapping[str, Any]) -> None:
    from recommender.core.atomic import write_atomic

    text = json.dumps(
        {"format": FORMAT, "key": key, "documents": {n: _encode(d) for n, d in documents.items()}},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    write_atomic(path, text, mode=0o600)


def parsed(
    texts: Mapping[str, str],
    parse: Callable[[str, str], Any],
    *,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Each file's document (``parse(text, name)``), from the cache when an entry for exactly
    these texts is there; otherwise parsed, and the entry written for the next run. A parse
    error is raised as ``parse`` raises it (and nothing is written)."""
    environ = os.environ if env is None else env
    key = key_of(texts)
    try:
        path = _folder(environ) / f"{key}.json"
    except (OSError, ValueError):  # no usable cache dir: parse every time
        return {name: parse(text, name) for name, text in texts.items()}
    try:
        return _read(path, key, frozenset(texts))
    except (OSError, ValueError, TypeError, KeyError, RecursionError, _NotOurs):
        pass  # no entry yet, or one that is not ours: parse, then (re)write it
    documents = {name: parse(text, name) for name, text in texts.items()}
    try:
        _write(path, key, documents)
    except (OSError, TypeError, ValueError):
        pass  # a read-only or full cache dir: slower next time, never an error
    return documents


__all__ = ["FORMAT", "key_of", "parsed"]
