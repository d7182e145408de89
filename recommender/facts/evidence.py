"""Distributed smoke results as rule-engine input: the ``derived.distributed.*`` facts.

A facts document may carry a ``distributed`` list: ``dlrec smoke --distributed N --json``'s
results. ``dlrec recommend`` attaches the passing results cached for this machine (see
``smoke_distributed.cached``); a ``--facts`` file may carry them itself. Pure.

For each framework with a distributed engine (``catalog.DISTRIBUTED_ENGINES``), from the best run
(a GPU run before a CPU one, then passed first, then the most processes):
``derived.distributed.<fw>.ok`` (bool), ``.processes`` (int), ``.device`` ("cpu" or "cuda": the
device the ranks trained on, so a rule can tell a gloo-on-CPU run from a multi-GPU one),
``.scaling_efficiency`` (number) and ``.scaling`` ("good" at 70% or more, "fair" from 40%, else
"poor"). The rules count a run only where its device matches the answer, and never count poor
scaling in a framework's favour (rules/tradeoffs.yaml, distributed-*).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from recommender.core.catalog import DISTRIBUTED_ENGINES

if TYPE_CHECKING:
    from recommender.facts.document import Facts


class _Scored(Protocol):
    """What ``with_figures`` reads of the engine's Evaluation (a later stage: not imported)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @property
    def warnings(self) -> Sequence[Any]: ...
    @property
    def scores(self) -> Mapping[str, Any]: ...


_E = TypeVar("_E", bound=_Scored)

GOOD, FAIR = 0.7, 0.4


def attach(facts: Facts, results: Sequence[Any]) -> Facts:
    """A new Facts whose document carries ``results`` under ``distributed`` (unchanged if none)."""
    if not results:
        return facts
    from recommender.facts.document import Facts

    doc = facts.to_dict()
    doc["distributed"] = [r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in results]
    return Facts.from_dict(doc, origin=facts.origin)


def _runs(facts: Facts) -> list[Mapping[str, Any]]:
    runs = facts.doc.get("distributed") if isinstance(facts.doc, Mapping) else None
    return [r for r in runs or () if isinstance(r, Mapping) and not r.get("skipped")]


def best(facts: Facts, framework: str) -> Mapping[str, Any] | None:
    runs = [r for r in _runs(facts) if r.get("framework") == framework]
    if not runs:
        return None
    return max(
        runs,
        key=lambda r: (
            device(r) not in (None, "cpu"),  # a GPU run says more about every GPU answer
            bool(r.get("ok")),
            int(r.get("processes") or 0),
        ),
    )


def device(run: Mapping[str, Any] | None) -> str | None:
    """The device a run trained on ("cpu", "cuda"), or None when the result does not say."""
    value = run.get("device") if run else None
    return value if isinstance(value, str) and value else None


def scaling(efficiency: Any) -> str | None:
    if not isinstance(efficiency, (int, float)) or isinstance(efficiency, bool):
        return None
    return "good" if efficiency >= GOOD else "fair" if efficiency >= FAIR else "poor"


def derived(facts: Facts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fw in DISTRIBUTED_ENGINES:
        run = best(facts, fw)
        eff = run.get("scaling_efficiency") if run else None
        out[f"derived.distributed.{fw}.ok"] = bool(run.get("ok")) if run else None
        out[f"derived.distributed.{fw}.processes"] = run.get("processes") if run else None
        out[f"derived.distributed.{fw}.device"] = device(run)
        out[f"derived.distributed.{fw}.scaling_efficiency"] = eff if run and run.get("ok") else None
        out[f"derived.distributed.{fw}.scaling"] = scaling(eff) if run and run.get("ok") else None
    return out


#: How a run's device reads in a sentence; DDP names its communication backend too.
_ON = {"cpu": "on the CPU", "cuda": "on the GPUs"}
_DDP_BACKEND = {"cpu": "gloo", "cuda": "nccl"}


def _where(run: Mapping[str, Any]) -> str:
    dev = device(run)
    if dev is None:
        return ""
    backend = _DDP_BACKEND.get(dev) if run.get("engine") == "ddp" else None
    return f" {_ON.get(dev, f'on {dev}')}" + (f" ({backend})" if backend else "")


def summary(facts: Facts, framework: str) -> str | None:
    """ "DDP trained on 2 processes on the GPUs (nccl) with 91% scaling efficiency, replicas in
    sync" (or why it failed)."""
    run = best(facts, framework)
    if run is None:
        return None
    name = DISTRIBUTED_ENGINES.get(framework, framework)
    where = _where(run)
    if not run.get("ok"):
        return (
            f"{name} smoke on {run.get('processes')} processes{where} failed: "
            f"{run.get('error') or 'see its log'}"
        )
    eff = run.get("scaling_efficiency")
    tail = f" with {eff:.0%} scaling efficiency" if isinstance(eff, (int, float)) else ""
    return f"{name} trained on {run.get('processes')} processes{where}{tail}, replicas in sync"


def with_figures(evaluation: _E, facts: Facts) -> _E:
    """The evaluation with each ``distributed-*`` reason's and warning's why ending in this
    machine's figures ("... Here: DDP trained on 2 processes on the GPUs (nccl) with 91% scaling
    efficiency, replicas in sync.")."""
    from dataclasses import replace
    from types import MappingProxyType

    def figures(rule: str, fw: str) -> str | None:
        return summary(facts, fw) if rule.startswith("distributed-") else None

    def reword(reason: Any, fw: str) -> Any:
        text = figures(reason.rule, fw)
        return replace(reason, why=f"{reason.why} Here: {text}.") if text else reason

    warnings: list[Any] = []
    renamed: dict[str, str] = {}
    for warning in evaluation.warnings:
        text = (
            figures(warning.rule, warning.frameworks[0]) if len(warning.frameworks) == 1 else None
        )
        if text:
            renamed[warning.why] = f"{warning.why} Here: {text}."
            warning = replace(warning, why=renamed[warning.why])
        warnings.append(warning)
    scores = {
        fw: replace(
            s,
            reasons=tuple(reword(r, fw) for r in s.reasons),
            warnings=tuple(renamed.get(w, w) for w in s.warnings),
        )
        for fw, s in evaluation.scores.items()
    }
    return replace(evaluation, scores=MappingProxyType(scores), warnings=tuple(warnings))
