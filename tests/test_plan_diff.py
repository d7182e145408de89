"""`dlrec diff` compares the two machines' install plans per framework (decide/install/diff.py)."""

from __future__ import annotations

import json
from pathlib import Path

from recommender.cli.main import cli
from recommender.decide.install.diff import plan_differences
from recommender.rulebase.wheels.load import load_wheels

MATRIX = load_wheels()

FIXTURES = Path(__file__).resolve().parent / "fixtures"
R550 = FIXTURES / "planner" / "a100-r550.json"  # driver 550: CUDA 12 only
R580 = FIXTURES / "personas5" / "machines" / "a100-cuda-full.json"  # driver 580: CUDA 13


def test_diff_names_the_cuda_variant_of_each_machines_torch(runner):
    result = runner.invoke(cli, ["diff", str(R550), str(R580)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Install plans (here: A, there: B):" in lines
    assert "  torch: torch==2.14.* (cu126) here, torch==2.15.* (cu130) there" in lines
    assert "  jax: jax[cuda12]==0.10.* here, jax[cuda13]==0.10.* there" in lines
    assert not any(line.startswith("  tensorflow:") for line in lines)  # same plan on both


def test_diff_json_has_a_plans_entry_per_differing_framework(runner):
    result = runner.invoke(cli, ["diff", "--json", str(R550), str(R580)])
    assert result.exit_code == 0, result.output
    plans = {(p["framework"], p["backend"]): p for p in json.loads(result.stdout)["plans"]}
    assert plans[("pytorch", None)]["a"] == "torch==2.14.* (cu126)"
    assert plans[("pytorch", None)]["b"] == "torch==2.15.* (cu130)"
    assert plans[("keras", "torch")]["b"].endswith("(cu130)")
    assert ("tensorflow", None) not in plans


def test_one_machine_against_itself_has_no_plan_differences():
    doc = json.loads(R550.read_text())
    assert plan_differences(doc, doc, matrix=MATRIX) == ()
    assert (
        plan_differences({"facts": doc}, doc, matrix=MATRIX) == ()
    )  # a recommend --json document's facts
