"""(evaluation, smoke results, facts, rule base) -> Ranking. Pure: no probing, no printing.

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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import ANSWER_DEVICE, ANSWER_KIND, FRAMEWORK_IDS, Framework
from recommender.decide.install.plans import PlanNotice, planned_fix, staleness
from recommender.decide.ranking.inherit import inherited
from recommender.decide.ranking.keras_backends import (
    BACKEND_ORDER,
    keras_choice,
    no_build_block,
    plan_row,
)
from recommender.decide.ranking.rows import (
    INSTALL_FAILED_HERE,
    INSTALLABLE,
    INSTALLED_UNVERIFIED,
    MEASURED,
    NEEDS_INSTALL,
    NEEDS_REINSTALL,
    NOT_FEASIBLE,
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
    NotInherited,
    Ranking,
)
from recommender.decide.ranking.smoke_evidence import (
    backend_failure,
    deciding_run,
    smoke_block,
    smoke_error,
    smoke_for,
    smoke_reason,
)
from recommender.decide.ranking.tiers import Placement, os_of, placement, places_of
from recommender.engine.evaluate import Blocker, Evaluation, FrameworkScore, Reason, Warning
from recommender.engine.when import condition_evaluator  # noqa: F401  (checklist imports it)
from recommender.facts.document import Facts
from recommender.rulebase.load import RuleBase
from recommender.rulebase.wheels.load import WheelMatrix

if TYPE_CHECKING:  # a type only: the ranking never imports the smoke engine
    from recommender.smoke.results import SmokeResult

#: The fixed tie-break order (the catalog's): TensorFlow, PyTorch, Keras, JAX.
FRAMEWORK_ORDER = FRAMEWORK_IDS
#: The rule that says the answered accelerator is not on this machine.
NOT_FOUND_RULE = "accel-answer-not-found"
#: Smoke failures a reinstall from the plan can cure (the build, not the framework, is wrong).
BUILD_FAILURES = frozenset({"device_unusable"})

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


def _smoke_verdict(
    fw: str, backend: str | None, results: Sequence[SmokeResult], installed: bool, device: str
) -> tuple[SmokeResult | None, SmokeResult | None]:
    """(passed, failed) deciding runs for this row; a Keras row also fails on its backend's own
    failure, and a backend framework on Keras's own-failure runs of it."""
    if not installed:
        return None, None
    runs = smoke_for(results, "keras", backend) if fw == Framework.KERAS else smoke_for(results, fw)
    passed, failed = deciding_run(runs, device)
    if passed is None and failed is None and fw != Framework.KERAS:
        failed = backend_failure(results, fw, device)
    return passed, failed


def _blockers(
    fs: FrameworkScore,
    failed: SmokeResult | None,
    plan: Mapping[str, Any],
    extra: tuple[Block, ...] = (),
) -> tuple[Block, ...]:
    """The row's blockers: the rules' (then ``extra``, a Keras backend's), a failed smoke run's
    unless the plan's reinstall cures it, and the planner's when it has no build."""
    found: tuple[Blocker | Block, ...] = (*fs.blockers, *extra)
    blockers = tuple(Block(rule=b.rule, why=b.why, fix=b.fix) for b in found)
    cured = plan.get("reinstall") and smoke_error(failed).get("kind") in BUILD_FAILURES
    if failed is not None and not cured:
        blockers += (smoke_block(failed),)
    if plan.get("no_build"):
        blockers += (no_build_block(plan),)
    unique: dict[tuple[str, str], Block] = {}  # Keras with no build: its backend's row says so too
    for block in blockers:
        unique.setdefault((block.rule, block.why), block)
    return tuple(unique.values())


def _placer(
    evaluation: Evaluation, facts: Facts, rulebase: RuleBase
) -> Callable[[str, str | None], Placement]:
    """(framework, backend) -> Placement on the devices the answers name, under this OS."""
    answers = evaluation.answers
    places = places_of(evaluation.derived.answer_accelerator, answers.get("deploy"))
    os = os_of(facts.machine)
    table = rulebase.tiers

    def place(fw: str, backend: str | None) -> Placement:
        return placement(fw, backend, table, places, os, answers)

    return place


def _entry(
    fw: str,
    facts: Facts,
    evaluation: Evaluation,
    results: Sequence[SmokeResult],
    rulebase: RuleBase,
    device: str,
    matrix: WheelMatrix,
    elsewhere: bool,
) -> Entry:
    fs = evaluation.scores[fw]
    place = _placer(evaluation, facts, rulebase)
    # An accelerator that is not here: no smoke run here says anything about it.
    results = () if elsewhere else results
    installed = bool(facts.get(f"frameworks.{fw}.installed"))
    accel = evaluation.derived.answer_accelerator
    backend: str | None = None
    choice: tuple[tuple[str, float, str], ...] = ()
    rows: tuple[BackendRow, ...] = ()
    backend_blockers: tuple[Block, ...] = ()
    plan: Mapping[str, Any]
    if fw == Framework.KERAS:
        choice, rows = keras_choice(
            facts,
            evaluation,
            results,
            device,
            matrix,
            accel,
            fit=lambda b: place("keras", b).key,
        )
        backend = choice[0][0]
        plan, install = rows[0].install_plan or {}, rows[0].install
        if not rows[0].feasible:
            backend_blockers = rows[0].blockers
    else:
        plan, install = plan_row(fw, facts, accel, matrix)
    passed, failed = (
        (None, None) if elsewhere else _smoke_verdict(fw, backend, results, installed, device)
    )
    blockers = _blockers(fs, failed, plan, backend_blockers)
    feasible = not blockers
    reinstall = bool(installed and plan.get("reinstall"))
    ready = installed and feasible and not reinstall and failed is None and not elsewhere
    bonus = float(rulebase.settings.get("smoke_bonus", 0.0)) if passed and ready else 0.0
    reasons, unreached = _reaching(tuple(fs.reasons), backend, rulebase)
    rule_score = float(fs.score) - sum(float(r.delta) for r in fs.reasons if r not in reasons)
    not_inherited: tuple[NotInherited, ...] = ()
    if backend is not None:  # Keras on X: X's reasons that reach a Keras user
        inherit, not_inherited = inherited(evaluation, backend, rulebase)
        reasons += inherit
        rule_score += sum(r.delta for r in inherit)
    return Entry(
        framework=fw,
        backend=backend,
        rank=0,
        score=round(rule_score + bonus, 4),
        rule_score=rule_score,
        feasible=feasible,
        installed=installed,
        verified=bool(passed) and ready,
        ready=ready,
        needs_reinstall=reinstall and feasible,
        confidence=MEASURED if passed is not None and ready else RULES_ONLY,
        verdict="",
        reasons=reasons + ((smoke_reason(passed, bonus),) if bonus and passed else ()),
        blockers=blockers,
        warnings=fs.warnings,
        unreached=unreached,
        not_inherited=not_inherited,
        smoke=passed if passed is not None else failed,
        install=install,
        backend_choice=choice,
        install_plan=plan,
        backends=rows,
        placement=place(fw, backend),
    )


def _reaching(
    reasons: tuple[Reason, ...], backend: str | None, rulebase: RuleBase
) -> tuple[tuple[Reason, ...], tuple[str, ...]]:
    """Keras's reasons that reach Keras on ``backend`` (a rule's ``keras_backends``), and one
    sentence per reason that does not."""
    if backend is None:
        return reasons, ()
    kept, dropped = [], []
    for reason in reasons:
        try:
            only = rulebase.rule(str(reason.rule)).keras_backends
        except (KeyError, AttributeError):
            only = ()
        if only and backend not in only:
            dropped.append(
                f"{reason.rule} does not reach Keras on {backend} "
                f"(only on the {', '.join(only)} backend)"
            )
        else:
            kept.append(reason)
    return tuple(kept), tuple(dropped)


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
        _entry(fw, facts, evaluation, results, rulebase, device, matrix, elsewhere)
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
