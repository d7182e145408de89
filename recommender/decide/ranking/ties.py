"""When the machine does not decide: a tie at the top, and the question that would break it.

Rows that share rank 1's (feasible, tier, score) are tied (``decide/ranking.py``): none of them is
recommended, and their order is only a display order (verified by a smoke run, then installed,
then the catalog's order: TensorFlow, PyTorch, Keras, JAX). The report says so above the table
and names the unanswered question whose answer would separate them: each of its choices is
scored again (the engine is pure and fast), and the first question for which some choice changes
the tied frameworks' relative scores is named.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from recommender.core.catalog import display_name
from recommender.decide.ranking.rank import Entry, Notice, Ranking
from recommender.engine.answers import Answers
from recommender.engine.evaluate import evaluate
from recommender.facts.document import Facts
from recommender.rulebase.load import RuleBase

TIE_RULE = "ranking:tie"


def tied_at_top(ranking: Ranking) -> tuple[Entry, ...]:
    """The rows tied at the top: the same feasibility, tier and score (two or more, or none)."""
    return ranking.tied


def _score(scores: Mapping[str, object], entry: Entry) -> float:
    value = getattr(scores.get(entry.framework), "score", 0.0)
    return float(value) if isinstance(value, (int, float)) else 0.0


def breaking_question(
    tied: tuple[Entry, ...], facts: Facts, answers: Answers, rulebase: RuleBase
) -> tuple[str, str] | None:
    """The first unanswered question one of whose answers separates the tied frameworks, and
    that answer."""
    for question in rulebase.questions:
        if answers.source.get(question.key) != "unanswered":
            continue
        for value in question.values:
            scores = evaluate(facts, answers.with_value(question.key, value), rulebase).scores
            if len({_score(scores, e) for e in tied}) > 1:
                return question.key, value
    return None


def tie_notice(
    ranking: Ranking, facts: Facts, answers: Answers, rulebase: RuleBase
) -> Notice | None:
    tied = tied_at_top(ranking)
    if not tied:
        return None
    names = ", ".join(display_name(e.framework, e.backend) for e in tied)
    found = breaking_question(tied, facts, answers, rulebase)
    flag = f"--{found[0].replace('_', '-')}" if found else None
    tier = tied[0].placement.tier if tied[0].placement is not None else None
    why = (
        f"{names} tie at {tied[0].score:g}"
        + (f", all {tier} here" if tier and tier != "unknown" else "")
        + ": this machine and the answers do not decide between them, so none is recommended "
        "(the table lists them verified first, then installed, then in the catalog's order)."
    )
    fix = (  # a command that runs as printed: a real value (issue 26), not a VALUE placeholder
        f"Answer {flag} to break the tie (`dlrec recommend {flag} {found[1]}` is one answer "
        "that does, or `dlrec ask`)."
        if flag and found
        else "No single answer separates them; any of them will do here (`dlrec ask` to be sure)."
    )
    return Notice(rule=TIE_RULE, why=why, frameworks=tuple(e.framework for e in tied), fix=fix)


def with_tie(ranking: Ranking, facts: Facts, answers: Answers, rulebase: RuleBase) -> Ranking:
    """A tie at the top is said first, with the question that breaks it (one machine or a
    fleet alike)."""
    tie = tie_notice(ranking, facts, answers, rulebase)
    if tie is None:
        return ranking
    return dataclasses.replace(ranking, warnings=(tie, *ranking.warnings))


def tie_message(ranking: Ranking) -> str:
    """A tie is not a choice: name the tied rows, the question that breaks it, and the flag."""
    names = ", ".join(display_name(e.framework, e.backend) for e in ranking.tied)
    ids = "|".join(dict.fromkeys(e.framework for e in ranking.tied))
    notice = next((w for w in ranking.warnings if w.rule == TIE_RULE), None)
    hint = f" {notice.fix}" if notice is not None and notice.fix else ""
    return (
        f"{names} tie here, so there is no recommended framework to pick: pass --framework "
        f"{ids}, or answer more questions (dlrec ask).{hint}"
    )
