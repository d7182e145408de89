"""Evaluation on the nodes (issue 24, Scale): each node's own recommendation document
(``dlrec fleet node-recommend``), folded by ``dlrec recommend --facts DIR`` when its stamp
matches, gives byte for byte what evaluating every node on the head gives; a stale or missing
document is evaluated on the head, a malformed one is refused (exit 2, file:line and key)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from recommender.cli.main import cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_fleet import make_diverse_fleet  # noqa: E402

ARGS = ["--no-smoke", "--accelerator", "nvidia"]


def _run(runner, folder: Path, *extra: str):
    return runner.invoke(cli, ["recommend", "--facts", str(folder), *ARGS, *extra])


def _node_doc(runner, facts: Path, *extra: str) -> Path:
    result = runner.invoke(cli, ["fleet", "node-recommend", str(facts), *extra])
    assert result.exit_code == 0, result.output + result.stderr
    return facts.with_name(facts.stem + ".recommendation.json")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fleet")
    assert make_diverse_fleet(folder, 50) == 50
    return folder


def test_documents_fold_to_the_bytes_of_evaluating_every_node_on_the_head(runner, fleet, tmp_path):
    folder = tmp_path / "f"
    shutil.copytree(fleet, folder)
    head_json = _run(runner, folder, "--json")
    assert head_json.exit_code in (0, 1) and "folded" not in head_json.stderr
    nodes = sorted(folder.glob("node*.json"))
    for facts in nodes[::2]:  # half the nodes wrote their own recommendation, half did not
        _node_doc(runner, facts, "--accelerator", "nvidia")
    # Stale: a node's facts changed after it wrote its document, and one made for other answers.
    changed = json.loads(nodes[4].read_text())
    changed["memory"].update(total_bytes=1 << 30, usable_bytes=1 << 30)  # the fleet's smallest
    nodes[4].write_text(json.dumps(changed))
    _node_doc(runner, nodes[6], "--accelerator", "nvidia", "--goal", "production")
    # Every node evaluated on the head (node 4 with its new facts): the documents moved away.
    moved = tmp_path / "moved"
    moved.mkdir()
    for doc in folder.glob("*.recommendation.json"):
        shutil.move(str(doc), moved)
    stale_head_json, stale_head_text = _run(runner, folder, "--json"), _run(runner, folder)
    for doc in moved.iterdir():
        shutil.move(str(doc), folder)
    folded_json, folded_text = _run(runner, folder, "--json"), _run(runner, folder)
    assert folded_json.exit_code == stale_head_json.exit_code
    assert folded_json.stdout == stale_head_json.stdout  # byte for byte
    assert folded_text.stdout == stale_head_text.stdout
    # 25 documents: the first node is always evaluated here (its facts give the fleet's answers
    # and tie), nodes 4 and 6 are stale; 22 folded, 28 evaluated here.
    assert (
        "22 node(s) folded from their own recommendation, 28 evaluated here "
        "(2 with a stale document)" in folded_json.stderr
    )
    # Node 4's new facts show (so a stale document folded blindly would fail this test).
    smallest = json.loads(folded_json.stdout)["fleet"]["spread"]["smallest_memory_bytes"]
    assert smallest == {"value": 1 << 30, "node": "node00004"}


@pytest.mark.parametrize(
    ("edit", "key", "line_has"),
    [
        (lambda d: d["summary"]["entries"][0].update(score="high"), "summary.entries[0].score",
         '"score": "high"'),
        (lambda d: d["summary"].pop("figures"), "summary.figures", '"summary"'),
        (lambda d: d["summary"]["entries"].pop(), "summary.entries", '"entries"'),
        (lambda d: d.pop("rules"), "rules", "{"),
    ],
)  # fmt: skip
def test_a_malformed_document_is_refused_with_file_line_and_key(
    runner, fleet, tmp_path, edit, key, line_has
):
    folder = tmp_path / "f"
    folder.mkdir()
    for facts in sorted(fleet.glob("node*.json"))[:3]:
        shutil.copy(facts, folder)
    doc_path = _node_doc(runner, folder / "node00001.json", "--accelerator", "nvidia")
    doc = json.loads(doc_path.read_text())
    edit(doc)
    doc_path.write_text(json.dumps(doc, indent=1))
    result = _run(runner, folder, "--json")
    assert result.exit_code == 2, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert f"{doc_path}:" in line and f"key {key}" in line, line
    number = int(line.split(f"{doc_path}:")[1].split(":")[0])
    assert line_has in doc_path.read_text().splitlines()[number - 1]
    assert "Traceback" not in result.stderr


def test_a_document_that_is_not_json_is_refused(runner, fleet, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    for facts in sorted(fleet.glob("node*.json"))[:2]:
        shutil.copy(facts, folder)
    (folder / "node00001.recommendation.json").write_text('{"kind": ')
    result = _run(runner, folder, "--json")
    assert result.exit_code == 2 and "node00001.recommendation.json" in result.stderr


def test_probe_answers_are_checked_before_any_node_runs(runner, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("accelerator: [cpu\n")
    out = str(tmp_path / "out")
    for engine in (["--slurm", "--nodes", "2"], ["--ray", "auto"]):
        bad = runner.invoke(
            cli, ["fleet", "probe", *engine, "--out", out, "--answers", str(answers)]
        )
        assert bad.exit_code == 2 and str(answers) in bad.stderr, engine
        assert not os.path.exists(out)


def test_a_node_whose_own_recommendation_fails_keeps_its_facts(fleet, tmp_path):
    """The launcher checked that the answers parse; a value the node refuses makes its own
    recommendation fail: its facts are written all the same (the head evaluates it), the reason
    is named, and no recommendation document is left beside them (Slurm's and Ray's path)."""
    from recommender.cluster.gather import Answer
    from recommender.cluster.node import probe_answer
    from recommender.cluster.probe import FleetProbe, write_answer

    facts = json.loads(sorted(fleet.glob("node*.json"))[0].read_text())
    doc = probe_answer(facts, ("accelerator: quantum\n", ".yaml"), os.environ)
    assert doc["facts"] == facts and "recommendation" not in doc
    assert "node-recommend failed (exit 2)" in doc["recommendation_error"]
    assert "quantum" in doc["recommendation_error"]
    out = tmp_path / "out"
    out.mkdir()
    node = write_answer(str(out), Answer(task=0, name="n1", addr="n1", doc=doc, error=None,
                                         seconds=None), set())  # fmt: skip
    assert node.ok and node.note == doc["recommendation_error"]
    assert os.listdir(out) == ["n1.json"]
    listed = FleetProbe(engine="ray", out=str(out), nodes=(node,)).to_dict()["nodes"]
    assert listed[0]["recommendation_error"] == node.note
