"""The operators on facts: ``eq``, ``in``, ``contains``, ``exists``, the numeric comparisons and
``version``. Each checks at load time that its fact path is in ``FACT_SCHEMA`` and that its values
have the fact's type; a test on an unknown fact is UNKNOWN, never FALSE."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.facts.document import FACT_SCHEMA
from recommender.rulebase.conditions.compile import (
    FALSE,
    TRUE,
    UNKNOWN,
    CompileContext,
    Env,
    Operator,
    Test,
    Tri,
    line_of,
)

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


def op_eq(arg: Any, ctx: CompileContext) -> Test:
    path, kind = _fact(arg, ctx, "eq", ("fact", "value"))
    if kind == "list[str]":
        raise ctx.fail(f"{path} is a list; use 'contains'")
    want = arg["value"]
    _check_value(want, kind, ctx, "eq", path)
    return _scalar_test(path, lambda v: _same(v, want))


def op_in(arg: Any, ctx: CompileContext) -> Test:
    path, kind = _fact(arg, ctx, "in", ("fact", "values"))
    if kind == "list[str]":
        raise ctx.fail(f"{path} is a list; use 'contains'")
    values = arg["values"]
    if not isinstance(values, list) or not values:
        raise ctx.fail("'in' takes a non-empty list of values")
    for v in values:
        _check_value(v, kind, ctx, "in", path)
    return _scalar_test(path, lambda v: any(_same(v, w) for w in values))


def op_contains(arg: Any, ctx: CompileContext) -> Test:
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


def op_exists(arg: Any, ctx: CompileContext) -> Test:
    path, _ = _fact(arg, ctx, "exists", ("fact",))

    def test(env: Env) -> Tri:
        value = env.get(path)
        if isinstance(value, tuple) and "[]" in path:
            return any(v is not None for v in value)
        return value is not None

    return test


def numeric(op: str, compare: Callable[[Any, Any], bool]) -> Operator:
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


def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None when the text is not one (which reads as unknown)."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def op_version(arg: Any, ctx: CompileContext) -> Test:
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
