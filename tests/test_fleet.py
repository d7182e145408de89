"""Fleet recommendations: feasible only if feasible on every node; blockers name their nodes."""

from __future__ import annotations

import json

from recommender.cli.main import cli
from tests.conftest import FIXTURES

FLEET = FIXTURES / "fleet"


def fleet_json(runner, *facts: str, extra=()) -> tuple[int, dict]:
    args = ["recommend", "--json", "--accelerator", "nvidia", "--goal", "research"]
    for f in facts:
        args += ["--facts", f]
    result = runner.invoke(cli, [*args, *extra])
    return result.exit_code, json.loads(result.stdout)


def entry(doc: dict, fw: str) -> dict:
    return next(e for e in doc["ranking"] if e["framework"] == fw)


def test_mixed_a100_v100_fleet_is_feasible_everywhere_and_shows_the_spread(runner):
    code, doc = fleet_json(runner, str(FLEET / "mixed"))
    assert code == 0
    fleet = doc["fleet"]
    assert [n["name"] for n in fleet["nodes"]] == ["gpu-a100-1", "gpu-a100-2", "gpu-v100-1"]
    assert all(entry(doc, fw)["feasible"] for fw in ("tensorflow", "pytorch", "keras"))
    spread = fleet["spread"]
    assert spread["gpu_kinds"] == {
        "NVIDIA A100-SXM4-40GB": ["gpu-a100-1", "gpu-a100-2"],
        "NVIDIA Tesla V100-SXM2-16GB": ["gpu-v100-1"],
    }
    assert spread["lowest_driver"] == {"value": "570.133.20", "node": "gpu-v100-1"}
    assert spread["lowest_max_cuda"] == {"value": "12.8", "node": "gpu-v100-1"}
    assert spread["smallest_gpu_memory_bytes"] == {"value": 16 << 30, "node": "gpu-v100-1"}
    assert spread["smallest_memory_bytes"]["node"] == "gpu-v100-1"
    # The V100's Turing warning is named on its node only.
    pre_turing = next(w for w in doc["warnings"] if w["rule"] == "nvidia-cc-pre-turing-torch")
    assert pre_turing["why"].endswith("(on gpu-v100-1)")


def test_one_node_with_an_old_driver_blocks_the_fleet_and_is_named(runner):
    code, doc = fleet_json(runner, str(FLEET / "old_driver"))
    blockers = doc["fleet"]["blockers"]
    assert not entry(doc, "pytorch")["feasible"] and not entry(doc, "tensorflow")["feasible"]
    for fw, rule in (
        ("pytorch", "nvidia-driver-too-old-for-torch"),
        ("tensorflow", "nvidia-driver-too-old-for-tensorflow"),
    ):
        b = next(b for b in blockers[fw] if b["rule"] == rule)
        assert b["nodes"] == ["gpu-v100-old"]
        assert any("(on gpu-v100-old)" in x["why"] for x in entry(doc, fw)["blockers"])
    assert doc["ranking"][0]["framework"] == "keras" and doc["ranking"][0]["feasible"]
    per_node = {n["name"]: n["feasible"] for n in doc["fleet"]["nodes"]}
    assert per_node["gpu-a100-1"]["pytorch"] is True
    assert doc["fleet"]["spread"]["lowest_driver"] == {
        "value": "470.256.02",
        "node": "gpu-v100-old",
    }
    assert doc["fleet"]["spread"]["lowest_max_cuda"] == {"value": "11.4", "node": "gpu-v100-old"}
    assert code == 0


def test_each_node_alone_is_feasible_but_not_the_fleet(runner):
    files = [str(FLEET / "old_driver" / f) for f in ("a100-1.json", "v100-old.json")]
    _, alone = fleet_json(runner, files[0])
    assert (
        "fleet" not in alone and entry(alone, "tensorflow")["feasible"]
    )  # single --facts: unchanged
    _, doc = fleet_json(runner, *files)
    assert not entry(doc, "tensorflow")["feasible"]
    assert [n["name"] for n in doc["fleet"]["nodes"]] == ["gpu-a100-1", "gpu-v100-old"]


def test_fleet_text_shows_the_spread_and_the_nodes(runner):
    result = runner.invoke(
        cli, ["recommend", "--facts", str(FLEET / "old_driver"), "--accelerator", "nvidia"]
    )
    assert result.exit_code == 0
    out = result.stdout
    assert "Fleet of 4 nodes: gpu-a100-1, gpu-a100-2, gpu-v100-1, gpu-v100-old" in out
    assert "lowest NVIDIA driver: 470.256.02 (gpu-v100-old)" in out


def test_empty_directory_and_ask_with_a_fleet_are_bad_input(runner, tmp_path):
    result = runner.invoke(cli, ["recommend", "--facts", str(tmp_path)])
    assert result.exit_code == 2 and "no *.json" in result.stderr
    result = runner.invoke(cli, ["checklist", "--facts", str(FLEET / "mixed")])
    assert result.exit_code == 2


def test_a_fleet_that_ties_says_so_as_one_machine_does(runner, tmp_path):
    """The fleet's ranking gets the same tie notice as a single machine's (issue 20)."""
    import shutil

    from tests.test_cli_recommend import LAPTOP

    copy = tmp_path / "laptop-2.json"
    shutil.copyfile(LAPTOP, copy)
    one = runner.invoke(cli, ["recommend", "--json", "--no-smoke", "--facts", LAPTOP])
    single = json.loads(one.stdout)
    fleet = runner.invoke(cli, ["recommend", "--json", "--facts", LAPTOP, "--facts", str(copy)])
    doc = json.loads(fleet.stdout)
    assert fleet.exit_code == 0 and len(doc["fleet"]["nodes"]) == 2
    ties = [w for w in doc["warnings"] if w["rule"] == "ranking:tie"]
    single_ties = [w for w in single["warnings"] if w["rule"] == "ranking:tie"]
    assert single_ties, "the laptop fixture ties with no answers (test_cli_recommend)"
    assert [t["frameworks"] for t in ties] == [t["frameworks"] for t in single_ties]
    assert ties[0]["fix"] == single_ties[0]["fix"]


def test_a_fleet_folded_node_by_node_is_what_each_node_says_alone(runner, tmp_path):
    """The fleet is combined as the nodes are read (decide/fleet.Fleet keeps no node's ranking):
    per framework its score is the lowest node's, it is feasible only where every node is, its
    blockers name exactly the nodes where it is infeasible alone, each node's ``feasible`` is
    its own ranking's, and copies interleaved with other machines change none of it."""
    machines = FIXTURES / "personas5" / "machines"
    picks = ["a100-cuda-full", "rtx3090-linux", "a100-cpu-torch", "windows-rtx", "bare"]
    order = [*picks, picks[1], picks[0], picks[3], picks[1]]  # copies, out of order
    for i, name in enumerate(order):
        doc = json.loads((machines / f"{name}.json").read_text())
        doc["hostname"] = f"n{i}"
        (tmp_path / f"n{i}.json").write_text(json.dumps(doc))
    _, fleet = fleet_json(runner, str(tmp_path), extra=["--no-smoke"])
    alone = [
        fleet_json(runner, str(tmp_path / f"n{i}.json"), extra=["--no-smoke"])[1]
        for i in range(len(order))
    ]
    nodes = fleet["fleet"]["nodes"]
    assert [n["name"] for n in nodes] == [f"n{i}" for i in range(len(order))]
    mixed = [fw for fw in ("tensorflow", "pytorch") if len({n["feasible"][fw] for n in nodes}) == 2]
    assert mixed, "the fleet should have a framework feasible on some nodes only"
    for fw in ("tensorflow", "pytorch", "keras", "jax"):
        mine = [entry(doc, fw) for doc in alone]
        assert entry(fleet, fw)["score"] == min(e["score"] for e in mine)
        assert [n["feasible"][fw] for n in nodes] == [e["feasible"] for e in mine]
        assert entry(fleet, fw)["feasible"] == all(e["feasible"] for e in mine)
        named = {n for b in fleet["fleet"]["blockers"][fw] for n in b["nodes"]}
        assert named == {f"n{i}" for i, e in enumerate(mine) if not e["feasible"]}
