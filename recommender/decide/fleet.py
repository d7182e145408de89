"""Fleet recommendations: many machines' facts documents ranked as one fleet.

``dlrec recommend --facts a.json --facts b.json`` (or ``--facts DIR/``: every ``*.json`` inside,
sorted by name) evaluates the rules on each node, then combines:

* A framework is feasible only if it is feasible on every node. A rule that keeps a framework
  off the answered accelerator on some node (``block_device``) blocks it for the fleet too: a
  data-parallel job runs at the pace of its slowest node. Each blocker names the nodes it blocks on.
* The fleet's score for a framework is its lowest node score (reasons from that node).
* The spread: GPU kinds (and how many nodes have each), the lowest driver, the lowest max CUDA,
  the smallest host and GPU memory, each with the node it comes from.

Pure: ``pipeline.py`` reads the nodes' files, evaluates and ranks each distinct machine, and hands
the ranked nodes to ``combine``; ``report/`` prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from recommender.core.catalog import FRAMEWORK_IDS, Accelerator
from recommender.decide.ranking.rows import Ranking
from recommender.engine.evaluate import Evaluation
from recommender.facts.document import Facts
from recommender.rulebase.load import RuleBase


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    name: str
    path: str
    facts: Facts
    ranking: Ranking | None = None
    evaluation: Evaluation | None = None

    @property
    def ranked(self) -> Ranking:
        """The node's ranking (set by ``recommend_fleet`` before the nodes are combined)."""
        assert self.ranking is not None, f"node {self.name} is not ranked yet"
        return self.ranking


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

    nodes: tuple[Node, ...]
    spread: Spread
    blockers: Mapping[str, tuple[FleetBlocker, ...]]

    def to_dict(self) -> dict[str, Any]:
        feasible = {  # per distinct machine; its nodes share the (read-only) dict
            key: {e.framework: e.feasible for e in node.ranked.entries}
            for key, node in _machines(self.nodes).items()
        }
        return {
            "nodes": [
                {"name": n.name, "file": n.path, "feasible": feasible[id(n.ranking)]}
                for n in self.nodes
            ],
            "spread": self.spread.to_dict(),
            "blockers": {fw: [b.to_dict() for b in found] for fw, found in self.blockers.items()},
        }


def _lowest(pairs: list[tuple[Any, str]], key: Callable[[Any], Any]) -> Lowest | None:
    pairs = [(v, n) for v, n in pairs if v is not None and key(v) is not None]
    if not pairs:
        return None
    value, node = min(pairs, key=lambda p: key(p[0]))
    return Lowest(value=value, node=node)


def _machine_figures(facts: Facts) -> tuple[list[str], list[tuple[Any, Any]], list[Any], Any]:
    """(GPU kinds, [(driver, max CUDA)] of its NVIDIA GPUs, GPU memories, host memory)."""
    accels = [a for a in facts.accelerators if a.get("visible") is not False]
    names = sorted({str(a.get("name") or a.get("kind")) for a in accels}) or ["none"]
    cuda = [
        (a.get("driver_version"), a.get("max_cuda"))
        for a in accels
        if a.get("kind") == Accelerator.CUDA
    ]
    memory = facts.get("memory.usable_bytes") or facts.get("memory.total_bytes")
    return names, cuda, [a.get("memory_bytes") for a in accels], memory


def spread(nodes: Sequence[Node]) -> Spread:
    """The fleet's spread; each distinct machine (one Facts value) is looked at once."""
    from recommender.rulebase.conditions import parse_version

    figures: dict[int, tuple[list[str], list[tuple[Any, Any]], list[Any], Any]] = {}
    kinds: dict[str, list[str]] = {}
    drivers: dict[str, dict[str, None]] = {}  # value -> its nodes (a dict keeps their order)
    cudas: dict[str, dict[str, None]] = {}
    first: dict[str, list[tuple[Any, str]]] = {"driver": [], "cuda": [], "gpu": [], "host": []}
    for node in nodes:
        known = figures.get(id(node.facts))
        if known is None:
            known = figures[id(node.facts)] = _machine_figures(node.facts)
            new = True
        else:
            new = False
        names, cuda, gpu_mem, host_mem = known
        for name in names:
            kinds.setdefault(name, []).append(node.name)
        for driver, max_cuda in cuda:
            if driver is not None:
                drivers.setdefault(str(driver), {})[node.name] = None
            if max_cuda is not None:
                cudas.setdefault(str(max_cuda), {})[node.name] = None
        if new:  # the lowest value's first node: a copy comes later, so it never wins a tie
            first["driver"] += [(d, node.name) for d, _ in cuda]
            first["cuda"] += [(c, node.name) for _, c in cuda]
            first["gpu"] += [(m, node.name) for m in gpu_mem]
            first["host"].append((host_mem, node.name))

    def version(v: object) -> object:
        return parse_version(v) if isinstance(v, str) else None

    def counts(by: dict[str, dict[str, None]]) -> Mapping[str, tuple[str, ...]]:
        # value -> the nodes that have it, lowest version first
        return MappingProxyType(
            {
                value: tuple(on)
                for value, on in sorted(by.items(), key=lambda kv: (version(kv[0]) or (), kv[0]))
            }
        )

    def size(v: object) -> object:
        return v if isinstance(v, int) else None

    return Spread(
        gpu_kinds=MappingProxyType({name: tuple(on) for name, on in sorted(kinds.items())}),
        drivers=counts(drivers),
        max_cuda=counts(cudas),
        lowest_driver=_lowest(first["driver"], version),
        lowest_max_cuda=_lowest(first["cuda"], version),
        smallest_gpu_memory_bytes=_lowest(first["gpu"], size),
        smallest_memory_bytes=_lowest(first["host"], size),
    )


#: How many node names a sentence lists before it counts the rest (the JSON lists every one).
NAMED = 8


def named(names: Sequence[str]) -> str:
    """``a, b, c``; past NAMED names, the first ones and how many more."""
    if len(names) <= NAMED:
        return ", ".join(names)
    return f"{', '.join(names[: NAMED - 1])} and {len(names) - NAMED + 1:,} more"


def _gib(value: int) -> str:
    return f"{value / (1 << 30):.0f} GiB"


def spread_lines(nodes: Sequence[Node], summary: Spread) -> list[str]:
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


# --- combining the nodes' rankings ---------------------------------------------------------------


def _device_blocks(
    evaluation: Evaluation, rulebase: RuleBase, framework: str
) -> list[tuple[str, str, str | None]]:
    """(rule, why, fix) of the fired rules that keep ``framework`` off the answered accelerator.
    Asked once per distinct machine (``_machines``): identical machines share one Evaluation."""
    fired = set(evaluation.fired)
    return [
        (r.id, f"cannot use {r.block_device} here: {r.why}", r.fix)
        for r in rulebase.rules
        if r.id in fired and r.block and r.block_device and framework in r.block
    ]


def node_blockers(
    node: Node, framework: str, rulebase: RuleBase
) -> list[tuple[str, str, str | None]]:
    entry = node.ranked.entry(framework)
    out = [(b.rule, b.why, b.fix) for b in entry.blockers]
    assert node.evaluation is not None, f"node {node.name} is not evaluated yet"
    return out + _device_blocks(node.evaluation, rulebase, framework)


def _machines(nodes: Sequence[Node]) -> dict[int, Node]:
    """The first node of each distinct machine (one Ranking value), in node order."""
    first: dict[int, Node] = {}
    for node in nodes:
        first.setdefault(id(node.ranking), node)
    return first


def _names_on(nodes: Sequence[Node], machines: set[int]) -> list[str]:
    """The names of the nodes that are one of ``machines``, in node order."""
    return [node.name for node in nodes if id(node.ranking) in machines]


def _fleet_entry(
    fw: str, nodes: Sequence[Node], machines: dict[int, Node], rulebase: RuleBase
) -> tuple[Any, tuple[FleetBlocker, ...]]:
    """One framework's fleet entry (its worst node's, blocked where any node blocks it), and its
    blockers with the nodes each blocks on. Each distinct machine is looked at once."""
    from recommender.decide.ranking.rank import Block

    per_machine = [(key, node.ranked.entry(fw)) for key, node in machines.items()]
    on: dict[tuple[str, str], tuple[str | None, set[int]]] = {}
    for key, node in machines.items():
        for rule, why, fix in node_blockers(node, fw, rulebase):
            on.setdefault((rule, why), (fix, set()))[1].add(key)
    blockers = tuple(
        FleetBlocker(rule=rule, why=why, fix=fix, nodes=tuple(_names_on(nodes, keys)))
        for (rule, why), (fix, keys) in on.items()
    )
    _, worst = min(per_machine, key=lambda p: p[1].score)  # the first such machine, as nodes go
    blocks = tuple(
        Block(rule=b.rule, why=f"{b.why} (on {named(b.nodes)})", fix=b.fix) for b in blockers
    )
    installed = all(e.installed for _, e in per_machine)
    install = next((e.install for _, e in per_machine if e.install), None)
    entry = replace(
        worst,
        feasible=not blocks,
        blockers=blocks,
        installed=installed,
        install=None if installed else install,
        verified=False,
        smoke=None,
    )
    return entry, blockers


def combine(nodes: Sequence[Node], rulebase: RuleBase) -> tuple[Ranking, FleetReport]:
    """The fleet's Ranking, and its report: the nodes, the spread, and per framework the
    blockers with the nodes each blocks on."""
    from recommender.decide.ranking.rank import Notice, sort_key, verdict_of

    machines = _machines(nodes)
    entries = []
    blockers: dict[str, tuple[FleetBlocker, ...]] = {}
    for fw in FRAMEWORK_IDS:
        entry, blockers[fw] = _fleet_entry(fw, nodes, machines, rulebase)
        entries.append(entry)
    ranked = sorted(entries, key=sort_key)
    ranked = [replace(e, rank=i, verdict=verdict_of(e, i)) for i, e in enumerate(ranked, 1)]
    notices: dict[tuple[str, str], tuple[Any, set[int]]] = {}
    for key, node in machines.items():
        for n in node.ranked.warnings:
            notices.setdefault((n.rule, n.why), (n, set()))[1].add(key)
    warnings = []
    for n, keys in notices.values():
        if len(keys) == len(machines):
            warnings.append(n)
            continue
        names = named(_names_on(nodes, keys))
        warnings.append(
            Notice(rule=n.rule, why=f"{n.why} (on {names})", frameworks=n.frameworks, fix=n.fix)
        )
    note = (
        f"The facts come from {len(nodes)} other machines: no smoke run here; these results are "
        "unverified on them."
    )
    ranking = Ranking(
        entries=tuple(ranked),
        warnings=tuple(warnings),
        smoke=(),
        device=nodes[0].ranked.device,
        smoke_note=note,
        evaluation=nodes[0].evaluation,
    )
    report = FleetReport(
        nodes=tuple(nodes), spread=spread(nodes), blockers=MappingProxyType(blockers)
    )
    return ranking, report
