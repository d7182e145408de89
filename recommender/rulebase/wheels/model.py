"""The wheel matrix as frozen values: releases, NVIDIA driver floors, builds and known gaps.

``recommender/wheels.py`` reads ``rules/wheels.yaml`` into these; ``recommender/install_plan.py``
plans over them. Every version, index URL and compute capability a plan names lives in a
value here, never in the planner's code.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Hashable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Any, TypeVar

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from recommender.core.catalog import Accelerator, DriverColumn, Flavour, Framework, Platform
from recommender.core.frozen import frozen
from recommender.core.memo import remember


def _empty_requires() -> Mapping[str, str]:
    return MappingProxyType({})


_T = TypeVar("_T")


@frozen
class Source:
    id: str
    url: str
    title: str


@frozen
class Release:
    """One release line (X.Y) of a distribution, as pip reports it (regenerable)."""

    package: str
    line: Version
    newest: Version
    #: Python versions with wheels, per platform; a platform absent here has no wheel.
    python: Mapping[Platform, SpecifierSet]
    #: The lowest macOS its macOS wheels install on.
    macos: Version | None = None
    #: The CUDA of PyPI's Linux x86_64 wheel (torch), from its Requires-Dist.
    linux_cuda: Version | None = None
    #: Requires-Dist pins on companion packages (``libtpu: "==0.0.21"``).
    requires: Mapping[str, str] = field(default_factory=_empty_requires)
    #: The lowest glibc its manylinux wheels install on, per Linux platform (manylinux floor).
    glibc: Mapping[Platform, Version] = field(default_factory=lambda: MappingProxyType({}))
    source: tuple[str, ...] = ()
    verified: _dt.date
    file_line: int = 0

    def python_for(self, platform: Platform) -> SpecifierSet | None:
        """The Python range with wheels for this platform (or the pure-Python range), or None."""
        return self.python.get(platform) or self.python.get(Platform.ANY)

    @property
    def label(self) -> str:
        return f"{self.package} {self.line}"


@frozen
class DriverColumns:
    """A driver version per OS column of NVIDIA's tables, with its sources.

    Driver versions are kept as NVIDIA writes them ("560.28.03"); compare with ``Version()``."""

    linux: str | None
    windows: str | None
    source: tuple[str, ...]
    verified: _dt.date
    note: str | None = None

    def floor(self, column: DriverColumn) -> str | None:
        return self.linux if column is DriverColumn.LINUX else self.windows


@frozen
class DriverFloor(DriverColumns):
    """The minimum driver of one CUDA toolkit release (its GA driver), per OS column."""

    cuda: Version


@frozen
class MinorCompat(DriverColumns):
    """CUDA minor version compatibility: any toolkit of ``major`` runs from this driver on."""

    major: int


@frozen
class Companion:
    """A package installed with a build: at a release ``line``, or at the spec its release pins."""

    package: str
    line: Version | None = None


@frozen
class Build:
    """One way a framework's package reaches an accelerator on some platforms (hand-cited)."""

    row: str
    framework: Framework
    accelerator: Accelerator
    package: str
    extra: str | None = None
    releases: SpecifierSet
    platforms: tuple[Platform, ...]
    index_url: str | None = None
    flavour: Flavour
    cuda: Version | None = None
    arches: tuple[Version, ...] = ()
    ptx: Version | None = None
    min_cc: Version | None = None
    rocm: str | None = None
    gfx: tuple[str, ...] = ()
    macos_min: Version | None = None
    companions: tuple[Companion, ...] = ()
    pairs_with: str | None = None
    #: JetPack releases this build is for (NVIDIA's Jetson wheels); None: not a Jetson build.
    jetpack: SpecifierSet | None = None
    #: The Python its wheels are for when narrower than the release's (Jetson wheels: cp310).
    python: SpecifierSet | None = None
    #: The exact version to pin when the build is a vendor's local version ("2.16.1+nv24.08"):
    #: ``==line.*`` would let pip take PyPI's own (GPU-less) wheel of a newer patch instead.
    version: str | None = None
    #: An index pip searches besides PyPI (``--extra-index-url``), as the vendor documents it.
    extra_index_url: str | None = None
    #: A page of wheel links (``--find-links``), as the vendor documents it.
    find_links: str | None = None
    #: Who builds it when that is not the framework's own project ("NVIDIA", "AMD").
    vendor: str | None = None
    #: What the machine needs that pip does not install and the planner cannot check
    #: ("ROCm 6.0 installed system-wide"): every plan from this row says so as an unknown.
    system: str | None = None
    caveat: str | None = None
    note: str | None = None
    source: tuple[str, ...]
    verified: _dt.date
    file_line: int = 0

    @property
    def requirement_name(self) -> str:
        """The name pip is given: ``tensorflow[and-cuda]``, ``torch``."""
        return f"{self.package}[{self.extra}]" if self.extra else self.package

    def has_release(self, release: Release) -> bool:
        return release.package == self.package and self.releases.contains(
            release.newest, prereleases=True
        )


@frozen
class NoBuildRow:
    """A framework/accelerator/platform combination with no pip build, and what to do instead."""

    row: str
    framework: Framework
    accelerator: Accelerator
    platforms: tuple[Platform, ...]
    reason: str
    ways_out: tuple[str, ...]
    source: tuple[str, ...]
    verified: _dt.date


@frozen
class Container:
    """An official container image that carries a framework's build (a way out when no pip
    build fits): for an architecture, an accelerator and, for Jetson, a JetPack range."""

    row: str
    framework: Framework
    accelerator: Accelerator
    arches: tuple[str, ...]
    command: str
    #: "image" (a container) or "wheel" (a vendor's wheel outside any index, installed by URL).
    kind: str = "image"
    #: The NVIDIA driver the image's CUDA needs (None: none, or the JetPack's own).
    driver: str | None = None
    jetpack: SpecifierSet | None = None
    #: The Python a wheel row is for.
    python: SpecifierSet | None = None
    note: str | None = None
    source: tuple[str, ...]
    verified: _dt.date


@frozen
class WheelMatrix:
    """The whole matrix, with the look-ups the planner needs."""

    schema: int
    verified: _dt.date
    sources: Mapping[str, Source]
    releases: tuple[Release, ...]
    cuda_drivers: tuple[DriverFloor, ...]
    minor_compat: tuple[MinorCompat, ...]
    builds: tuple[Build, ...]
    no_build: tuple[NoBuildRow, ...]
    containers: tuple[Container, ...] = ()
    file: str = ""
    #: What was planned from this matrix (``decide/install/plans.py``), by what the planner read.
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def memo(self, key: Hashable, make: Callable[[], _T]) -> _T:
        """``make()`` once per ``key`` for this value: a memo that lives and dies with it."""
        return remember(self._memo, key, make)

    def lines(self, package: str) -> tuple[Release, ...]:
        """Every release line of ``package``, newest first (sorted once per matrix: a fleet's
        planner asks this thousands of times per machine)."""

        def make() -> tuple[Release, ...]:
            rows = [r for r in self.releases if r.package == package]
            return tuple(sorted(rows, key=lambda r: r.line, reverse=True))

        return self.memo(("wheels.lines", package), make)

    def release(self, package: str, line: Version) -> Release | None:
        return self.memo(
            ("wheels.release", package, line),
            lambda: next((r for r in self.lines(package) if r.line == line), None),
        )

    def built(self, build: Build, release: Release) -> bool:
        """``build.has_release(release)``, its specifier matched once per matrix."""
        return self.memo(
            ("wheels.built", build.row, build.package, release.package, release.newest),
            lambda: build.has_release(release),
        )

    def builds_for(
        self, framework: Framework, accelerator: Accelerator, platform: Platform
    ) -> tuple[Build, ...]:
        """The builds of ``framework`` for ``accelerator`` on ``platform`` (once per matrix)."""
        return self.memo(
            ("wheels.builds_for", framework, accelerator, platform),
            lambda: _rows_for(self.builds, framework, accelerator, platform),
        )

    def no_build_for(
        self, framework: Framework, accelerator: Accelerator, platform: Platform
    ) -> NoBuildRow | None:
        return next(iter(_rows_for(self.no_build, framework, accelerator, platform)), None)

    def toolkit_floor(self, cuda: Version, column: DriverColumn) -> str | None:
        """The GA driver of CUDA ``major.minor`` for this column, or None when unpublished."""
        for row in self.cuda_drivers:
            if row.cuda.release[:2] == cuda.release[:2]:
                return row.floor(column)
        return None

    def minor_floor(self, major: int, column: DriverColumn) -> str | None:
        """The minor-version-compatibility floor of a CUDA major, or None when not in the table."""
        row = next((m for m in self.minor_compat if m.major == major), None)
        return row.floor(column) if row else None


_Row = TypeVar("_Row", Build, NoBuildRow)


def _rows_for(
    rows: tuple[_Row, ...], framework: Framework, accelerator: Accelerator, platform: Platform
) -> tuple[_Row, ...]:
    """The rows of ``rows`` for this framework, accelerator and platform, in file order."""
    return tuple(
        r
        for r in rows
        if r.framework is framework and r.accelerator is accelerator and platform in r.platforms
    )
