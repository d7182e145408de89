"""rules/companions.yaml: the framework release each release of a companion package pins (its own
Requires-Dist, as pip reports it), written by recommender/maintainer/refresh_companions.py and
validated here: a key that is not what that script writes is refused with the file and key."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

#: The bundled table (recommender/rules is the repository's rules/).
TABLE = Path(__file__).resolve().parent.parent / "rules" / "companions.yaml"


class CompanionsTableError(ValueError):
    """rules/companions.yaml is not what the refresh script writes."""


Pins = Mapping[str, Mapping[str, Mapping[str, str]]]

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def load(path: Path = TABLE) -> tuple[Pins, Mapping[str, str]]:
    """(package -> release -> {required package: specifier}, package -> source URL), validated."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CompanionsTableError(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("schema") != 1:
        raise CompanionsTableError(f"{path}: schema: must be 1")
    if not _DATE.match(str(doc.get("verified", ""))):
        raise CompanionsTableError(f"{path}: verified: must be a date YYYY-MM-DD")
    packages = doc.get("packages")
    if not isinstance(packages, dict):
        raise CompanionsTableError(f"{path}: packages: must be a mapping")
    pins: dict[str, dict[str, dict[str, str]]] = {}
    sources: dict[str, str] = {}
    for name, entry in packages.items():
        where = f"{path}: packages.{name}"
        if not isinstance(entry, dict) or not str(entry.get("source", "")).startswith("https://"):
            raise CompanionsTableError(f"{where}.source: must be an https URL")
        rows = entry.get("pins")
        if not isinstance(rows, dict):
            raise CompanionsTableError(f"{where}.pins: must be a mapping")
        sources[str(name)] = str(entry["source"])
        for release, reqs in rows.items():
            try:
                Version(str(release))
                checked = {str(k): str(SpecifierSet(str(v))) for k, v in dict(reqs).items()}
            except (InvalidVersion, InvalidSpecifier, TypeError, ValueError) as exc:
                raise CompanionsTableError(f"{where}.pins.{release}: {exc}") from exc
            pins.setdefault(str(name), {})[str(release)] = checked
    return pins, sources


@functools.lru_cache(maxsize=1)
def table() -> tuple[Pins, Mapping[str, str]]:
    return load()
