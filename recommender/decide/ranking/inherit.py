"""Keras through its backend: Keras on X inherits X's reasons that reach a Keras user.

Each rule that scores a backend framework (TensorFlow, PyTorch, JAX) says in its
``keras_reach`` whether that reason reaches Keras on that backend, why, and its sources
(``rules/tradeoffs.yaml``): the same CUDA, ROCm, MPS or CPU build reaches it, PyTorch's research
code or torchvision does not. The ones that do are added to the Keras row's reasons (and
score), worded "CPU only (via torch): ..."; the ones that do not are listed with why.
"""

from __future__ import annotations

from typing import Any

from recommender.core.catalog import BACKEND_FRAMEWORK
from recommender.decide.ranking.rows import NotInherited
from recommender.engine.evaluate import Evaluation, Reason
from recommender.rulebase.load import RuleBase

#: Why a reason of a rule without ``keras_reach`` (a user's rule file) is not inherited.
UNSAID = "its rule does not say whether it reaches Keras (no keras_reach), so it is not inherited"


def _reach(rulebase: RuleBase, rule: str, framework: str) -> Any:
    """The rule's ``keras_reach``; UNSAID for a score rule without one; None for a reason that is
    no rule's score for the framework (a block's device penalty: feasibility carries blocks)."""
    try:
        found = rulebase.rule(rule)
    except (KeyError, AttributeError):
        return None
    if found.keras_reach is not None:
        return found.keras_reach
    return UNSAID if framework in (getattr(found, "score", None) or {}) else None


def through(why: str, backend: str) -> str:
    """``"CPU only: ..."`` -> ``"CPU only (via torch): ..."``: the short form the table shows
    (the topic before the colon) still says the reason comes through the backend."""
    head, sep, rest = why.partition(": ")
    if sep:
        return f"{head} (via {backend}): {rest}"
    return f"Via the {backend} backend: {why}"


def is_inherited(why: str) -> bool:
    head = why.partition(": ")[0]
    return any(
        head.endswith(f" (via {b})") or head == f"Via the {b} backend" for b in BACKEND_FRAMEWORK
    )


def inherited(
    evaluation: Evaluation, backend: str, rulebase: RuleBase
) -> tuple[tuple[Reason, ...], tuple[NotInherited, ...]]:
    """(the backend framework's reasons that reach Keras on ``backend``, reworded; the ones
    that do not). Reasons of rules without ``keras_reach`` (a block's device penalty) are
    neither: feasibility carries a block to Keras."""
    framework = BACKEND_FRAMEWORK[backend]
    score = evaluation.scores.get(framework)
    kept: list[Reason] = []
    dropped: list[NotInherited] = []
    for reason in getattr(score, "reasons", ()) or ():
        reach = _reach(rulebase, str(reason.rule), framework)
        if reach is None:
            continue
        if reach is UNSAID:
            dropped.append(
                NotInherited(
                    rule=str(reason.rule),
                    delta=float(reason.delta),
                    framework=framework,
                    why=UNSAID,
                )
            )
        elif reach.reaches:
            kept.append(
                Reason(
                    rule=str(reason.rule),
                    delta=float(reason.delta),
                    why=through(str(reason.why), backend),
                    sources=tuple(dict.fromkeys((*reason.sources, *reach.sources))),
                    note=reach.why,
                )
            )
        else:
            dropped.append(
                NotInherited(
                    rule=str(reason.rule),
                    delta=float(reason.delta),
                    framework=framework,
                    why=reach.why,
                )
            )
    return tuple(kept), tuple(dropped)
