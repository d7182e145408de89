"""The answers line at the top of a report: each answer with where it came from.

``Answers: goal=research (flag) · deploy=? (unanswered) · accelerator=nvidia (detected: A100)``
"""

from __future__ import annotations

from recommender.engine.answers import Answers
from recommender.facts.document import Facts
from recommender.report.parts import PartsLine


def detected_note(facts: Facts, value: str | None) -> str:
    """What the probes found behind a detected accelerator answer ("A100 x8", the CPU model)."""
    names = [
        a.get("name") for a in facts.accelerators if a.get("name") and a.get("visible") is not False
    ]
    if value == "cpu" or not names:
        return str(facts.get("cpu.model") or "no accelerator")
    first = str(names[0]).removeprefix("NVIDIA ").split("-")[0]
    return first + (f" x{len(names)}" if len(names) > 1 else "")


def _part(key: str, answers: Answers, facts: Facts) -> str:
    value, source = answers.values.get(key), answers.source.get(key, "unanswered")
    if value is None:
        return f"{key}=? (unanswered)"
    if source == "probe":
        return f"{key}={value} (detected: {detected_note(facts, value)})"
    return f"{key}={value} ({source})"


def answers_line(answers: Answers, facts: Facts) -> PartsLine:
    """The answers line: each answer with its source, joined by " · " and folded only between
    answers (a " · " never ends a line)."""
    parts = [_part(key, answers, facts) for key in answers.values]
    return PartsLine(parts, head="Answers: ", style="dim")
