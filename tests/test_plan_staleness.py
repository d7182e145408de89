"""The wheels.yaml staleness warning (``plans.staleness``) on a frozen clock (``plans.today``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from recommender.cli.main import cli
from recommender.decide.install import plans
from recommender.rulebase.wheels.load import load_wheels

MATRIX = load_wheels()
FACTS = Path(__file__).resolve().parent / "fixtures" / "planner" / "linux-cpu.json"
RUN_DATE = dt.date(2027, 6, 15)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(plans, "today", lambda: RUN_DATE)
    return RUN_DATE


def _verified(days_before_run: int):
    return dataclasses.replace(MATRIX, verified=RUN_DATE - dt.timedelta(days=days_before_run))


@pytest.mark.parametrize("days", [184, 200, 400])
def test_verified_more_than_six_months_before_the_run_is_stale(frozen, days):
    (notice,) = plans.staleness(_verified(days))
    assert notice.rule == "plan:stale-wheels"
    assert f"{days} days ago" in notice.why
    assert (RUN_DATE - dt.timedelta(days=days)).isoformat() in notice.why


@pytest.mark.parametrize("days", [0, 30, 183])
def test_a_fresh_verified_date_gives_nothing(frozen, days):
    assert plans.staleness(_verified(days)) == ()


def _warnings(runner) -> list[str]:
    args = ["recommend", "--json", "--no-smoke", "--facts", str(FACTS), "--accelerator", "cpu"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return [w["rule"] for w in json.loads(result.stdout)["warnings"]]


def test_recommend_warns_when_the_bundled_matrix_is_stale_on_the_run_date(runner, monkeypatch):
    verified = MATRIX.verified
    monkeypatch.setattr(plans, "today", lambda: verified + dt.timedelta(days=plans.STALE_DAYS + 1))
    assert "plan:stale-wheels" in _warnings(runner)
    monkeypatch.setattr(plans, "today", lambda: verified + dt.timedelta(days=10))
    assert "plan:stale-wheels" not in _warnings(runner)
