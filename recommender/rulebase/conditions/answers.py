"""The ``answer`` operator: a test on the answers, whose keys and values ``questions.yaml`` lists
(an unanswered question is UNKNOWN)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.rulebase.conditions.compile import (
    FALSE,
    TRUE,
    UNKNOWN,
    CompileContext,
    Env,
    Test,
    Tri,
    line_of,
)


def op_answer(arg: Any, ctx: CompileContext) -> Test:
    if not isinstance(arg, Mapping) or not arg:
        raise ctx.fail("'answer' takes a mapping {KEY: VALUE} or {KEY: {in: [VALUE, ...]}}")
    found: list[tuple[str, frozenset[str]]] = []
    for key, want in arg.items():
        line = line_of(arg, key)
        allowed = ctx.questions.get(key)
        if allowed is None:
            raise ctx.fail(
                f"unknown answer key {key!r} (allowed: {', '.join(sorted(ctx.questions))})", line
            )
        if isinstance(want, Mapping):
            if set(want) != {"in"} or not isinstance(want["in"], list) or not want["in"]:
                raise ctx.fail(f"answer {key!r}: use a value or {{in: [VALUE, ...]}}", line)
            values = want["in"]
        else:
            values = [want]
        for v in values:
            if not isinstance(v, str) or v not in allowed:
                raise ctx.fail(
                    f"answer {key!r} has no value {v!r} (allowed: {', '.join(sorted(allowed))})",
                    line,
                )
        ctx.reads.add(f"answer.{key}")
        found.append((f"answer.{key}", frozenset(values)))
    checks = tuple(found)

    def test(env: Env) -> Tri:
        result: Tri = TRUE
        for name, values in checks:
            value = env.get(name)
            if value is None:
                result = UNKNOWN
            elif value not in values:
                return FALSE
        return result

    return test
