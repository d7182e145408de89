"""The narrow view of a machine that one plan reads, so that a fleet's machines differing only
where a plan does not look share that plan (``plans.plan_for`` memoises on it).

A plan reads the NVIDIA driver in two ways: it compares it with the matrix's driver floors, and
it quotes it ("this driver is 550.54.14"). Drivers between the same two floors (one *band*)
compare alike, so the plan is made once per band, for a machine whose driver is a placeholder
compared as the band's floor, and each machine's own driver is written into the plan's text
(``unquote``). Beside the driver the view keeps a GPU's name only where its compute capability
is unknown (the plan names the GPU then), nvidia-smi's max CUDA only where the driver is unknown
(the plan reads the driver from it then), and only the installed build of the framework planned
(Keras: of its backend); the search (``search.choose``) reads no installed build at all.
tests/test_plan_view.py holds every narrowed plan equal to the plan of the whole machine.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from packaging.version import Version

from recommender.core.catalog import DriverColumn, Framework
from recommender.core.frozen import frozen
from recommender.facts.machine import Installed, Machine, NvidiaGpu
from recommender.rulebase.wheels.model import WheelMatrix

__all__ = [
    "QUOTE",
    "View",
    "driver_floors",
    "machine_key",
    "narrowed",
    "quoting",
    "search_key",
    "unquote",
    "view_of",
]

#: Where a plan made for a band quotes the driver. A NUL never comes from the matrix (YAML text)
#: and a machine holding one is planned whole (``narrowed`` says None).
QUOTE = "\x00driver\x00"
_ZERO = Version("0")
_T = TypeVar("_T")


def driver_floors(matrix: WheelMatrix, column: DriverColumn) -> tuple[Version, ...]:
    """Every driver version the planner compares a driver in ``column`` with, lowest first: the
    toolkits' GA drivers and the minor-version-compatibility floors, the images' drivers."""

    def make() -> tuple[Version, ...]:
        texts = [r.floor(column) for r in matrix.cuda_drivers]
        texts += [m.floor(column) for m in matrix.minor_compat]
        texts += [c.driver for c in matrix.containers]
        return tuple(sorted({Version(t) for t in texts if t}))

    return matrix.memo(("view.driver_floors", column), make)


def _band(matrix: WheelMatrix, machine: Machine, version: Version) -> Version:
    """The highest floor at or below ``version`` (0 below them all): compared with any floor,
    it answers as ``version`` does."""
    floors = driver_floors(matrix, machine.driver_column)
    at = bisect.bisect_right(floors, version)
    return floors[at - 1] if at else _ZERO


def _texts(machine: Machine, python_cmd: str) -> tuple[str | None, ...]:
    return (
        python_cmd, machine.system, machine.machine, machine.driver, machine.libc,
        machine.interpreter, *machine.gfx, *(g.name for g in machine.nvidia),
        *(i.distribution for i in machine.installed.values()),
    )  # fmt: skip


@frozen
class View:
    """A machine as every plan reads it, made once per machine: GPU names dropped where the
    compute capability is known; a known driver quoted (``QUOTE``), nvidia-smi's max CUDA
    dropped then; no installed builds. ``narrowed`` adds the driver's band and one build."""

    machine: Machine
    #: ``machine`` as a key, less what ``narrowed`` adds.
    key: tuple[Any, ...]
    #: The machine's own driver (None: unknown, and the plans read nvidia-smi's max CUDA).
    driver: Version | None


def view_of(machine: Machine, python_cmd: str) -> View | None:
    """The plans' view of ``machine``; None when it cannot be narrowed (a NUL in its text)."""
    if any(t and "\x00" in t for t in _texts(machine, python_cmd)):
        return None
    known = machine.driver_version if machine.driver else None
    view = dataclasses.replace(
        machine,
        nvidia=tuple(
            NvidiaGpu(name=None, cc=g.cc) if g.cc is not None else g for g in machine.nvidia
        ),
        installed=MappingProxyType({}),
        driver=QUOTE if known is not None else machine.driver,
        max_cuda=None if known is not None else machine.max_cuda,
    )
    skip = ("installed", "driver_version")
    key = tuple(getattr(view, f.name) for f in dataclasses.fields(view) if f.name not in skip)
    return View(machine=view, key=key, driver=known)


def narrowed(
    view: View,
    installed: Mapping[Framework, Installed],
    framework: Framework | None,
    matrix: WheelMatrix,
) -> tuple[tuple[Any, ...], Callable[[], Machine]]:
    """What a plan for ``framework`` reads (None: no installed build), as a key and a way to
    make the machine it is planned on."""
    build = installed.get(framework) if framework is not None else None
    builds: Mapping[Framework, Installed] = MappingProxyType(
        {framework: build} if framework is not None and build is not None else {}
    )
    version = (
        _band(matrix, view.machine, view.driver)
        if view.driver is not None
        else view.machine.driver_version
    )

    def machine() -> Machine:
        return dataclasses.replace(view.machine, driver_version=version, installed=builds)

    return (view.key, version, framework, build), machine


def _installed_key(installed: Mapping[Framework, Installed]) -> tuple[Any, ...]:
    return tuple(sorted(installed.items(), key=lambda kv: kv[0].value))


def machine_key(machine: Machine) -> tuple[Any, ...]:
    """The machine as a hashable key (its installed builds as sorted pairs)."""
    fields = (
        getattr(machine, f.name) for f in dataclasses.fields(machine) if f.name != "installed"
    )
    return (*fields, _installed_key(machine.installed))


def search_key(machine: Machine) -> tuple[Any, ...]:
    """What ``search.choose`` reads: the machine less its installed builds and interpreter."""
    skip = ("installed", "interpreter")
    return tuple(
        getattr(machine, f.name) for f in dataclasses.fields(machine) if f.name not in skip
    )


def _fill(value: Any, driver: str) -> Any:
    if isinstance(value, str):
        return value.replace(QUOTE, driver) if QUOTE in value else value
    if isinstance(value, tuple):
        return tuple(_fill(v, driver) for v in value)
    if isinstance(value, Mapping):
        return MappingProxyType({k: _fill(v, driver) for k, v in value.items()})
    return value


def quoting(plan: Any) -> tuple[str, ...]:
    """The fields of a plan (a frozen dataclass) whose text quotes the placeholder driver."""

    def has(value: Any) -> bool:
        if isinstance(value, str):
            return QUOTE in value
        if isinstance(value, tuple):
            return any(has(v) for v in value)
        if isinstance(value, Mapping):
            return any(has(v) for v in value.values())
        return False

    return tuple(f.name for f in dataclasses.fields(plan) if has(getattr(plan, f.name)))


def unquote(plan: _T, driver: str, fields: tuple[str, ...]) -> _T:
    """``plan`` with ``driver`` where its ``fields`` (``quoting``'s) quote the placeholder."""
    changes = {name: _fill(getattr(plan, name), driver) for name in fields}
    return dataclasses.replace(plan, **changes)  # type: ignore[type-var]
