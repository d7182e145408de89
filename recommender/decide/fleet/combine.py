"""Combining a fleet, one node at a time.

A framework is feasible only if it is feasible on every node; a rule that keeps a framework off
the answered accelerator on some node (``block_device``) blocks it for the fleet too (a
data-parallel job runs at the pace of its slowest node), and each blocker names its nodes. The
fleet's score for a framework is its lowest node score, with that node's reasons. Pure:
``pipeline/fleet.py`` reads the nodes' files one at a time, evaluates and ranks each distinct machine
once (or reads what its node computed), and folds each node into a ``Fleet``, which keeps only
what the report prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from recommender.core.catalog import FRAMEWORK_IDS
from recommender.decide.fleet.report import FleetBlocker, FleetNode, FleetReport, named
from recommender.decide.fleet.spread import Figures, SpreadFold, machine_figures
from recommender.decide.ranking.rows import Entry, Notice, Ranking
from recommender.engine.evaluate import Evaluation
from recommender.facts.document import Facts
from recommender.rulebase.load import RuleBase

#: A blocker or a notice as the fleet groups them: (rule, why).
_Key = tuple[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Machine:
    """What the fleet keeps of one distinct machine once it is folded in: whether each
    framework is feasible, the figures of the spread, and the keys of its blockers (per
    framework) and notices; never its facts, evaluation or ranking."""

    feasible: Mapping[str, bool]
    figures: Figures
    blockers: Mapping[str, tuple[_Key, ...]]
    notices: tuple[_Key, ...]


@dataclass(slots=True)
class _Column:
    """One framework's fleet entry so far: the worst machine's entry (the first of the lowest
    score, as the machines came), whether every machine has it installed, the first install
    line, and its blockers with the nodes each blocks on."""

    worst: Entry | None = None
    installed: bool = True
    install: str | None = None
    blockers: dict[_Key, tuple[str | None, list[str]]] = field(default_factory=dict)


def _device_blocks(
    evaluation: Evaluation, rulebase: RuleBase, framework: str
) -> list[tuple[str, str, str | None]]:
    """(rule, why, fix) of the fired rules that keep ``framework`` off the answered accelerator."""
    fired = set(evaluation.fired)
    return [
        (r.id, f"cannot use {r.block_device} here: {r.why}", r.fix)
        for r in rulebase.rules
        if r.id in fired and r.block and r.block_device and framework in r.block
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineSummary:
    """All the fleet reads of one distinct machine: its ranking's rows (in its order) and
    warnings, per framework the (rule, why, fix) of the fired rules that keep it off the answered
    accelerator, and the figures of the spread. A node computes it where it runs (``dlrec fleet
    node-recommend``); the head folds it without the node's facts, evaluation or ranking."""

    entries: tuple[Entry, ...]
    warnings: tuple[Notice, ...]
    device_blocks: Mapping[str, tuple[tuple[str, str, str | None], ...]]
    figures: Figures


def summarize(
    facts: Facts, evaluation: Evaluation, ranking: Ranking, rulebase: RuleBase
) -> MachineSummary:
    """What ``Fleet`` keeps of a machine, from its facts, evaluation and ranking."""
    return MachineSummary(
        entries=tuple(ranking.entries),
        warnings=tuple(ranking.warnings),
        device_blocks=MappingProxyType(
            {fw: tuple(_device_blocks(evaluation, rulebase, fw)) for fw in FRAMEWORK_IDS}
        ),
        figures=machine_figures(facts),
    )


class Fleet:
    """A fleet combined one node at a time, in node order, keeping per framework only what the
    report prints (the worst entry, the blockers with their nodes), the spread, and a few
    figures per distinct machine, so a fleet of 10,000 distinct machines never holds 10,000
    rankings. ``pipeline/fleet.py`` reads, evaluates and ranks each distinct machine once
    (``add_machine``), then adds each node (``add_node``); ``result`` gives the frozen values.
    The order of everything is the nodes' (a machine counts from its first node), so the
    result does not depend on how the nodes were read, only on their order."""

    def __init__(self, rulebase: RuleBase) -> None:
        self._rulebase = rulebase
        self._machines: dict[int, _Machine] = {}
        self._columns = {fw: _Column() for fw in FRAMEWORK_IDS}
        self._notices: dict[_Key, tuple[Notice, list[str], set[int]]] = {}
        #: Each distinct answer to "feasible where?", shared by its nodes (the JSON encoder takes
        #: a dict, never written to).
        self._feasible: dict[tuple[tuple[str, bool], ...], dict[str, bool]] = {}
        self._nodes: list[FleetNode] = []
        self._spread = SpreadFold()
        self._first: tuple[Facts, Evaluation, Ranking] | None = None

    def knows(self, machine: int) -> bool:
        return machine in self._machines

    def add_machine(
        self, machine: int, facts: Facts, evaluation: Evaluation, ranking: Ranking
    ) -> None:
        """Fold in a distinct machine's ranking (before its first node is added)."""
        if self._first is None:
            self._first = (facts, evaluation, ranking)
        self.add_summary(machine, summarize(facts, evaluation, ranking, self._rulebase))

    def add_summary(self, machine: int, summary: MachineSummary) -> None:
        """Fold in a distinct machine from what its own node computed (``summarize`` there, read
        back by ``decide/fleet/document.py``); the first machine comes through ``add_machine``."""
        feasible = tuple((e.framework, e.feasible) for e in summary.entries)
        by_fw = {e.framework: e for e in summary.entries}
        blockers: dict[str, tuple[_Key, ...]] = {}
        for fw, column in self._columns.items():
            entry = by_fw[fw]
            if column.worst is None or entry.score < column.worst.score:
                column.worst = entry
            column.installed = column.installed and entry.installed
            if column.install is None and entry.install:
                column.install = entry.install
            found = [(b.rule, b.why, b.fix) for b in entry.blockers]
            found += summary.device_blocks.get(fw, ())
            for rule, why, fix in found:
                column.blockers.setdefault((rule, why), (fix, []))
            blockers[fw] = tuple(dict.fromkeys((rule, why) for rule, why, _ in found))
        for n in summary.warnings:
            self._notices.setdefault((n.rule, n.why), (n, [], set()))[2].add(machine)
        self._machines[machine] = _Machine(
            feasible=self._feasible.setdefault(feasible, dict(feasible)),
            figures=summary.figures,
            blockers=MappingProxyType(blockers),
            notices=tuple(dict.fromkeys((n.rule, n.why) for n in summary.warnings)),
        )

    @property
    def started(self) -> bool:
        """Whether the first machine (evaluated here: the fleet's facts and tie) is in."""
        return self._first is not None

    def add_node(self, name: str, path: str, machine: int) -> None:
        """A node of a machine already added (``add_machine``), in node order."""
        known = self._machines[machine]
        self._spread.add(name, machine, known.figures)
        for fw, keys in known.blockers.items():
            column = self._columns[fw]
            for key in keys:
                column.blockers[key][1].append(name)
        for key in known.notices:
            self._notices[key][1].append(name)
        self._nodes.append(FleetNode(name=name, path=path, feasible=known.feasible))

    def result(self) -> tuple[Ranking, FleetReport]:
        """The fleet's Ranking, and its report: the nodes, the spread, and per framework the
        blockers with the nodes each blocks on."""
        from recommender.decide.ranking.rank import Block, sort_key, verdict_of

        assert self._first is not None and self._nodes, "a fleet has at least one node"
        entries = []
        blockers: dict[str, tuple[FleetBlocker, ...]] = {}
        for fw, column in self._columns.items():
            found = blockers[fw] = tuple(
                FleetBlocker(rule=rule, why=why, fix=fix, nodes=tuple(on))
                for (rule, why), (fix, on) in column.blockers.items()
            )
            blocks = tuple(
                Block(rule=b.rule, why=f"{b.why} (on {named(b.nodes)})", fix=b.fix) for b in found
            )
            assert column.worst is not None
            entries.append(
                replace(
                    column.worst,
                    feasible=not blocks,
                    blockers=blocks,
                    installed=column.installed,
                    install=None if column.installed else column.install,
                    verified=False,
                    smoke=None,
                )
            )
        ranked = sorted(entries, key=sort_key)
        ranked = [replace(e, rank=i, verdict=verdict_of(e, i)) for i, e in enumerate(ranked, 1)]
        warnings = []
        for n, names, machines in self._notices.values():
            if len(machines) == len(self._machines):
                warnings.append(n)
            else:
                warnings.append(replace(n, why=f"{n.why} (on {named(names)})"))
        _, evaluation, first = self._first
        ranking = Ranking(
            entries=tuple(ranked),
            warnings=tuple(warnings),
            smoke=(),
            device=first.device,
            smoke_note=(
                f"The facts come from {len(self._nodes)} other machines: no smoke run here; "
                "these results are unverified on them."
            ),
            evaluation=evaluation,
        )
        report = FleetReport(
            nodes=tuple(self._nodes),
            spread=self._spread.result(),
            blockers=MappingProxyType(blockers),
        )
        return ranking, report

    @property
    def facts(self) -> Facts:
        """The first node's facts (what a fleet's answers and tie notice are read against)."""
        assert self._first is not None
        return self._first[0]
