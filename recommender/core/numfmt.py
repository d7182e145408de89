"""One number format for every renderer: two significant figures with an SI suffix.

Smoke throughputs come from 40 steps of a tiny model, so a third digit would claim a precision
they do not have; ``throughput`` says "smoke" so nobody mistakes them for benchmarks. Base layer
(imports no stage), so the checklist in ``decide/`` and the renderers in ``report/`` share it.
"""

from __future__ import annotations

import math

_SUFFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def _two_figures(value: float) -> float:
    if value == 0:
        return 0.0
    digits = 1 - math.floor(math.log10(abs(value)))
    return round(value, digits)


def si(value: float | None) -> str:
    """``58786`` -> ``59k``, ``1234`` -> ``1.2k``, ``123`` -> ``120``, ``0.0456`` -> ``0.046``;
    None -> ``?``."""
    if value is None or not math.isfinite(value):
        return "?"
    rounded = _two_figures(float(value))
    for scale, suffix in _SUFFIXES:
        if abs(rounded) >= scale:
            return f"{_two_figures(rounded / scale):g}{suffix}"
    return f"{rounded:g}"


def throughput(samples_per_s: float | None) -> str:
    """``59k samples/s`` (a smoke figure: the caller's label says so once per block)."""
    return f"{si(samples_per_s)} samples/s"


#: The label renderers put beside smoke throughputs, once.
SMOKE_FIGURE_NOTE = "smoke figures from a tiny model, not benchmarks"


def is_digits(text: str) -> bool:
    """True when ``text`` is ASCII digits only: what ``int()`` may then parse. ``str.isdigit``
    is also true of ``²`` (which ``int`` refuses: exit 3) and of other scripts' digits, so
    every number dlrec parses from text is checked with this, never with ``isdigit``."""
    return text.isascii() and text.isdigit()
