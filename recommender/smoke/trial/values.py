"""The values of a try: a plan to prove, what installing it will fetch, and how it ended.

A try installs one install plan (its pip argument lists, handed over by the pipeline: smoke never
reads the planner) into a throwaway environment of its own, then smoke-trains it there with that
environment's interpreter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import Framework
from recommender.smoke.results import SmokeResult

#: How a try ended. ``proven``: installed and trained; ``smoke_failed``: installed, did not
#: train; ``install_failed``: the planned command failed here (a finding about the plan);
#: ``offline``, ``proxy``, ``disk_full``, ``timeout``: this machine could not run it (the row
#: stays rules-only); ``over_budget``, ``declined``: not downloaded at all.
PROVEN = "proven"
SMOKE_FAILED = "smoke_failed"
INSTALL_FAILED = "install_failed"
OFFLINE = "offline"
PROXY = "proxy"
DISK_FULL = "disk_full"
TIMEOUT = "timeout"
OVER_BUDGET = "over_budget"
DECLINED = "declined"
STATUSES = (
    PROVEN,
    SMOKE_FAILED,
    INSTALL_FAILED,
    OFFLINE,
    PROXY,
    DISK_FULL,
    TIMEOUT,
    OVER_BUDGET,
    DECLINED,
)
#: Endings that say nothing about the plan, only about this machine's reach of the index.
UNREACHED = frozenset({OFFLINE, PROXY, DISK_FULL, TIMEOUT, OVER_BUDGET, DECLINED})


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialPlan:
    """One install plan to prove: pip's argument lists (``("install", "jax==0.10.*")``, each
    what follows ``python -m pip``), the command a person would paste, and what to train."""

    framework: str
    backend: str | None = None
    steps: tuple[tuple[str, ...], ...]
    command: str
    device: str = "cpu"

    @property
    def label(self) -> str:
        return f"keras:{self.backend}" if self.backend else self.framework


@dataclass(frozen=True, slots=True, kw_only=True)
class Package:
    """One distribution the install would fetch; ``size`` in bytes from the index, or None."""

    name: str
    version: str
    size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Preview:
    """What a plan's install will download (from pip's ``--dry-run --report`` or uv's lock),
    before anything is downloaded. ``reused``: its environment exists already."""

    plan: TrialPlan
    packages: tuple[Package, ...] = ()
    reused: bool = False

    @property
    def size(self) -> int:
        return sum(p.size or 0 for p in self.packages)

    @property
    def sized(self) -> bool:
        """Every package's size is known (else ``size`` is a lower bound)."""
        return all(p.size is not None for p in self.packages)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrialResult:
    """How one try ended (``status``: one of ``STATUSES``)."""

    plan: TrialPlan
    status: str
    #: Seconds the install took (creating the environment included; 0 for a reused one).
    seconds: float = 0.0
    #: Bytes the install downloaded (the index's sizes of what it fetched), when known.
    bytes: int | None = None
    reused: bool = False
    #: One line: pip's own error, or why this machine could not run it.
    reason: str | None = None
    #: The installer's full log.
    log: str | None = None
    env: str | None = None
    smoke: tuple[SmokeResult, ...] = ()

    @property
    def proven(self) -> bool:
        return self.status == PROVEN

    def to_dict(self) -> dict[str, Any]:
        """The ranking's JSON ``tried``: command, seconds, bytes, and how it ended."""
        out: dict[str, Any] = {
            "command": self.plan.command,
            "seconds": round(self.seconds, 1),
            "bytes": self.bytes,
            "status": self.status,
            "reused": self.reused,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.log:
            out["log"] = self.log
        return out


def find(results: Mapping[str, TrialResult], framework: str, backend: str | None) -> Any:
    """The try of this row (Keras: on this backend), or None."""
    return results.get(
        f"keras:{backend}" if framework == Framework.KERAS and backend else framework
    )
