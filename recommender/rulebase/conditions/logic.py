"""The boolean connectives ``all``, ``any`` and ``not``, in Kleene's three-valued logic: FALSE wins
``all`` and TRUE wins ``any`` whatever else is UNKNOWN."""

from __future__ import annotations

from typing import Any

from recommender.rulebase.conditions.compile import (
    FALSE,
    TRUE,
    UNKNOWN,
    CompileContext,
    Env,
    Test,
    Tri,
    compile_condition,
)


def _subtests(name: str, arg: Any, ctx: CompileContext) -> tuple[Test, ...]:
    if not isinstance(arg, list) or not arg:
        raise ctx.fail(f"'{name}' takes a non-empty list of conditions")
    line = ctx.line
    tests: list[Test] = []
    for sub in arg:
        tests.append(compile_condition(sub, ctx))
        ctx.line = line
    return tuple(tests)


def op_all(arg: Any, ctx: CompileContext) -> Test:
    tests = _subtests("all", arg, ctx)

    def test(env: Env) -> Tri:
        result: Tri = TRUE
        for t in tests:
            r = t(env)
            if r is FALSE:
                return FALSE
            if r is UNKNOWN:
                result = UNKNOWN
        return result

    return test


def op_any(arg: Any, ctx: CompileContext) -> Test:
    tests = _subtests("any", arg, ctx)

    def test(env: Env) -> Tri:
        result: Tri = FALSE
        for t in tests:
            r = t(env)
            if r is TRUE:
                return TRUE
            if r is UNKNOWN:
                result = UNKNOWN
        return result

    return test


def op_not(arg: Any, ctx: CompileContext) -> Test:
    inner = compile_condition(arg, ctx)

    def test(env: Env) -> Tri:
        r = inner(env)
        return UNKNOWN if r is UNKNOWN else not r

    return test
