"""A fleet of copies: each distinct machine is read in full and evaluated once; a copy is told by
its text, and whatever the shortcut cannot vouch for is read in full, with the same refusal a
single file gets."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from recommender.cli.main import cli
from recommender.core.errors import BadInputError
from recommender.facts.copies import CopyReader, machine_key
from recommender.facts.fleet import node_name
from recommender.facts.load import load_facts_file, read_document
from recommender.pipeline import fleet as fleet_pipeline
from tests.conftest import FIXTURES

MACHINES = FIXTURES / "personas5" / "machines"
RTX = MACHINES / "rtx3090-linux.json"
MAC = MACHINES / "m2-mac.json"
#: A probes section as ``dlrec probe --json`` writes it: each probe's status and time.
PROBES = {
    "cpu": {"status": "ok", "seconds": 0.5, "reason": None},
    "nvidia": {"status": "ok", "seconds": 0.5, "reason": None},
}


def _base(host: str = "a") -> dict:
    return {  # the host name first: a copy's is then followed by a comma
        "hostname": host,
        **json.loads(RTX.read_text()),
        "probes": json.loads(json.dumps(PROBES)),
    }


def _copy(base: Path, folder: Path, name: str, **changes) -> Path:
    """``base`` with a new host name, collection time, paths and probe timings (``changes``)."""
    doc = json.loads(base.read_text())
    doc["hostname"] = name
    doc.update(changes)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc, indent=2))
    return path


def _fleet(folder: Path, bases: list[Path], files: int) -> list[Path]:
    out = []
    for i in range(files):
        doc = json.loads(bases[i % len(bases)].read_text())
        doc.setdefault("probes", json.loads(json.dumps(PROBES)))
        doc["hostname"] = f"node{i:04d}"
        doc["collected_at"] = f"2026-12-01T10:{i % 60:02d}:00Z"
        doc.setdefault("python", {})["executable"] = f"/home/user{i}/venv/bin/python"
        for probe in (doc.get("probes") or {}).values():
            if isinstance(probe, dict):
                probe["seconds"] = round(0.01 * (i % 13), 3)
        path = folder / f"node{i:04d}.json"
        path.write_text(json.dumps(doc, indent=2))
        out.append(path)
    return out


def _reference(path: Path) -> tuple[str, str] | str:
    """What reading ``path`` alone gives: (its machine key, its node name), or the refusal."""
    try:
        doc, _ = read_document(str(path))
        load_facts_file(str(path))
    except BadInputError as exc:
        return str(exc.format_message() if hasattr(exc, "format_message") else exc)
    return machine_key(doc), node_name(str(path), doc)


def _through_reader(reader: CopyReader, path: Path) -> tuple[str, str] | str:
    try:
        facts, names = reader.read(str(path))
    except BadInputError as exc:
        return str(exc.format_message() if hasattr(exc, "format_message") else exc)
    return machine_key(facts.to_dict()), node_name(str(path), names)


def test_copies_are_read_in_full_once_per_distinct_machine(tmp_path):
    paths = _fleet(tmp_path, [RTX, MAC, MACHINES / "amd-mi210.json"], 60)
    reader = CopyReader()
    got = [reader.read(str(p)) for p in paths]
    assert reader.full_reads == 3 and reader.machines == 3
    assert len({id(facts) for facts, _ in got}) == 3
    assert [node_name(str(p), names) for p, (_, names) in zip(paths, got)] == [
        f"node{i:04d}" for i in range(60)
    ]
    assert all(got[i][0] is got[i % 3][0] for i in range(60))


def test_a_copy_that_differs_in_the_machine_is_its_own_machine(tmp_path):
    reader = CopyReader()
    a = _copy(RTX, tmp_path, "a")
    doc = json.loads(a.read_text())
    doc["hostname"] = "b"
    doc["accelerators"][0]["name"] = "NVIDIA GeForce RTX 4090"
    b = tmp_path / "b.json"
    b.write_text(json.dumps(doc, indent=2))
    fa, _ = reader.read(str(a))
    fb, names = reader.read(str(b))
    assert fa is not fb and reader.machines == 2 and names["hostname"] == "b"
    assert fb.accelerators[0]["name"] == "NVIDIA GeForce RTX 4090"


def test_another_layout_of_one_machine_is_read_in_full_and_shares_its_facts(tmp_path):
    reader = CopyReader()
    a = _copy(RTX, tmp_path, "a")
    compact = tmp_path / "compact.json"
    doc = json.loads(a.read_text())
    doc["hostname"] = "c"
    compact.write_text(json.dumps(doc))
    fa, _ = reader.read(str(a))
    fc, names = reader.read(str(compact))
    assert fa is fc and reader.full_reads == 2 and names["hostname"] == "c"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            lambda t: t.replace('"hostname": "b"', '"hostname": "b", "hostname": "c"'),
            "duplicate key",
        ),
        (lambda t: t.replace('"hostname": "b",', ""), None),  # the field is gone: another shape
        (lambda t: t.replace('"hostname": "b"', '"hostname": "b\x01"'), "invalid JSON"),
        (lambda t: t.replace('"hostname": "b"', '"hostname": "b\\q"'), "invalid JSON"),
        (lambda t: t.replace('"collected_at": "', '"collected_at": 5, "x": "', 1), "x"),
        (lambda t: t.replace('"seconds": 0.5', '"seconds": 1.2.3', 1), "invalid JSON"),
        (lambda t: t.replace('"seconds": 0.5', '"seconds": 01', 1), "invalid JSON"),
        (lambda t: t.replace('"seconds": 0.5', '"seconds": -', 1), "invalid JSON"),
        (lambda t: t.replace("/usr/bin/python3", "python3; curl x"), "python.executable"),
        (
            lambda t: json.dumps(json.loads(t.replace("/usr/bin/python3", "py"))),
            "python.executable",
        ),
    ],
)
def test_a_spoiled_copy_gets_the_refusal_a_single_file_gets(tmp_path, spoil, message):
    base = _base()
    base_path = tmp_path / "base.json"
    base_path.write_text(json.dumps(base, indent=2))
    copy = tmp_path / "copy.json"
    text = json.dumps({**base, "hostname": "b"}, indent=2)
    copy.write_text(spoil(text))
    assert spoil(text) != text
    reader = CopyReader()
    reader.read(str(base_path))
    expected = _reference(copy)
    assert _through_reader(reader, copy) == expected
    if message is not None:
        assert isinstance(expected, str) and message in expected


def test_an_escaped_host_name_is_read_in_full_and_decoded(tmp_path):
    reader = CopyReader()
    reader.read(str(_copy(RTX, tmp_path, "a")))
    b = _copy(RTX, tmp_path, "b\u00e9\\")  # JSON writes the backslash as an escape
    facts, names = reader.read(str(b))
    assert reader.full_reads == 2 and names["hostname"] == "b\u00e9\\"
    assert facts is reader.read(str(_copy(RTX, tmp_path, "d")))[0]


def test_a_shape_whose_fields_do_not_line_up_is_never_a_pattern(tmp_path):
    """An escaped key is the same key to the parser but not to the text: no shortcut then."""
    text = json.dumps({**json.loads(RTX.read_text()), "hostname": "a"}, indent=2)
    spelled = text.replace('"hostname"', '"host\\u006eame"')
    (tmp_path / "a.json").write_text(spelled)
    (tmp_path / "b.json").write_text(spelled.replace('"a"', '"b"', 1))
    reader = CopyReader()
    reader.read(str(tmp_path / "a.json"))
    _, names = reader.read(str(tmp_path / "b.json"))
    assert reader.full_reads == 2 and names["hostname"] == "b"


_HOSTS = st.text(alphabet=string.printable + "\u00e9\u2122\x00\x1b", max_size=12)
_SECONDS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-(10**20), 10**20),
    st.sampled_from(["1e999", "-0", "1.", ".5", "1e", "+1", "0x1", "1_0"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(host=_HOSTS, seconds=_SECONDS, raw=st.booleans())
@example(host="", seconds="1e999", raw=False)  # a cut number that is not finite
def test_the_shortcut_agrees_with_a_full_read(tmp_path, host, seconds, raw):
    """Whatever the cut values are, a copy reads as the file alone reads: same machine and node
    name, or the same refusal."""
    base = _base()
    first = tmp_path / "first.json"
    first.write_text(json.dumps(base, indent=2))
    text = json.dumps({**base, "hostname": host}, indent=2, ensure_ascii=False)
    if raw:  # the value as written, not as JSON would write it
        text = text.replace(json.dumps(host, ensure_ascii=False), f'"{host}"', 1)
    text = text.replace('"seconds": 0.5', f'"seconds": {seconds}', 1)
    copy = tmp_path / "copy.json"
    copy.write_text(text, encoding="utf-8")
    reader = CopyReader()
    reader.read(str(first))
    assert _through_reader(reader, copy) == _reference(copy)


def test_a_fleet_evaluates_each_distinct_machine_once(runner, tmp_path, monkeypatch):
    _fleet(tmp_path, [RTX, MACHINES / "a100-cuda-full.json"], 40)
    calls = []
    real = fleet_pipeline.evaluate

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fleet_pipeline, "evaluate", counting)
    result = runner.invoke(cli, ["recommend", "--json", "--no-smoke", "--facts", str(tmp_path)])
    assert result.exit_code in (0, 1), result.output
    doc = json.loads(result.stdout)
    assert len(calls) == 2  # not 40: the report still counts every node
    assert [n["name"] for n in doc["fleet"]["nodes"]] == [f"node{i:04d}" for i in range(40)]
    kinds = doc["fleet"]["spread"]["gpu_kinds"]
    assert sum(len(v) for v in kinds.values()) == 40


def test_a_blocker_names_each_node_once(runner, tmp_path):
    """Keras on a Mac with an NVIDIA answer has no build: its backend's row and its own plan both
    say so; the fleet (and the machine alone) says it once, naming each node once."""
    _fleet(tmp_path, [RTX, MAC], 6)
    args = ["recommend", "--json", "--no-smoke", "--accelerator", "nvidia", "--facts"]
    doc = json.loads(runner.invoke(cli, [*args, str(tmp_path)]).stdout)
    keras = doc["fleet"]["blockers"]["keras"]
    assert keras and all(len(b["nodes"]) == len(set(b["nodes"])) for b in keras)
    assert any(b["nodes"] == ["node0001", "node0003", "node0005"] for b in keras)
    alone = json.loads(runner.invoke(cli, [*args, str(MAC)]).stdout)
    blocks = next(e for e in alone["ranking"] if e["framework"] == "keras")["blockers"]
    assert len(blocks) == len({(b["rule"], b["why"]) for b in blocks})


def test_a_big_fleet_names_a_few_nodes_and_counts_the_rest(runner, tmp_path):
    """Text is for people: 40 node names in a sentence become seven and "33 more"; the JSON
    still lists every node where it lists nodes."""
    _fleet(tmp_path, [RTX, MAC], 40)
    args = ["recommend", "--no-smoke", "--accelerator", "nvidia", "--facts", str(tmp_path)]
    text = runner.invoke(cli, args).stdout
    assert "Fleet of 40 nodes: node0000, node0001, node0002, node0003, node0004," in text
    assert "node0006 and 33 more" in text and "node0039" not in text
    doc = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)
    keras = next(b for b in doc["fleet"]["blockers"]["keras"] if len(b["nodes"]) == 20)
    assert keras["nodes"][-1] == "node0039"
    entry = next(e for e in doc["ranking"] if e["framework"] == "keras")
    assert any(b["why"].endswith("node0013 and 13 more)") for b in entry["blockers"])


def test_markdown_shows_the_fleet_not_one_nodes_facts(runner, tmp_path):
    from markdown_it import MarkdownIt

    _fleet(tmp_path, [RTX, MAC], 6)
    args = ["recommend", "--no-smoke", "--accelerator", "nvidia", "--format", "markdown"]
    out = runner.invoke(cli, [*args, "--facts", str(tmp_path)]).stdout
    toks = MarkdownIt("commonmark").enable("table").parse(out)
    heads = [toks[i + 1].content for i, t in enumerate(toks) if t.type == "heading_open"]
    assert "Fleet" in heads and "Facts" not in heads
    cells = [t.content for t in toks if t.type == "inline"]
    assert "NVIDIA GeForce RTX 3090" in cells and "Apple M2" in cells
    assert "6 nodes: node0000, node0001, node0002, node0003, node0004, node0005" in out
    redacted = runner.invoke(cli, [*args, "--redact", "--facts", str(tmp_path)]).stdout
    # Markdown escapes the angle brackets of a redacted name, so it reads as text, not HTML.
    assert "node000" not in redacted and r"\<host-1\>" in redacted


def test_read_machine_numbers_the_machines_and_keeps_no_facts(tmp_path):
    """The fleet reads one file at a time: a machine's Facts come with its first file only (a
    copy gets its number), and the reader holds digests, never the documents."""
    paths = _fleet(tmp_path, [RTX, MAC], 6)
    reader = CopyReader()
    got = [reader.read_machine(str(p)) for p in paths]
    assert [g.machine for g in got] == [0, 1, 0, 1, 0, 1]
    assert [g.facts is not None for g in got] == [True, True, False, False, False, False]
    assert [node_name(str(p), g.names) for p, g in zip(paths, got)] == [
        f"node{i:04d}" for i in range(6)
    ]
    assert not reader._facts and all(len(k) == 16 for k in reader._machines)
