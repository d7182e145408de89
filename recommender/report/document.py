"""Ranking -> the ``--json`` document (schema_version 1): plain values, no rich, so that
``dlrec recommend --json`` never imports a renderer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.core.catalog import Framework
from recommender.decide.ranking.rank import Entry, Ranking
from recommender.facts.document import Facts

SCHEMA_VERSION = 1


def _smoke_dict(run: Any) -> dict[str, Any] | None:
    return None if run is None else run.to_dict()


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    return {
        "framework": entry.framework,
        "backend": entry.backend,
        "rank": entry.rank,
        "score": entry.score,
        "feasible": entry.feasible,
        "ready": entry.ready,
        "confidence": entry.confidence,
        "verdict": entry.verdict,
        "tied": entry.tied,
        "tier": entry.placement.to_dict() if entry.placement is not None else None,
        "reasons": [
            {"rule": r.rule, "delta": r.delta, "why": r.why, "sources": list(r.sources)}
            for r in entry.reasons
        ],
        "blockers": [b.to_dict() for b in entry.blockers],
        "smoke": _smoke_dict(entry.smoke),
        "install": entry.install,
        "install_plan": dict(entry.install_plan) if entry.install_plan is not None else None,
        **({"tried": dict(entry.tried)} if entry.tried is not None else {}),
        **(
            {
                "backends": [b.to_dict() for b in entry.backends],
                "not_inherited": [n.to_dict() for n in entry.not_inherited],
            }
            if entry.framework == Framework.KERAS
            else {}
        ),
    }


def ranking_to_json(
    ranking: Ranking, *, answers: Mapping[str, Any], facts: Facts
) -> dict[str, Any]:
    """The ``--json`` contract (schema_version 1). Same inputs, same bytes: no timestamps here."""
    warnings = [n.to_dict() for n in ranking.warnings]
    if ranking.smoke_note:
        warnings.insert(
            0, {"rule": "smoke:skipped", "why": ranking.smoke_note, "frameworks": [], "fix": None}
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "ranking": [entry_to_dict(e) for e in ranking.entries],
        "answers": dict(answers),
        "facts": facts.to_dict(),
        "smoke": [r.to_dict() for r in ranking.smoke],
        "warnings": warnings,
    }


__all__ = ["SCHEMA_VERSION", "entry_to_dict", "ranking_to_json"]
