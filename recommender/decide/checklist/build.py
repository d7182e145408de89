"""(facts, answers, rule base, evaluation, smoke results, env) -> Checklist. Pure: no probing,
no printing, no framework import.

The items are data (rules/checklist.yaml, loaded by ``recommender/rulebase/checklist/items.py``):
each says which frameworks, Keras backends and accelerators it applies to, when, which rules
and tables it reads, and its outcomes. This module evaluates them in order and groups the
result; it never names a rule. A rule an applying item reads is shown through that item; a
fired block or warn rule for these frameworks that no item reads gets a line of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import Framework, KerasBackend
from recommender.core.problems import BadRequest
from recommender.decide.checklist.checks import builds, general, live, machine, report
from recommender.decide.checklist.inputs import Inputs, ItemView, fill, name_of
from recommender.decide.checklist.install import install_fix, install_release
from recommender.decide.checklist.registry import CHECKS, Finding, register
from recommender.rulebase.checklist.items import (
    RULE_FIX,
    ChecklistItem,
    ChecklistItems,
    Outcome,
    Status,
    checklist_of,
)

if TYPE_CHECKING:
    from recommender.engine.answers import Answers
    from recommender.engine.evaluate import Evaluation
    from recommender.facts.document import Facts
    from recommender.rulebase.load import RuleBase
    from recommender.smoke.results import SmokeResult

for _check in (
    *general.BUILTIN,
    *builds.BUILTIN,
    *machine.BUILTIN,
    *live.BUILTIN,
    *report.BUILTIN,
):
    register(_check)


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    id: str
    status: Status
    title: str
    detail: str
    fix: str | None = None
    rule: str = ""
    #: What the item cites, as "title <url>" (a claim as "id: summary"); Markdown lists them.
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))  # "ok" from a caller is Status.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "rule": self.rule,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Checklist:
    framework: str
    backend: str | None
    name: str
    items: tuple[Item, ...]
    #: "probed" (this machine) or the facts file the checklist was made for.
    origin: str = "probed"

    @property
    def summary(self) -> dict[str, int]:
        return {s.value: sum(1 for i in self.items if i.status is s) for s in Status}

    @property
    def failed(self) -> bool:
        return any(i.status is Status.FAIL for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "backend": self.backend,
            "items": [i.to_dict() for i in self.items],
            "summary": self.summary,
        }


def checklist_items(rulebase: RuleBase) -> ChecklistItems:
    """The rule base's checklist items, checked against it and the registered checks; ``dlrec
    rules check`` validates them too. Raises RuleError (exit 2) on a bad file, BadRequest when
    the rules folder has none."""
    items = checklist_of(rulebase, [c.contract for c in CHECKS.values()])
    if items is None:
        raise BadRequest("no checklist.yaml in the rules folder", where=rulebase.checklist_file)
    return items


def validate_checklist(rulebase: RuleBase) -> int:
    """For ``dlrec rules check``: the number of checklist items, after checking them against
    ``rulebase`` (RuleError, exit 2, when they are bad). A ``--bundled`` directory without a
    checklist.yaml has none to check: 0."""
    items = checklist_of(rulebase, [c.contract for c in CHECKS.values()])
    return 0 if items is None else len(items.items)


# --------------------------------------------------------------------------- evaluation


def _environment(inputs: Inputs, items: Sequence[ChecklistItem]) -> dict[str, Any]:
    """What the items' conditions read: fact paths (derived ones as the engine made them) and
    ``answer.KEY``, as the rule engine's environment has them."""
    paths = {p for item in items for p in item.condition_reads if not p.startswith("answer.")}
    env: dict[str, Any] = {p: inputs.fact(p) for p in paths}
    env.update({f"answer.{k}": v for k, v in inputs.answers.values.items()})
    return env


def _instances(item: ChecklistItem, inputs: Inputs) -> Iterator[tuple[str, str]]:
    """(framework, shown id) for each time the item applies by framework, backend, accelerator."""
    targets = [fw for fw in inputs.targets if not item.frameworks or fw in item.frameworks]
    if not targets:
        return
    if item.backends and (
        inputs.framework != Framework.KERAS.value or inputs.backend not in item.backends
    ):
        return
    if item.accelerators and inputs.accelerator_kind not in item.accelerators:
        return
    if item.each:
        for i, fw in enumerate(targets):
            yield fw, item.key if i == 0 else f"{item.key}-{fw}"
    else:
        yield (targets[0] if len(item.frameworks) == 1 else inputs.framework), item.key


def _matches(
    outcome: Outcome, inputs: Inputs, finding: Finding | None, env: Mapping[str, Any]
) -> str | None:
    """ "" or the first fired rule when the outcome matches; None when it does not."""
    fired = next((r for r in outcome.fired if r in inputs.fired), None)
    if outcome.fired and fired is None:
        return None
    if outcome.verdict and (finding is None or finding.verdict not in outcome.verdict):
        return None
    if outcome.when is not None and outcome.when(env) is not True:
        return None
    return fired or ""


def _rule_fix(inputs: Inputs, rule_id: str) -> str | None:
    from recommender.decide.install.plans import with_planned_installs

    fix = with_planned_installs(
        inputs.rulebase.rule(rule_id).fix, lambda fw: inputs.install_command(inputs, fw, None)
    )
    backend = inputs.backend or KerasBackend.TENSORFLOW.value
    return fill(fix, python=inputs.python, backend=backend) if fix else None


def _show(view: ItemView, key: str, outcome: Outcome, fired: str, finding: Finding | None) -> Item:
    fields = finding.fields if finding is not None else {}

    cited = outcome.rule_id or fired or None

    def lookup(name: str) -> str | None:
        if name in fields:
            return fields[name]
        if name == RULE_FIX:
            return _rule_fix(view.inputs, cited) if cited else None
        return view.field(name)

    rule = outcome.rule.render(lookup, strict=False) if outcome.rule else fired
    detail = outcome.detail.render(lookup, strict=False) if outcome.detail else None
    if outcome.fix is not None:
        fix = outcome.fix.render(lookup, strict=True)
    else:  # a fired outcome without a fix of its own gives its rule's
        fix = _rule_fix(view.inputs, fired) if fired and outcome.status is not Status.OK else None
    return Item(
        id=key,
        status=outcome.status,
        title=view.item.title.render(lookup, strict=False) or "",
        detail=detail if detail is not None else view.inputs.rulebase.rule(cited or "").why,
        fix=fix,
        rule=rule or "",
    )


def _run_check(view: ItemView) -> Finding | None:
    name = view.item.check
    if name is None:
        return None
    check = CHECKS[name]
    found = check.run(view)
    if found is not None:
        verdicts, fields = check.contract.verdicts, check.contract.fields
        if found.verdict is not None and found.verdict not in verdicts:
            raise AssertionError(f"check {name!r} gave verdict {found.verdict!r} ({verdicts})")
        extra = [f for f in found.fields if f not in fields]
        if extra:
            raise AssertionError(f"check {name!r} filled undeclared fields {extra}")
    return found


def _evaluate(view: ItemView, key: str, env: Mapping[str, Any]) -> Item | None:
    finding = _run_check(view)
    if view.item.check is not None and finding is None:
        return None
    for outcome in view.item.outcomes:
        fired = _matches(outcome, view.inputs, finding, env)
        if fired is not None:
            return _show(view, key, outcome, fired, finding)
    return None


def _cite(item: ChecklistItem, inputs: Inputs, urls: Mapping[str, Any]) -> tuple[str, ...]:
    out = []
    for source in item.sources:
        if source.startswith("url:"):
            url = urls.get(source[4:]) or inputs.rulebase.urls.get(source[4:])
            if url is not None:
                out.append(f"{url.title} <{url.url}>")
        elif (claim := inputs.rulebase.claims.get(source)) is not None:
            out.append(f"{claim.id}: {claim.summary}")
    return tuple(out)


def _items(inputs: Inputs, checklist: ChecklistItems) -> tuple[Item, ...]:
    """Each applying item's line, in order, then the fired rules no applying item reads."""
    spec = checklist.items
    values = _environment(inputs, spec)
    items: list[Item] = []
    covered: set[str] = set()
    for item in spec:
        if item.when is not None and item.when(values) is not True:
            continue
        for fw, key in _instances(item, inputs):
            covered.update(item.reads.rules)
            shown = _evaluate(ItemView(inputs, item, fw), key, values)
            if shown is not None:
                cited = _cite(item, inputs, checklist.urls)
                items.append(dataclasses.replace(shown, sources=cited))
                covered.add(shown.rule)
    return (*items, *_leftover(inputs, covered))


def _leftover(inputs: Inputs, covered: set[str]) -> list[Item]:
    """Fired block and warn rules for these frameworks that no applying item reads."""
    items = []
    for rule in inputs.rulebase.rules:
        if rule.id not in inputs.fired or rule.id in covered or rule.score:
            continue
        targets = rule.block or rule.warn
        if "all" not in targets and not set(targets) & set(inputs.targets):
            continue
        fail = bool(rule.block) and not rule.block_device
        items.append(
            Item(
                id=f"rule:{rule.id}",
                status=Status.FAIL if fail else Status.WARN,
                title=rule.effect_summary,
                detail=rule.why,
                fix=_rule_fix(inputs, rule.id),
                rule=rule.id,
            )
        )
    return items


#: The verdict on a report (another machine's facts) where no item fails: the environment is not
#: what breaks the run, so the maintainer's next look is the code or the library.
NOTHING_FOUND = Item(
    id="diagnosis",
    status=Status.OK,
    title="Diagnosis",
    detail="nothing in this environment explains a failure; look at the code or the library",
    rule="checklist",
)


def build_checklist(
    *,
    framework: str,
    backend: str | None,
    facts: Facts,
    answers: Answers,
    rulebase: RuleBase,
    evaluation: Evaluation,
    smoke: Sequence[SmokeResult] = (),
    env: Mapping[str, str] | None = None,
    smoke_note: str | None = None,
) -> Checklist:
    """The checklist for ``framework`` (Keras on ``backend``). ``env`` is this machine's
    environment, or None when the facts describe another machine."""
    inputs = Inputs(
        framework=framework,
        backend=backend if framework == Framework.KERAS.value else None,
        facts=facts,
        answers=answers,
        rulebase=rulebase,
        evaluation=evaluation,
        smoke=tuple(smoke),
        env=env,
        smoke_note=smoke_note,
        fired=frozenset(evaluation.fired),
        install_command=install_fix,
        install_release=install_release,
    )
    items = _items(inputs, checklist_items(rulebase))
    if not facts.is_local and not any(i.status is Status.FAIL for i in items):
        items = (*items, NOTHING_FOUND)
    return Checklist(
        framework=framework,
        backend=inputs.backend,
        name=name_of(framework),
        items=items,
        origin=facts.origin,
    )


__all__ = [
    "Checklist",
    "NOTHING_FOUND",
    "Item",
    "Status",
    "build_checklist",
    "checklist_items",
    "fill",
    "name_of",
    "validate_checklist",
]
