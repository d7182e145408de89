"""The anchors' one-pass scan (anchor_index.py) is compiled only when a paste needs it: a small
paste is read by a ``str.find`` per anchor its words allow and leaves the index unbuilt, so a command on it does not pay the compile; a large varied paste builds the scan once,
reads by it, and the index keeps it for the next paste."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_paste import varied
from recommender.facts.reports import anchor_index as module
from recommender.facts.reports import load_signatures, read_paste
from recommender.facts.reports.lines import Text, paste_lines
from recommender.facts.reports.needles import Vocabulary
from recommender.facts.reports.signatures import signatures_index
from recommender.facts.reports.tables import load_hardware_tables
from recommender.pipeline import diagnose
from recommender.rulebase.reference import load_reference

SIGNATURES = load_signatures()
TABLES = load_hardware_tables()
SMALL = (Path(__file__).parent / "fixtures" / "pastes" / "two_drivers.txt").read_text(
    "utf-8"
) + "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"


@pytest.fixture
def scans(monkeypatch) -> list[int]:
    """Counts the scan's passes (each call of ``Scan.places``)."""
    calls: list[int] = []
    real = module.Scan.places

    def counted(self, flat):
        calls.append(len(flat))
        return real(self, flat)

    monkeypatch.setattr(module.Scan, "places", counted)
    return calls


def _allowed(index, text: str) -> int:
    flat = Text(paste_lines(text)).flat
    vocabulary = Vocabulary(flat)
    return sum(n.may_be_in(vocabulary) for n in index.needles)


def test_a_small_paste_leaves_the_scan_unbuilt(scans):
    index = signatures_index(SIGNATURES)
    assert not index.built
    # more anchors than ``_FIND_PASSES`` pass its words (the scan read it before it was lazy),
    # but over a few hundred characters their ``str.find`` passes cost less than a compile
    assert _allowed(index, SMALL) > module._FIND_PASSES
    paste = read_paste(SMALL, origin="p", signatures=SIGNATURES, tables=TABLES, index=index)
    assert paste.hits
    assert not index.built and scans == []


def test_a_large_varied_paste_builds_the_scan_once_and_reads_by_it(scans):
    index = signatures_index(SIGNATURES)
    text = varied(300_000)
    assert _allowed(index, text) > module._FIND_PASSES
    indexed = read_paste(text, origin="p", signatures=SIGNATURES, tables=TABLES, index=index)
    assert index.built and len(scans) == 1
    scan = index.scan()
    plain = read_paste(text, origin="p", signatures=SIGNATURES, tables=TABLES)
    assert indexed.hits == plain.hits and indexed.doc == plain.doc
    read_paste(text, origin="p", signatures=SIGNATURES, tables=TABLES, index=index)
    assert index.scan() is scan and len(scans) == 2  # kept by the index, not compiled again


def test_diagnosing_a_small_paste_compiles_no_scan(scans):
    """The command's path: the reference loaded for the run holds the index, unbuilt after a
    small paste."""
    reference = load_reference()
    assert not reference.signature_index.built
    diagnose(SMALL, "small.txt", reference=reference)
    assert not reference.signature_index.built and scans == []
