"""The facts files of a fleet: which files (a directory is its ``*.json``), and each node's name.

``dlrec recommend --facts A --facts B`` (or ``--facts DIR``) recommends for several machines.
Each file is read through ``facts/copies.py``'s ``CopyReader``, so identical machines share one
validated, frozen ``Facts`` value; the pipeline evaluates and ranks each distinct machine once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from recommender.core.errors import BadInputError
from recommender.facts.document import Facts


def fleet_files(paths: Sequence[str]) -> list[str]:
    """Files as given; a directory becomes its ``*.json`` files, sorted by name."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".json"))
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


def read_fleet(paths: Sequence[str]) -> tuple[tuple[str, str, Facts], ...]:
    """(node name, file, facts) of every node; identical machines share one validated, frozen
    Facts value (read in full once, their copies recognised by their text: facts/copies.py).
    Two documents from one host are told apart by their file's name."""
    from recommender.facts.copies import CopyReader

    reader = CopyReader()
    nodes: list[tuple[str, str, Facts]] = []
    seen: set[str] = set()
    for path in fleet_files(paths):
        facts, names = reader.read(path)
        name = node_name(path, names)
        if name in seen:
            name = f"{name} ({os.path.basename(path)})"
        seen.add(name)
        nodes.append((name, path, facts))
    return tuple(nodes)
