"""How a fleet's machines differ: each machine's figures (GPU kinds, NVIDIA driver and max
CUDA, GPU and host memory) and their fold, node by node, into the report's ``Spread``."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from recommender.core.catalog import Accelerator
from recommender.decide.fleet.report import Lowest, Spread
from recommender.facts.document import Facts

#: (GPU kinds, [(driver, max CUDA)] of its NVIDIA GPUs, GPU memories, host memory).
Figures = tuple[tuple[str, ...], tuple[tuple[Any, Any], ...], tuple[Any, ...], Any]


def machine_figures(facts: Facts) -> Figures:
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


class SpreadFold:
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

    def add(self, node: str, machine: int, figures: Figures) -> None:
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
