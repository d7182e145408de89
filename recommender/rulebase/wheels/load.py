"""Load ``rules/wheels.yaml`` strictly and return the frozen wheel matrix.

The file goes through ``recommender/core/documents.py`` (safe loader, no tags or aliases, no
duplicate keys, line numbers kept). This module then checks every table and row: unknown keys,
PEP 440 versions and specifiers, platform and accelerator names, source ids that exist and
are URLs, valid ``verified`` dates, duplicate rows, and fields that only some accelerators take.
Every error is one line: ``file:line: table[i].key: what is wrong (allowed: ...)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from packaging.version import Version

from recommender.core.catalog import (
    ANSWER_ACCELERATOR,
    WHEEL_FRAMEWORKS,
    Accelerator,
    Flavour,
    Framework,
    Platform,
)
from recommender.core.documents import DocumentError, parse_yaml, read_text
from recommender.core.errors import BadInputError
from recommender.rulebase.wheels.model import (
    Build,
    Companion,
    Container,
    DriverFloor,
    MinorCompat,
    NoBuildRow,
    Release,
    Source,
    WheelMatrix,
)
from recommender.rulebase.wheels.rows import Row, as_mapping, check_unique, rows_of

__all__ = [
    "BUNDLED_WHEELS",
    "Build",
    "Companion",
    "Container",
    "DriverFloor",
    "MinorCompat",
    "NoBuildRow",
    "Release",
    "Source",
    "WheelMatrix",
    "load_wheels",
    "parse_wheels",
    "wheels_from_document",
]

BUNDLED_WHEELS = Path(__file__).resolve().parents[2] / "rules" / "wheels.yaml"
SCHEMA = 1

TOP_KEYS = (
    "schema",
    "verified",
    "sources",
    "releases",
    "cuda_drivers",
    "cuda_minor_compat",
    "builds",
    "no_build",
    "containers",
)
SOURCE_KEYS = ("url", "title")
RELEASE_KEYS = (
    "package",
    "line",
    "newest",
    "python",
    "macos",
    "linux_cuda",
    "requires",
    "glibc",
    "source",
    "verified",
)
DRIVER_KEYS = ("cuda", "linux", "windows", "source", "verified", "note")
MINOR_KEYS = ("major", "linux", "windows", "source", "verified", "note")
BUILD_KEYS = (
    "row",
    "framework",
    "accelerator",
    "package",
    "extra",
    "releases",
    "platforms",
    "index_url",
    "flavour",
    "cuda",
    "arches",
    "ptx",
    "min_cc",
    "rocm",
    "gfx",
    "macos_min",
    "with",
    "pairs_with",
    "jetpack",
    "python",
    "version",
    "extra_index_url",
    "find_links",
    "vendor",
    "system",
    "caveat",
    "note",
    "source",
    "verified",
)
COMPANION_KEYS = ("package", "line")
NO_BUILD_KEYS = (
    "row",
    "framework",
    "accelerator",
    "platforms",
    "reason",
    "ways_out",
    "source",
    "verified",
)
CONTAINER_KEYS = (
    "row",
    "kind",
    "python",
    "framework",
    "accelerator",
    "arches",
    "command",
    "driver",
    "jetpack",
    "note",
    "source",
    "verified",
)
#: Build fields that only some accelerators take.
ONLY_FOR = {
    "cuda": Accelerator.CUDA,
    "arches": Accelerator.CUDA,
    "ptx": Accelerator.CUDA,
    "min_cc": Accelerator.CUDA,
    "rocm": Accelerator.ROCM,
    "gfx": Accelerator.ROCM,
}
#: The file names an accelerator by its ``accelerator`` answer value (``nvidia``), a framework by
#: its id (only those with builds of their own: Keras plans through its backend's).
FRAMEWORK_NAMES: Mapping[str, Framework] = MappingProxyType({f.value: f for f in WHEEL_FRAMEWORKS})


def load_wheels(path: str | os.PathLike[str] = BUNDLED_WHEELS) -> WheelMatrix:
    """Read and validate a wheels file; BadInputError names ``file:line`` on any problem."""
    name = str(path)
    try:
        text = read_text(path)
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    return parse_wheels(text, name)


def parse_wheels(text: str, name: str) -> WheelMatrix:
    """Validate wheels YAML text (``name`` is what errors call the file)."""
    try:
        doc = parse_yaml(text, name)
    except DocumentError as exc:  # a date such as 2024-02-30 too, with its line and key
        raise BadInputError(exc.message, where=exc.where) from None
    return wheels_from_document(doc, name)


def wheels_from_document(doc: Any, name: str) -> WheelMatrix:
    """Validate a parsed wheels document (``name`` is what errors call the file)."""
    top = Row(as_mapping(doc, name, "(top level)", 1), name, "", TOP_KEYS)
    if top.integer("schema") != SCHEMA:
        raise top.fail("schema", f"{top.get('schema')!r} is not supported (allowed: {SCHEMA})")
    sources = _sources(top)
    matrix = WheelMatrix(
        schema=SCHEMA,
        verified=top.date("verified"),
        sources=sources,
        releases=tuple(_release(r) for r in rows_of(top, "releases", RELEASE_KEYS)),
        cuda_drivers=tuple(_driver(r) for r in rows_of(top, "cuda_drivers", DRIVER_KEYS)),
        minor_compat=tuple(_minor(r) for r in rows_of(top, "cuda_minor_compat", MINOR_KEYS)),
        builds=tuple(_build(r) for r in rows_of(top, "builds", BUILD_KEYS)),
        no_build=tuple(_no_build(r) for r in rows_of(top, "no_build", NO_BUILD_KEYS)),
        containers=tuple(_container(r) for r in _opt_rows(top, "containers", CONTAINER_KEYS)),
        file=name,
    )
    _cross_check(top, matrix)
    return matrix


def _sources(top: Row) -> Mapping[str, Source]:
    table = top.child("sources")
    out: dict[str, Source] = {}
    for key in table.names():
        row = table.child(key, SOURCE_KEYS)
        url = row.text("url")
        if not url.startswith("https://"):
            raise row.fail("url", f"{url!r} is not an https:// URL")
        out[key] = Source(id=key, url=url, title=row.text("title"))
    top.context.sources = frozenset(out)
    return MappingProxyType(out)


def _release(r: Row) -> Release:
    python = r.child("python")
    return Release(
        package=r.text("package"),
        line=r.version("line"),
        newest=r.version("newest"),
        python=MappingProxyType(
            {Platform(p): python.spec(p) for p in python.names(allowed=_values(Platform))}
        ),
        macos=r.opt_version("macos"),
        linux_cuda=r.opt_version("linux_cuda"),
        requires=_requires(r),
        glibc=_glibc(r),
        source=r.sources("source"),
        verified=r.date("verified"),
        file_line=r.line,
    )


def _glibc(r: Row) -> Mapping[Platform, Version]:
    if not r.has("glibc"):
        return MappingProxyType({})
    floors = r.child("glibc")
    linux = tuple(p.value for p in Platform if p.is_manylinux)
    return MappingProxyType({Platform(p): floors.version(p) for p in floors.names(allowed=linux)})


def _opt_rows(top: Row, key: str, keys: tuple[str, ...]) -> list[Row]:
    return list(rows_of(top, key, keys)) if top.has(key) else []


def _container(r: Row) -> Container:
    arches = r.texts("arches", required=True)
    for arch in arches:
        if arch not in ("x86_64", "aarch64"):
            raise r.fail("arches", f"{arch!r} (allowed: x86_64, aarch64)")
    return Container(
        row=r.text("row"),
        framework=r.choice("framework", Framework, FRAMEWORK_NAMES),
        accelerator=r.choice("accelerator", Accelerator, ANSWER_ACCELERATOR),
        arches=arches,
        command=r.text("command"),
        kind=_kind(r),
        python=r.spec("python") if r.has("python") else None,
        driver=_driver_text(r, "driver") if r.has("driver") else None,
        jetpack=r.spec("jetpack") if r.has("jetpack") else None,
        note=r.opt_text("note"),
        source=r.sources("source"),
        verified=r.date("verified"),
    )


def _kind(r: Row) -> str:
    kind = r.opt_text("kind") or "image"
    if kind not in ("image", "wheel"):
        raise r.fail("kind", f"{kind!r} (allowed: image, wheel)")
    return kind


def _requires(r: Row) -> Mapping[str, str]:
    if not r.has("requires"):
        return MappingProxyType({})
    pins = r.child("requires")
    return MappingProxyType({k: str(pins.spec(k)) for k in pins.names()})


def _columns(r: Row) -> dict[str, Any]:
    """The fields every driver table row has: the driver per OS column, sources, a note."""
    return {
        "linux": _driver_text(r, "linux"),
        "windows": _driver_text(r, "windows"),
        "source": r.sources("source"),
        "verified": r.date("verified"),
        "note": r.opt_text("note"),
    }


def _driver(r: Row) -> DriverFloor:
    return DriverFloor(cuda=r.version("cuda"), **_columns(r))


def _minor(r: Row) -> MinorCompat:
    major = r.version("major")
    if len(major.release) != 1:
        raise r.fail("major", f'{major} is not a CUDA major version such as "12"')
    return MinorCompat(major=major.major, **_columns(r))


def _build(r: Row) -> Build:
    accelerator = r.choice("accelerator", Accelerator, ANSWER_ACCELERATOR)
    for key, only in ONLY_FOR.items():
        if r.has(key) and accelerator is not only:
            raise r.fail(key, f"only builds for accelerator {only.info.answer} take this key")
    build = Build(
        row=r.text("row"),
        framework=r.choice("framework", Framework, FRAMEWORK_NAMES),
        accelerator=accelerator,
        package=r.text("package"),
        extra=r.opt_text("extra"),
        releases=r.spec("releases"),
        platforms=r.platforms("platforms"),
        index_url=r.opt_url("index_url"),
        flavour=r.choice("flavour", Flavour),
        cuda=r.opt_version("cuda"),
        arches=r.versions("arches"),
        ptx=r.opt_version("ptx"),
        min_cc=r.opt_version("min_cc"),
        rocm=r.opt_text("rocm"),
        gfx=r.texts("gfx"),
        macos_min=r.opt_version("macos_min"),
        companions=tuple(_companion(c) for c in r.children("with", COMPANION_KEYS)),
        pairs_with=r.opt_text("pairs_with"),
        jetpack=r.spec("jetpack") if r.has("jetpack") else None,
        python=r.spec("python") if r.has("python") else None,
        version=r.text("version") if r.opt_version("version") is not None else None,
        extra_index_url=r.opt_url("extra_index_url"),
        find_links=r.opt_url("find_links"),
        vendor=r.opt_text("vendor"),
        system=r.opt_text("system"),
        caveat=r.opt_text("caveat"),
        note=r.opt_text("note"),
        source=r.sources("source"),
        verified=r.date("verified"),
        file_line=r.line,
    )
    if build.version is not None and not build.releases.contains(
        Version(build.version), prereleases=True
    ):
        raise r.fail("version", f"{build.version} is not in releases {build.releases}")
    _check_accelerator_fields(r, build)
    return build


def _check_accelerator_fields(r: Row, build: Build) -> None:
    if build.accelerator is Accelerator.CUDA:
        if build.cuda is None:
            raise r.fail("cuda", "NVIDIA builds need the CUDA version of the build")
        if not (build.arches or build.ptx or build.min_cc or build.note):
            raise r.fail("arches", "give arches, ptx or min_cc, or a note saying they are unknown")
    if build.accelerator is Accelerator.ROCM and not (build.rocm and build.gfx):
        raise r.fail("gfx", "AMD builds need rocm and the gfx targets compiled in")


def _driver_text(r: Row, key: str) -> str | None:
    """A driver version as NVIDIA writes it ("560.28.03"), checked to be a version."""
    return r.text(key) if r.opt_version(key) is not None else None


def _companion(c: Row) -> Companion:
    return Companion(package=c.text("package"), line=c.opt_version("line"))


def _no_build(r: Row) -> NoBuildRow:
    return NoBuildRow(
        row=r.text("row"),
        framework=r.choice("framework", Framework, FRAMEWORK_NAMES),
        accelerator=r.choice("accelerator", Accelerator, ANSWER_ACCELERATOR),
        platforms=r.platforms("platforms"),
        reason=r.text("reason"),
        ways_out=r.texts("ways_out", required=True),
        source=r.sources("source"),
        verified=r.date("verified"),
    )


def _cross_check(top: Row, matrix: WheelMatrix) -> None:
    """Duplicates, and references from builds to release rows that must exist."""
    name = matrix.file
    check_unique(name, "releases", [((r.package, r.line), r.file_line) for r in matrix.releases])
    check_unique(name, "builds", [(b.row, b.file_line) for b in matrix.builds])
    drivers = [d.cuda.release[:2] for d in matrix.cuda_drivers]
    if len(set(drivers)) != len(drivers):
        raise top.fail("cuda_drivers", "two rows for the same CUDA version")
    packages = {r.package for r in matrix.releases}
    for i, build in enumerate(matrix.builds):
        names = [build.package, *(c.package for c in build.companions if c.line)]
        if build.pairs_with:
            names.append(build.pairs_with)
        for package in names:
            if package not in packages:
                raise BadInputError(
                    f"builds[{i}].package: {package!r} has no releases rows",
                    where=f"{matrix.file}:{build.file_line}",
                )


def _values(kind: type[Platform]) -> tuple[str, ...]:
    return tuple(p.value for p in kind)
