"""A fleet's spread as small bar charts: how many nodes have each GPU, driver and max CUDA.

``Fleet of 3 nodes: a, b, c`` then, per dimension, one row per value with a bar and its count,
then the lowest driver, CUDA and memory lines ``decide/fleet/report.py: spread_lines`` also writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from recommender.decide.fleet.report import Spread, spread_lines
from recommender.report.pictures import bar

_BAR_WIDTH = 16
_CHARTS = (("gpu_kinds", "GPUs"), ("drivers", "NVIDIA driver"), ("max_cuda", "max CUDA"))


def spread_chart(summary: Spread, total: int) -> Table:
    """One row per value: dimension, value, bar (nodes out of ``total``), count."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)  # dimension
    grid.add_column(no_wrap=True)  # value
    grid.add_column(no_wrap=True, min_width=_BAR_WIDTH)
    grid.add_column(justify="right", no_wrap=True)
    for key, label in _CHARTS:
        values = summary.counted(key)
        for i, (value, nodes) in enumerate(values.items()):
            grid.add_row(
                Text(f"  {label}" if i == 0 else ""),
                Text(str(value)),
                Text(bar(len(nodes), total, _BAR_WIDTH), style="cyan"),
                Text(f"{len(nodes)}"),
            )
    return grid


def render_spread(nodes: Sequence[Any], summary: Spread) -> Group:
    """The fleet header, the bar charts, then the lowest-value lines."""
    head, *rest = spread_lines(nodes, summary)
    lowest = [line for line in rest if not line.lstrip().startswith("GPUs:")]
    return Group(
        Text(head),
        spread_chart(summary, len(nodes)),
        *(Text(line) for line in lowest),
    )
