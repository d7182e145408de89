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
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from packaging.version import Version

from recommender.core.catalog import DriverColumn, Framework
from recommender.facts.machine import Installed, Machine, NvidiaGpu
from recommender.rulebase.wheels.model import WheelMatrix

__all__ = ["QUOTE", "driver_floors", "machine_key", "narrowed", "search_key", "unquote"]

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


def narrowed(
    machine: Machine, framework: Framework | None, matrix: WheelMatrix, python_cmd: str
) -> Machine | None:
    """What a plan for ``framework`` reads of ``machine`` (None for ``framework``: no installed
    build); None when the machine cannot be narrowed (a NUL in its text)."""
    if any(t and "\x00" in t for t in _texts(machine, python_cmd)):
        return None
    installed = machine.installed.get(framework) if framework is not None else None
    changes: dict[str, Any] = {
        "nvidia": tuple(
            NvidiaGpu(name=None, cc=g.cc) if g.cc is not None else g for g in machine.nvidia
        ),
        "installed": MappingProxyType({framework: installed} if installed is not None else {}),
    }
    if machine.driver and machine.driver_version is not None:
        changes.update(
            driver=QUOTE,
            driver_version=_band(matrix, machine, machine.driver_version),
            max_cuda=None,
        )
    return dataclasses.replace(machine, **changes)


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


def quotes(plan: Any) -> bool:
    """Whether a plan's text quotes the placeholder driver anywhere."""

    def has(value: Any) -> bool:
        if isinstance(value, str):
            return QUOTE in value
        if isinstance(value, tuple):
            return any(has(v) for v in value)
        if isinstance(value, Mapping):
            return any(has(v) for v in value.values())
        return False

    return any(has(getattr(plan, f.name)) for f in dataclasses.fields(plan))


def unquote(plan: _T, driver: str) -> _T:
    """``plan`` (a frozen dataclass) with ``driver`` where it quotes the placeholder."""
    fields = dataclasses.fields(plan)  # type: ignore[arg-type]
    changes = {f.name: _fill(getattr(plan, f.name), driver) for f in fields}
    return dataclasses.replace(plan, **changes)  # type: ignore[type-var]
