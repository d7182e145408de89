"""Every pattern over untrusted text runs in linear time (issue 25).

The patterns are found, not listed (tests/redos.py): a new reader's pattern is tested the day it
is added. Each runs over hostile inputs in three stages (1 KB to find the slowest inputs, 20 KB,
then the slowest at 1 MB): a backtracking pattern costs seconds at 20 KB and hours at 1 MB, a
linear one milliseconds.
"""

from __future__ import annotations

import time

import pytest

from tests.redos import Found, hostile_inputs, reader_patterns

PATTERNS = reader_patterns()


def _cost(found: Found, text: str) -> float:
    start = time.perf_counter()
    for _ in found.pattern.finditer(text):
        pass
    return time.perf_counter() - start


def test_the_readers_patterns_are_found():
    """The enumeration sees the readers (a broken walk would make every test below vacuous)."""
    where = {f.where.split(":")[0].rsplit(".", 1)[0] for f in PATTERNS}
    assert len(PATTERNS) > 40, where
    assert any("facts.reports" in w for w in where) and any("failures" in w for w in where)


@pytest.mark.parametrize("found", PATTERNS, ids=str)
def test_a_pattern_is_linear_on_hostile_input(found: Found):
    small = sorted(
        ((_cost(found, text), label, text) for label, text in hostile_inputs(found.pattern, 1000)),
        reverse=True,
    )
    medium = sorted(
        ((_cost(found, text * 20), label, text * 20) for _, label, text in small[:3]),
        reverse=True,
    )
    assert medium[0][0] < 1.0, f"{medium[0][1]}: {medium[0][0]:.3f}s at 20 KB"
    big = medium[0][2] * 50  # 1 MB, and a 1 MB line wherever the run had no newline
    took = _cost(found, big)
    assert took < 5.0, f"{medium[0][1]}: {took:.2f}s at 1 MB"
