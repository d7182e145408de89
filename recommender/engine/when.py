"""Evaluate a ``when`` condition outside a rule (the checklist's), with the engine's operators."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recommender.engine.answers import Answers
    from recommender.facts.document import Facts
    from recommender.rulebase.load import RuleBase

__all__ = ["condition_evaluator"]


def condition_evaluator(
    facts: Facts, answers: Answers, rulebase: RuleBase
) -> Callable[[Any], bool | None]:
    """Evaluate a ``frameworks.yaml`` ``when`` with the engine's operators: the same fact
    paths, derived facts and answers a rule sees. An invalid condition is a RuleError."""
    from recommender.core.frozen import thaw
    from recommender.engine.derived import derived_facts
    from recommender.rulebase.conditions import CompileContext, compile_condition

    values = dict(answers.values)
    questions = {q.key: frozenset(q.values) for q in rulebase.questions}
    derived = derived_facts(facts, values.get("accelerator")).paths

    def evaluate(when: Any) -> bool | None:
        ctx = CompileContext(file="rules/frameworks.yaml", rule="install", questions=questions)
        test = compile_condition(thaw(when), ctx)  # the rule base keeps it frozen (tuples)
        env = {
            p: derived[p] if p in derived else facts.get(p)
            for p in ctx.reads
            if not p.startswith("answer.")
        }
        env.update({f"answer.{k}": v for k, v in values.items()})
        return test(env)

    return evaluate
