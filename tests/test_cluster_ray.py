"""dlrec fleet probe|smoke --ray on a real two-node Ray cluster (tests/engines.py: head on
127.0.0.2, worker on 127.0.0.3)."""

from __future__ import annotations

import json
import os

import pytest

from tests.test_cluster_slurm import closed_port, dlrec
from tests.test_distributed import need, survivors

pytestmark = pytest.mark.slow


def test_fleet_probe_through_ray_writes_one_file_per_alive_node(ray_cluster, tmp_path):
    out = tmp_path / "facts"
    proc = dlrec("fleet", "probe", "--ray", ray_cluster["RAY_ADDRESS"], "--out", str(out),
                 env=ray_cluster, limit=180)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert sorted(os.listdir(out)) == ["127.0.0.2.json", "127.0.0.3.json"]
    assert proc.stdout.splitlines()[-1].startswith("2 of 2 nodes probed")
    fleet = dlrec("recommend", "--facts", str(out), "--no-smoke", "--json", env=ray_cluster)
    names = sorted(n["name"] for n in json.loads(fleet.stdout)["fleet"]["nodes"])
    assert names == ["127.0.0.2", "127.0.0.3"]


def test_fleet_probe_through_ray_with_answers_has_each_node_recommend_for_itself(
    ray_cluster, tmp_path
):
    """As through Slurm: each Ray node task also writes its own recommendation for the answers;
    the head folds the node whose stamp matches (the first is always evaluated here) and prints
    the bytes it prints with every node evaluated here."""
    out, answers = tmp_path / "facts", tmp_path / "answers.yaml"
    answers.write_text("accelerator: cpu\ngoal: research\n")
    proc = dlrec("fleet", "probe", "--ray", ray_cluster["RAY_ADDRESS"], "--out", str(out),
                 "--answers", str(answers), env=ray_cluster, limit=240)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert sorted(os.listdir(out)) == [
        "127.0.0.2.json", "127.0.0.2.recommendation.json",
        "127.0.0.3.json", "127.0.0.3.recommendation.json",
    ]  # fmt: skip
    args = ("recommend", "--facts", str(out), "--answers", str(answers), "--no-smoke", "--json")
    folded = dlrec(*args, env=ray_cluster)
    assert folded.returncode in (0, 1), folded.stderr
    assert "1 node(s) folded from their own recommendation, 1 evaluated here" in folded.stderr
    for name in ("127.0.0.2", "127.0.0.3"):
        os.rename(out / f"{name}.recommendation.json", tmp_path / f"{name}.recommendation.json")
    head = dlrec(*args, env=ray_cluster)
    assert "folded" not in head.stderr
    assert folded.stdout == head.stdout


def test_a_ray_node_whose_own_recommendation_fails_keeps_its_facts(ray_cluster, tmp_path):
    out, answers = tmp_path / "facts", tmp_path / "answers.yaml"
    answers.write_text("accelerator: quantum\n")  # parses (checked here); each node refuses it
    proc = dlrec("fleet", "probe", "--ray", ray_cluster["RAY_ADDRESS"], "--out", str(out),
                 "--answers", str(answers), env=ray_cluster, limit=240)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert sorted(os.listdir(out)) == ["127.0.0.2.json", "127.0.0.3.json"]
    for name in ("127.0.0.2", "127.0.0.3"):
        assert f"{name}: no recommendation of its own (node-recommend failed (exit 2): " in (
            proc.stdout
        )


def test_two_node_torch_smoke_through_ray_compares_across_nodes(ray_cluster):
    need("torch")
    token = os.urandom(8).hex()
    env = {**ray_cluster, "DLREC_TEST_TOKEN": token}
    proc = dlrec("fleet", "smoke", "--ray", ray_cluster["RAY_ADDRESS"], "--framework", "pytorch",
                 "--json", env=env, limit=400)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    doc = json.loads(proc.stdout)
    assert (doc["engine"], doc["processes"], doc["synchronized"]) == ("ray", 2, True)
    assert [(n["addr"], n["node_rank"], n["ok"]) for n in doc["nodes"]] == [
        ("127.0.0.2", 0, True),
        ("127.0.0.3", 1, True),
    ]
    assert len({c for r in doc["results"] for c in r["param_checksums"]}) == 1
    assert not survivors(token)


def test_no_ray_cluster_at_an_address_is_one_line(ray_cluster, tmp_path):
    address = f"127.0.0.2:{closed_port()}"
    proc = dlrec("fleet", "probe", "--ray", address, "--out", str(tmp_path / "f"),
                 "--timeout", "30", env=ray_cluster, limit=120)  # fmt: skip
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.startswith(f"dlrec: error: --ray {address}: no Ray cluster at {address}")
    assert proc.stderr.count("\n") == 1


def test_a_dead_ray_node_is_named(ray_cluster, tmp_path):
    ray_cluster.remove_worker()
    try:
        out = tmp_path / "facts"
        proc = dlrec("fleet", "probe", "--ray", ray_cluster["RAY_ADDRESS"], "--out", str(out),
                     "--timeout", "90", env=ray_cluster, limit=240)  # fmt: skip
    finally:
        ray_cluster.add_worker()
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "127.0.0.3: FAILED: " in proc.stdout
    assert os.listdir(out) == ["127.0.0.2.json"]


@pytest.mark.parametrize("listed", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_node_ranks_do_not_depend_on_the_order_ray_lists_or_places_nodes(listed):
    """STRICT_SPREAD puts bundle 0 on any node (a CI run gave rank 0 to the worker): ranks are
    the head first, then by address, whatever order ray.nodes() and the placement use."""
    from recommender.cluster.ray_driver import _rank_order

    nodes = [
        {"id": "c", "addr": "127.0.0.2", "head": True},
        {"id": "a", "addr": "127.0.0.4", "head": False},
        {"id": "b", "addr": "127.0.0.3", "head": False},
    ]
    ranked = _rank_order([nodes[i] for i in listed])
    assert [n["addr"] for n in ranked] == ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
