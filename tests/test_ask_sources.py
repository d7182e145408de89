"""`dlrec ask`: an answer given or confirmed at a prompt has the source "asked" (the JSON's
``answer_sources`` and the report's answers line), a flag not asked stays "flag", a detected
answer not asked stays "probe"; with ``--review`` a flag answer confirmed at its prompt is asked."""

from __future__ import annotations

import json
from pathlib import Path

from recommender.cli.main import cli
from recommender.engine.answers import SOURCES

ROOT = Path(__file__).resolve().parent.parent
LAPTOP = str(ROOT / "tests" / "fixtures" / "personas5" / "machines" / "linux-cpu-all.json")


def _ask(runner, *args: str, lines: int):
    result = runner.invoke(cli, ["ask", "--no-smoke", "--facts", LAPTOP, *args], input="\n" * lines)
    assert result.exit_code == 0, result.output
    return result


def test_answers_typed_at_the_prompts_are_asked(runner):
    result = _ask(runner, "--json", "--goal", "research", lines=6)  # 5 questions + confirm
    doc = json.loads(result.stdout)
    sources = doc["answer_sources"]
    assert sources["goal"] == "flag"  # given as a flag, not asked
    assert sources["accelerator"] == "probe"  # detected, not asked
    assert {sources[k] for k in ("deploy", "experience", "domain", "scale", "team_stack")} == {
        "asked"
    }
    assert set(sources.values()) <= set(SOURCES)


def test_review_makes_a_confirmed_flag_asked(runner):
    result = _ask(runner, "--json", "--review", "--goal", "research", lines=8)
    sources = json.loads(result.stdout)["answer_sources"]
    assert set(sources.values()) == {"asked"}
    assert "[1/7]" in result.stderr  # with --review all seven are asked and counted


def test_the_answers_line_says_asked_and_ends_with_no_separator(runner):
    result = _ask(runner, lines=7)
    line = next(x for x in result.stdout.splitlines() if x.startswith("Answers:"))
    assert "goal=prototyping (asked)" in line.replace("\n", " ")
    assert "[1/6]" in result.stdout and "/7]" not in result.stdout
