"""Rules use the distributed evidence: derived.distributed.* from results, scored for scale answers."""

from __future__ import annotations

import json

from recommender.cli.main import cli
from recommender.facts.document import Facts
from recommender.facts.evidence import derived
from tests.conftest import FIXTURES

RUN = {
    "framework": "pytorch",
    "engine": "ddp",
    "processes": 2,
    "device": "cpu",
    "ok": True,
    "synchronized": True,
    "scaling_efficiency": 0.91,
}


def facts_file(tmp_path, runs) -> str:
    doc = json.loads((FIXTURES / "facts" / "cpu_box_linux.json").read_text())
    doc["distributed"] = runs
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc))
    return str(path)


def reasons(doc, fw):
    entry = next(e for e in doc["ranking"] if e["framework"] == fw)
    return {r["rule"]: r for r in entry["reasons"]}, entry["score"]


def test_derived_facts_from_the_best_run():
    facts = Facts.from_dict({"distributed": [dict(RUN, ok=False, processes=4), RUN]})
    d = derived(facts)
    assert (
        d["derived.distributed.pytorch.ok"] is True
        and d["derived.distributed.pytorch.processes"] == 2
    )
    assert d["derived.distributed.pytorch.scaling"] == "good"
    assert d["derived.distributed.pytorch.device"] == "cpu"
    assert d["derived.distributed.tensorflow.ok"] is None
    assert derived(Facts.from_dict({}))["derived.distributed.pytorch.scaling"] is None


def test_scale_answers_score_by_the_evidence(runner, tmp_path):
    # A GPU run: only a run on the device the answer is about counts (tests/test_rules_evidence.py
    # shows a CPU/gloo run does not count for multi-gpu).
    path = facts_file(tmp_path, [dict(RUN, device="cuda")])
    base = ["recommend", "--json", "--facts", path, "--scale", "multi-gpu"]
    doc = json.loads(runner.invoke(cli, base).stdout)
    found, score = reasons(doc, "pytorch")
    assert "distributed-evidence-pytorch" in found and "distributed-scaling-good-pytorch" in found
    assert found["distributed-evidence-pytorch"]["why"].endswith(
        "Here: DDP trained on 2 processes on the GPUs (nccl) with 91% scaling efficiency,"
        " replicas in sync."
    )
    single = json.loads(runner.invoke(cli, [*base[:-1], "single"]).stdout)
    assert "distributed-evidence-pytorch" not in reasons(single, "pytorch")[0]
    failed = json.loads(
        runner.invoke(
            cli,
            [
                "recommend",
                "--json",
                "--facts",
                facts_file(tmp_path, [dict(RUN, device="cuda", ok=False, error="timeout")]),
                "--scale",
                "multi-node",
            ],
        ).stdout
    )
    found_failed, failed_score = reasons(failed, "pytorch")
    assert "distributed-failed-pytorch" in found_failed and failed_score < score


def test_rules_check_stays_green(runner):
    result = runner.invoke(cli, ["rules", "check"])
    assert result.exit_code == 0, result.output
