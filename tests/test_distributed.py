"""The distributed smoke: real 2-process DDP (gloo) and 2-worker MultiWorkerMirroredStrategy runs,
a hung rank killed within its budget with no process left behind, and the pure parts."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import time
import uuid

import psutil
import pytest

from recommender.smoke.distributed.run import (
    Cluster,
    assemble,
    compare_ranks,
    efficiency,
    tf_config,
    torchrun_launch,
)
from tests.conftest import dlrec_argv, skip_unless_ci


def need(module: str) -> None:
    """Skip without importing: the test process must never import a framework."""
    if importlib.util.find_spec(module) is None:
        skip_unless_ci(f"{module} is not installed")


def survivors(token: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["status"]):
        try:
            if (
                p.info["status"] != psutil.STATUS_ZOMBIE
                and p.environ().get("DLREC_TEST_TOKEN") == token
            ):
                found.append(p)
        except psutil.Error:
            continue
    return found


def dist_smoke(
    *args: str, extra: dict | None = None, limit: float = 150.0
) -> tuple[int, dict, float, str, str]:
    token = uuid.uuid4().hex
    env = dict(os.environ, DLREC_TEST_TOKEN=token, **(extra or {}))
    start = time.monotonic()
    proc = subprocess.run(
        dlrec_argv("smoke", "--json", "--distributed", "2", *args),
        env=env,
        capture_output=True,
        text=True,
        timeout=limit,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.monotonic() - start
    assert not survivors(token)
    return proc.returncode, json.loads(proc.stdout or "{}"), elapsed, proc.stderr, token


@pytest.mark.parametrize(
    "framework,engine,launcher",
    [("pytorch", "ddp", "torchrun"), ("tensorflow", "mwms", "tf_config")],
)
def test_two_process_smoke_trains_for_real_and_stays_in_sync(framework, engine, launcher):
    need("torch" if framework == "pytorch" else "tensorflow")
    rc, doc, elapsed, err, _ = dist_smoke("--framework", framework)
    assert rc == 0, (doc, err)
    [r] = doc["distributed"]
    assert (r["framework"], r["engine"], r["launcher"], r["device"]) == (
        framework,
        engine,
        launcher,
        "cpu",
    )
    assert r["ok"] and r["synchronized"] and r["loss_fell"]
    assert r["processes"] == r["world_size"] == 2
    assert (
        r["max_param_diff"] <= 1e-5
        and len(set(r["param_checksums"])) == 1
        and len(r["param_checksums"]) == 2
    )
    assert r["loss_last"] < 0.6 * r["loss_first"]
    assert r["step_s"] > 0 and r["samples_per_s"] > 0 and r["single_samples_per_s"] > 0
    assert (
        0
        < r["scaling_efficiency"]
        == pytest.approx(r["samples_per_s"] / (2 * r["single_samples_per_s"]), abs=1e-3)
    )
    assert elapsed < 60


def test_hung_rank_is_killed_within_budget_and_nothing_is_left():
    need("torch")
    rc, doc, elapsed, err, token = dist_smoke(
        "--framework", "pytorch", "--timeout", "3", extra={"DLREC_SMOKE_HANG_RANK": "1"}
    )
    assert rc == 1
    [r] = doc["distributed"]
    assert not r["ok"]
    assert "did not finish within 3s" in r["error"] and "every process was killed" in r["error"]
    assert elapsed < 45


def test_keras_without_a_distribution_api_is_a_skip_with_the_reason():
    from recommender.facts.document import Facts
    from recommender.smoke.distributed.run import run_one

    facts = Facts.from_dict({"frameworks": {"keras": {"installed": True, "backend": "torch"}}})
    r = run_one(facts, "keras", 2)
    assert (
        r.skipped and "only for the JAX backend" in r.skipped and r.backend == "torch" and not r.ok
    )


def test_keras_on_jax_without_jax_names_the_planners_command_not_a_bare_pip_line():
    """Issue 26: every install hint comes from the one planner, a skip reason included."""
    from recommender.cli.distributed import _planned_skip
    from recommender.facts.document import Facts
    from recommender.smoke.distributed.run import run_one
    from tests.conftest import FIXTURES

    doc = json.loads((FIXTURES / "facts" / "cpu_box_linux.json").read_text())
    doc["frameworks"]["keras"] = {"installed": True, "version": "3.12.0", "backend": "jax"}
    doc["frameworks"]["jax"] = {"installed": False}
    facts = Facts.from_dict(doc)
    raw = run_one(facts, "keras", 2)
    assert raw.skipped and "{install_jax}" in raw.skipped
    shown = _planned_skip(facts, raw).skipped
    assert shown and "{install_" not in shown and "pip install jax" not in shown
    assert "-m pip install" in shown and "jax" in shown.split("pip install", 1)[1]


def test_flags_without_distributed_and_bad_cluster_are_bad_input(runner):
    from recommender.cli.main import cli

    for args, words in (
        (["--node-rank", "1"], "need --distributed"),
        (["--distributed", "2", "--nnodes", "2"], "--rdzv-endpoint"),
        (
            ["--distributed", "2", "--nnodes", "2", "--node-rank", "2", "--rdzv-endpoint", "h:1"],
            "--node-rank 2",
        ),
        (["--distributed", "2", "--rdzv-endpoint", "nohost"], "HOST:PORT"),
    ):
        result = runner.invoke(cli, ["smoke", *args])
        assert result.exit_code == 2, result.output
        assert words in result.stderr if hasattr(result, "stderr") else result.output


def test_torchrun_gets_the_cluster_flags_and_tf_config_lists_every_node():
    cluster = Cluster(
        nnodes=2, node_rank=1, rdzv_endpoint="node0:29500", worker_hosts=("node0", "node1")
    )
    launch = torchrun_launch(4, cluster, "cuda", 30, 1, "/tmp/x", {})
    argv = " ".join(launch.argv)
    assert (
        "torch.distributed.run --nnodes 2 --nproc-per-node 4 --node-rank 1 --rdzv-backend static "
        "--rdzv-endpoint node0:29500" in argv
    )
    assert "GLOO_SOCKET_IFNAME" not in launch.env  # only a single host is pinned to loopback
    config = tf_config(2, cluster, 1, [29501, 29502])
    assert config == {
        "cluster": {"worker": ["node0:29501", "node0:29502", "node1:29503", "node1:29504"]},
        "task": {"type": "worker", "index": 3},
    }
    local = torchrun_launch(2, Cluster(), "cpu", 30, 1, "/tmp/x", {})
    assert "127.0.0.1:" in " ".join(local.argv) and local.env["GLOO_SOCKET_IFNAME"] == "lo"


def test_compare_ranks_flags_replicas_that_drifted_apart():
    same = {"params": [0.5, -1.0], "losses": [2.0, 0.1], "step_s": 0.01, "world_size": 2}
    drift = dict(same, params=[0.5, -0.9])
    assert compare_ranks([same, same])["synchronized"] is True
    figures = compare_ranks([same, drift])
    assert figures["synchronized"] is False and figures["max_param_diff"] == pytest.approx(0.1)
    base = dict(
        framework="pytorch",
        backend=None,
        device="cpu",
        engine="ddp",
        launcher="torchrun",
        processes=2,
    )
    r = assemble(base, [same, drift], {"step_s": 0.005}, 2, None, "log")
    assert not r.ok and "not synchronised" in r.error
    assert efficiency(1000.0, 2, 1000.0) == 0.5 and efficiency(None, 2, 1.0) is None
