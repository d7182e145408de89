"""dlrec fleet probe|smoke --slurm on a real two-node Slurm cluster (tests/engines.py), and the
pure parts (srun's labelled output, the cross-node verdict) without one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time

import psutil
import pytest

from recommender.cluster.gather import LabelledStream, launch_failures, srun_errors
from recommender.cluster.slurm import NO_ALLOCATION, parse_node_addrs
from recommender.cluster.smoke import NodeRun, combine, verdict
from tests.conftest import dlrec_argv
from tests.test_distributed import need, survivors


def dlrec(*args: str, env: dict[str, str], limit: float = 300.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        dlrec_argv(*args),
        env=env,
        capture_output=True,
        text=True,
        timeout=limit,
        stdin=subprocess.DEVNULL,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


# --- without a cluster -------------------------------------------------------------------------


def test_no_allocation_and_no_nodes_is_one_line_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM")}
    proc = dlrec("fleet", "probe", "--slurm", "--out", str(tmp_path / "f"), env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"dlrec: error: {NO_ALLOCATION}"
    assert not (tmp_path / "f").exists()  # refused before anything was written


def test_a_non_empty_out_folder_needs_force(tmp_path):
    (tmp_path / "old.json").write_text("{}")
    env = {**os.environ, "SLURM_JOB_ID": "1", "SLURM_JOB_NUM_NODES": "2"}
    proc = dlrec("fleet", "probe", "--slurm", "--out", str(tmp_path), env=env)
    assert proc.returncode == 2 and "not empty; pass --force" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_labelled_pieces_of_long_lines_are_joined_per_task():
    doc = json.dumps({"facts": {"x": "y" * 5000}})
    stream = LabelledStream(2)
    text = '1: DLREC-NODE {"name": "n2"}\n 0: DLREC-NODE {"name": "n1"}\n'
    line = "DLREC-DOC " + doc
    pieces = [line[i : i + 1024] for i in range(0, len(line), 1024)]
    for piece in pieces:  # srun interleaves the tasks' pieces, each with its label
        text += f"1: {piece}\n 0: noise\n"
    done = stream.feed(text[:777]) + stream.feed(text[777:] + "1: DLREC-END\n")
    assert done == [1]
    assert stream.tasks[1].doc == json.loads(doc) and stream.tasks[1].name == "n2"
    assert stream.tasks[0].doc is None and stream.tasks[0].name == "n1"


def test_srun_errors_name_the_node_and_task():
    log = (
        "srun: error: n2: task 1: Killed\n"
        "srun: error: n7: tasks 3-4,6: Exited with exit code 3\n"
        "srun: error: Task launch for StepId=10.0 failed on node n9: Communication connection failure\n"
    )
    errors = srun_errors(log)
    assert errors[1] == ("n2", "Killed") and errors[4] == ("n7", "Exited with exit code 3")
    assert set(errors) == {1, 3, 4, 6}
    assert launch_failures(log) == {"n9": "Communication connection failure"}
    text = "NodeName=n1 Arch=x86_64 CoresPerSocket=1 NodeAddr=10.0.0.7 NodeHostName=a Port=1\n"
    assert parse_node_addrs(text) == {"n1": "10.0.0.7"}


def _part(name: str, rank: int, sums: tuple[str, ...], ok: bool = True):
    run = NodeRun(name=name, addr="10.0.0.1", node_rank=rank, processes=len(sums), ok=ok,
                  checksums=sums, error=None if ok else "its task ended: Killed")  # fmt: skip
    result = {"step_s": 0.01, "single_samples_per_s": 6400.0, "param_checksums": list(sums)}
    return run, result


def test_the_verdict_compares_every_rank_with_rank_0_across_nodes():
    same = combine("slurm", "pytorch", [_part("n2", 1, ("a", "a")), _part("n1", 0, ("a", "a"))])
    assert same.synchronized and same.ok and same.processes == 4
    assert [n.name for n in same.nodes] == ["n1", "n2"]
    assert verdict(same) == "parameters identical on all 2 nodes"
    assert same.scaling_efficiency == 1.0  # 4 x 64 / 0.01 s against 4 x 6400/s
    drift = combine("slurm", "pytorch", [_part("n1", 0, ("a",)), _part("n2", 1, ("b",))])
    assert not drift.synchronized and verdict(drift) == "parameters DIFFER from rank 0's on n2"
    lost = combine("slurm", "pytorch", [_part("n1", 0, ("a",)), _part("n2", 1, (), ok=False)])
    assert not lost.synchronized and lost.scaling_efficiency is None
    assert verdict(lost) == "not compared: n2 failed (its task ended: Killed)"
    assert set(lost.to_dict()) == {"engine", "framework", "nodes", "processes", "synchronized",
                                   "scaling_efficiency", "results"}  # fmt: skip


@pytest.mark.slow
def test_an_unreachable_rendezvous_is_named_not_an_import_timeout(tmp_path):
    need("torch")
    port = closed_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    args = ("smoke", "--distributed", "1", "--nnodes", "2", "--node-rank", "1")
    args += ("--rdzv-endpoint", f"127.0.0.1:{port}", "--framework", "pytorch")
    proc = dlrec(*args, "--import-timeout", "20", env=env)
    assert proc.returncode == 1, proc.stderr
    assert f"the rendezvous at 127.0.0.1:{port} did not complete within 20s" in proc.stdout
    assert "unreachable from here (refused)" in proc.stdout
    assert "importing did not finish" not in proc.stdout
    assert not [p for p in os.listdir(tmp_path) if p.startswith("torchelastic_")]


# --- on the real cluster -----------------------------------------------------------------------


@pytest.mark.slow
def test_fleet_probe_writes_each_node_as_it_answers(slurm_cluster, tmp_path):
    out = tmp_path / "facts"
    started = time.monotonic()
    proc = dlrec("fleet", "probe", "--slurm", "--nodes", "2", "--out", str(out),
                 env=slurm_cluster.env(), limit=120)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert sorted(os.listdir(out)) == ["n1.json", "n2.json"]
    lines = proc.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines[:2]) == ["n1", "n2"]
    assert lines[-1] == f"2 of 2 nodes probed; next: dlrec recommend --facts {out}"
    assert json.loads((out / "n2.json").read_text())["schema_version"] == 1
    assert time.monotonic() - started < 60
    again = dlrec("fleet", "probe", "--slurm", "--nodes", "2", "--out", str(out),
                  env=slurm_cluster.env(), limit=120)  # fmt: skip
    assert again.returncode == 2 and "--force" in again.stderr
    fleet = dlrec("recommend", "--facts", str(out), "--no-smoke", "--json", env=slurm_cluster.env())
    assert fleet.returncode in (0, 1), fleet.stderr
    assert sorted(n["name"] for n in json.loads(fleet.stdout)["fleet"]["nodes"]) == ["n1", "n2"]


@pytest.mark.slow
def test_fleet_probe_with_answers_has_each_node_recommend_for_itself(slurm_cluster, tmp_path):
    """Evaluation on the nodes: each node writes its own recommendation beside its facts; the
    head folds the nodes whose stamp matches (all but the first, always evaluated here) and
    prints the bytes it prints with every node evaluated here."""
    out, answers = tmp_path / "facts", tmp_path / "answers.yaml"
    answers.write_text("accelerator: cpu\ngoal: research\n")
    proc = dlrec("fleet", "probe", "--slurm", "--nodes", "2", "--out", str(out),
                 "--answers", str(answers), env=slurm_cluster.env(), limit=180)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert sorted(os.listdir(out)) == [
        "n1.json", "n1.recommendation.json", "n2.json", "n2.recommendation.json"
    ]  # fmt: skip
    args = ("recommend", "--facts", str(out), "--answers", str(answers), "--no-smoke", "--json")
    folded = dlrec(*args, env=slurm_cluster.env())
    assert folded.returncode in (0, 1), folded.stderr
    assert "1 node(s) folded from their own recommendation, 1 evaluated here" in folded.stderr
    for name in ("n1", "n2"):
        os.rename(out / f"{name}.recommendation.json", tmp_path / f"{name}.recommendation.json")
    head = dlrec(*args, env=slurm_cluster.env())
    assert "folded" not in head.stderr
    assert folded.stdout == head.stdout


@pytest.mark.slow
def test_a_dead_node_is_named_and_the_others_kept(slurm_cluster, tmp_path):
    out = tmp_path / "facts"
    slurm_cluster.kill_node("n2")
    try:
        proc = dlrec("fleet", "probe", "--slurm", "--nodes", "2", "--out", str(out),
                     "--timeout", "60", env=slurm_cluster.env(), limit=120)  # fmt: skip
    finally:
        slurm_cluster.revive_node("n2")
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert os.listdir(out) == ["n1.json"]
    assert "n2: FAILED: srun could not start it there: " in proc.stdout


def _node_task(node: str, token: str) -> psutil.Process | None:
    for p in psutil.process_iter(["cmdline"]):
        try:
            env = p.environ()
            if (
                env.get("DLREC_TEST_TOKEN") == token
                and env.get("SLURMD_NODENAME") == node
                and "recommender.cluster.node" in " ".join(p.info["cmdline"] or ())
            ):
                return p
        except psutil.Error:
            continue
    return None


@pytest.mark.slow
def test_a_node_killed_during_the_smoke_is_named(slurm_cluster):
    need("torch")
    token = os.urandom(8).hex()
    # rank 1 (on n2) hangs after its import, so the step is still running when n2 is killed
    env = slurm_cluster.env(DLREC_TEST_TOKEN=token, DLREC_SMOKE_HANG_RANK="1")
    argv = dlrec_argv("fleet", "smoke", "--slurm", "--nodes", "2", "--framework", "pytorch",
                      "--import-timeout", "60", "--timeout", "60")  # fmt: skip
    with subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, stdin=subprocess.DEVNULL) as launcher:  # fmt: skip
        deadline = time.monotonic() + 120
        while (task := _node_task("n2", token)) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert task is not None, "n2's task never started"
        time.sleep(5)  # into its training
        task.kill()
        out, err = launcher.communicate(timeout=120)
    assert launcher.returncode == 1, (out, err)
    assert "not compared: n2 failed (its task ended: Killed); srun stopped n1 with it" in out, out
    deadline = time.monotonic() + 15  # slurmstepd ends n1's step after srun returns: reap it
    while (left := survivors(token)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, [(p.pid, p.cmdline()) for p in left]


@pytest.mark.slow
@pytest.mark.parametrize(
    "framework,engine",
    [("pytorch", "ddp"), ("tensorflow", "mwms"), ("keras", "keras.distribution")],
)
def test_two_node_smoke_through_slurm_compares_parameters_across_nodes(
    slurm_cluster, tmp_path, framework, engine
):
    for module in {"pytorch": ["torch"], "tensorflow": ["tensorflow"]}.get(
        framework, ["keras", "jax"]
    ):
        need(module)
    token = os.urandom(8).hex()
    env = slurm_cluster.env(TMPDIR=str(tmp_path), DLREC_TEST_TOKEN=token, KERAS_BACKEND="jax")
    proc = dlrec("fleet", "smoke", "--slurm", "--nodes", "2", "--framework", framework, "--json",
                 env=env, limit=400)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    doc = json.loads(proc.stdout)
    assert list(doc) == ["engine", "framework", "nodes", "processes", "synchronized",
                         "scaling_efficiency", "results"]  # fmt: skip
    assert (doc["engine"], doc["framework"], doc["processes"]) == ("slurm", framework, 2)
    assert doc["synchronized"] is True
    assert doc["nodes"] == [
        {"name": "n1", "addr": "127.0.0.1", "node_rank": 0, "processes": 1, "ok": True},
        {"name": "n2", "addr": "127.0.0.1", "node_rank": 1, "processes": 1, "ok": True},
    ]
    sums = {c for r in doc["results"] for c in r["param_checksums"]}
    assert len(sums) == 1 and all(r["engine"] == engine for r in doc["results"])
    assert all(r["nnodes"] == 2 and r["world_size"] == 2 for r in doc["results"])
    assert isinstance(doc["scaling_efficiency"], float)
    assert not [p for p in os.listdir(tmp_path) if p.startswith("torchelastic_")]
    assert not survivors(token)


@pytest.mark.slow
def test_smoke_slurm_inside_a_job_step_fills_the_cluster_from_slurm(slurm_cluster):
    need("torch")
    argv = ["srun", "--nodes=2", "--ntasks-per-node=1", "--label",
            *dlrec_argv("smoke", "--distributed", "1", "--slurm", "--framework", "pytorch",
                        "--json")]  # fmt: skip
    proc = subprocess.run(argv, env=slurm_cluster.env(), capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    by_task: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        task, _, text = line.strip().partition(": ")
        by_task.setdefault(task, []).append(text)
    docs = {t: json.loads("\n".join(lines))["distributed"][0] for t, lines in by_task.items()}
    assert {t: (d["nnodes"], d["node_rank"], d["ok"]) for t, d in docs.items()} == {
        "0": (2, 0, True),
        "1": (2, 1, True),
    }
    assert docs["0"]["param_checksums"] == docs["1"]["param_checksums"]
    outside = dlrec("smoke", "--distributed", "1", "--slurm", env=slurm_cluster.env())
    assert outside.returncode == 2 and "not inside a Slurm job step" in outside.stderr


def test_a_multi_node_result_never_replaces_the_single_host_one(isolated_home):
    from recommender.facts.document import Facts
    from recommender.smoke.distributed.plan import Cluster
    from recommender.smoke.distributed.run import DistributedSmokeResult, cached, store

    facts = Facts.from_dict({"frameworks": {"pytorch": {"installed": True, "version": "2.13.0"}}})
    env = {"DLREC_CACHE_DIR": str(isolated_home / "cache")}
    common = dict(framework="pytorch", backend=None, device="cpu", engine="ddp",
                  launcher="torchrun", ok=True, synchronized=True)  # fmt: skip
    single = DistributedSmokeResult(**common, processes=2, scaling_efficiency=0.9)
    multi = DistributedSmokeResult(**common, processes=1, nnodes=2, scaling_efficiency=0.5)
    store(env, facts, single)
    store(env, facts, multi, Cluster(nnodes=2, rdzv_endpoint="10.0.0.1:29500"))
    got = cached(env, facts)
    assert [(r.nnodes, r.processes, r.scaling_efficiency) for r in got] == [
        (1, 2, 0.9),
        (2, 1, 0.5),
    ]


@pytest.mark.slow
def test_an_allocation_srun_refuses_is_named(slurm_cluster, tmp_path):
    proc = dlrec("fleet", "probe", "--slurm", "--nodes", "2", "--partition", "nosuch",
                 "--out", str(tmp_path / "f"), env=slurm_cluster.env(), limit=120)  # fmt: skip
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "task 0: FAILED: srun failed before any task started: " in proc.stdout
    assert "invalid partition" in proc.stdout.lower()
