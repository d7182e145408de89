"""Regenerate the pip-visible columns of ``rules/wheels.yaml``'s ``releases`` with pip itself.

``dlrec rules refresh-wheels`` (a maintainer command) asks pip, so it works behind whatever
index or mirror pip is configured for:

* ``pip index versions --ignore-requires-python NAME``: every release, hence each line's newest;
* ``pip index versions --only-binary=:all: --python-version V --platform P NAME`` per Python and
  platform: which (Python, platform) pairs have a wheel of that release (the ``python`` column);
* ``pip install --dry-run --report - --no-deps --only-binary=:all: --python-version V
  --platform P --target DIR NAME==X`` once per line and platform that needs metadata: the wheel's
  file name (the lowest macOS of its macOS wheels) and its Requires-Dist (the CUDA of PyPI's
  Linux torch, and the pins on companion packages: libtpu, keras).

Every command runs through ``probes/process.run_bounded`` with a timeout (``Runner``; tests inject
recorded output). The CUDA-variant columns (``builds``, ``cuda_drivers``, ...) are hand-cited
and never touched. A committed line that pip lists no release of (a partial mirror) is left as
it is; a line that reads the same is left byte for byte.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from recommender.core.catalog import Framework, Platform
from recommender.maintainer.wheels_text import refresh_text, render_row, unified_diff
from recommender.probes.process import CommandResult, run_bounded
from recommender.rulebase.wheels.model import Release, WheelMatrix

__all__ = [
    "PACKAGES",
    "PLATFORM_TAGS",
    "PYTHONS",
    "Pip",
    "Runner",
    "refresh_package",
    "refresh_text",
    "render_row",
    "unified_diff",
]

#: argv -> the finished command (``run_bounded`` with a timeout, or a recording in tests).
Runner = Callable[[Sequence[str]], CommandResult]


#: The newest glibc whose manylinux tag is asked for (a wheel with a newer floor is unseen).
GLIBC_TOP = 39
#: glibc floors tried, lowest first, to find a release's manylinux floor.
GLIBC_LEVELS = (17, 24, 26, 27, 28, 31, 34, 35, GLIBC_TOP)
#: macOS floors tried, lowest first (pip widens a macosx_X_Y tag to every older macOS).
MACOS_LEVELS = ("10.9", "10.13", "10.15", "11.0", "12.0", "13.0", "14.0", "15.0")


def _manylinux(arch: str, top: int = GLIBC_TOP) -> tuple[str, ...]:
    """pip does not widen a ``manylinux_2_28`` tag to older glibc (jaxlib is ``2_27``, torch
    <= 2.6 ``manylinux1``): every glibc from ``top`` down to 2.17, then manylinux2014 (which
    pip widens to 2010 and 1)."""
    return (*(f"manylinux_2_{n}_{arch}" for n in range(top, 16, -1)), f"manylinux2014_{arch}")


def _macosx(level: str, arch: str) -> tuple[str, ...]:
    return (f"macosx_{level.replace('.', '_')}_{arch}",)


#: pip --platform tags per platform: every platform a wheel can be for.
PLATFORM_TAGS: Mapping[Platform, tuple[str, ...]] = MappingProxyType(
    {
        Platform.LINUX_X86_64: _manylinux("x86_64"),
        Platform.LINUX_AARCH64: _manylinux("aarch64"),
        Platform.MUSL_X86_64: ("musllinux_1_2_x86_64", "musllinux_1_1_x86_64"),
        Platform.MUSL_AARCH64: ("musllinux_1_2_aarch64", "musllinux_1_1_aarch64"),
        Platform.WINDOWS_AMD64: ("win_amd64",),
        Platform.WINDOWS_ARM64: ("win_arm64",),
        Platform.MACOS_ARM64: _macosx(MACOS_LEVELS[-1], "arm64"),
        Platform.MACOS_X86_64: _macosx(MACOS_LEVELS[-1], "x86_64"),
    }
)
_ARCH_OF = MappingProxyType(
    {
        Platform.LINUX_X86_64: "x86_64",
        Platform.LINUX_AARCH64: "aarch64",
        Platform.MACOS_ARM64: "arm64",
        Platform.MACOS_X86_64: "x86_64",
    }
)
PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15")
#: The packages with platform wheels that the command refreshes by default (keras is pure
#: Python: its column is Requires-Python, left as committed).
PACKAGES = (
    "torch",
    "torch_xla",
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-tpu",
    "tensorflow-metal",
    "jax",
)
#: jax is pure Python: its python column is jaxlib's wheel coverage (the file says so).
WHEEL_OF: Mapping[str, str] = MappingProxyType({"jax": "jaxlib"})
#: Requires-Dist names that become the ``requires`` column.
COMPANIONS = ("libtpu", "keras")
_CUDA_RUNTIME = re.compile(r"^(nvidia-cuda-runtime(-cu\d+)?|cuda-toolkit)$")


def bounded_runner(*, timeout: float = 120.0, env: Mapping[str, str] | None = None) -> Runner:
    """Each pip command under run_bounded, ``timeout`` seconds, pip's own config kept except a
    constraints file (a cap there would hide releases): ``PIP_CONSTRAINT`` is os.devnull."""
    child_env = {**os.environ, **(env or {}), "PIP_CONSTRAINT": os.devnull}
    child_env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    def run(argv: Sequence[str]) -> CommandResult:
        return run_bounded(argv, timeout=timeout, env=child_env)

    return run


@dataclass(slots=True)
class Pip:
    """pip as ``python -m pip``, through ``runner``; answers are cached per argv."""

    python: str
    runner: Runner
    target: str = field(default_factory=lambda: os.path.join(tempfile.gettempdir(), "dlrec-x"))
    _cache: dict[tuple[str, ...], CommandResult] = field(default_factory=dict)

    def _run(self, *args: str) -> CommandResult:
        argv = (self.python, "-m", "pip", *args)
        if argv not in self._cache:
            self._cache[argv] = self.runner(argv)
        return self._cache[argv]

    @staticmethod
    def _target(python: str, platform: Platform, tags: Sequence[str] = ()) -> list[str]:
        words = [w for tag in tags or PLATFORM_TAGS[platform] for w in ("--platform", tag)]
        return ["--only-binary=:all:", "--python-version", python, *words]

    def versions(
        self,
        name: str,
        python: str | None = None,
        platform: Platform | None = None,
        tags: Sequence[str] = (),
    ) -> frozenset[Version]:
        """The final releases pip lists (with a wheel for ``python``/``platform`` when given;
        ``tags`` narrows the platform to some of its tags: a glibc or macOS floor)."""
        where = self._target(python, platform, tags) if python and platform else []
        args = ["index", "versions", *(where or ["--ignore-requires-python"]), name]
        result = self._run(*args)
        for line in result.stdout.splitlines() if result.ok else ():
            if line.startswith("Available versions:"):
                return frozenset(_versions(line.partition(":")[2].split(",")))
        return frozenset()

    def report(
        self, name: str, version: Version, python: str, platform: Platform
    ) -> Mapping[str, Any] | None:
        """The one ``install`` item of pip's dry-run report, or None when nothing resolved."""
        # --ignore-requires-python: pip checks Requires-Python against the Python it runs on,
        # not --python-version; the wheel's cpXY tag already says which Python it is for.
        args = ["install", "--dry-run", "--quiet", "--report", "-", "--no-deps"]
        args.append("--ignore-requires-python")
        # ===: exactly this release; == would also take a local 2.13.0+cpu wheel, which sorts first
        args += [*self._target(python, platform), "--target", self.target, f"{name}==={version}"]
        result = self._run(*args)
        try:
            doc = json.loads(result.stdout) if result.ok else None
        except json.JSONDecodeError:
            return None
        items = doc.get("install") if isinstance(doc, dict) else None
        return items[0] if isinstance(items, list) and items else None


def _versions(words: Iterable[str]) -> Iterable[Version]:
    for word in words:
        try:
            version = Version(word.strip())
        except InvalidVersion:
            continue
        # A local version (2.13.0+cpu) never comes from a public index: it is a wheel on disk
        # (--find-links) or a mirror's own build, not the registry's row.
        if not version.is_prerelease and not version.is_devrelease and version.local is None:
            yield version


def _line(version: Version) -> Version:
    return Version(".".join(str(p) for p in version.release[:2]))


def _requires_dist(item: Mapping[str, Any] | None) -> list[Requirement]:
    out = []
    for text in ((item or {}).get("metadata") or {}).get("requires_dist") or ():
        try:
            out.append(Requirement(str(text)))
        except InvalidRequirement:
            continue
    return out


def _linux_cuda(item: Mapping[str, Any] | None) -> Version | None:
    for req in _requires_dist(item):
        if _CUDA_RUNTIME.match(canonicalize_name(req.name)):
            pins = [s.version for s in req.specifier if s.operator == "=="]
            if pins:
                return _line(Version(pins[0].rstrip(".*")))
    return None


def _companions(item: Mapping[str, Any] | None) -> dict[str, str]:
    return {
        canonicalize_name(req.name): str(req.specifier)
        for req in _requires_dist(item)
        if canonicalize_name(req.name) in COMPANIONS and str(req.specifier)
    }


def _floor(
    pip: Pip,
    wheel: str,
    built: Version,
    platform: Platform,
    pythons: Sequence[str],
    ladder: Sequence[tuple[str, ...]],
) -> int | None:
    """The index of the lowest rung of ``ladder`` (tag sets, lowest floor first) at which pip
    lists ``built`` for one of ``pythons``; None when no rung has it."""
    for i, tags in enumerate(ladder):
        for python in pythons:
            if built in pip.versions(wheel, python, platform, tags):
                return i
    return None


def _glibc(
    pip: Pip, wheel: str, built: Version, have: Mapping[Platform, Sequence[str]]
) -> dict[Platform, Version]:
    """Per manylinux platform, the lowest glibc whose tags install ``built`` (any Python)."""
    out = {}
    for platform, pythons in have.items():
        if platform.is_manylinux:
            ladder = [_manylinux(_ARCH_OF[platform], n) for n in GLIBC_LEVELS]
            rung = _floor(pip, wheel, built, platform, pythons, ladder)
            if rung is not None:
                out[platform] = Version(f"2.{GLIBC_LEVELS[rung]}")
    return out


def _macos_floor(
    pip: Pip, wheel: str, built: Version, have: Mapping[Platform, Sequence[str]]
) -> Version | None:
    """The lowest macOS any of its macOS wheels installs on (any Python, either architecture)."""
    found = []
    for platform, pythons in have.items():
        if platform.is_macos:
            arch = _ARCH_OF[platform]
            levels = [v for v in MACOS_LEVELS if arch != "arm64" or Version(v) >= Version("11")]
            ladder = [_macosx(level, arch) for level in levels]
            rung = _floor(pip, wheel, built, platform, pythons, ladder)
            if rung is not None:
                found.append(Version(levels[rung]))
    return min(found, default=None)


def _span(pythons: Sequence[str]) -> SpecifierSet:
    """``>=3.10,<3.15`` for 3.10-3.14."""
    low, high = Version(pythons[0]), Version(pythons[-1])
    return SpecifierSet(f">={low},<{high.major}.{high.minor + 1}")


def _release_of(
    pip: Pip, old: Release, newest: Version, platforms: Sequence[Platform], today: _dt.date
) -> Release:
    wheel = WHEEL_OF.get(old.package, old.package)
    built = newest
    if wheel != old.package:
        found = {v for p in platforms for py in PYTHONS for v in pip.versions(wheel, py, p)} & {
            v for v in pip.versions(wheel) if _line(v) == old.line
        }
        built = max(found, default=newest)
    python: dict[Platform, SpecifierSet] = {}
    top: dict[Platform, str] = {}
    have: dict[Platform, list[str]] = {}
    for platform in platforms:
        have[platform] = [py for py in PYTHONS if built in pip.versions(wheel, py, platform)]
        if have[platform]:
            python[platform], top[platform] = _span(have[platform]), have[platform][-1]
    have = {p: pys for p, pys in have.items() if pys}
    main = next(iter(top), None)
    meta = pip.report(old.package, newest, top[main], main) if main else None
    macos = _macos_floor(pip, wheel, built, have)
    linux_cuda = None
    if old.package == Framework.PYTORCH.info.pip and Platform.LINUX_X86_64 in top:
        linux_cuda = _linux_cuda(
            pip.report(old.package, newest, top[Platform.LINUX_X86_64], Platform.LINUX_X86_64)
        )
    new = replace(
        old,
        newest=newest,
        python=MappingProxyType(python),
        macos=macos,
        linux_cuda=linux_cuda,
        requires=MappingProxyType(_companions(meta)),
        glibc=MappingProxyType(_glibc(pip, wheel, built, have)),
    )
    return old if same(old, new) else replace(new, verified=today)


def same(a: Release, b: Release) -> bool:
    """The pip-visible columns read the same."""
    return (
        a.newest == b.newest
        and dict(a.python) == dict(b.python)
        and a.macos == b.macos
        and a.linux_cuda == b.linux_cuda
        and dict(a.glibc) == dict(b.glibc)
        and {k: SpecifierSet(v) for k, v in a.requires.items()}
        == {k: SpecifierSet(v) for k, v in b.requires.items()}
    )


def refresh_package(
    pip: Pip, matrix: WheelMatrix, package: str, today: _dt.date
) -> tuple[Release, ...]:
    """The package's rows as pip sees them now: each committed line (unchanged where pip lists
    no release of it), then new lines newer than the newest committed one, newest first."""
    committed = matrix.lines(package)
    if not committed:
        return ()
    listed = pip.versions(package)
    platforms = list(PLATFORM_TAGS)  # every platform: a new one (win_arm64, musl) shows up
    newest_line = committed[0].line
    lines = {_line(v) for v in listed if _line(v) > newest_line}
    out = [
        _release_of(pip, replace(committed[0], line=line, file_line=0), v, platforms, today)
        for line in sorted(lines, reverse=True)
        if (v := max(x for x in listed if _line(x) == line))
    ]
    for old in committed:
        in_line = [v for v in listed if _line(v) == old.line]
        out.append(_release_of(pip, old, max(in_line), platforms, today) if in_line else old)
    return tuple(out)
