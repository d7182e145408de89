"""The tolerant pass marks the whole paste in one pass (retold.Words): each line must come out
exactly as marking it alone would, whatever sits at a line's edges (separators, phrase ends,
identifier breaks, filler words, blank lines)."""

from __future__ import annotations

from recommender.facts.reports.retold import Words, marked

LINES = (
    "",
    "  cudaErrorNoDevice: no CUDA-capable device is detected.  ",
    "CUDA error: insufficient driver;",
    "   ",
    "(the driver is not loaded)",
    "\x1fFooBar_baz\x1e",
    "sm_86 cu118 torch2.1.0+cu121 ABCDef GPU0",
    "İK\u212a ΣΑΣ σς",
    "is the a",
    ". , ;",
    "",
)


def test_whole_paste_marks_each_line_as_alone() -> None:
    index = Words(LINES)
    alone = [marked(line) for line in LINES]
    assert index.marked == " ".join(alone)
    assert index.starts == [sum(len(x) + 1 for x in alone[:i]) for i in range(len(alone))]


def test_no_lines() -> None:
    index = Words(())
    assert (index.marked, index.flat, index.starts) == ("", "", [])
