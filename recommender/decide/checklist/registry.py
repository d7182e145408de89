"""The named checks checklist items refer to (``check: NAME``): a registry, like the rule
operators'.

A check is the computed part of an item (free disk against sizes, the smoke result of this
machine, environment variables, a version against a table). It returns a ``Finding``: a verdict
the item's outcomes match, and template fields; or None when the item has nothing to show. It
never decides a status or names a rule: the item's data does (rules/checklist.yaml).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Protocol

from recommender.decide.checklist.inputs import ItemView
from recommender.rulebase.checklist.items import (
    BASE_FIELDS,
    INSTALL_FIELDS,
    RULE_FIX,
    CheckContract,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    verdict: str | None = None
    fields: Mapping[str, str | None] = field(default_factory=lambda: MappingProxyType({}))


class CheckFunction(Protocol):
    """Look at one item's view of the inputs; return a Finding, or None to show nothing."""

    def __call__(self, view: ItemView) -> Finding | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    contract: CheckContract
    run: CheckFunction


CHECKS: dict[str, Check] = {}


def register(check: Check) -> None:
    """Add a check; a name may be registered once, and its fields may not shadow the base ones."""
    name = check.contract.name
    if name in CHECKS:
        raise ValueError(f"check {name!r} is already registered")
    shadowed = [f for f in check.contract.fields if f in (*BASE_FIELDS, *INSTALL_FIELDS, RULE_FIX)]
    if shadowed:
        raise ValueError(f"check {name!r}: fields {', '.join(shadowed)} are base fields")
    CHECKS[name] = check


def defines(
    name: str,
    *,
    verdicts: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
    tables: tuple[str, ...] = (),
    framework_fields: tuple[str, ...] = (),
    wheels: bool = False,
    cites: tuple[str, ...] = (),
) -> Callable[[CheckFunction], Check]:
    """Declare a check's contract beside its function: ``@defines("disk", verdicts=...)``."""

    def wrap(run: CheckFunction) -> Check:
        contract = CheckContract(
            name=name,
            verdicts=verdicts,
            fields=fields,
            tables=tables,
            framework_fields=framework_fields,
            wheels=wheels,
            cites=cites,
        )
        return Check(contract=contract, run=run)

    return wrap


def finding(verdict: str | None = None, **fields: str | None) -> Finding:
    return Finding(verdict=verdict, fields=MappingProxyType(fields))


__all__ = ["CHECKS", "Check", "CheckFunction", "Finding", "defines", "finding", "register"]
