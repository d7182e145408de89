"""plan_for remembers plans by what the planner reads: a fleet's distinct machines that differ
elsewhere (memory, host, paths) share one plan, and nothing else is shared."""

from __future__ import annotations

import json

from recommender.decide.install import plans
from recommender.decide.install.plans import plan_for
from recommender.facts.document import Facts
from recommender.rulebase.wheels.load import BUNDLED_WHEELS, load_wheels
from tests.conftest import FIXTURES

MATRIX = load_wheels()
RTX = json.loads((FIXTURES / "personas5" / "machines" / "rtx3090-linux.json").read_text())


def _facts(**changes) -> Facts:
    doc = json.loads(json.dumps(RTX))
    for path, value in changes.items():
        section, key = path.split("__")
        doc[section][key] = value
    return Facts.from_dict(doc, origin="test.json")


def test_machines_the_planner_cannot_tell_apart_share_one_plan(monkeypatch):
    made = []
    real = plans.plan_install
    monkeypatch.setattr(plans, "plan_install", lambda *a, **k: made.append(a) or real(*a, **k))
    matrix = load_wheels(BUNDLED_WHEELS)
    a = plan_for("pytorch", _facts(), "nvidia", matrix=matrix)
    b = plan_for("pytorch", _facts(memory__total_bytes=1 << 40), "nvidia", matrix=matrix)
    assert a == b and len(made) == 1


def test_what_the_planner_reads_is_never_shared():
    base = plan_for("pytorch", _facts(), "nvidia", matrix=MATRIX)
    other_python = plan_for("pytorch", _facts(python__version="3.9.18"), "nvidia", matrix=MATRIX)
    assert other_python is not base and other_python != base
    venv = plan_for(
        "pytorch", _facts(python__executable="/opt/my venv/bin/python"), "nvidia", matrix=MATRIX
    )
    assert "'/opt/my venv/bin/python'" in venv.command_line
    assert plan_for("pytorch", _facts(), "cpu", matrix=MATRIX) != base
    assert plan_for("keras", _facts(), "nvidia", backend="jax", matrix=MATRIX) != plan_for(
        "keras", _facts(), "nvidia", backend="torch", matrix=MATRIX
    )


def test_another_wheel_matrix_plans_afresh():
    first = plan_for("jax", _facts(), "nvidia", matrix=MATRIX)
    again = plan_for("jax", _facts(), "nvidia", matrix=load_wheels(BUNDLED_WHEELS))
    assert again == first and again is not first
