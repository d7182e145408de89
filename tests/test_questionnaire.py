"""The questionnaire loop: given answers skipped and listed, jumps from the summary, wrapping."""

from __future__ import annotations

import io

from recommender.cli.questionnaire import (
    BACK,
    Prompt,
    line_asker,
    run_questionnaire,
    summary_lines,
)
from recommender.rulebase.load import Choice


def prompts() -> tuple[Prompt, ...]:
    opts = (Choice(value="a", label="Alpha"), Choice(value="b", label="Beta"))
    return (
        Prompt(key="q1", text="First?", help="", options=opts, default="a"),
        Prompt(key="q2", text="Second?", help="", options=opts, default="b", given="flag"),
        Prompt(key="q3", text="Third?", help="", options=opts, default="a"),
    )


class Script:
    """An asker that replays answers and records what it was asked."""

    def __init__(self, *steps) -> None:
        self.steps, self.asked, self.summaries = list(steps), [], []

    def ask(self, prompt, *, step, can_go_back):
        self.asked.append(prompt.key)
        return self.steps.pop(0)

    def confirm(self, summary):
        self.summaries.append(summary)
        return self.steps.pop(0)


def test_given_answers_are_skipped_but_listed_as_such():
    asker = Script("b", "a", True)
    assert run_questionnaire(prompts(), asker) == {"q1": "b", "q3": "a"}
    assert asker.asked == ["q1", "q3"]
    assert asker.summaries[0][1] == ("Second?", "Beta (flag)")


def test_review_asks_the_given_ones_too():
    asker = Script("a", "a", "a", True)
    assert run_questionnaire(prompts(), asker, review=True) == {"q1": "a", "q2": "a", "q3": "a"}


def test_a_jump_from_the_summary_returns_to_the_summary():
    asker = Script("a", "a", 0, "b", 1, BACK, True)
    assert run_questionnaire(prompts(), asker) == {"q1": "b", "q3": "a"}
    assert asker.asked == ["q1", "q3", "q1", "q2"]  # q1 changed, q2 reviewed then left alone
    assert len(asker.summaries) == 3


def test_line_asker_jumps_by_number():
    stdin = io.StringIO("1\n1\n1\n2\n\n")  # q1, q3, summary: change 1, answer Beta, confirm
    out = io.StringIO()
    assert run_questionnaire(prompts(), line_asker(stdin, out)) == {"q1": "b", "q3": "a"}
    assert "  1) First? Alpha" in out.getvalue() and "  1) First? Beta" in out.getvalue()
    assert "1-3 = change that answer" in out.getvalue()


def test_summary_wraps_at_words():
    summary = [
        (
            "How much deep learning experience does the person writing the code have?",
            "Intermediate: have trained models before",
        )
    ]
    lines = summary_lines(summary, 80)
    assert all(len(line) < 80 for line in lines)
    assert any("Intermediate:" in line.split() for line in lines)
    assert lines[1].startswith("     ")  # hanging indent under the text
