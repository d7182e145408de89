"""One framework's row of the ranking: its install plan (Keras: its best backend's), the smoke
run that decides it, its blockers, whether it is feasible and ready here, its tier placement and
its score with the reasons that reach it. ``rank.py`` orders the rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import Framework
from recommender.decide.ranking.inherit import inherited
from recommender.decide.ranking.keras_backends import keras_choice, no_build_block, plan_row
from recommender.decide.ranking.rows import (
    MEASURED,
    RULES_ONLY,
    BackendRow,
    Block,
    Entry,
    NotInherited,
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
from recommender.engine.evaluate import Blocker, Evaluation, FrameworkScore, Reason
from recommender.facts.document import Facts
from recommender.rulebase.load import RuleBase
from recommender.rulebase.wheels.load import WheelMatrix

if TYPE_CHECKING:  # a type only: the ranking never imports the smoke engine
    from recommender.smoke.results import SmokeResult

#: Smoke failures a reinstall from the plan can cure (the build, not the framework, is wrong).
BUILD_FAILURES = frozenset({"device_unusable"})


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


def framework_row(
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
    installed = facts.machine.has(fw)
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
