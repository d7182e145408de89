"""The fleet report's values: its nodes, the spread of their machines, the blockers with the
nodes each blocks on (the JSON ``fleet`` section), and the sentences that name nodes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


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
