"""Rule conditions: a registry of named operators, compiled once into closures, three-valued.

A condition is a mapping with exactly one operator key (docs/RULES.md). At load time each
operator *compiles* its argument: it checks the form (fact paths in ``FACT_SCHEMA``, answer
values in ``questions.yaml``, value types that match the fact) and returns a closure
``test(env) -> TRUE | FALSE | UNKNOWN``. ``env`` is a flat dict built once per evaluation:
fact path -> value (None when unknown) and ``answer.KEY`` -> value. Evaluating 10,000 rules is
then 10,000 closure calls and a few dict lookups each: no parsing, no path walking.

Three-valued logic: ``TRUE``/``FALSE`` are the booleans, ``UNKNOWN`` is None. A test on an
unknown fact is UNKNOWN, never FALSE. ``all``/``any``/``not`` follow Kleene's logic.

Modules: ``compile`` (the registry, the compile context, ``compile_condition``), ``logic``
(all, any, not), ``answers`` (answer), ``facts`` (eq, in, contains, exists, gte/lte/gt/lt,
version). The built-in operators are registered here, once, when the package is imported.
"""

from __future__ import annotations

from recommender.rulebase.conditions.answers import op_answer
from recommender.rulebase.conditions.compile import (
    FALSE,
    OPERATORS,
    TRUE,
    UNKNOWN,
    CompileContext,
    Env,
    Operator,
    RuleError,
    Test,
    Tri,
    compile_condition,
    line_of,
    register,
)
from recommender.rulebase.conditions.facts import (
    numeric,
    op_contains,
    op_eq,
    op_exists,
    op_in,
    op_version,
    parse_version,
)
from recommender.rulebase.conditions.logic import op_all, op_any, op_not

BUILTIN_OPERATORS: tuple[tuple[str, Operator], ...] = (
    ("all", op_all),
    ("any", op_any),
    ("not", op_not),
    ("answer", op_answer),
    ("eq", op_eq),
    ("in", op_in),
    ("contains", op_contains),
    ("exists", op_exists),
    ("gte", numeric("gte", lambda a, b: a >= b)),
    ("lte", numeric("lte", lambda a, b: a <= b)),
    ("gt", numeric("gt", lambda a, b: a > b)),
    ("lt", numeric("lt", lambda a, b: a < b)),
    ("version", op_version),
)
for _name, _operator in BUILTIN_OPERATORS:
    register(_name, _operator)

__all__ = [
    "BUILTIN_OPERATORS",
    "FALSE",
    "OPERATORS",
    "TRUE",
    "UNKNOWN",
    "CompileContext",
    "Env",
    "Operator",
    "RuleError",
    "Test",
    "Tri",
    "compile_condition",
    "line_of",
    "parse_version",
    "register",
]
