"""Answers: flags win over the file, the file over pre-fills and defaults; bad values are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.core.errors import BadInputError
from recommender.engine.answers import Answers, resolve_answers
from recommender.facts.document import Facts
from recommender.rulebase.load import load_rulebase

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rules"
Q = load_rulebase(bundled=FIXTURE).questions


def test_unanswered_questions_are_neutral():
    """Issue 13: defaults used to decide (prototyping +1.5, undecided +1 ...). Unanswered is
    None now: no rule fires on it, and a replayable answers file leaves it out."""
    a = resolve_answers(Q)
    assert dict(a.values) == {q.key: None for q in Q}
    assert set(a.source.values()) == {"unanswered"} and a.to_dict() == {}


def test_flags_win_over_file_and_file_over_defaults(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("goal: research\ndeploy: mobile\nteam_stack: none\n")
    a = resolve_answers(
        Q, file=str(f), flags={"goal": "production", "deploy": None, "team-stack": "keras"}
    )
    assert a.values["goal"] == "production" and a.source["goal"] == "flag"
    assert a.values["deploy"] == "mobile" and a.source["deploy"] == "file"
    assert a.values["team_stack"] == "keras" and a.source["team_stack"] == "flag"
    assert a.source["experience"] == "unanswered" and a.values["experience"] is None
    assert list(a.values) == [q.key for q in Q]


def test_json_answers_file(tmp_path):
    f = tmp_path / "a.json"
    f.write_text('{"experience": "beginner"}')
    assert resolve_answers(Q, file=str(f)).values["experience"] == "beginner"


@pytest.mark.parametrize(
    "text,where,message",
    [
        (
            "goal: research\nbudget: low\n",
            ":2",
            "unknown answer key 'budget' (allowed: goal, deploy, experience, team_stack, accelerator)",
        ),
        (
            "goal: research\ndeploy: fridge\n",
            ":2",
            "deploy: 'fridge' is not allowed (allowed: server, mobile, browser, edge, desktop, undecided)",
        ),
        (
            "team_stack: no\n",
            ":1",
            "team_stack: 'no' is not allowed",
        ),  # YAML 1.1 'no' stays a string
        ("experience: 3\n", ":1", "experience: 3 is not allowed"),
        ("goal: &g research\ndeploy: *g\n", ":1", "anchors and aliases"),
        ("- goal\n", "", "expected a mapping of answers"),
    ],
)
def test_bad_answers_file(tmp_path, text, where, message):
    f = tmp_path / "a.yaml"
    f.write_text(text)
    with pytest.raises(BadInputError) as info:
        resolve_answers(Q, file=str(f))
    assert info.value.exit_code == 2
    assert info.value.format_message().startswith(f"{f}{where}: ")
    assert message in info.value.format_message()


def test_bad_flags():
    with pytest.raises(
        BadInputError, match=r"--goal: 'fun' is not allowed \(allowed: research, production"
    ):
        resolve_answers(Q, flags={"goal": "fun"})
    with pytest.raises(BadInputError, match="unknown answer 'budget'"):
        resolve_answers(Q, flags={"budget": "low"})


def test_prefill_from_facts_only_when_not_answered(tmp_path):
    gpu = Facts.from_dict({"accelerators": [{"kind": "cuda", "visible": True}]})
    a = resolve_answers(Q, facts=gpu)
    assert a.values["accelerator"] == "nvidia" and a.source["accelerator"] == "probe"
    a = resolve_answers(Q, facts=gpu, flags={"accelerator": "cpu"})
    assert a.values["accelerator"] == "cpu" and a.source["accelerator"] == "flag"
    unknown = resolve_answers(Q, facts=Facts.from_dict({}))
    assert unknown.values["accelerator"] is None and unknown.source["accelerator"] == "unanswered"


def test_answers_are_frozen_values():
    a = resolve_answers(Q)
    with pytest.raises(Exception):
        a.values = {}  # type: ignore[misc]
    b = a.with_value("goal", "research")
    assert (
        a.values["goal"] is None and b.values["goal"] == "research" and b.source["goal"] == "flag"
    )
    assert isinstance(b, Answers)
