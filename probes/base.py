"""The probe contract: a host to read, a result to return, a registry to hold probes.

A probe is a small, independent unit that reads one slice of the machine and returns a
:class:`ProbeResult`. It never raises for "not present" (that is ``absent``) or for "could
not tell" (that is ``unknown`` with a reason), never imports a deep learning framework, and
runs every external command through :func:`probes.process.run_bounded`.

Everything a probe reads goes through a :class:`Host`, so tests can stand a temp tree in for
``/proc``, ``/sys`` and the cgroup files, and pass their own environment.
"""

from __future__ import annotations

import enum
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from recommender.core.frozen import frozen


class Status(str, enum.Enum):
    OK = "ok"
    ABSENT = "absent"
    UNKNOWN = "unknown"

    def __str__(self) -> str:  # its name in every message (3.11 formats a str enum as Cls.NAME)
        return self.value


@frozen
class Host:
    """The machine as a probe sees it: a filesystem root, an environment, a PATH.

    ``root`` replaces ``/`` for every absolute system path (``/proc``, ``/sys``, ``/dev``,
    ``/etc``). ``DLREC_SYSROOT`` sets it from the environment, for tests and for probing a
    mounted image.
    """

    root: Path = Path("/")
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    platform: str = sys.platform

    @classmethod
    def current(cls) -> Host:
        env = dict(os.environ)
        return cls(root=Path(env.get("DLREC_SYSROOT") or "/"), env=env)

    def path(self, system_path: str) -> Path:
        """Map an absolute system path (``/proc/cpuinfo``) into this host's root."""
        return self.root / system_path.lstrip("/")

    def read_text(self, system_path: str, limit: int = 1 << 20) -> str | None:
        """The file's text, or None when it is missing, unreadable or not a regular file."""
        p = self.path(system_path)
        try:
            if not p.is_file():
                return None
            with p.open("rb") as fh:
                return fh.read(limit).decode("utf-8", "replace")
        except OSError:
            return None

    def exists(self, system_path: str) -> bool:
        try:
            return self.path(system_path).exists()
        except OSError:
            return False

    def listdir(self, system_path: str) -> list[str]:
        try:
            return sorted(os.listdir(self.path(system_path)))
        except OSError:
            return []

    def which(self, name: str, extra_dirs: Iterable[str] = ()) -> str | None:
        search = os.pathsep.join([self.env.get("PATH", ""), *extra_dirs])
        return shutil.which(name, path=search)


@frozen
class ProbeResult:
    """What one probe found. ``data`` is JSON-ready and merged into the facts document."""

    status: Status
    data: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    warnings: tuple[str, ...] = ()

    @classmethod
    def ok(cls, data: Mapping[str, Any], *, warnings: Iterable[str] = ()) -> ProbeResult:
        return cls(status=Status.OK, data=data, warnings=tuple(warnings))

    @classmethod
    def absent(cls, reason: str, data: Mapping[str, Any] | None = None) -> ProbeResult:
        return cls(status=Status.ABSENT, data=data or {}, reason=reason)

    @classmethod
    def unknown(cls, reason: str, data: Mapping[str, Any] | None = None) -> ProbeResult:
        return cls(status=Status.UNKNOWN, data=data or {}, reason=reason)


class Probe(Protocol):
    """The probe contract, declared once.

    ``name``: unique registry key, also the key under ``probes`` in the facts document.
    ``budget_s``: wall-clock seconds the probe may take before it is reported ``unknown``.
    ``section``: where ``ProbeResult.data`` lands in the facts document: a top-level key
    (``cpu``) whose value is replaced, or ``accelerators`` whose list is extended.
    ``collect(host)``: read the host and return a result. It may raise; the runner turns any
    exception into ``unknown`` with the exception as the reason.
    """

    name: str
    budget_s: float
    section: str

    def collect(self, host: Host) -> ProbeResult: ...


@dataclass(frozen=True, slots=True)
class FunctionProbe:
    """A probe made from a plain function, the usual way to write one."""

    name: str
    section: str
    budget_s: float
    func: Callable[[Host], ProbeResult]

    def collect(self, host: Host) -> ProbeResult:
        return self.func(host)


def probe(name: str, *, section: str, budget_s: float = 2.0):
    """Decorator: turn ``def collect(host) -> ProbeResult`` into a registered-ready probe."""

    def wrap(func: Callable[[Host], ProbeResult]) -> FunctionProbe:
        return FunctionProbe(name=name, section=section, budget_s=budget_s, func=func)

    return wrap


class ProbeRegistry:
    """Probes keyed by unique name, filled from a tuple of built-ins (like pluggy)."""

    def __init__(self, probes: Iterable[Probe] = ()) -> None:
        self._probes: dict[str, Probe] = {}
        for p in probes:
            self.register(p)

    def register(self, p: Probe) -> None:
        if p.name in self._probes:
            raise ValueError(f"probe {p.name!r} is already registered")
        self._probes[p.name] = p

    def get(self, name: str) -> Probe:
        return self._probes[name]

    def names(self) -> tuple[str, ...]:
        return tuple(self._probes)

    def __iter__(self):
        return iter(tuple(self._probes.values()))

    def __len__(self) -> int:
        return len(self._probes)
