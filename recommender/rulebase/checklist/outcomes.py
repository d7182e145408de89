"""A checklist item's ``reads`` and ``outcomes``, checked against the rule base at load.

An item's outcomes are tried in order; the first whose ``when`` is true, whose ``fired`` rule
fired and whose ``verdict`` the item's check gave (each only when present) decides the status,
detail, fix and the ``rule`` shown. Rules, tables and frameworks.yaml fields must be listed in
``reads``: an item says what it reads, and the loader holds it to that.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import FRAMEWORK_IDS
from recommender.rulebase.checklist.template import Status, Template, TemplateError, parse_template
from recommender.rulebase.conditions import RuleError, Test, line_of
from recommender.rulebase.load import RuleBase

READS_KEYS = ("rules", "tables", "frameworks", "wheels")
OUTCOME_KEYS = ("status", "when", "fired", "verdict", "rule", "detail", "fix")
STATUS_VALUES: tuple[str, ...] = tuple(s.value for s in Status)
#: The fix of the rule an outcome cites, filled (``fix: "{rule_fix}"``).
RULE_FIX = "rule_fix"

CompileWhen = Callable[[Any, "Where"], tuple[Test, set[str]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckContract:
    """What a named check gives an item: the verdicts outcomes may match, the template fields
    it fills, the compat tables and frameworks.yaml fields it reads (the item must list them in
    ``reads``), and the ``rule`` labels it may cite (``smoke:{kind}``)."""

    name: str
    verdicts: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    framework_fields: tuple[str, ...] = ()
    #: It asks the install planner (rules/wheels.yaml) for commands.
    wheels: bool = False
    cites: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Where:
    """Where an error is: file, line, and the item it concerns."""

    file: str
    line: int = 0
    item: str = ""
    #: What ``item`` names: an item, or a ``url`` of the file's own sources.
    kind: str = "item"

    def fail(self, key: str, message: str, node: Any = None) -> RuleError:
        line = (line_of(node, key) if node is not None else None) or self.line
        label = f"{self.kind} {self.item!r}: " if self.item else ""
        return RuleError(
            f"{label}{key}: {message}", where=f"{self.file}:{line}" if line else self.file
        )

    def entry(self, node: Any, item: str, kind: str = "item") -> Where:
        return Where(self.file, getattr(node, "line", 0) or self.line, item, kind)

    def moved(self, node: Any, key: str) -> Where:
        return Where(self.file, line_of(node, key) or self.line, self.item, self.kind)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reads:
    """The rules an item accounts for (a fired one is shown through the item, never on its own
    line), the compat.yaml tables and the frameworks.yaml fields it reads, and whether it asks
    the install planner (rules/wheels.yaml) for install commands."""

    rules: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    wheels: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    status: Status
    when: Test | None = None
    #: Matches when any of these rules fired; the first that fired is the one shown.
    fired: tuple[str, ...] = ()
    #: Matches when the item's check gave one of these verdicts.
    verdict: tuple[str, ...] = ()
    #: What the ``rule`` column shows; None means the first fired rule.
    rule: Template | None = None
    #: The rule id the outcome cites, when it cites one: its ``why`` is the default detail and
    #: its ``fix`` the ``{rule_fix}`` field. A ``fired`` outcome's fix is its rule's by default.
    rule_id: str | None = None
    detail: Template | None = None
    fix: Template | None = None
    line: int = 0
    #: Fact paths and ``answer.KEY`` names its ``when`` reads.
    reads: frozenset[str] = frozenset()


def _names(node: Mapping[str, Any], key: str, at: Where) -> list[str]:
    value = node.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise at.fail(key, "must be a list of names", node)
    return value


def _close(name: str, known: Sequence[str]) -> str:
    near = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f"did you mean {', '.join(near)}? " if near else ""


def _refuse_unknown(
    names: Sequence[str], known: Sequence[str], at: Where, key: str, node: Any, what: str
) -> None:
    for name in names:
        if name not in known:
            raise at.fail(key, f"{name!r} is not {what}", node)


def refuse_keys(
    node: Mapping[str, Any], allowed: Sequence[str], at: Where, prefix: str = ""
) -> None:
    """``KEY: unknown key (allowed: ...)`` for the first key of ``node`` not in ``allowed``."""
    for key in node:
        if key not in allowed:
            message = f"unknown key (allowed: {', '.join(allowed)})"
            raise at.fail(f"{prefix}{key}", message, node)


def parse_reads(
    node: Mapping[str, Any], at: Where, rulebase: RuleBase, contract: CheckContract | None
) -> Reads:
    reads = node.get("reads") or {}
    here = at.moved(node, "reads")
    if not isinstance(reads, Mapping):
        raise here.fail("reads", f"must be a mapping with keys {', '.join(READS_KEYS)}")
    refuse_keys(reads, READS_KEYS, here, "reads.")
    rule_ids = [r.id for r in rulebase.rules]
    rules = _names(reads, "rules", here)
    for rule in rules:
        if rule in rule_ids:  # the "did you mean" search (difflib) only for a wrong name
            continue
        hint = f"{_close(rule, rule_ids)}see `dlrec rules list`"
        _refuse_unknown([rule], rule_ids, here, "reads.rules", reads, f"a rule id ({hint})")
    tables = _names(reads, "tables", here)
    allowed = list(rulebase.tables)
    what = f"a compat.yaml table (allowed: {', '.join(allowed)})"
    _refuse_unknown(tables, allowed, here, "reads.tables", reads, what)
    known = sorted({k for entry in rulebase.frameworks.values() for k in entry})
    fields = _names(reads, "frameworks", here)
    what = f"a frameworks.yaml field (allowed: {', '.join(known)})"
    _refuse_unknown(fields, known, here, "reads.frameworks", reads, what)
    wheels = reads.get("wheels", False)
    if not isinstance(wheels, bool):
        raise here.fail("reads.wheels", "must be true or false", reads)
    if contract is not None:
        if contract.wheels and not wheels:
            message = f"check {contract.name!r} asks the install planner: set it to true"
            raise here.fail("reads.wheels", message, reads)
        for need, have, key in (
            (contract.tables, tables, "tables"),
            (contract.framework_fields, fields, "frameworks"),
        ):
            missing = [n for n in need if n not in have]
            if missing:
                message = f"check {contract.name!r} reads {', '.join(missing)}: list it here"
                raise here.fail(f"reads.{key}", message, reads)
    return Reads(rules=tuple(rules), tables=tuple(tables), frameworks=tuple(fields), wheels=wheels)


def template_of(
    node: Mapping[str, Any], key: str, at: Where, fields: frozenset[str]
) -> Template | None:
    text = node.get(key)
    if text is None:
        return None
    if not isinstance(text, str) or not text.strip():
        raise at.fail(key, "must be a non-empty string", node)
    try:
        template = parse_template(text)
    except TemplateError as exc:
        raise at.fail(key, str(exc), node) from None
    for name in template.fields:
        if name not in fields:
            hint = (
                " (an install field needs reads: {wheels: true})"
                if name.startswith("install")
                else f" ({_close(name, sorted(fields))}allowed: a fact path such as cpu.arch, "
                "python, framework, name, backend, nvidia_gpu, install fields, and the fields "
                "of the item's check)"
            )
            raise at.fail(key, f"{{{name}}} is not a field{hint}", node)
    return template


def _check_cite(
    template: Template, at: Where, node: Any, reads: Reads, contract: CheckContract | None
) -> str | None:
    """The rule id the cite names, if it names one; refuses a cite of something not read."""
    text = template.text
    if text in reads.rules:
        return text
    if text == f"checklist.yaml {at.item}" or (contract and text in contract.cites):
        return None
    if text.startswith("compat.yaml tables.") and text.split(".", 2)[2] in reads.tables:
        return None
    if text.startswith("wheels.yaml ") and reads.wheels:
        return None
    if text.startswith("frameworks.yaml "):
        path = text.split(" ", 1)[1].split(".")
        owner_ok = len(path) == 1 or (len(path) == 2 and path[0] in (*FRAMEWORK_IDS, "{framework}"))
        if owner_ok and path[-1] in reads.frameworks:
            return None
    cites = (
        f", or a cite of check {contract.name!r}: {', '.join(contract.cites)}" if contract else ""
    )
    raise at.fail(
        "rule",
        f"{text!r} is not something the item reads (allowed: a rule id of reads.rules, "
        f"'compat.yaml tables.NAME' of reads.tables, 'frameworks.yaml [FRAMEWORK.]FIELD' of "
        f"reads.frameworks, 'wheels.yaml ...' with reads.wheels, 'checklist.yaml {at.item}'"
        f"{cites})",
        node,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Defaults:
    rule: Template | None = None
    detail: Template | None = None
    fix: Template | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Scope:
    """What every outcome of one item is checked against."""

    rulebase: RuleBase
    reads: Reads
    contract: CheckContract | None
    compile_when: CompileWhen
    fields: frozenset[str]
    defaults: _Defaults


@dataclass(frozen=True, slots=True, kw_only=True)
class _Match:
    status: Status
    fired: tuple[str, ...]
    verdict: tuple[str, ...]
    when: Test | None
    reads: frozenset[str]


def _match(node: Mapping[str, Any], at: Where, scope: _Scope) -> _Match:
    """An outcome's status and what it matches on: fired rules, the check's verdict, a condition."""
    status = node.get("status")
    if status not in STATUS_VALUES:
        allowed = ", ".join(STATUS_VALUES)
        raise at.fail("status", f"{status!r} is not allowed (allowed: {allowed})", node)
    fired = _names(node, "fired", at)
    what = f"in reads.rules ({', '.join(scope.reads.rules)})"
    _refuse_unknown(fired, scope.reads.rules, at, "fired", node, what)
    verdict = _names(node, "verdict", at)
    contract = scope.contract
    allowed = ", ".join(contract.verdicts) if contract else "none: the item has no check"
    verdicts = contract.verdicts if contract else ()
    what = f"a verdict of the check (allowed: {allowed})"
    _refuse_unknown(verdict, verdicts, at, "verdict", node, what)
    when, reads = None, set[str]()
    if "when" in node:
        when, reads = scope.compile_when(node["when"], at.moved(node, "when"))
    return _Match(
        status=Status(status),
        fired=tuple(fired),
        verdict=tuple(verdict),
        when=when,
        reads=frozenset(reads),
    )


def _parse_outcome(node: Any, at: Where, scope: _Scope) -> Outcome:
    at = Where(at.file, getattr(node, "line", 0) or at.line, at.item)
    if not isinstance(node, Mapping):
        raise at.fail("outcomes", "each outcome is a mapping with keys " + ", ".join(OUTCOME_KEYS))
    refuse_keys(node, OUTCOME_KEYS, at)
    match = _match(node, at, scope)
    fired, fields = match.fired, scope.fields
    # A `fired` outcome speaks for its rule: the item's defaults are for the other outcomes.
    inherited = _Defaults() if fired else scope.defaults
    rule = template_of(node, "rule", at, fields) or inherited.rule
    if rule is None and not fired:
        rule = parse_template(f"checklist.yaml {at.item}")
    rule_id = _check_cite(rule, at, node, scope.reads, scope.contract) if rule else None
    detail = template_of(node, "detail", at, fields) or inherited.detail
    if detail is None and not (rule_id or fired):
        raise at.fail("detail", "missing: give a detail, or cite a rule (its why is the detail)")
    fix = template_of(node, "fix", at, fields | {RULE_FIX})
    if fix is None and match.status not in (Status.OK, Status.UNKNOWN):
        fix = inherited.fix
    has_fix = scope.rulebase.rule
    if fix is not None and RULE_FIX in fix.fields and not (rule_id and has_fix(rule_id).fix):
        raise at.fail("fix", "{rule_fix} needs a `rule:` that is a rule id with a fix", node)
    if match.status is Status.FAIL and fix is None:
        if not fired or any(not has_fix(r).fix for r in fired):
            raise at.fail("fix", "a fail outcome needs a fix (its own, or its fired rule's)")
    return Outcome(
        status=match.status,
        when=match.when,
        fired=fired,
        verdict=match.verdict,
        rule=rule,
        rule_id=rule_id,
        detail=detail,
        fix=fix,
        line=at.line,
        reads=match.reads,
    )


def parse_outcomes(
    node: Mapping[str, Any],
    at: Where,
    *,
    rulebase: RuleBase,
    reads: Reads,
    contract: CheckContract | None,
    compile_when: CompileWhen,
    fields: frozenset[str],
) -> tuple[Outcome, ...]:
    """The item's outcomes, with the item's ``rule``, ``detail`` and ``fix`` as their defaults."""
    defaults = _Defaults(
        rule=template_of(node, "rule", at, fields),
        detail=template_of(node, "detail", at, fields),
        fix=template_of(node, "fix", at, fields),
    )
    if defaults.rule is not None:
        _check_cite(defaults.rule, at, node, reads, contract)
    nodes = node.get("outcomes")
    if not isinstance(nodes, list) or not nodes:
        form = "a non-empty list of {status, when, fired, verdict, ...}"
        raise at.fail("outcomes", f"must be {form}", node)
    scope = _Scope(
        rulebase=rulebase,
        reads=reads,
        contract=contract,
        compile_when=compile_when,
        fields=fields,
        defaults=defaults,
    )
    outcomes: list[Outcome] = []
    for sub in nodes:
        last = outcomes[-1] if outcomes else None
        if last is not None and not (last.when or last.fired or last.verdict):
            message = "unreachable: the outcome before it always matches"
            raise at.entry(sub, at.item).fail("outcomes", message)
        outcomes.append(_parse_outcome(sub, at, scope))
    return tuple(outcomes)


__all__ = [
    "OUTCOME_KEYS",
    "READS_KEYS",
    "CheckContract",
    "Outcome",
    "Reads",
    "Where",
    "parse_outcomes",
    "parse_reads",
    "refuse_keys",
    "template_of",
]
