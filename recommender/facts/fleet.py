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


def fleet_documents(paths: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Each distinct machine's facts document among ``paths``, in the order of its first file,
    read again (a fleet keeps none): what ``--redact`` masks besides the nodes' names."""
    from recommender.facts.copies import CopyReader

    reader = CopyReader()
    for path in paths:
        got = reader.read_machine(path)
        if got.facts is not None:
            yield got.facts.to_dict()
