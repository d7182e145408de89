"""The typed view of one machine: OS, architecture, libc, Python, GPUs, driver, installed builds.

The facts document (``facts/document.py``) is a loosely typed mapping; this module reads the
paths the decide stage uses (``os.*``, ``python.*``, ``accelerators[]``, ``frameworks.<fw>.*``)
into typed fields, with None for anything unknown or malformed. ``Facts.machine`` builds it once
per facts value; the install planner, the checklist and the ranking read it instead of fact paths.
The rule language keeps its dotted paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Any

from packaging.version import InvalidVersion, Version

from recommender.core.catalog import (
    FRAMEWORK_IDS,
    Accelerator,
    DriverColumn,
    Flavour,
    Framework,
    Platform,
)
from recommender.core.frozen import frozen

#: (os.system, os.machine) -> wheel platform. Python reports AMD64 on Windows, arm64 on macOS.
PLATFORMS: Mapping[tuple[str, str], Platform] = MappingProxyType(
    {
        ("linux", "x86_64"): Platform.LINUX_X86_64,
        ("linux", "amd64"): Platform.LINUX_X86_64,
        ("linux", "aarch64"): Platform.LINUX_AARCH64,
        ("linux", "arm64"): Platform.LINUX_AARCH64,
        ("windows", "amd64"): Platform.WINDOWS_AMD64,
        ("windows", "x86_64"): Platform.WINDOWS_AMD64,
        ("windows", "arm64"): Platform.WINDOWS_ARM64,
        ("windows", "aarch64"): Platform.WINDOWS_ARM64,
        ("darwin", "arm64"): Platform.MACOS_ARM64,
        ("darwin", "x86_64"): Platform.MACOS_X86_64,
    }
)


def platform_of(system: str | None, arch: str | None) -> Platform | None:
    """The wheel platform of ``os.system`` and ``os.machine`` (any case), or None."""
    return PLATFORMS.get(((system or "").lower(), (arch or "").lower()))


def version_or_none(value: object) -> Version | None:
    """A PEP 440 version from a facts string (local labels such as ``+cu126`` dropped)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return Version(value.split("+", 1)[0].strip())
    except InvalidVersion:
        return None


@frozen
class NvidiaGpu:
    name: str | None
    cc: Version | None


@frozen
class Installed:
    """A framework as the facts saw it; None fields are unknown."""

    installed: bool | None = None
    version: Version | None = None
    distribution: str | None = None
    flavour: Flavour | None = None
    cuda: Version | None = None


@frozen
class Machine:
    system: str | None
    machine: str | None
    platform: Platform | None
    wsl: int | None
    python: Version | None
    macos: Version | None
    nvidia: tuple[NvidiaGpu, ...] = ()
    #: The NVIDIA driver as reported (``"550.54.14"``); the lowest one when GPUs disagree.
    #: The plans quote it; they compare ``driver_version``.
    driver: str | None = None
    #: The driver as a version, what every driver floor is compared with (None: unknown). A
    #: fleet's planner puts a placeholder in ``driver`` (``decide/install/view.py``).
    driver_version: Version | None
    max_cuda: Version | None = None
    gfx: tuple[str | None, ...] = ()
    installed: Mapping[Framework, Installed] = field(default_factory=lambda: MappingProxyType({}))
    #: "glibc" or "musl" (None: unknown); ``glibc`` is its version when known.
    libc: str | None = None
    glibc: Version | None = None
    #: The Jetson's JetPack release (None: not a Jetson, or unknown).
    jetpack: Version | None = None
    #: "externally-managed" (PEP 668) or "conda-base": a Python not to install into directly.
    interpreter: str | None = None

    #: A Jetson board (by its SoC or GPU name), even when its JetPack is unknown.
    jetson: bool = False

    def has(self, framework: str) -> bool:
        """The facts say ``framework`` (an id or a ``Framework``) is installed; unknown is not."""
        if framework not in FRAMEWORK_IDS:
            return False
        found = self.installed.get(Framework(framework))
        return found is not None and found.installed is True

    @property
    def tegra(self) -> bool:
        """A Jetson whose GPU is the integrated (tegra) one: JetPack before 7 (Thor is SBSA),
        or a Jetson whose JetPack is unknown (its SBSA-ness cannot be assumed)."""
        if self.jetpack is not None:
            return self.jetpack.major < 7
        return self.jetson

    @property
    def driver_column(self) -> DriverColumn:
        """Windows' driver serves native Windows and WSL 2 alike."""
        windows = (self.system or "").lower() == "windows" or self.wsl == 2
        return DriverColumn.WINDOWS if windows else DriverColumn.LINUX

    @property
    def describe(self) -> str:
        python = f"Python {self.python}" if self.python else "an unknown Python"
        where = self.platform.value if self.platform else f"{self.system}/{self.machine}"
        return f"{where} with {python}" + (" (WSL 2)" if self.wsl == 2 else "")


def _get(doc: Mapping[str, Any], *path: str) -> object:
    node: object = doc
    for part in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _accelerators(doc: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    items = doc.get("accelerators")
    if not isinstance(items, (list, tuple)):
        return ()
    return tuple(a for a in items if isinstance(a, Mapping))


def _lowest_driver(gpus: tuple[Mapping[str, Any], ...]) -> str | None:
    drivers = [d for g in gpus if (d := _text(g.get("driver_version"))) and version_or_none(d)]
    return min(drivers, key=lambda d: version_or_none(d) or Version("0"), default=None)


def _macos(doc: Mapping[str, Any], accelerators: tuple[Mapping[str, Any], ...]) -> Version | None:
    if (_text(_get(doc, "os", "system")) or "").lower() != "darwin":
        return None
    found = version_or_none(_get(doc, "os", "version"))
    return found or next(
        (v for a in accelerators if (v := version_or_none(a.get("macos_version")))), None
    )


def _flavour(section: Mapping[str, Any]) -> Flavour | None:
    """``build.flavour`` ("cuda", "cuda 12.6"); TensorFlow's build has no flavour, so infer it."""
    build = section.get("build")
    build = build if isinstance(build, Mapping) else {}
    word = (_text(build.get("flavour")) or "").split(" ", 1)[0].lower()
    if word in {f.value for f in Flavour}:
        return Flavour(word)
    if _text(build.get("cuda")) and build.get("cuda") != "unknown":
        return Flavour.CUDA
    if build.get("rocm") is True or _text(build.get("rocm")):
        return Flavour.ROCM
    if section.get("distribution") == "tensorflow-cpu" or build.get("known") is True:
        return Flavour.CPU
    return None


def _installed(section: object) -> Installed:
    if not isinstance(section, Mapping):
        return Installed()
    build = section.get("build")
    cuda = build.get("cuda") if isinstance(build, Mapping) else None
    flag = section.get("installed")
    return Installed(
        installed=flag if isinstance(flag, bool) else None,
        version=version_or_none(section.get("version")),
        distribution=_text(section.get("distribution")),
        flavour=_flavour(section),
        cuda=version_or_none(cuda),
    )


_LIBC = re.compile(r"^\s*(glibc|musl)(?:[\s-]+([0-9]{1,3}(?:\.[0-9]{1,3}){0,2}))?\s*$", re.I)


def parse_libc(value: object) -> tuple[str | None, Version | None]:
    """``"glibc 2.36"``, ``"glibc-2.35"``, ``"musl"`` -> ("glibc", 2.36); anything else unknown."""
    match = _LIBC.match(value) if isinstance(value, str) and len(value) < 40 else None
    if not match:
        return None, None
    kind = match.group(1).lower()
    return kind, version_or_none(match.group(2)) if kind == "glibc" else None


def machine_from_facts(doc: Mapping[str, Any]) -> Machine:
    """Read the planner's view of a machine from a facts document (``Facts.to_dict()``)."""
    system, arch = _text(_get(doc, "os", "system")), _text(_get(doc, "os", "machine"))
    accelerators = _accelerators(doc)
    nvidia = tuple(a for a in accelerators if a.get("kind") == Accelerator.CUDA)
    driver = _lowest_driver(nvidia)
    wsl = _get(doc, "os", "wsl")
    frameworks = _get(doc, "frameworks")
    sections = frameworks if isinstance(frameworks, Mapping) else {}
    jetson_cc = version_or_none(_get(doc, "os", "jetson_cc"))
    if not nvidia and jetson_cc is not None:  # a Jetson's integrated GPU: cc from its board
        board = _text(_get(doc, "os", "board")) or _text(_get(doc, "os", "jetson_board"))
        nvidia = (
            {"kind": Accelerator.CUDA.value, "name": board, "compute_capability": str(jetson_cc)},
        )
    return Machine(
        system=system,
        machine=arch,
        platform=platform_of(system, arch),
        wsl=wsl if isinstance(wsl, int) and not isinstance(wsl, bool) else None,
        python=version_or_none(_get(doc, "python", "version")),
        macos=_macos(doc, accelerators),
        nvidia=tuple(
            NvidiaGpu(name=_text(a.get("name")), cc=version_or_none(a.get("compute_capability")))
            for a in nvidia
        ),
        driver=driver,
        driver_version=version_or_none(driver),
        max_cuda=min(
            (v for a in nvidia if (v := version_or_none(a.get("max_cuda")))), default=None
        ),
        gfx=tuple(_text(a.get("gfx")) for a in accelerators if a.get("kind") == Accelerator.ROCM),
        installed=MappingProxyType({fw: _installed(sections.get(fw.value)) for fw in Framework}),
        libc=parse_libc(_get(doc, "os", "libc"))[0],
        glibc=parse_libc(_get(doc, "os", "libc"))[1],
        jetpack=version_or_none(_get(doc, "os", "jetpack")),
        interpreter=_interpreter(doc),
        jetson=bool(_text(_get(doc, "os", "tegra")) or _text(_get(doc, "os", "l4t"))),
    )


def _interpreter(doc: Mapping[str, Any]) -> str | None:
    if _get(doc, "python", "conda_base") is True:
        return "conda-base"
    if _get(doc, "python", "externally_managed") is True:
        return "externally-managed"
    return None
