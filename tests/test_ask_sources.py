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


def _questions() -> list[str]:
    from recommender.rulebase.load import load_rulebase

    return [q.key for q in load_rulebase(()).questions]


def _ask(runner, *args: str):
    # Enter takes every default and confirms; lines left over are never read
    result = runner.invoke(cli, ["ask", "--no-smoke", "--facts", LAPTOP, *args], input="\n" * 40)
    assert result.exit_code == 0, result.output
    return result


def test_answers_typed_at_the_prompts_are_asked(runner):
    result = _ask(runner, "--json", "--goal", "research")
    doc = json.loads(result.stdout)
    sources = doc["answer_sources"]
    assert sources["goal"] == "flag"  # given as a flag, not asked
    assert sources["accelerator"] == "probe"  # detected, not asked
    others = set(_questions()) - {"goal", "accelerator"}
    assert {sources[k] for k in others} == {"asked"}
    assert set(sources.values()) <= set(SOURCES)


def test_review_makes_a_confirmed_flag_asked(runner):
    result = _ask(runner, "--json", "--review", "--goal", "research")
    sources = json.loads(result.stdout)["answer_sources"]
    assert set(sources.values()) == {"asked"}
    n = len(_questions())
    assert f"[1/{n}]" in result.stderr  # with --review all are asked and counted


def test_the_answers_line_says_asked_and_ends_with_no_separator(runner):
    result = _ask(runner)
    lines = result.stdout.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("Answers:"))
    block = []
    for line in lines[start:]:
        if block and not line.startswith("  "):
            break
        block.append(line)
    assert "(asked)" in block[0] and not any(x.rstrip().endswith("·") for x in block)
    n = len(_questions())
    assert f"[1/{n - 1}]" in result.stdout and f"/{n}]" not in result.stdout  # accelerator found
