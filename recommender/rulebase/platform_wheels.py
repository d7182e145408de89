"""rules/platform_wheels.yaml: which releases of a library ship a wheel for each platform, as pip
finds them on the index, written by recommender/maintainer/platform_wheels.py and validated
here: a key that is not what that script writes is refused with the file and key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from recommender.rulebase import generated

#: The bundled table (recommender/rules is the repository's rules/).
TABLE = Path(__file__).resolve().parent.parent / "rules" / "platform_wheels.yaml"
#: The platform keys the refresh script writes, besides ``releases`` and ``pure``.
PLATFORMS = ("windows", "macos-arm64", "macos-x86_64", "linux-aarch64", "linux-x86_64")
_KEYS = frozenset(("source", "releases", "pure", *PLATFORMS))


class PlatformWheelsError(ValueError):
    """rules/platform_wheels.yaml is not what the refresh script writes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Library:
    """One library's releases: all of them, those with a pure-Python wheel, and those with a wheel
    pip installs on each platform (pure ones included, as pip counts them)."""

    name: str
    source: str
    releases: frozenset[Version]
    pure: frozenset[Version]
    wheels: Mapping[str, frozenset[Version]]

    def built(self, platform: str) -> frozenset[Version]:
        """The releases with a wheel built for ``platform`` itself (not a pure-Python one)."""
        return self.wheels.get(platform, frozenset()) - self.pure


def _versions(where: str, value: object) -> frozenset[Version]:
    if not isinstance(value, list):
        raise PlatformWheelsError(f"{where}: must be a list of releases")
    try:
        return frozenset(Version(str(v)) for v in value)
    except InvalidVersion as exc:
        raise PlatformWheelsError(f"{where}: {exc}") from exc


def load(path: Path = TABLE) -> Mapping[str, Library]:
    """Library name -> its releases and wheels per platform, validated."""
    out: dict[str, Library] = {}
    for name, entry in generated.packages(path, PlatformWheelsError, _KEYS).items():
        where = f"{path}: packages.{name}"
        out[str(name)] = Library(
            name=name,
            source=str(entry["source"]),
            releases=_versions(f"{where}.releases", entry.get("releases")),
            pure=_versions(f"{where}.pure", entry.get("pure", [])),
            wheels={p: _versions(f"{where}.{p}", entry.get(p, [])) for p in PLATFORMS},
        )
    return out
