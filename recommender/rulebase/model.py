"""The rule base as values: questions, claims, URL sources, rules and the RuleBase holding them.

Built by ``recommender/rulebase/load.py`` (the loader); read by the engine, the ranking, the
checklist and the reports. Frozen, like every value that crosses a stage.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from recommender.core.frozen import frozen, thaw
from recommender.core.memo import remember
from recommender.rulebase.conditions import Test
from recommender.rulebase.tiers import TierTable

if TYPE_CHECKING:
    from recommender.rulebase.wheels.model import WheelMatrix

_T = TypeVar("_T")


@frozen
class Choice:
    value: str
    label: str


@frozen
class Question:
    key: str
    prompt: str
    help: str
    choices: tuple[Choice, ...]
    default: str
    #: A fact path whose value, when it is one of the choices, pre-fills the default.
    prefill: str | None = None

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)


@frozen
class Claim:
    id: str
    section: str
    summary: str
    today: str


@frozen
class UrlSource:
    id: str
    url: str
    title: str


@frozen
class KerasReach:
    """Whether a rule's reason for a backend framework reaches a Keras user on that backend
    (Keras on X inherits X's reasons that do), why, and the sources that say so."""

    reaches: bool
    why: str
    sources: tuple[str, ...] = ()


@frozen
class Rule:
    id: str
    sources: tuple[str, ...]
    why: str
    #: The condition as written (None = always), for ``explain`` and JSON.
    when: Any = None
    score: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    block: tuple[str, ...] = ()
    block_device: str | None = None
    warn: tuple[str, ...] = ()
    note: str | None = None
    verified: str | None = None
    fix: str | None = None
    #: A ``keras`` score that reaches Keras only on these backends (empty: on every backend).
    keras_backends: tuple[str, ...] = ()
    #: A score for tensorflow, pytorch or jax: does it reach Keras on that backend? (required
    #: on every such rule in tradeoffs.yaml, so the explanation can say which do not).
    keras_reach: KerasReach | None = None
    file: str = ""
    line: int = 0
    #: Fact paths and ``answer.KEY`` names the condition reads, sorted.
    reads: tuple[str, ...] = ()
    test: Test | None = field(default=None, compare=False, repr=False)

    @property
    def effect(self) -> str:
        return "score" if self.score else "block" if self.block else "warn"

    @property
    def effect_summary(self) -> str:
        if self.score:
            return "score " + ", ".join(f"{k} {v:+g}" for k, v in self.score.items())
        if self.block:
            device = f" ({self.block_device} only)" if self.block_device else ""
            return "block " + ", ".join(self.block) + device
        return "warn " + ", ".join(self.warn)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "file": self.file,
            "line": self.line,
            "effect": self.effect,
        }
        if self.score:
            data["score"] = dict(self.score)
        if self.block:
            data["block"] = list(self.block)
            data["block_device"] = self.block_device
        if self.warn:
            data["warn"] = list(self.warn)
        data.update(
            when=thaw(self.when),
            reads=list(self.reads),
            why=self.why,
            note=self.note,
            verified=self.verified,
            fix=self.fix,
            sources=list(self.sources),
        )
        return data


@frozen
class RuleBase:
    rules: tuple[Rule, ...]
    questions: tuple[Question, ...]
    claims: Mapping[str, Claim]
    urls: Mapping[str, UrlSource]
    settings: Mapping[str, float]
    frameworks: Mapping[str, Any]
    tables: Mapping[str, Any]
    #: The wheel matrix (rules/wheels.yaml): every consumer plans from this one.
    wheels: WheelMatrix
    #: rules/checklist.yaml as read (with its lines; never changed), or None where the rules
    #: folder has none; its items are validated against the registered checks, once per rule
    #: base, by ``rulebase.checklist.items.checklist_items``.
    checklist_doc: Mapping[str, Any] | None = None
    checklist_file: str = ""
    #: Support tiers per framework, device and OS (rules/tiers.yaml).
    tiers: TierTable = field(default_factory=TierTable)
    #: The files this rule base was read from, in order (bundled first, then overlays).
    files: tuple[str, ...] = ()
    _index: Mapping[str, Rule] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    #: Memo for derived, immutable views (the engine's precomputed plan, fact paths); never copied
    #: by ``dataclasses.replace``, so an overlaid rule base starts with an empty one.
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def memo(self, key: Hashable, make: Callable[[], _T]) -> _T:
        """``make()`` once per ``key`` for this value: a memo that lives and dies with it."""
        return remember(self._memo, key, make)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError when there is none."""
        return self._index[rule_id]

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    @property
    def fact_paths(self) -> frozenset[str]:
        """Every fact path (not answers) some rule reads."""
        return self.memo(
            "fact_paths",
            lambda: frozenset(
                p for r in self.rules for p in r.reads if not p.startswith("answer.")
            ),
        )

    @property
    def newest_known(self) -> Mapping[str, str]:
        return self.tables.get("newest_known") or MappingProxyType({})


__all__ = ["Choice", "Claim", "Question", "Rule", "RuleBase", "UrlSource"]
