"""The tolerant pass marks each space-separated piece of the paste once (retold.marked_lines): a
line rebuilt from its pieces must come out exactly as marking it alone would, where pieces repeat
across lines, spaces run, and a break, a filler word or an identifier sits at a piece's edge."""

from __future__ import annotations

from recommender.facts.reports.retold import marked, marked_lines

LINES = (
    "[1:0000001] cudaErrorNoDevice: no CUDA-capable device is detected.",
    "[1:0000002] cudaErrorNoDevice:  no  CUDA-capable device   is detected .",
    "[2:0000001] CUDA error: insufficient driver; the driver is not loaded",
    "  is   the a  ",
    " . ; , ",
    "sm_86 cu118 torch2.1.0+cu121 ABCDef GPU0 \x1fFooBar_baz\x1e  \x1e",
    "İK\u212a ΣΑΣ σς \u00a0 x",
    "",
    " ",
)


def test_pieces_marked_once_give_each_line_as_alone() -> None:
    assert marked_lines(LINES) == [marked(line) for line in LINES]


def test_one_line() -> None:
    assert marked_lines(("Error: CUDA_ERROR_OUT_OF_MEMORY is raised",)) == [
        marked("Error: CUDA_ERROR_OUT_OF_MEMORY is raised")
    ]
