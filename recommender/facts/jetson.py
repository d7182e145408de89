"""Jetson facts: the JetPack release and GPU compute capability of a Jetson board, from what
the os probe read (``os.l4t`` from /etc/nv_tegra_release, ``os.tegra`` from the device tree)
and the cited table in ``rules/jetson.yaml``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.core.documents.yaml_text import load_bundled

__all__ = ["JetsonTable", "jetson_fields", "load_jetson_table"]


class JetsonTableError(ValueError):
    """``rules/jetson.yaml`` is missing or malformed (a packaging bug, not bad user input)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class JetsonTable:
    l4t_jetpack: tuple[tuple[SpecifierSet, str], ...]
    soc_cc: Mapping[str, tuple[str, str]]


def _path() -> Path:
    return Path(__file__).resolve().parent.parent / "rules" / "jetson.yaml"


def load_jetson_table(path: Path | None = None) -> JetsonTable:
    where = path or _path()
    try:
        doc = load_bundled(where.read_text(encoding="utf-8"))
        sources = set(doc["sources"])
        pairs = []
        for row in doc["l4t_jetpack"]:
            if not set(row["source"]) <= sources:
                raise JetsonTableError(f"{where}: l4t {row['l4t']}: unknown source")
            pairs.append((SpecifierSet(row["l4t"]), str(Version(row["jetpack"]))))
        socs = {}
        for row in doc["soc_cc"]:
            if not set(row["source"]) <= sources:
                raise JetsonTableError(f"{where}: soc {row['soc']}: unknown source")
            socs[str(row["soc"])] = (str(Version(row["cc"])), str(row["board"]))
    except (OSError, KeyError, TypeError, yaml.YAMLError, InvalidSpecifier, InvalidVersion) as exc:
        raise JetsonTableError(f"{where}: cannot read the Jetson table: {exc}") from exc
    return JetsonTable(l4t_jetpack=tuple(pairs), soc_cc=MappingProxyType(socs))


def jetson_fields(os_section: Mapping[str, object], table: JetsonTable) -> dict[str, str]:
    """``{"jetpack": "6.2", "jetson_cc": "8.7", "jetson_board": ...}`` for a Jetson's os
    section; {} when it is not a Jetson; a field the table lacks is left out (unknown)."""
    out: dict[str, str] = {}
    l4t = os_section.get("l4t")
    if isinstance(l4t, str):
        try:
            version = Version(l4t)
        except InvalidVersion:
            version = None
        if version is not None:
            found = next((jp for spec, jp in table.l4t_jetpack if version in spec), None)
            if found:
                out["jetpack"] = found
    soc = os_section.get("tegra")
    if isinstance(soc, str) and soc in table.soc_cc:
        out["jetson_cc"], board = table.soc_cc[soc]
        out.setdefault("jetson_board", board)
    return out
