"""The ranking's values: rows, blockers, notices, and the closed set of verdicts.

Every row carries two states (issue 13):

* ``ready``: it works here as installed, proven by a smoke run where one ran;
* ``feasible``: it can work on the answered device after the row's install plan.

Verdicts, a closed set (``VERDICTS``): the winner is ``recommended`` when ready, else
``recommended: needs install`` / ``recommended: needs reinstall``; the others are ``works here``
(ready, smoke passed), ``installed, not verified`` (ready, no smoke run), ``needs install``,
``needs reinstall`` (the installed build cannot use the answered device), or ``not feasible``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from recommender.core.frozen import frozen

if TYPE_CHECKING:
    from recommender.decide.ranking.tiers import Placement
    from recommender.engine.evaluate import Evaluation, Reason
    from recommender.smoke.results import SmokeResult

RECOMMENDED = "recommended"
RECOMMENDED_INSTALL = "recommended: needs install"
RECOMMENDED_REINSTALL = "recommended: needs reinstall"
WORKS_HERE = "works here"
INSTALLED_UNVERIFIED = "installed, not verified"
NEEDS_INSTALL = "needs install"
NEEDS_REINSTALL = "needs reinstall"
NOT_FEASIBLE = "not feasible"
#: ``--try``: the planned command failed to install in a fresh environment here.
INSTALL_FAILED_HERE = "install failed here"
VERDICTS = (
    RECOMMENDED,
    RECOMMENDED_INSTALL,
    RECOMMENDED_REINSTALL,
    WORKS_HERE,
    INSTALLED_UNVERIFIED,
    NEEDS_INSTALL,
    NEEDS_REINSTALL,
    NOT_FEASIBLE,
    INSTALL_FAILED_HERE,
)
# The names older callers import.
RECOMMENDED_UNVERIFIED = RECOMMENDED_INSTALL
INSTALLABLE = NEEDS_INSTALL

MEASURED = "measured"
RULES_ONLY = "rules-only"
#: ``--try``: installed by its plan in a throwaway environment and smoke-trained there.
MEASURED_FRESH = "measured in a fresh environment"
#: The rule that says the answered accelerator is not on this machine.
NOT_FOUND_RULE = "accel-answer-not-found"


@frozen
class Block:
    """Why a framework cannot be used here: a rule's blocker or a failed smoke run."""

    rule: str
    why: str
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "why": self.why}


@frozen
class Notice:
    """A warning shown under the ranking (from the rules, or about the run itself)."""

    rule: str
    why: str
    frameworks: tuple[str, ...] = ()
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "why": self.why,
            "frameworks": list(self.frameworks),
            "fix": self.fix,
        }


@frozen
class Entry:
    """One framework's place in the ranking."""

    framework: str
    backend: str | None
    rank: int
    score: float
    rule_score: float
    feasible: bool
    installed: bool
    verified: bool
    #: Works here as installed (proven by a smoke run where one ran).
    ready: bool = False
    #: The installed build cannot use the answered device: the plan is a reinstall.
    needs_reinstall: bool = False
    confidence: str
    verdict: str
    reasons: tuple[Reason, ...]
    blockers: tuple[Block, ...]
    warnings: tuple[str, ...]
    smoke: SmokeResult | None  # the run that decided (passed or failed), or None
    install: str | None
    #: Keras only: each backend with its score and tier, best first (for --explain).
    backend_choice: tuple[tuple[str, float, str], ...] = ()
    #: The planner's plan (``InstallPlan.to_dict()``, or a NoBuild's with ``no_build: true``).
    install_plan: Mapping[str, Any] | None = None
    #: Keras only: every backend, best first, with its own plan.
    backends: tuple[BackendRow, ...] = ()
    #: The support tier on the answered devices (decide/ranking/tiers.py), None for a bare Entry.
    placement: Placement | None = None
    #: Shares rank 1's (feasible, tier, score): no row of a tie is "recommended".
    tied: bool = False
    #: Keras only: reasons that do not reach Keras on its backend (a rule's keras_backends).
    unreached: tuple[str, ...] = ()
    #: Keras only: the backend framework's reasons that do not reach Keras on it (the ones
    #: that do are in ``reasons``, inherited: "Through the torch backend: ...").
    not_inherited: tuple[NotInherited, ...] = ()
    #: ``--try``: how the plan's try ended (``TrialResult.to_dict()``: command, seconds,
    #: bytes, status, ...), or None when it was not tried.
    tried: Mapping[str, Any] | None = None


@frozen
class NotInherited:
    """One of the backend framework's reasons that does not reach Keras on that backend
    (its rule's ``keras_reach: {reaches: false}``), and why."""

    rule: str
    delta: float
    framework: str
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "delta": self.delta,
            "framework": self.framework,
            "why": self.why,
        }


@frozen
class BackendRow:
    """One Keras backend: can it run here, its score, and its install plan."""

    backend: str
    feasible: bool
    score: float
    install: str | None
    install_plan: Mapping[str, Any] | None
    blockers: tuple[Block, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "feasible": self.feasible,
            "score": self.score,
            "install": self.install,
            "install_plan": dict(self.install_plan) if self.install_plan is not None else None,
            "blockers": [b.to_dict() for b in self.blockers],
        }


@frozen
class Ranking:
    entries: tuple[Entry, ...]
    warnings: tuple[Notice, ...]
    smoke: tuple[SmokeResult, ...]
    device: str
    smoke_note: str | None = None
    evaluation: Evaluation | None = field(default=None, compare=False)

    @property
    def winner(self) -> Entry | None:
        """The first row when it is feasible (in a tie: the first of the tied rows in display
        order; ``tied`` says whether it is one)."""
        first = self.entries[0] if self.entries else None
        return first if first is not None and first.feasible else None

    @property
    def tied(self) -> tuple[Entry, ...]:
        """The rows tied at the top (none, or two and more)."""
        return tuple(e for e in self.entries if e.tied)

    def entry(self, framework: str) -> Entry:
        return next(e for e in self.entries if e.framework == framework)
