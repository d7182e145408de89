"""Keras is recommended on a backend: each backend's fit, score, plan and blockers.

A backend whose framework is blocked, has no build here, or whose Keras run failed comes last.
The others are chosen by fit: the support tier of the backend's framework on the answered
devices (``decide/ranking/tiers.py``) first, then the rules' ``keras.<backend>`` scores; whether the
backend is installed (and verified by a Keras smoke run) only breaks a tie that remains, then
the catalog's order (tensorflow, torch, jax).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import BACKEND_FRAMEWORK, KERAS_BACKENDS
from recommender.decide.install.plans import (
    NO_BUILD_RULE,
    install_line,
    plan_and_dict,
    plan_for,
)
from recommender.decide.install.values import NoBuild
from recommender.decide.ranking.rows import BackendRow, Block
from recommender.decide.ranking.smoke_evidence import deciding_run, smoke_for
from recommender.engine.evaluate import Evaluation
from recommender.facts.document import Facts
from recommender.rulebase.wheels.load import WheelMatrix

if TYPE_CHECKING:  # a type only: the ranking never imports the smoke engine
    from recommender.smoke.results import SmokeResult

#: Keras backends best first: (backend, score, why).
Choice = tuple[tuple[str, float, str], ...]
#: A backend's fit on the answered devices: higher first (decide/ranking/tiers.py Placement.key).
Fit = Callable[[str], tuple[int, int]]


def _no_fit(_backend: str) -> tuple[int, int]:
    return (0, 0)


BACKEND_ORDER = KERAS_BACKENDS


def _backend_tier(
    backend: str,
    facts: Facts,
    evaluation: Evaluation,
    results: Sequence[SmokeResult],
    device: str,
    no_build: frozenset[str] = frozenset(),
) -> tuple[int, str]:
    fw = BACKEND_FRAMEWORK[backend]
    score = evaluation.scores.get(fw)
    if score is not None and score.blockers:
        return -1, f"{fw} is blocked here"
    if backend in no_build:
        return -1, "the install planner has no build for it here"
    passed, failed = deciding_run(smoke_for(results, "keras", backend), device)
    if failed is not None and passed is None:
        return -1, "its Keras smoke run failed"
    installed = facts.machine.has(fw)
    if installed and passed is not None:
        return 2, "installed and verified"
    return (1, "installed") if installed else (0, "not installed")


def choose_backend(
    facts: Facts,
    evaluation: Evaluation,
    results: Sequence[SmokeResult],
    device: str,
    no_build: frozenset[str] = frozenset(),
    fit: Fit = _no_fit,
) -> Choice:
    """Keras backends best first: (backend, score, why): usable ones first, then by fit on
    the devices, score, installed (and verified) as a tie-break, then the fixed order."""
    scores = getattr(evaluation, "keras_backend_scores", None) or {}
    rows = []
    for i, backend in enumerate(BACKEND_ORDER):
        tier, why = _backend_tier(backend, facts, evaluation, results, device, no_build)
        first, total = fit(backend)
        score = float(scores.get(backend, 0.0))
        rows.append(((tier < 0, -first, -total, -score, -tier, i), (backend, score, why)))
    return tuple(row for _, row in sorted(rows))


def no_build_block(plan: Mapping[str, Any]) -> Block:
    ways = "; ".join(plan.get("ways_out") or ()) or None
    return Block(rule=NO_BUILD_RULE, why=f"no install here: {plan['reason']}", fix=ways)


def plan_row(
    fw: str,
    facts: Facts,
    accelerator: str | None,
    matrix: WheelMatrix,
    backend: str | None = None,
) -> tuple[dict[str, Any], str | None]:
    plan, row = plan_and_dict(fw, facts, accelerator, backend=backend, matrix=matrix)
    return row, install_line(plan, facts, fw, backend)


def _backend_rows(
    facts: Facts,
    evaluation: Evaluation,
    accelerator: str | None,
    matrix: WheelMatrix,
    choice: Choice,
) -> tuple[BackendRow, ...]:
    scores = getattr(evaluation, "keras_backend_scores", None) or {}
    rows = []
    for backend, _, why in choice:
        plan, line = plan_row("keras", facts, accelerator, matrix, backend)
        blockers: tuple[Block, ...] = ()
        if plan["no_build"]:
            blockers = (no_build_block(plan),)
        elif why.startswith(("its Keras", BACKEND_FRAMEWORK[backend])):
            blockers = (Block(rule=f"keras:{backend}", why=f"Keras on {backend}: {why}"),)
        rows.append(
            BackendRow(
                backend=backend,
                feasible=not blockers,
                score=float(scores.get(backend, 0.0)),
                install=line,
                install_plan=plan,
                blockers=blockers,
            )
        )
    return tuple(rows)


def keras_choice(
    facts: Facts,
    evaluation: Evaluation,
    results: Sequence[SmokeResult],
    device: str,
    matrix: WheelMatrix,
    accelerator: str | None,
    fit: Fit = _no_fit,
) -> tuple[Choice, tuple[BackendRow, ...]]:
    first = choose_backend(facts, evaluation, results, device, fit=fit)
    no_build = frozenset(
        b
        for b, _, _ in first
        if isinstance(plan_for("keras", facts, accelerator, backend=b, matrix=matrix), NoBuild)
    )
    choice = choose_backend(facts, evaluation, results, device, no_build, fit)
    rows = _backend_rows(facts, evaluation, accelerator, matrix, choice)
    return choice, rows
