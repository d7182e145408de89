"""Fleet recommendations: many machines' facts documents ranked as one fleet.

``dlrec recommend --facts a.json --facts b.json`` (or ``--facts DIR/``: every ``*.json`` inside,
sorted by name) evaluates the rules on each node, then combines:

* A framework is feasible only if it is feasible on every node. A rule that keeps a framework
  off the answered accelerator on some node (``block_device``) blocks it for the fleet too: a
  data-parallel job runs at the pace of its slowest node. Each blocker names the nodes it blocks on.
* The fleet's score for a framework is its lowest node score (reasons from that node).
* The spread: GPU kinds (and how many nodes have each), the lowest driver, the lowest max CUDA,
  the smallest host and GPU memory, each with the node it comes from.

Pure: ``pipeline.py`` reads the nodes' files one at a time, evaluates and ranks each distinct
machine once, and folds each node into a ``Fleet``, which keeps only what the report prints;
``report/`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from recommender.core.catalog import FRAMEWORK_IDS, Accelerator
from recommender.decide.ranking.rows import Entry, Notice, Ranking
from recommender.engine.evaluate import Evaluation
from recommender.facts.document import Facts
from recommender.rulebase.load import RuleBase


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetNode:
    """One node as the fleet report lists it: its name, file, and per framework whether it is
    feasible there (nodes with the same answers share one read-only dict)."""

    name: str
    path: str
    feasible: Mapping[str, bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class Lowest:
    """The lowest value of a figure across the fleet, and the first node that has it."""

    value: Any
    node: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "node": self.node}


@dataclass(frozen=True, slots=True, kw_only=True)
class Spread:
    """How the fleet's machines differ: each value with the nodes that have it (lowest version
    first), and the lowest of each figure with its node."""

    gpu_kinds: Mapping[str, tuple[str, ...]]
    drivers: Mapping[str, tuple[str, ...]]
    max_cuda: Mapping[str, tuple[str, ...]]
    lowest_driver: Lowest | None
    lowest_max_cuda: Lowest | None
    smallest_gpu_memory_bytes: Lowest | None
    smallest_memory_bytes: Lowest | None

    #: The figures counted per value (``gpu_kinds``, ...) and those given as their lowest.
    COUNTED = ("gpu_kinds", "drivers", "max_cuda")
    LOWEST = (
        "lowest_driver",
        "lowest_max_cuda",
        "smallest_gpu_memory_bytes",
        "smallest_memory_bytes",
    )

    def counted(self, key: str) -> Mapping[str, tuple[str, ...]]:
        """One of the ``COUNTED`` figures by its JSON name."""
        value: Mapping[str, tuple[str, ...]] = getattr(self, key)
        return value

    def lowest(self, key: str) -> Lowest | None:
        """One of the ``LOWEST`` figures by its JSON name."""
        value: Lowest | None = getattr(self, key)
        return value

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            k: {v: list(on) for v, on in self.counted(k).items()} for k in self.COUNTED
        }
        for key in self.LOWEST:
            low = self.lowest(key)
            doc[key] = low.to_dict() if low is not None else None
        return doc


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetBlocker:
    """A rule that blocks a framework on some nodes (hence on the fleet), with those nodes."""

    rule: str
    why: str
    fix: str | None
    nodes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "why": self.why, "fix": self.fix, "nodes": list(self.nodes)}


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetReport:
    """A fleet's nodes, its spread, and per framework its blockers: the JSON ``fleet`` section."""

    nodes: tuple[FleetNode, ...]
    spread: Spread
    blockers: Mapping[str, tuple[FleetBlocker, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [{"name": n.name, "file": n.path, "feasible": n.feasible} for n in self.nodes],
            "spread": self.spread.to_dict(),
            "blockers": {fw: [b.to_dict() for b in found] for fw, found in self.blockers.items()},
        }


#: How many node names a sentence lists before it counts the rest (the JSON lists every one).
NAMED = 8


def named(names: Sequence[str]) -> str:
    """``a, b, c``; past NAMED names, the first ones and how many more."""
    if len(names) <= NAMED:
        return ", ".join(names)
    return f"{', '.join(names[: NAMED - 1])} and {len(names) - NAMED + 1:,} more"


def _gib(value: int) -> str:
    return f"{value / (1 << 30):.0f} GiB"


def spread_lines(nodes: Sequence[FleetNode], summary: Spread) -> list[str]:
    kinds = ", ".join(
        f"{name} ({len(on)} node{'s' if len(on) != 1 else ''})"
        for name, on in summary.gpu_kinds.items()
    )
    lines = [f"Fleet of {len(nodes):,} nodes: {named([n.name for n in nodes])}", f"  GPUs: {kinds}"]
    for item, label, fmt in (
        (summary.lowest_driver, "lowest NVIDIA driver", str),
        (summary.lowest_max_cuda, "lowest max CUDA", str),
        (summary.smallest_gpu_memory_bytes, "smallest GPU memory", _gib),
        (summary.smallest_memory_bytes, "smallest memory", _gib),
    ):
        if item is not None:
            lines.append(f"  {label}: {fmt(item.value)} ({item.node})")
    return lines


# --- combining the nodes, one at a time -------------------------------------------------------


def _machine_figures(facts: Facts) -> _Figures:
    """(GPU kinds, [(driver, max CUDA)] of its NVIDIA GPUs, GPU memories, host memory)."""
    accels = [a for a in facts.accelerators if a.get("visible") is not False]
    names = sorted({str(a.get("name") or a.get("kind")) for a in accels}) or ["none"]
    cuda = [
        (a.get("driver_version"), a.get("max_cuda"))
        for a in accels
        if a.get("kind") == Accelerator.CUDA
    ]
    memory = facts.get("memory.usable_bytes") or facts.get("memory.total_bytes")
    return tuple(names), tuple(cuda), tuple(a.get("memory_bytes") for a in accels), memory


_Figures = tuple[tuple[str, ...], tuple[tuple[Any, Any], ...], tuple[Any, ...], Any]
#: A blocker or a notice as the fleet groups them: (rule, why).
_Key = tuple[str, str]


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
class _Machine:
    """What the fleet keeps of one distinct machine once it is folded in: whether each
    framework is feasible, the figures of the spread, and the keys of its blockers (per
    framework) and notices; never its facts, evaluation or ranking."""

    feasible: Mapping[str, bool]
    figures: _Figures
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


class _SpreadFold:
    """The spread as the nodes come: per GPU kind, driver and max CUDA the nodes that have it;
    the lowest of each figure with the first node of the first machine that has it (a copy
    comes later, so it never wins a tie). Each machine's figures are compared once."""

    def __init__(self) -> None:
        self.kinds: dict[str, list[str]] = {}
        self.drivers: dict[str, dict[str, None]] = {}  # value -> its nodes (a dict keeps order)
        self.cudas: dict[str, dict[str, None]] = {}
        self.low: dict[str, tuple[Any, Any, str] | None] = dict.fromkeys(_LOW_KEYS)
        self.seen: set[int] = set()

    def _lower(self, figure: str, value: Any, key: Any, node: str) -> None:
        if value is None or key is None:
            return
        low = self.low[figure]
        if low is None or key < low[1]:
            self.low[figure] = (value, key, node)

    def add(self, node: str, machine: int, figures: _Figures) -> None:
        names, cuda, gpu_mem, host_mem = figures
        for name in names:
            self.kinds.setdefault(name, []).append(node)
        for driver, max_cuda in cuda:
            if driver is not None:
                self.drivers.setdefault(str(driver), {})[node] = None
            if max_cuda is not None:
                self.cudas.setdefault(str(max_cuda), {})[node] = None
        if machine in self.seen:
            return
        self.seen.add(machine)
        for driver, max_cuda in cuda:  # each figure's lowest is kept apart from the others'
            self._lower("driver", driver, _version(driver), node)
            self._lower("cuda", max_cuda, _version(max_cuda), node)
        for memory in gpu_mem:
            self._lower("gpu", memory, _size(memory), node)
        self._lower("host", host_mem, _size(host_mem), node)

    def result(self) -> Spread:
        def counts(by: dict[str, dict[str, None]]) -> Mapping[str, tuple[str, ...]]:
            # value -> the nodes that have it, lowest version first
            return MappingProxyType(
                {
                    value: tuple(on)
                    for value, on in sorted(
                        by.items(), key=lambda kv: (_version(kv[0]) or (), kv[0])
                    )
                }
            )

        def lowest(figure: str) -> Lowest | None:
            low = self.low[figure]
            return Lowest(value=low[0], node=low[2]) if low is not None else None

        return Spread(
            gpu_kinds=MappingProxyType({k: tuple(on) for k, on in sorted(self.kinds.items())}),
            drivers=counts(self.drivers),
            max_cuda=counts(self.cudas),
            lowest_driver=lowest("driver"),
            lowest_max_cuda=lowest("cuda"),
            smallest_gpu_memory_bytes=lowest("gpu"),
            smallest_memory_bytes=lowest("host"),
        )


_LOW_KEYS = ("driver", "cuda", "gpu", "host")


def _version(v: object) -> Any:
    from recommender.rulebase.conditions import parse_version

    return parse_version(v) if isinstance(v, str) else None


def _size(v: object) -> Any:
    return v if isinstance(v, int) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineSummary:
    """All the fleet reads of one distinct machine: its ranking's rows (in its order) and
    warnings, per framework the (rule, why, fix) of the fired rules that keep it off the answered
    accelerator, and the figures of the spread. A node computes it where it runs (``dlrec fleet
    node-recommend``); the head folds it without the node's facts, evaluation or ranking."""

    entries: tuple[Entry, ...]
    warnings: tuple[Notice, ...]
    device_blocks: Mapping[str, tuple[tuple[str, str, str | None], ...]]
    figures: _Figures


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
        figures=_machine_figures(facts),
    )


class Fleet:
    """A fleet combined one node at a time, in node order, keeping per framework only what the
    report prints (the worst entry, the blockers with their nodes), the spread, and a few
    figures per distinct machine, so a fleet of 10,000 distinct machines never holds 10,000
    rankings. ``pipeline.py`` reads, evaluates and ranks each distinct machine once
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
        self._spread = _SpreadFold()
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
        back by ``decide/fleet_summary.py``); the first machine comes through ``add_machine``."""
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
