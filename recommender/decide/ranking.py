"""(evaluation, smoke results, facts, rule base) -> Ranking. Pure: no probing, no printing.

The semantics (also in the README, "How the ranking works"):

1. Feasible frameworks rank above infeasible ones. A framework is infeasible when a rule blocks
   it, or when a smoke run of the installed framework failed on the device that matters (the
   answered accelerator's device if the framework was smoke-run there, else the CPU); that
   failure becomes a blocker ``smoke:<kind>`` with its cause and fix.
2. Among the feasible, the score orders: the rule score, plus ``settings.smoke_bonus`` when a
   smoke run passed there. A passed run sets confidence ``measured``; otherwise ``rules-only``.
3. A framework that is not installed stays feasible unless a rule blocks it; it can rank first,
   as "installable, not verified", with the install command of the install planner
   (``decide/plans.py``). A framework the planner has no build for on the answered accelerator
   is infeasible (blocker ``plan:no-build``, its ways out as the fix); an installed build that
   cannot use the accelerator gets the planner's reinstall command.
4. Ties break deterministically: score (descending), then verified by smoke, then installed,
   then the fixed order tensorflow, pytorch, keras.
5. Keras is recommended on a backend: backends whose framework is installed and whose Keras
   smoke run passed come first, then installed ones, then the rest; a backend whose framework
   is blocked, has no build here, or whose Keras run failed comes last. Within a tier, ``keras_backend_scores``
   decides, then the fixed order tensorflow, torch, jax.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from recommender.catalog import (
    ANSWER_DEVICE,
    BACKEND_FRAMEWORK,
    FRAMEWORK_IDS,
    KERAS_BACKENDS,
)
from recommender.decide.install_plan import NoBuild
from recommender.decide.plans import (
    NO_BUILD_RULE,
    install_line,
    plan_dict,
    plan_for,
    planned_fix,
    staleness,
    wheel_matrix,
)
from recommender.engine.wheels import WheelMatrix
from recommender.engine.when import condition_evaluator  # noqa: F401  (checklist imports it)

#: The fixed tie-break order (the catalog's): TensorFlow, PyTorch, Keras, JAX.
FRAMEWORK_ORDER = FRAMEWORK_IDS
BACKEND_ORDER = KERAS_BACKENDS

RECOMMENDED = "recommended"
RECOMMENDED_UNVERIFIED = "recommended (installable, not verified)"
WORKS_HERE = "works here"
INSTALLED_UNVERIFIED = "installed, not verified"
INSTALLABLE = "installable, not verified"
NOT_FEASIBLE = "not feasible here"

MEASURED = "measured"
RULES_ONLY = "rules-only"


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """Why a framework cannot be used here: a rule's blocker or a failed smoke run."""

    rule: str
    why: str
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "why": self.why}


@dataclass(frozen=True, slots=True, kw_only=True)
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


@dataclass(frozen=True, slots=True, kw_only=True)
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
    confidence: str
    verdict: str
    reasons: tuple[Any, ...]  # the engine's Reason values (rule, delta, why, sources, note)
    blockers: tuple[Block, ...]
    warnings: tuple[str, ...]
    smoke: Any | None  # the SmokeResult that decided (passed or failed), or None
    install: str | None
    #: Keras only: each backend with its score and tier, best first (for --explain).
    backend_choice: tuple[tuple[str, float, str], ...] = ()
    #: The planner's plan (``InstallPlan.to_dict()``, or a NoBuild's with ``no_build: true``).
    install_plan: Mapping[str, Any] | None = None
    #: Keras only: every backend, best first, with its own plan.
    backends: tuple[BackendRow, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
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


@dataclass(frozen=True, slots=True, kw_only=True)
class Ranking:
    entries: tuple[Entry, ...]
    warnings: tuple[Notice, ...]
    smoke: tuple[Any, ...]
    device: str
    smoke_note: str | None = None
    evaluation: Any = field(default=None, compare=False)

    @property
    def winner(self) -> Entry | None:
        first = self.entries[0] if self.entries else None
        return first if first is not None and first.feasible else None

    def entry(self, framework: str) -> Entry:
        return next(e for e in self.entries if e.framework == framework)


# --------------------------------------------------------------------------- smoke verdicts


def _smoke_for(results: Iterable[Any], framework: str, backend: str | None = None) -> list[Any]:
    return [
        r
        for r in results
        if r.framework == framework and (backend is None or getattr(r, "backend", None) == backend)
    ]


def _deciding_run(runs: Sequence[Any], device: str) -> tuple[Any | None, Any | None]:
    """(a passed run, a failed run) on ``device`` if the framework ran there, else on the CPU."""
    on_device = [r for r in runs if r.device == device] or [r for r in runs if r.device == "cpu"]
    passed = next((r for r in on_device if r.ok), None)
    failed = next((r for r in on_device if not r.ok), None)
    return passed, failed


def smoke_error(run: Any) -> dict[str, Any]:
    """A failed run's ``error`` as a dict (kind, message, fix, log), whatever its type."""
    error = run.error
    if error is None:
        return {}
    return dict(error.to_dict() if hasattr(error, "to_dict") else error)


def _smoke_block(run: Any) -> Block:
    error = smoke_error(run)
    kind = error.get("kind") or "failed"
    message = error.get("message") or "the smoke training failed"
    log = f" (log: {error['log']})" if error.get("log") else ""
    return Block(
        rule=f"smoke:{kind}",
        why=f"smoke run on {run.device} failed: {message}{log}",
        fix=error.get("fix"),
    )


# --------------------------------------------------------------------------- keras backend


def _backend_tier(
    backend: str, facts, evaluation, results, device: str, no_build: frozenset[str] = frozenset()
) -> tuple[int, str]:
    fw = BACKEND_FRAMEWORK[backend]
    score = evaluation.scores.get(fw)
    if score is not None and score.blockers:
        return -1, f"{fw} is blocked here"
    if backend in no_build:
        return -1, "the install planner has no build for it here"
    passed, failed = _deciding_run(_smoke_for(results, "keras", backend), device)
    if failed is not None and passed is None:
        return -1, "its Keras smoke run failed"
    installed = bool(facts.get(f"frameworks.{fw}.installed"))
    if installed and passed is not None:
        return 2, "installed and verified"
    return (1, "installed") if installed else (0, "not installed")


def choose_backend(
    facts, evaluation, results, device: str, no_build: frozenset[str] = frozenset()
) -> tuple[tuple[str, float, str], ...]:
    """Keras backends best first: (backend, score, why), by tier, score, then fixed order."""
    scores = getattr(evaluation, "keras_backend_scores", None) or {}
    rows = []
    for i, backend in enumerate(BACKEND_ORDER):
        tier, why = _backend_tier(backend, facts, evaluation, results, device, no_build)
        rows.append(
            (
                (-tier, -float(scores.get(backend, 0.0)), i),
                (backend, float(scores.get(backend, 0.0)), why),
            )
        )
    return tuple(row for _, row in sorted(rows))


# --------------------------------------------------------------------------- install plans


def _no_build_block(plan: Mapping[str, Any]) -> Block:
    ways = "; ".join(plan.get("ways_out") or ()) or None
    return Block(rule=NO_BUILD_RULE, why=f"no install here: {plan['reason']}", fix=ways)


def _plan(fw: str, facts, accelerator, matrix, backend: str | None = None):
    plan = plan_for(fw, facts, accelerator, backend=backend, matrix=matrix)
    return plan_dict(plan), install_line(plan, facts, fw, backend)


def _backend_rows(facts, evaluation, results, device, accelerator, matrix, choice):
    scores = getattr(evaluation, "keras_backend_scores", None) or {}
    rows = []
    for backend, _, why in choice:
        plan, line = _plan("keras", facts, accelerator, matrix, backend)
        blockers: tuple[Block, ...] = ()
        if plan["no_build"]:
            blockers = (_no_build_block(plan),)
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


# --------------------------------------------------------------------------- the ranking


def _device(evaluation, facts) -> str:
    accel = None
    derived = getattr(evaluation, "derived", None)
    if isinstance(derived, Mapping):
        accel = derived.get("derived.answer_accelerator")
    return ANSWER_DEVICE.get(accel or "cpu", "cpu")


def _accelerator(evaluation) -> str | None:
    derived = getattr(evaluation, "derived", None)
    return derived.get("derived.answer_accelerator") if isinstance(derived, Mapping) else None


def _keras_choice(facts, evaluation, results, device, matrix):
    accelerator = _accelerator(evaluation)
    first = choose_backend(facts, evaluation, results, device)
    no_build = frozenset(
        b
        for b, _, _ in first
        if isinstance(plan_for("keras", facts, accelerator, backend=b, matrix=matrix), NoBuild)
    )
    choice = choose_backend(facts, evaluation, results, device, no_build)
    rows = _backend_rows(facts, evaluation, results, device, accelerator, matrix, choice)
    return choice, rows


def _entry(fw: str, facts, evaluation, results, rulebase, device: str, matrix) -> Entry:
    fs = evaluation.scores[fw]
    installed = bool(facts.get(f"frameworks.{fw}.installed"))
    backend, choice, rows, runs = None, (), (), _smoke_for(results, fw)
    if fw == "keras":
        choice, rows = _keras_choice(facts, evaluation, results, device, matrix)
        backend = choice[0][0]
        runs = _smoke_for(results, "keras", backend)
    passed, failed = _deciding_run(runs, device) if installed else (None, None)
    blockers = tuple(
        Block(rule=b.rule, why=b.why, fix=getattr(b, "fix", None)) for b in fs.blockers
    )
    if failed is not None and passed is None:
        blockers += (_smoke_block(failed),)
    if rows:  # Keras: the chosen backend's plan
        plan, install = rows[0].install_plan, rows[0].install
    else:
        plan, install = _plan(fw, facts, _accelerator(evaluation), matrix)
    if plan["no_build"]:
        blockers += (_no_build_block(plan),)
    feasible = not blockers
    bonus = (
        float(rulebase.settings.get("smoke_bonus", 0.0)) if passed is not None and feasible else 0.0
    )
    reasons = tuple(fs.reasons) + ((_smoke_reason(passed, bonus),) if bonus else ())
    return Entry(
        framework=fw,
        backend=backend,
        rank=0,
        score=round(float(fs.score) + bonus, 4),
        rule_score=float(fs.score),
        feasible=feasible,
        installed=installed,
        verified=passed is not None,
        confidence=MEASURED if passed is not None else RULES_ONLY,
        verdict="",
        reasons=reasons,
        blockers=blockers,
        warnings=tuple(str(getattr(w, "why", w)) for w in getattr(fs, "warnings", ())),
        smoke=passed if passed is not None else failed,
        install=install,
        backend_choice=choice,
        install_plan=plan,
        backends=rows,
    )


def _smoke_reason(run: Any, bonus: float):
    """The smoke bonus as a reason line, so every point in the score is explained."""
    from recommender.engine.evaluate import Reason

    def num(value: Any) -> str:
        return f"{value:.2f}" if isinstance(value, (int, float)) else "?"

    why = (
        f"Trained here on {run.device}: loss {num(run.loss_first)} -> {num(run.loss_last)}, "
        f"accuracy {num(run.accuracy)}."
    )
    return Reason(
        rule="smoke:passed",
        delta=bonus,
        why=why,
        sources=("HW-ACCEL",),
        note="settings.smoke_bonus in rules/tradeoffs.yaml",
    )


def _sort_key(entry: Entry) -> tuple:
    return (
        not entry.feasible,
        -entry.score,
        not entry.verified,
        not entry.installed,
        FRAMEWORK_ORDER.index(entry.framework),
    )


def _verdict(entry: Entry, rank: int) -> str:
    if not entry.feasible:
        return NOT_FEASIBLE
    if rank == 1:
        return RECOMMENDED if entry.installed else RECOMMENDED_UNVERIFIED
    if not entry.installed:
        return INSTALLABLE
    return WORKS_HERE if entry.verified else INSTALLED_UNVERIFIED


def rank(
    evaluation,
    results: Sequence[Any],
    facts,
    rulebase,
    *,
    matrix: WheelMatrix | None = None,
    smoke_note: str | None = None,
    extra_warnings: Sequence[Notice] = (),
) -> Ranking:
    """Order the frameworks (see the module docstring for the rules of the ordering).

    ``matrix`` is the wheel matrix the install planner reads (default: the bundled one, loaded
    once per run).
    """
    results = tuple(results)
    device = _device(evaluation, facts)
    matrix = matrix or wheel_matrix()
    entries = [
        _entry(fw, facts, evaluation, results, rulebase, device, matrix)
        for fw in FRAMEWORK_ORDER
        if fw in evaluation.scores
    ]
    ordered = sorted(entries, key=_sort_key)
    ranked = tuple(replace(e, rank=i, verdict=_verdict(e, i)) for i, e in enumerate(ordered, 1))
    engine_warnings = (
        *evaluation.warnings,
        *(getattr(evaluation, "stale", ()) or ()),
        *staleness(matrix),
    )
    notices = tuple(
        Notice(
            rule=w.rule,
            why=w.why,
            frameworks=tuple(getattr(w, "frameworks", ()) or ()),
            fix=planned_fix(
                getattr(w, "fix", None), tuple(getattr(w, "frameworks", ()) or ()), ranked
            ),
        )
        for w in engine_warnings
    )
    return Ranking(
        entries=ranked,
        warnings=tuple(extra_warnings) + notices,
        smoke=results,
        device=device,
        smoke_note=smoke_note,
        evaluation=evaluation,
    )
