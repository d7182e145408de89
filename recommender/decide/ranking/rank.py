"""(evaluation, smoke results, facts, rule base) -> Ranking. Pure: no probing, no printing.
Each framework's row is built by ``framework_row.py``; here they are ordered and judged.

The semantics (also in the README, "How the ranking works"):

1. Feasible rows rank above infeasible ones. A row is *feasible* when it can work on the
   answered device after its install plan: no rule blocks it, the planner has a build for it
   (else the blocker ``plan:no-build`` with the ways out), and no smoke run of the installed
   framework failed there for a reason a reinstall cannot fix. A smoke run that failed because
   the installed build cannot use the device (a CPU build on a GPU machine) is not a blocker
   when the plan is a reinstall: the row ``needs reinstall``.
2. A row is *ready* when it works here as installed: installed, the build fits the answered
   device (no reinstall), and no smoke failure; a passed smoke run there proves it (confidence
   ``measured``, plus ``settings.smoke_bonus``).
3. Among the feasible, the machine comes first: the support tier of the row's framework (Keras:
   of its backend's) on the answered devices (``decide/ranking/tiers.py``, ``rules/tiers.yaml``), and
   only then the score (the rule score plus the smoke bonus). The team's stack ranks above every
   tier and a stack the team is moving away from below every tier; the row says so.
4. When the probes do not find the answered accelerator, the ranking plans for another machine:
   smoke runs here say nothing about it, so no row is ready or measured, no smoke bonus counts,
   and ``accel-answer-not-found`` heads the warnings.
5. A tie is a tie: every feasible row whose (tier, score) equals the first row's is ``tied``,
   and none of them is ``recommended`` (each gets the verdict it would have at rank 2). Their
   order is only a display order: verified by smoke, then installed, then the catalog's order
   (TensorFlow, PyTorch, Keras, JAX); ``decide/ranking/ties.py`` names the question that would break it.
6. Keras is scored per backend (``decide/ranking/keras_backends.py``); its row is feasible only when its
   chosen backend is, and a device block or an own failure of the backend's framework counts
   against Keras on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import ANSWER_DEVICE, ANSWER_KIND, FRAMEWORK_IDS
from recommender.decide.install.plans import PlanNotice, planned_fix, staleness
from recommender.decide.ranking.framework_row import framework_row
from recommender.decide.ranking.keras_backends import BACKEND_ORDER
from recommender.decide.ranking.rows import (
    INSTALL_FAILED_HERE,
    INSTALLABLE,
    INSTALLED_UNVERIFIED,
    MEASURED,
    NEEDS_INSTALL,
    NEEDS_REINSTALL,
    NOT_FEASIBLE,
    NOT_FOUND_RULE,
    RECOMMENDED,
    RECOMMENDED_INSTALL,
    RECOMMENDED_REINSTALL,
    RECOMMENDED_UNVERIFIED,
    RULES_ONLY,
    VERDICTS,
    WORKS_HERE,
    BackendRow,
    Block,
    Entry,
    Notice,
    Ranking,
)
from recommender.decide.ranking.smoke_evidence import smoke_error
from recommender.engine.evaluate import Evaluation, Warning
from recommender.facts.document import Facts
from recommender.rulebase.load import RuleBase
from recommender.rulebase.wheels.load import WheelMatrix

if TYPE_CHECKING:  # a type only: the ranking never imports the smoke engine
    from recommender.smoke.results import SmokeResult

#: The fixed tie-break order (the catalog's): TensorFlow, PyTorch, Keras, JAX.
FRAMEWORK_ORDER = FRAMEWORK_IDS

__all__ = [
    "BACKEND_ORDER",
    "FRAMEWORK_ORDER",
    "INSTALLABLE",
    "INSTALLED_UNVERIFIED",
    "MEASURED",
    "NEEDS_INSTALL",
    "NEEDS_REINSTALL",
    "NOT_FEASIBLE",
    "RECOMMENDED",
    "RECOMMENDED_UNVERIFIED",
    "RULES_ONLY",
    "VERDICTS",
    "WORKS_HERE",
    "BackendRow",
    "Block",
    "Entry",
    "Notice",
    "Ranking",
    "planning_elsewhere",
    "rank",
    "smoke_error",
    "sort_key",
    "verdict_of",
]


def _device(evaluation: Evaluation) -> str:
    return ANSWER_DEVICE.get(evaluation.derived.answer_accelerator or "cpu", "cpu")


def planning_elsewhere(evaluation: Evaluation) -> bool:
    """The answered accelerator is known not to be on this machine (the probes' list is
    complete and lacks it): the ranking is a plan for another machine."""
    accel = evaluation.derived.answer_accelerator
    kinds = evaluation.derived.accelerator_kinds
    if accel in (None, "cpu") or kinds is None:
        return False
    return ANSWER_KIND.get(accel) not in kinds


def smoke_note(facts: Facts, *, smoke: bool, evaluation: Evaluation | None = None) -> str | None:
    """Why no smoke run backs this ranking (another machine's facts, ``--no-smoke``, or an
    answered accelerator this machine lacks); None when smoke runs are due."""
    if not facts.is_local:
        return (
            f"The facts come from {facts.origin}, another machine: no smoke run here; "
            "these results are unverified on that machine."
        )
    if not smoke:
        return "Smoke runs skipped (--no-smoke): confidence is rules-only."
    if evaluation is not None and planning_elsewhere(evaluation):
        accel = evaluation.derived.answer_accelerator
        return (
            f"The answered accelerator ({accel}) is not on this machine: no smoke run here, "
            "the ranking is a plan for another machine and treats every framework alike."
        )
    return None


def fit_key(entry: Entry) -> tuple[int, int]:
    return entry.placement.key if entry.placement is not None else (0, 0)


def sort_key(entry: Entry) -> tuple[bool, int, int, float, bool, bool, int]:
    first, total = fit_key(entry)
    return (
        not entry.feasible,
        -first,
        -total,
        -entry.score,
        not entry.verified,
        not entry.installed,
        FRAMEWORK_ORDER.index(entry.framework),
    )


def _tied(ordered: Sequence[Entry]) -> frozenset[int]:
    """Indexes of the feasible rows whose (tier, score) equal the first row's (two or more)."""
    if not ordered or not ordered[0].feasible:
        return frozenset()
    top = (fit_key(ordered[0]), ordered[0].score)
    same = frozenset(
        i for i, e in enumerate(ordered) if e.feasible and (fit_key(e), e.score) == top
    )
    return same if len(same) > 1 else frozenset()


def verdict_of(entry: Entry, rank: int) -> str:
    if entry.tried and entry.tried.get("status") == "install_failed":
        return INSTALL_FAILED_HERE
    if not entry.feasible:
        return NOT_FEASIBLE
    if entry.needs_reinstall:
        return RECOMMENDED_REINSTALL if rank == 1 else NEEDS_REINSTALL
    if not entry.installed:
        return RECOMMENDED_INSTALL if rank == 1 else NEEDS_INSTALL
    if rank == 1:
        return RECOMMENDED
    return WORKS_HERE if entry.verified else INSTALLED_UNVERIFIED


def _notices(
    evaluation: Evaluation, matrix: WheelMatrix, ranked: tuple[Entry, ...]
) -> tuple[Notice, ...]:
    engine_warnings: tuple[Warning | PlanNotice, ...] = (
        *evaluation.warnings,
        *evaluation.stale,
        *staleness(matrix),
    )
    notices = tuple(
        Notice(
            rule=w.rule,
            why=w.why,
            frameworks=w.frameworks,
            fix=planned_fix(w.fix, w.frameworks, ranked),
        )
        for w in engine_warnings
    )
    # The answered accelerator is not here: said once, at the top.
    first = tuple(n for n in notices if n.rule == NOT_FOUND_RULE)[:1]
    return first + tuple(n for n in notices if n.rule != NOT_FOUND_RULE)


def rank(
    evaluation: Evaluation,
    results: Sequence[SmokeResult],
    facts: Facts,
    rulebase: RuleBase,
    *,
    matrix: WheelMatrix | None = None,
    smoke_note: str | None = None,
    extra_warnings: Sequence[Notice] = (),
    tried: Mapping[str, Any] | None = None,
) -> Ranking:
    """Order the frameworks (see the module docstring for the rules of the ordering).

    ``matrix`` is the wheel matrix the install planner reads (default: the rule base's).
    ``tried``: ``--try`` results by row label (``decide/ranking/tries.py``).
    """
    results = tuple(results)
    device = _device(evaluation)
    matrix = matrix or rulebase.wheels
    elsewhere = planning_elsewhere(evaluation)
    entries = [
        framework_row(fw, facts, evaluation, results, rulebase, device, matrix, elsewhere)
        for fw in FRAMEWORK_ORDER
        if fw in evaluation.scores
    ]
    if tried:
        from recommender.decide.ranking.tries import with_try

        bonus = float(rulebase.settings.get("smoke_bonus", 0.0))
        entries = [with_try(e, tried, bonus) for e in entries]
    ordered = sorted(entries, key=sort_key)
    tied = _tied(ordered)
    ranked = tuple(
        replace(
            e,
            rank=i,
            tied=i - 1 in tied,
            verdict=verdict_of(e, 2 if i - 1 in tied else i),
        )
        for i, e in enumerate(ordered, 1)
    )
    return Ranking(
        entries=ranked,
        warnings=tuple(extra_warnings) + _notices(evaluation, matrix, ranked),
        smoke=results,
        device=device,
        smoke_note=smoke_note,
        evaluation=evaluation,
    )
