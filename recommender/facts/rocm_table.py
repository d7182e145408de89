"""The cited ROCm table (``rules/rocm.yaml``): each AMD gfx target's family, kind and which ROCm
software carries code for it, and the HSA runtime's status codes by name and number."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

from recommender.core.documents.yaml_text import load_bundled

__all__ = [
    "GfxTarget",
    "HsaStatus",
    "RocmRelease",
    "RocmTable",
    "RocmTableError",
    "load_rocm_table",
    "override_target",
]

SUPPORT = ("wheels", "dropped", "none")
KINDS = ("dgpu", "apu")
MEANINGS = ("start", "code-object", "program")
_GFX = re.compile(r"gfx[0-9]{2,3}[0-9a-f]", re.ASCII)
_OVERRIDE = re.compile(r"([0-9]{1,2})\.([0-9])\.([0-9a-f])", re.ASCII)


class RocmTableError(ValueError):
    """``rules/rocm.yaml`` is missing or malformed (a packaging bug, not bad user input)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GfxTarget:
    gfx: str
    family: str
    kind: str
    support: str
    #: False: a target the mid-2024 PyTorch ROCm wheels did not carry yet (older wheels lack it).
    since_2024: bool
    #: The HSA_OVERRIDE_GFX_VERSION (x.y.z) of the supported target of its family, or "".
    runs_as: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class HsaStatus:
    name: str
    number: int
    means: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RocmRelease:
    """A ROCm release line (``first`` to ``last``, major.minor) and the gfx targets its
    compatibility matrix lists as supported."""

    first: tuple[int, int]
    last: tuple[int, int]
    targets: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RocmTable:
    targets: Mapping[str, GfxTarget]
    statuses: tuple[HsaStatus, ...]
    urls: Mapping[str, str]
    releases: tuple[RocmRelease, ...] = ()

    def release(self, version: tuple[int, int]) -> RocmRelease | None:
        """The release line ``version`` (major, minor) belongs to, or None where none is known."""
        return next((r for r in self.releases if r.first <= version <= r.last), None)

    def status(self, word: str) -> HsaStatus | None:
        """The status a pasted word names: its name, its number in decimal or 0x hex."""
        text = word.strip().upper()
        number = None
        if text.startswith("0X") and re.fullmatch(r"0X[0-9A-F]{1,6}", text):
            number = int(text, 16)
        elif re.fullmatch(r"[0-9]{1,6}", text):
            number = int(text)
        return next(
            (
                s
                for s in self.statuses
                if s.name == text or (number is not None and s.number == number)
            ),
            None,
        )

    def url(self, target: GfxTarget) -> str:
        return self.urls.get(target.sources[-1], "") if target.sources else ""


def override_target(value: str) -> str | None:
    """The gfx target an HSA_OVERRIDE_GFX_VERSION value names (``10.3.0`` -> gfx1030), or None
    for a value not of the x.y.z form the runtime reads."""
    m = _OVERRIDE.fullmatch(value.strip().strip("'\""))
    return f"gfx{m.group(1)}{m.group(2)}{m.group(3)}" if m else None


def _path() -> Path:
    return Path(__file__).resolve().parent.parent / "rules" / "rocm.yaml"


def _target(row: Mapping[str, object], sources: Mapping[str, str]) -> GfxTarget:
    gfx, cited = str(row["gfx"]), row["source"]
    if not _GFX.fullmatch(gfx) or row["support"] not in SUPPORT or row["kind"] not in KINDS:
        raise RocmTableError(f"target {gfx}: gfx, kind or support is not one of the known values")
    if not isinstance(cited, list) or not cited or not set(cited) <= set(sources):
        raise RocmTableError(f"target {gfx}: every source must be listed under sources")
    runs_as = str(row.get("runs_as") or "")
    if runs_as and override_target(runs_as) is None:
        raise RocmTableError(f"target {gfx}: runs_as {runs_as!r} is not x.y.z")
    return GfxTarget(
        gfx=gfx,
        family=str(row["family"]),
        kind=str(row["kind"]),
        support=str(row["support"]),
        since_2024=row.get("since_2024") is not False,
        runs_as=runs_as,
        sources=tuple(str(s) for s in cited),
    )


def _major_minor(value: object) -> tuple[int, int]:
    m = re.fullmatch(r"([0-9]{1,2})\.([0-9]{1,2})", str(value))
    if m is None:
        raise RocmTableError(f"release {value!r} is not major.minor")
    return int(m.group(1)), int(m.group(2))


def _release(row: Mapping[str, object], sources: Mapping[str, str]) -> RocmRelease:
    listed = row["targets"]
    if not isinstance(listed, list) or not all(_GFX.fullmatch(str(t)) for t in listed):
        raise RocmTableError(f"release {row.get('first')}: targets must be gfx names")
    if str(row["source"]) not in sources:
        raise RocmTableError(f"release {row.get('first')}: its source must be listed under sources")
    return RocmRelease(
        first=_major_minor(row["first"]),
        last=_major_minor(row["last"]),
        targets=frozenset(str(t) for t in listed),
        source=sources[str(row["source"])],
    )


def _status(row: Mapping[str, object]) -> HsaStatus:
    name, number, means = row["name"], row["number"], row["means"]
    if not isinstance(number, int) or means not in MEANINGS or not str(name).startswith("HSA_"):
        raise RocmTableError(f"hsa_status {name}: number, name or means is not valid")
    return HsaStatus(name=str(name), number=number, means=str(means), text=str(row["text"]))


def load_rocm_table(path: Path | None = None) -> RocmTable:
    """Read and check the table (the bundled one unless ``path`` is given). Each call reads the
    file: the run that needs the table loads it once and passes it down."""
    path = _path() if path is None else path
    try:
        doc = load_bundled(path.read_text(encoding="utf-8"))
        sources = {str(k): str(v["url"]) for k, v in doc["sources"].items()}
        targets = {t.gfx: t for t in (_target(row, sources) for row in doc["targets"])}
        statuses = tuple(_status(row) for row in doc["hsa_status"])
        releases = tuple(_release(row, sources) for row in doc.get("releases") or ())
    except (OSError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:
        raise RocmTableError(f"{path}: cannot read the ROCm table: {exc}") from exc
    except RocmTableError as exc:
        raise RocmTableError(f"{path}: {exc}") from exc
    return RocmTable(
        targets=MappingProxyType(targets),
        statuses=statuses,
        urls=MappingProxyType(sources),
        releases=releases,
    )
