"""rules/companions.yaml: the framework release each release of a companion package pins (its own
Requires-Dist, as pip reports it), written by recommender/maintainer/refresh_companions.py and
validated here: a key that is not what that script writes is refused with the file and key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.rulebase import generated

#: The bundled table (recommender/rules is the repository's rules/).
TABLE = Path(__file__).resolve().parent.parent / "rules" / "companions.yaml"


class CompanionsTableError(ValueError):
    """rules/companions.yaml is not what the refresh script writes."""


Pins = Mapping[str, Mapping[str, Mapping[str, str]]]

_KEYS = frozenset(("source", "pins"))


def load(path: Path = TABLE) -> tuple[Pins, Mapping[str, str]]:
    """(package -> release -> {required package: specifier}, package -> source URL), validated."""
    pins: dict[str, dict[str, dict[str, str]]] = {}
    sources: dict[str, str] = {}
    for name, entry in generated.packages(path, CompanionsTableError, _KEYS).items():
        where = f"{path}: packages.{name}"
        rows = entry.get("pins")
        if not isinstance(rows, dict):
            raise CompanionsTableError(f"{where}.pins: must be a mapping")
        sources[name] = str(entry["source"])
        for release, reqs in rows.items():
            try:
                Version(str(release))
                checked = {str(k): str(SpecifierSet(str(v))) for k, v in dict(reqs).items()}
            except (InvalidVersion, InvalidSpecifier, TypeError, ValueError) as exc:
                raise CompanionsTableError(f"{where}.pins.{release}: {exc}") from exc
            pins.setdefault(name, {})[str(release)] = checked
    return pins, sources
