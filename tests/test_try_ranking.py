"""What a try does to the ranking (``decide/ranking/tries.py``), on a real bare machine's
ranking: which rows ``--try`` picks, the plans it hands to the smoke stage, and each ending."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from recommender.decide.ranking.rank import rank
from recommender.decide.ranking.rows import INSTALL_FAILED_HERE, MEASURED_FRESH, RULES_ONLY
from recommender.decide.ranking.tries import notices, trial_plan, wanted_rows
from recommender.pipeline import Request, recommend
from recommender.smoke.results import SmokeResult
from recommender.smoke.trial import TrialResult

BARE = str(Path(__file__).resolve().parent / "fixtures" / "personas" / "linux-cpu-bare.json")


@pytest.fixture(scope="module")
def outcome():
    return recommend(Request(facts_file=BARE, flags={"accelerator": "cpu"}, smoke=False))


def _passed(framework: str, backend: str | None = None) -> tuple[SmokeResult, ...]:
    return tuple(
        SmokeResult(
            framework=framework, backend=backend, device="cpu", model=m, ok=True,
            loss_first=2.0, loss_last=0.1, accuracy=1.0, converged=True,
        )
        for m in ("mlp", "cnn")
    )  # fmt: skip


def _rerank(outcome, tried):
    return rank(
        outcome.ranking.evaluation, (), outcome.facts, outcome.rulebase, tried=tried,
        extra_warnings=notices(tried, (), outcome.ranking.entries),
    )  # fmt: skip


def test_try_alone_picks_the_two_best_rows_needing_an_install_and_their_ties(outcome):
    entries = outcome.ranking.entries
    picked = [e for e, _ in wanted_rows(entries, ())]
    needing = [e for e in entries if e.feasible and not e.ready]
    assert picked[:2] == needing[:2]
    assert all(e.score == picked[1].score for e in picked[2:])
    assert [e for e in needing[2:] if e.score == needing[1].score] == picked[2:]


def test_the_plan_handed_to_smoke_is_the_planners_pip_arguments(outcome):
    entry = outcome.ranking.entry("pytorch")
    plan = trial_plan(entry, None, "cpu")
    assert plan.command == entry.install
    assert [list(s) for s in plan.steps] == [
        c[c.index("pip") + 1 :] for c in entry.install_plan["commands"]
    ]
    keras = trial_plan(outcome.ranking.entry("keras"), "torch", "cpu")
    assert keras.label == "keras:torch" and keras.steps[0][0] == "install"


def test_a_proven_row_keeps_needs_install_and_earns_the_bonus(outcome):
    plan = trial_plan(outcome.ranking.entry("jax"), None, "cpu")
    tried = {"jax": TrialResult(plan=plan, status="proven", seconds=12.3, bytes=141_000_000,
                                smoke=_passed("jax"))}  # fmt: skip
    before, after = outcome.ranking.entry("jax"), _rerank(outcome, tried).entry("jax")
    bonus = float(outcome.rulebase.settings["smoke_bonus"])
    assert after.confidence == MEASURED_FRESH and not after.ready and not after.installed
    assert after.verdict.endswith("needs install") and after.score == before.score + bonus
    assert after.tried == {"command": plan.command, "seconds": 12.3, "bytes": 141_000_000,
                           "status": "proven", "reused": False}  # fmt: skip


def test_a_failed_install_blocks_the_row_and_says_the_planner_is_suspect(outcome):
    plan = trial_plan(outcome.ranking.entry("jax"), None, "cpu")
    reason = "Could not find a version that satisfies the requirement jax==0.10.*"
    tried = {"jax": TrialResult(plan=plan, status="install_failed", reason=reason, log="/x.log")}
    ranking = _rerank(outcome, tried)
    jax = ranking.entry("jax")
    assert jax.verdict == INSTALL_FAILED_HERE and not jax.feasible
    assert reason in jax.blockers[-1].why and "/x.log" in jax.blockers[-1].why
    (notice,) = [n for n in ranking.warnings if n.rule == "try:install-failed"]
    assert "suspect" in notice.why and "/x.log" in (notice.fix or "")


@pytest.mark.parametrize("status", ["offline", "proxy", "disk_full", "timeout", "declined"])
def test_this_machines_trouble_leaves_the_row_rules_only(outcome, status):
    plan = trial_plan(outcome.ranking.entry("jax"), None, "cpu")
    tried = {"jax": TrialResult(plan=plan, status=status, reason="why, in one line")}
    ranking = _rerank(outcome, tried)
    jax, before = ranking.entry("jax"), outcome.ranking.entry("jax")
    assert jax.confidence == RULES_ONLY and jax.feasible and jax.score == before.score
    assert dataclasses.replace(jax, tried=None, rank=before.rank) == before
    assert [n.rule for n in ranking.warnings if n.rule.startswith("try:")] == [
        f"try:{status.replace('_', '-')}"
    ]


def test_a_keras_backend_that_is_not_the_rows_is_still_reported(outcome):
    keras = outcome.ranking.entry("keras")
    other = next(b for b in ("torch", "jax", "tensorflow") if b != keras.backend)
    plan = trial_plan(keras, other, "cpu")
    tried = {
        plan.label: TrialResult(
            plan=plan, status="proven", seconds=5, smoke=_passed("keras", other)
        )
    }
    ranking = _rerank(outcome, tried)
    (notice,) = [n for n in ranking.warnings if n.rule == "try:proven"]
    assert (
        notice.why.startswith(f"keras:{other}: ") and "proven in a fresh environment" in notice.why
    )
