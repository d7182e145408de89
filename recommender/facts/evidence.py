"""Distributed smoke results as rule-engine input: the ``derived.distributed.*`` facts.

A facts document may carry a ``distributed`` list: ``dlrec smoke --distributed N --json``'s
results. ``dlrec recommend`` attaches the passing results cached for this machine (see
``smoke_distributed.cached``); a ``--facts`` file may carry them itself. Pure.

For each framework with a distributed engine (``catalog.DISTRIBUTED_ENGINES``), from the best run (passed first, then the most processes):
``derived.distributed.<fw>.ok`` (bool), ``.processes`` (int), ``.scaling_efficiency`` (number)
and ``.scaling`` ("good" at 70% or more, "fair" from 40%, else "poor").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recommender.catalog import DISTRIBUTED_ENGINES

GOOD, FAIR = 0.7, 0.4


def attach(facts, results: Sequence[Any]):
    """A new Facts whose document carries ``results`` under ``distributed`` (unchanged if none)."""
    if not results:
        return facts
    from recommender.facts.document import Facts

    doc = facts.to_dict()
    doc["distributed"] = [r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in results]
    return Facts.from_dict(doc, origin=facts.origin)


def _runs(facts) -> list[Mapping[str, Any]]:
    runs = facts.doc.get("distributed") if isinstance(facts.doc, Mapping) else None
    return [r for r in runs or () if isinstance(r, Mapping) and not r.get("skipped")]


def best(facts, framework: str) -> Mapping[str, Any] | None:
    runs = [r for r in _runs(facts) if r.get("framework") == framework]
    if not runs:
        return None
    return max(runs, key=lambda r: (bool(r.get("ok")), int(r.get("processes") or 0)))


def scaling(efficiency: Any) -> str | None:
    if not isinstance(efficiency, (int, float)) or isinstance(efficiency, bool):
        return None
    return "good" if efficiency >= GOOD else "fair" if efficiency >= FAIR else "poor"


def derived(facts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fw in DISTRIBUTED_ENGINES:
        run = best(facts, fw)
        eff = run.get("scaling_efficiency") if run else None
        out[f"derived.distributed.{fw}.ok"] = bool(run.get("ok")) if run else None
        out[f"derived.distributed.{fw}.processes"] = run.get("processes") if run else None
        out[f"derived.distributed.{fw}.scaling_efficiency"] = eff if run and run.get("ok") else None
        out[f"derived.distributed.{fw}.scaling"] = scaling(eff) if run and run.get("ok") else None
    return out


def summary(facts, framework: str) -> str | None:
    """ "DDP trained on 2 processes with 91% scaling efficiency" (or why it failed)."""
    run = best(facts, framework)
    if run is None:
        return None
    name = DISTRIBUTED_ENGINES.get(framework, framework)
    if not run.get("ok"):
        return f"{name} smoke on {run.get('processes')} processes failed: {run.get('error') or 'see its log'}"
    eff = run.get("scaling_efficiency")
    tail = f" with {eff:.0%} scaling efficiency" if isinstance(eff, (int, float)) else ""
    return f"{name} trained on {run.get('processes')} processes{tail}, replicas in sync"


def with_figures(evaluation, facts):
    """The evaluation with each ``distributed-*`` reason's why ending in this machine's figures
    ("... Here: DDP trained on 2 processes with 91% scaling efficiency, replicas in sync.")."""
    from dataclasses import replace
    from types import MappingProxyType

    def reword(reason, fw: str):
        text = summary(facts, fw) if reason.rule.startswith("distributed-") else None
        return replace(reason, why=f"{reason.why} Here: {text}.") if text else reason

    scores = {
        fw: replace(s, reasons=tuple(reword(r, fw) for r in s.reasons))
        for fw, s in evaluation.scores.items()
    }
    return replace(evaluation, scores=MappingProxyType(scores))
