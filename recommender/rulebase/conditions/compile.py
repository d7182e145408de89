"""The rule language's core: three-valued results, the compile context and its errors, the
registry of operators, and ``compile_condition`` (the package's docstring says how a condition
compiles and evaluates)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from recommender.core.errors import BadInputError

TRUE = True
FALSE = False
UNKNOWN = None

#: A three-valued result: TRUE, FALSE or UNKNOWN (None).
Tri = bool | None
#: The flat evaluation environment: fact path or ``answer.KEY`` -> value (None when unknown).
Env = Mapping[str, Any]
Test = Callable[[Env], Tri]


class RuleError(BadInputError):
    """A rule file is invalid. ``where`` is ``file:line``; the message names the rule id."""


@dataclass(slots=True)
class CompileContext:
    """What an operator needs to validate its argument and report an error."""

    file: str
    rule: str
    questions: Mapping[str, frozenset[str]]
    line: int = 0
    reads: set[str] = field(default_factory=set)
    #: Compiled sub-trees shared across the rules of one load: equal conditions get one closure
    #: (fewer objects, better cache locality with thousands of rules). Key -> (test, reads).
    memo: dict[str, tuple[Test, frozenset[str]]] = field(default_factory=dict)

    def fail(self, message: str, line: int | None = None) -> RuleError:
        return RuleError(f"rule {self.rule!r}: {message}", where=f"{self.file}:{line or self.line}")

    def at(self, node: Any) -> CompileContext:
        """Move the error line to ``node`` when it knows its own line (a YAML mapping)."""
        line = getattr(node, "line", 0)
        if line:
            self.line = line
        return self


class Operator(Protocol):
    """Compile an operator's argument into a three-valued test, or raise ``ctx.fail(...)``."""

    def __call__(self, arg: Any, ctx: CompileContext) -> Test: ...


OPERATORS: dict[str, Operator] = {}


def register(name: str, operator: Operator) -> None:
    """Add an operator; a name may be registered once."""
    if name in OPERATORS:
        raise ValueError(f"operator {name!r} is already registered")
    OPERATORS[name] = operator


def compile_condition(node: Any, ctx: CompileContext) -> Test:
    """Validate a condition tree and return its test. ``ctx.reads`` collects what it reads."""
    ctx.at(node)
    if not isinstance(node, Mapping) or len(node) != 1:
        raise ctx.fail(f"a condition is a mapping with exactly one operator (allowed: {_names()})")
    ((name, arg),) = node.items()
    operator = OPERATORS.get(name)
    if operator is None:
        raise ctx.fail(f"unknown operator {name!r} (allowed: {_names()})", line_of(node, name))
    # The tree's repr names every value with its type (1, 1.0 and True differ, strings are
    # quoted): equal keys are equal trees. A tree written in another key order only misses.
    key = repr([name, arg])
    hit = ctx.memo.get(key)
    if hit is not None:
        ctx.reads.update(hit[1])
        return hit[0]
    outer = ctx.reads
    ctx.reads = set()
    try:
        test = operator(arg, ctx)
        reads = frozenset(ctx.reads)
    finally:
        outer.update(ctx.reads)
        ctx.reads = outer
    ctx.memo[key] = (test, reads)
    return test


def line_of(node: Any, key: Any) -> int | None:
    """The line of ``key`` in a YAML mapping (None for JSON documents, which keep no lines)."""
    finder = getattr(node, "line_of", None)
    return finder(key) if finder else None


def _names() -> str:
    return ", ".join(sorted(OPERATORS))
