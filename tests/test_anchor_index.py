"""Issue 21's reading time: the anchors' one-pass index (anchor_index.py) finds every offset of
every anchor a text holds, occurrences inside or overlapping another's included, by its pass
or by a ``str.find`` pass per anchor the words allow alike; a paste read with the index reads
exactly what it reads without."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from benchmarks.bench_paste import paste, varied
from recommender.facts.reports import anchor_index as module
from recommender.facts.reports import load_signatures, read_paste
from recommender.facts.reports.anchor_index import anchor_index
from recommender.facts.reports.lines import Text, paste_lines
from recommender.facts.reports.needles import Vocabulary
from recommender.facts.reports.signatures import signatures_index
from recommender.facts.reports.tables import load_hardware_tables

SIGNATURES = load_signatures()
INDEX = signatures_index(SIGNATURES)
TABLES = load_hardware_tables()
PASTES = Path(__file__).parent / "fixtures" / "pastes"


def _every_offset(text: str, anchors: list[str]) -> dict[str, list[int]]:
    """Each anchor ``text`` holds with every offset it starts at, one ``str.find`` at a time."""
    out: dict[str, list[int]] = {}
    for anchor in sorted({a for a in anchors if a}):
        at = text.find(anchor)
        while at >= 0:
            out.setdefault(anchor, []).append(at)
            at = text.find(anchor, at + 1)
    return out


@pytest.fixture(params=["scan", "find"])
def way(request, monkeypatch):
    """Both ways of finding the places: the index's one pass, a ``str.find`` pass per anchor."""
    monkeypatch.setattr(module, "_FIND_PASSES", -1 if request.param == "scan" else 10**6)
    monkeypatch.setattr(module, "_UNBUILT_FIND_CHARS", -1 if request.param == "scan" else 10**18)
    return request.param


def test_anchors_inside_and_across_others(way):
    anchors = ["cuda error", "error: no kernel", "error", "no kernel image", "kernel", "aaaa"]
    text = "runtimeerror: cuda error: no kernel image is available; aaaaaa cuda erro"
    places = anchor_index(anchors).places(text, Vocabulary(text))
    assert places == _every_offset(text, anchors)
    assert places["error"] == [7, 19]  # inside "runtimeerror" and inside "cuda error"
    assert places["aaaa"] == [56, 57, 58]  # overlapping itself
    assert "cuda error" in places and places["cuda error"] == [14]


@pytest.mark.parametrize("seed", range(30))
def test_random_anchors_and_texts(seed, way):
    """Anchors of regex metacharacters and whitespace, prefixes of each other, in random text."""
    rng = random.Random(seed)
    alphabet = "ab.(*\\?[ |" if seed % 2 else "ab "
    anchors = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(40)]
    text = "".join(rng.choice(alphabet + "c") for _ in range(rng.choice((50, 500, 3000))))
    assert anchor_index(anchors).places(text, Vocabulary(text)) == _every_offset(text, anchors)


def test_no_anchors():
    assert anchor_index([]).places("cuda error", Vocabulary("cuda error")) == {}
    assert anchor_index([""]).places("cuda error", Vocabulary("cuda error")) == {}


def _texts() -> list[str]:
    own = [p.read_text(encoding="utf-8") for p in sorted(PASTES.glob("*.txt"))]
    return [*own, paste(100_000), varied(150_000)]


@pytest.mark.parametrize("index", range(len(_texts())))
def test_signature_anchors_and_text_find(index, way):
    """Each signature anchor's offsets in a paste, and ``Text.find`` from any offset, are what
    ``str.find`` over the lower-cased paste gives."""
    lines = paste_lines(_texts()[index])
    text, plain = Text(lines, INDEX), Text(lines)
    anchors = [a.lower() for sig in SIGNATURES for a in sig.anchors]
    assert text.places == _every_offset(text.flat, anchors)
    rng = random.Random(index)
    for anchor in rng.sample(sorted(set(anchors)), 200) + sorted(text.places or {}):
        start = rng.randrange(len(text.flat) + 1)
        assert (
            text.find(anchor, start) == plain.find(anchor, start) == text.flat.find(anchor, start)
        )


@pytest.mark.parametrize("index", range(len(_texts())))
def test_reading_with_the_index_reads_the_same(index, way):
    text = _texts()[index]
    plain = read_paste(text, origin="p", signatures=SIGNATURES, tables=TABLES)
    indexed = read_paste(text, origin="p", signatures=SIGNATURES, tables=TABLES, index=INDEX)
    assert indexed.hits == plain.hits
    assert (indexed.blocks, indexed.conflicts, dict(indexed.facts), indexed.doc) == (
        plain.blocks,
        plain.conflicts,
        dict(plain.facts),
        plain.doc,
    )
