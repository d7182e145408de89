"""Small pictures in one line of text: a sparkline of a loss curve, a bar of a count.

Unicode block characters only; where the output cannot encode them (PYTHONIOENCODING=ascii) the
console's writer swaps each for an ASCII look-alike (``report/console.py: _FALLBACK``), as it
does for the score bars. Colour, if any, is the caller's style: piped or under NO_COLOR the
console writes the same characters without it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Eight levels, lowest first.
SPARKS = "▁▂▃▄▅▆▇█"
_BLOCKS = " ▏▎▍▌▋▊▉█"


def _buckets(values: Sequence[float], cells: int) -> list[float]:
    """``values`` averaged into at most ``cells`` consecutive buckets."""
    n = len(values)
    if n <= cells:
        return list(values)
    out = []
    for i in range(cells):
        part = values[i * n // cells : (i + 1) * n // cells]
        out.append(sum(part) / len(part))
    return out


def sparkline(values: Sequence[float], cells: int = 8, *, log: bool = False) -> str:
    """``(2.37, 1.2, 0.5, 0.1, 0.01)`` -> ``█▅▂▁▁``: each cell one of eight levels between the
    lowest and the highest value; non-finite values are dropped; a flat curve is a flat line."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return ""
    points = _buckets(finite, cells)
    if log and min(points) > 0:  # a loss curve falls by orders of magnitude: draw it on a log scale
        points = [math.log10(v) for v in points]
    low, high = min(points), max(points)
    if high - low <= 1e-12:
        return SPARKS[0] * len(points)
    top = len(SPARKS) - 1
    return "".join(SPARKS[round((v - low) / (high - low) * top)] for v in points)


def loss_curve(losses: Sequence[float], cells: int = 8) -> str:
    """``loss 2.37 ▇▅▃▂▁ 0.01``; empty when there are no losses."""
    line = sparkline(losses, cells, log=True)
    if not line:
        return ""
    return f"loss {losses[0]:.2f} {line} {losses[-1]:.2f}"


def bar(count: float, top: float, width: int = 20) -> str:
    """A bar of ``width`` cells in eighths, ``count`` relative to ``top`` (at least one eighth
    for a non-zero count, so a single node still shows)."""
    if top <= 0 or count <= 0:
        return ""
    eighths = max(1, round(min(count / top, 1.0) * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_BLOCKS[part] if part else "")
