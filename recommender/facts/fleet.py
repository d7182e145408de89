"""The facts files of a fleet: which files (a directory is its ``*.json``), and each node's name.

``dlrec recommend --facts A --facts B`` (or ``--facts DIR``) recommends for several machines.
Each file is read through ``facts/copies.py``'s ``CopyReader``, which knows a copy of a machine
read before by its text; the pipeline evaluates and ranks each distinct machine once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from recommender.core.errors import BadInputError

#: A node's own recommendation beside its facts: ``DIR/<node>.recommendation.json``.
NODE_SUFFIX = ".recommendation.json"
#: What a node's own recommendation document is (``dlrec fleet node-recommend``), and its format.
NODE_KIND = "dlrec node recommendation"
NODE_FORMAT = 1


def fleet_files(paths: Sequence[str]) -> list[str]:
    """Files as given; a directory becomes its ``*.json`` files, sorted by name (not the nodes'
    own recommendations, ``*.recommendation.json``: read beside their facts files)."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(
                os.path.join(path, f)
                for f in os.listdir(path)
                if f.endswith(".json") and not f.endswith(NODE_SUFFIX)
            )
            if not found:
                raise BadInputError("no *.json facts documents in this directory", where=path)
            out.extend(found)
        else:
            out.append(path)
    return out


def node_name(path: str, doc: Mapping[str, Any]) -> str:
    """The document's ``hostname`` (top level or ``os.hostname``), else the file's name without
    ``.json``."""
    found = doc.get("os")
    os_section: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    for value in (doc.get("hostname"), os_section.get("hostname")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return os.path.basename(path).removesuffix(".json")


def node_names(names: Mapping[str, Any]) -> dict[str, Any]:
    """What a node's own recommendation keeps of its facts' names: those ``node_name`` reads."""
    found = names.get("os")
    os_section: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    return {"hostname": names.get("hostname"), "os": {"hostname": os_section.get("hostname")}}


def fleet_documents(paths: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Each distinct machine's facts document among ``paths``, in the order of its first file,
    read again (a fleet keeps none): what ``--redact`` masks besides the nodes' names."""
    from recommender.facts.copies import CopyReader

    reader = CopyReader()
    for path in paths:
        got = reader.read_machine(path)
        if got.facts is not None:
            yield got.facts.to_dict()


# --- a node's own recommendation, beside its facts ---------------------------------------


def file_digest(path: str) -> str | None:
    """The file's bytes by digest (None when it cannot be read)."""
    import hashlib

    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def node_stamp(*, version: str, rules: str, answers: str, facts: str | None) -> dict[str, Any]:
    """What a node document is stamped with: dlrec's version and the digests of the rule base,
    the answers and the facts file it was made from."""
    return {
        "kind": NODE_KIND,
        "format": NODE_FORMAT,
        "dlrec_version": version,
        "rules": rules,
        "answers": answers,
        "facts": facts,
    }


def node_document(path: str, stamp: Mapping[str, Any]) -> Any:
    """The node's recommendation document beside the facts file ``path`` when there is one
    whose stamp is ``stamp`` (the facts file's digest checked last); None when there is none,
    False when its stamp differs (the node is then evaluated on the head). A document that is
    not one: BadInputError (exit 2) with its file, line and key."""
    from recommender.core.documents import DocumentError, load_document

    doc_path = path.removesuffix(".json") + NODE_SUFFIX
    if not os.path.isfile(doc_path):
        return None
    try:
        doc = load_document(doc_path)
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    if not isinstance(doc, Mapping) or doc.get("kind") != NODE_KIND:
        raise BadInputError(f"key kind: expected {NODE_KIND!r}", where=f"{doc_path}:1")
    for key in ("format", "dlrec_version", "rules", "answers", "facts"):
        if key not in doc:
            raise BadInputError(f"key {key}: missing", where=f"{doc_path}:1")
        if key != "facts" and doc[key] != stamp[key]:
            return False
    if doc["facts"] != file_digest(path):
        return False
    return doc
