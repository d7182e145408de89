"""Rule conditions: a registry of named operators, compiled once into closures, three-valued.

A condition is a mapping with exactly one operator key (docs/RULES.md). At load time each
operator *compiles* its argument: it checks the form (fact paths in ``FACT_SCHEMA``, answer
values in ``questions.yaml``, value types that match the fact) and returns a closure
``test(env) -> TRUE | FALSE | UNKNOWN``. ``env`` is a flat dict built once per evaluation:
fact path -> value (None when unknown) and ``answer.KEY`` -> value. Evaluating 10,000 rules is
then 10,000 closure calls and a few dict lookups each: no parsing, no path walking.

Three-valued logic: ``TRUE``/``FALSE`` are the booleans, ``UNKNOWN`` is None. A test on an
unknown fact is UNKNOWN, never FALSE. ``all``/``any``/``not`` follow Kleene's logic.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.core.errors import BadInputError
from recommender.facts.document import FACT_SCHEMA

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


# --- boolean connectives ------------------------------------------------------------------


def _subtests(name: str, arg: Any, ctx: CompileContext) -> tuple[Test, ...]:
    if not isinstance(arg, list) or not arg:
        raise ctx.fail(f"'{name}' takes a non-empty list of conditions")
    line = ctx.line
    tests: list[Test] = []
    for sub in arg:
        tests.append(compile_condition(sub, ctx))
        ctx.line = line
    return tuple(tests)


def _op_all(arg: Any, ctx: CompileContext) -> Test:
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


def _op_any(arg: Any, ctx: CompileContext) -> Test:
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


def _op_not(arg: Any, ctx: CompileContext) -> Test:
    inner = compile_condition(arg, ctx)

    def test(env: Env) -> Tri:
        r = inner(env)
        return UNKNOWN if r is UNKNOWN else not r

    return test


# --- answers -------------------------------------------------------------------------------


def _op_answer(arg: Any, ctx: CompileContext) -> Test:
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


# --- facts ---------------------------------------------------------------------------------

_TYPES: dict[str, tuple[Callable[[object], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "a string (quote it)"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "number": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "any": (lambda v: isinstance(v, (str, int, float, bool)), "a scalar"),
}
_NUMERIC = frozenset({"int", "number", "any"})


def _fact(arg: Any, ctx: CompileContext, op: str, keys: Sequence[str]) -> tuple[str, str]:
    """Check an operator's ``{fact: PATH, ...}`` argument; return (path, element type)."""
    form = "{" + ", ".join(f"{k}: ..." for k in keys) + "}"
    if not isinstance(arg, Mapping) or set(arg) != set(keys):
        got = sorted(arg) if isinstance(arg, Mapping) else type(arg).__name__
        raise ctx.fail(f"'{op}' takes {form} (got {got})")
    path = arg["fact"]
    if not isinstance(path, str) or path not in FACT_SCHEMA:
        raise ctx.fail(
            f"unknown fact path {path!r} (see FACT_SCHEMA in recommender/facts/document.py, "
            f"e.g. cpu.flags, os.system, accelerators[].kind)",
            line_of(arg, "fact"),
        )
    ctx.reads.add(path)
    kind = FACT_SCHEMA[path]
    return path, kind


def _check_value(value: Any, kind: str, ctx: CompileContext, op: str, path: str) -> None:
    element = "str" if kind == "list[str]" else kind
    check, what = _TYPES.get(element, _TYPES["any"])
    if not check(value):
        raise ctx.fail(f"'{op}' on {path} needs {what}, got {value!r}")


def _scalar_test(path: str, match: Callable[[Any], Tri]) -> Test:
    """Any-element semantics for ``[]`` paths (tuples); None anywhere means unknown."""

    def test(env: Env) -> Tri:
        value = env.get(path)
        if value is None:
            return UNKNOWN
        if isinstance(value, tuple):
            unknown = False
            for item in value:
                if item is None:
                    unknown = True
                    continue
                r = match(item)
                if r is TRUE:
                    return TRUE
                if r is UNKNOWN:
                    unknown = True
            return UNKNOWN if unknown else FALSE
        return match(value)

    return test


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _op_eq(arg: Any, ctx: CompileContext) -> Test:
    path, kind = _fact(arg, ctx, "eq", ("fact", "value"))
    if kind == "list[str]":
        raise ctx.fail(f"{path} is a list; use 'contains'")
    want = arg["value"]
    _check_value(want, kind, ctx, "eq", path)
    return _scalar_test(path, lambda v: _same(v, want))


def _op_in(arg: Any, ctx: CompileContext) -> Test:
    path, kind = _fact(arg, ctx, "in", ("fact", "values"))
    if kind == "list[str]":
        raise ctx.fail(f"{path} is a list; use 'contains'")
    values = arg["values"]
    if not isinstance(values, list) or not values:
        raise ctx.fail("'in' takes a non-empty list of values")
    for v in values:
        _check_value(v, kind, ctx, "in", path)
    return _scalar_test(path, lambda v: any(_same(v, w) for w in values))


def _op_contains(arg: Any, ctx: CompileContext) -> Test:
    path, kind = _fact(arg, ctx, "contains", ("fact", "value"))
    if kind != "list[str]" and "[]" not in path:
        raise ctx.fail(f"'contains' needs a list fact; {path} is {kind} (use 'eq')")
    want = arg["value"]
    _check_value(want, kind, ctx, "contains", path)

    def test(env: Env) -> Tri:
        value = env.get(path)
        if value is None:
            return UNKNOWN
        if not isinstance(value, (tuple, list)):
            return UNKNOWN
        if want in value:
            return TRUE
        return UNKNOWN if "[]" in path and None in value else FALSE

    return test


def _op_exists(arg: Any, ctx: CompileContext) -> Test:
    path, _ = _fact(arg, ctx, "exists", ("fact",))

    def test(env: Env) -> Tri:
        value = env.get(path)
        if isinstance(value, tuple) and "[]" in path:
            return any(v is not None for v in value)
        return value is not None

    return test


def _numeric(op: str, compare: Callable[[Any, Any], bool]) -> Operator:
    def operator(arg: Any, ctx: CompileContext) -> Test:
        path, kind = _fact(arg, ctx, op, ("fact", "value"))
        if kind not in _NUMERIC:
            raise ctx.fail(
                f"'{op}' needs a numeric fact; {path} is {kind} (use 'version' for versions)"
            )
        want = arg["value"]
        _check_value(want, "number", ctx, op, path)

        def match(v: Any) -> Tri:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return UNKNOWN
            return compare(v, want)

        return _scalar_test(path, match)

    return operator


@functools.lru_cache(maxsize=4096)
def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None when the text is not one (which reads as unknown)."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _op_version(arg: Any, ctx: CompileContext) -> Test:
    path, kind = _fact(arg, ctx, "version", ("fact", "spec"))
    if kind not in ("str", "any"):
        raise ctx.fail(f"'version' needs a version-string fact; {path} is {kind}")
    spec_text = arg["spec"]
    try:
        if not isinstance(spec_text, str) or not spec_text.strip():
            raise InvalidSpecifier(str(spec_text))
        spec = SpecifierSet(spec_text)
    except InvalidSpecifier:
        raise ctx.fail(
            f"'version' spec {spec_text!r} is not a PEP 440 specifier "
            f'(quote it, e.g. ">=2.16,<2.22")',
            line_of(arg, "spec"),
        ) from None
    cache: dict[str, bool | None] = {}

    def match(v: Any) -> Tri:
        if not isinstance(v, str):
            return UNKNOWN
        if v in cache:
            return cache[v]
        version = parse_version(v)
        hit = cache[v] = UNKNOWN if version is None else spec.contains(version, prereleases=True)
        return hit

    return _scalar_test(path, match)


BUILTIN_OPERATORS: tuple[tuple[str, Operator], ...] = (
    ("all", _op_all),
    ("any", _op_any),
    ("not", _op_not),
    ("answer", _op_answer),
    ("eq", _op_eq),
    ("in", _op_in),
    ("contains", _op_contains),
    ("exists", _op_exists),
    ("gte", _numeric("gte", lambda a, b: a >= b)),
    ("lte", _numeric("lte", lambda a, b: a <= b)),
    ("gt", _numeric("gt", lambda a, b: a > b)),
    ("lt", _numeric("lt", lambda a, b: a < b)),
    ("version", _op_version),
)
for _name, _operator in BUILTIN_OPERATORS:
    register(_name, _operator)

__all__ = [
    "FALSE",
    "OPERATORS",
    "TRUE",
    "UNKNOWN",
    "CompileContext",
    "Operator",
    "RuleError",
    "compile_condition",
    "line_of",
    "parse_version",
    "register",
]
