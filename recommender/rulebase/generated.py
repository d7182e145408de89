"""The header the generated package tables share (rules/companions.yaml, rules/platform_wheels.yaml,
each written by a script under recommender/maintainer/): ``schema: 1``, a ``verified`` date and a
``packages`` mapping whose entries each cite an https ``source``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from recommender.core.documents.yaml_text import load_bundled

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def packages(
    path: Path, error: type[ValueError], keys: frozenset[str]
) -> Mapping[str, Mapping[str, Any]]:
    """Package name -> its entry, the header checked; ``error`` (naming the file and the key)
    where the file cannot be read, the header is not the script's, or an entry has a key outside
    ``keys`` or no https source."""
    try:
        doc = load_bundled(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("schema") != 1:
        raise error(f"{path}: schema: must be 1")
    if not _DATE.match(str(doc.get("verified", ""))):
        raise error(f"{path}: verified: must be a date YYYY-MM-DD")
    table = doc.get("packages")
    if not isinstance(table, dict):
        raise error(f"{path}: packages: must be a mapping")
    for name, entry in table.items():
        where = f"{path}: packages.{name}"
        if not isinstance(entry, dict) or not str(entry.get("source", "")).startswith("https://"):
            raise error(f"{where}.source: must be an https URL")
        unknown = set(entry) - keys
        if unknown:
            raise error(f"{where}: unknown keys {sorted(unknown)}")
    return {str(name): entry for name, entry in table.items()}
