"""The engine: ``evaluate(facts, answers, rulebase) -> Evaluation``, pure and deterministic.

Every rule's condition was compiled into a closure at load time. Here we build one flat
environment (fact path -> value, ``answer.KEY`` -> value, plus the derived facts), call each
closure once, and collect the effects of the rules that are TRUE. A rule left UNKNOWN does
nothing and says so in the trace. The same inputs give the same ``to_dict()``, byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from recommender.core.catalog import (
    BACKEND_FRAMEWORK,
    FRAMEWORK_IDS,
    KERAS_BACKENDS,
    short_name,
)
from recommender.core.frozen import frozen
from recommender.engine.derived import Derived, derived_facts
from recommender.facts.document import Facts
from recommender.rulebase.conditions import FALSE, TRUE, UNKNOWN, parse_version
from recommender.rulebase.load import Rule, RuleBase

STALE_RULE = "rulebase-newest-known"


@frozen
class Reason:
    rule: str
    delta: float
    why: str
    sources: tuple[str, ...]
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "delta": self.delta,
            "why": self.why,
            "sources": list(self.sources),
            "note": self.note,
        }


@frozen
class Blocker:
    rule: str
    why: str
    sources: tuple[str, ...]
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "why": self.why, "sources": list(self.sources), "fix": self.fix}


@frozen
class Warning:  # noqa: A001 - the rule base's word; builtins.Warning is never needed here
    rule: str
    why: str
    frameworks: tuple[str, ...]
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "why": self.why,
            "frameworks": list(self.frameworks),
            "fix": self.fix,
        }


@frozen
class TraceEntry:
    rule: str
    outcome: str  # "fired" | "false" | "unknown"
    reads: tuple[str, ...]
    unknown: tuple[str, ...]
    effect: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "outcome": self.outcome,
            "reads": list(self.reads),
            "unknown": list(self.unknown),
            "effect": self.effect,
        }


@frozen
class FrameworkScore:
    framework: str
    score: float
    reasons: tuple[Reason, ...]
    blockers: tuple[Blocker, ...]
    warnings: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return not self.blockers

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "score": self.score,
            "feasible": self.feasible,
            "reasons": [r.to_dict() for r in self.reasons],
            "blockers": [b.to_dict() for b in self.blockers],
            "warnings": list(self.warnings),
        }


@frozen
class Evaluation:
    scores: Mapping[str, FrameworkScore]
    keras_backend_scores: Mapping[str, float]
    keras_backend_reasons: Mapping[str, tuple[Reason, ...]]
    warnings: tuple[Warning, ...]
    stale: tuple[Warning, ...]
    trace: tuple[TraceEntry, ...]
    derived: Derived = field(default_factory=Derived)
    #: The answers it was evaluated with (question key -> value, None when unanswered).
    answers: Mapping[str, str | None] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def fired(self) -> tuple[str, ...]:
        return tuple(t.rule for t in self.trace if t.outcome == "fired")

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": {fw: s.to_dict() for fw, s in self.scores.items()},
            "keras_backend_scores": dict(self.keras_backend_scores),
            "keras_backend_reasons": {
                b: [r.to_dict() for r in rs] for b, rs in self.keras_backend_reasons.items()
            },
            "warnings": [w.to_dict() for w in self.warnings],
            "stale": [w.to_dict() for w in self.stale],
            "derived": {
                k: list(v) if isinstance(v, tuple) else v for k, v in self.derived.paths.items()
            },
            "trace": [t.to_dict() for t in self.trace],
        }


# --- staleness -----------------------------------------------------------------------------


def stale_warnings(facts: Facts, rulebase: RuleBase) -> tuple[Warning, ...]:
    """A warning per installed framework newer than the newest version the compat tables know."""
    out = []
    for fw, known in sorted(rulebase.newest_known.items()):
        have = facts.get(f"frameworks.{fw}.version")
        have_v, known_v = (
            parse_version(have) if isinstance(have, str) else None,
            parse_version(known),
        )
        if have_v is None or known_v is None:
            continue
        if have_v.release[: len(known_v.release)] > known_v.release:
            name = short_name(fw)
            out.append(
                Warning(
                    rule=STALE_RULE,
                    frameworks=(fw,) if fw in FRAMEWORK_IDS else (),
                    why=f"the rule base was verified up to {name} {known}; you have {have_v.public}",
                    fix="check the compatibility notes of this release, or update dlrec",
                )
            )
    return tuple(out)


# --- the engine ----------------------------------------------------------------------------


def _environment(
    facts: Facts, values: Mapping[str, str], rulebase: RuleBase
) -> tuple[dict[str, Any], Derived]:
    derived = derived_facts(facts, values.get("accelerator"))
    env: dict[str, Any] = {
        p: facts.get(p) for p in rulebase.fact_paths if not p.startswith("derived.")
    }
    env.update(derived.paths)
    for key, value in values.items():
        env[f"answer.{key}"] = value
    return env, derived


@dataclass(frozen=True, slots=True)
class _Step:
    """One rule, with everything its effect produces built once per rule base (it never changes)."""

    test: Any
    reads: tuple[str, ...]
    read_set: frozenset[str]
    reasons: tuple[tuple[str, Reason], ...]  # (framework or keras.BACKEND, reason)
    blockers: tuple[tuple[str, Blocker], ...]
    fw_warnings: tuple[tuple[str, str], ...]
    warning: Warning | None
    traces: Mapping[Any, TraceEntry]  # outcome -> entry with no unknown facts
    rule: str


def _step(rule: Rule, penalty: float) -> _Step:
    reasons: list[tuple[str, Reason]] = []
    blockers: list[tuple[str, Blocker]] = []
    fw_warnings: list[tuple[str, str]] = []
    warning = None
    if rule.score:
        reasons = [
            (
                key,
                Reason(
                    rule=rule.id, delta=delta, why=rule.why, sources=rule.sources, note=rule.note
                ),
            )
            for key, delta in rule.score.items()
        ]
    elif rule.block and rule.block_device:
        for fw in rule.block:
            if penalty:
                reason = Reason(
                    rule=rule.id,
                    delta=-penalty,
                    why=rule.why,
                    sources=rule.sources,
                    note=f"cannot use {rule.block_device} here",
                )
                reasons.append((fw, reason))
                if fw in _KERAS_BACKEND_OF:  # Keras on that backend loses the device too
                    reasons.append((f"keras.{_KERAS_BACKEND_OF[fw]}", reason))
            fw_warnings.append((fw, f"{rule.block_device}: {rule.why}"))
    elif rule.block:
        blockers = [
            (fw, Blocker(rule=rule.id, why=rule.why, sources=rule.sources, fix=rule.fix))
            for fw in rule.block
        ]
    else:
        frameworks = FRAMEWORK_IDS if "all" in rule.warn else rule.warn
        warning = Warning(rule=rule.id, why=rule.why, frameworks=tuple(frameworks), fix=rule.fix)
        fw_warnings = [(fw, rule.why) for fw in frameworks]
    effect = rule.effect_summary
    traces = {
        result: TraceEntry(rule=rule.id, outcome=name, reads=rule.reads, unknown=(), effect=effect)
        for result, name in _OUTCOMES.items()
    }
    return _Step(
        test=rule.test,
        reads=rule.reads,
        read_set=frozenset(rule.reads),
        reasons=tuple(reasons),
        blockers=tuple(blockers),
        fw_warnings=tuple(fw_warnings),
        warning=warning,
        traces=traces,
        rule=rule.id,
    )


_OUTCOMES = {TRUE: "fired", FALSE: "false", UNKNOWN: "unknown"}
#: The Keras backend each framework provides (a device block on it also weighs on that backend).
_KERAS_BACKEND_OF = {fw: backend for backend, fw in BACKEND_FRAMEWORK.items()}


def _plan(rulebase: RuleBase) -> tuple[tuple[_Step, ...], frozenset[str]]:
    """The rule base as steps, built once per rule base and memoised on it."""

    def make() -> tuple[tuple[_Step, ...], frozenset[str]]:
        penalty = rulebase.settings.get("device_block_penalty", 0)
        steps = tuple(_step(rule, penalty) for rule in rulebase.rules)
        return steps, frozenset(p for step in steps for p in step.reads)

    return rulebase.memo("engine_plan", make)


def _traces(
    rulebase: RuleBase, steps: tuple[_Step, ...], unknown_paths: frozenset[str]
) -> tuple[Mapping[Any, TraceEntry], ...]:
    """Each step's trace entry per outcome, naming the facts it read that are unknown; made once
    per set of unknown facts and memoised on the rule base (a fleet's machines mostly lack the
    same facts, so their traces share these values)."""

    def make() -> tuple[Mapping[Any, TraceEntry], ...]:
        out: list[Mapping[Any, TraceEntry]] = []
        for step in steps:
            if step.read_set.isdisjoint(unknown_paths):
                out.append(step.traces)
                continue
            unknown = tuple(p for p in step.reads if p in unknown_paths)
            out.append({r: replace(t, unknown=unknown) for r, t in step.traces.items()})
        return tuple(out)

    return rulebase.memo(("engine.traces", unknown_paths), make)


def _ordered(reasons: list[Reason]) -> tuple[Reason, ...]:
    return tuple(sorted(reasons, key=lambda r: (-abs(r.delta), r.rule)))


def _total(reasons: list[Reason]) -> float:
    return round(float(sum(r.delta for r in reasons)), 6)


def evaluate(facts: Facts, answers: Any, rulebase: RuleBase) -> Evaluation:
    """Score, block and warn per framework; trace every rule. ``answers`` is an Answers."""
    values = getattr(answers, "values", answers)
    env, derived = _environment(facts, values, rulebase)
    steps, all_reads = _plan(rulebase)
    unknown_paths = frozenset(p for p in all_reads if env.get(p) is None)
    reasons: dict[str, list[Reason]] = {
        k: [] for k in (*FRAMEWORK_IDS, *(f"keras.{b}" for b in KERAS_BACKENDS))
    }
    blockers: dict[str, list[Blocker]] = {fw: [] for fw in FRAMEWORK_IDS}
    fw_warnings: dict[str, list[str]] = {fw: [] for fw in FRAMEWORK_IDS}
    warnings: list[Warning] = []
    trace: list[TraceEntry] = []
    traces = _traces(rulebase, steps, unknown_paths)
    for index, step in enumerate(steps):
        result = TRUE if step.test is None else step.test(env)
        if result is TRUE:
            for key, reason in step.reasons:
                reasons[key].append(reason)
            for fw, blocker in step.blockers:
                blockers[fw].append(blocker)
            for fw, text in step.fw_warnings:
                fw_warnings[fw].append(text)
            if step.warning is not None:
                warnings.append(step.warning)
        trace.append(traces[index][result])
    scores = {
        fw: FrameworkScore(
            framework=fw,
            score=_total(reasons[fw]),
            reasons=_ordered(reasons[fw]),
            blockers=tuple(sorted(blockers[fw], key=lambda b: b.rule)),
            warnings=tuple(fw_warnings[fw]),
        )
        for fw in FRAMEWORK_IDS
    }
    return Evaluation(
        scores=MappingProxyType(scores),
        keras_backend_scores=MappingProxyType(
            {b: _total(reasons[f"keras.{b}"]) for b in KERAS_BACKENDS}
        ),
        keras_backend_reasons=MappingProxyType(
            {b: _ordered(reasons[f"keras.{b}"]) for b in KERAS_BACKENDS}
        ),
        warnings=tuple(sorted(warnings, key=lambda w: w.rule)),
        stale=stale_warnings(facts, rulebase),
        trace=tuple(trace),
        derived=derived,
        answers=MappingProxyType(dict(values or {})),
    )


__all__ = [
    "Blocker",
    "Evaluation",
    "FrameworkScore",
    "Reason",
    "TraceEntry",
    "Warning",
    "evaluate",
    "stale_warnings",
]
