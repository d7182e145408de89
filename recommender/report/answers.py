"""The answers line at the top of a report: each answer with where it came from.

``Answers: goal=research (flag) · deploy=? (unanswered) · accelerator=nvidia (detected: A100)``
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from recommender.engine.answers import Answers
from recommender.facts.document import Facts


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


class AnswersLine:
    """``Answers: a · b · c``, folded only between parts at the console's width: a " · " never
    ends or starts a line; a continued line is indented (a part longer than a line folds at its
    own spaces)."""

    def __init__(self, parts: list[str]) -> None:
        self.parts = parts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width, line = options.max_width, "Answers:"
        for part in self.parts:
            joined = f"{line} {part}" if line == "Answers:" else f"{line} · {part}"
            if len(joined) <= width or line == "Answers:":
                line = joined
                continue
            yield Text(line, style="dim")
            line = "  " + part
        yield Text(line, style="dim")

    def plain(self) -> str:
        return "Answers: " + " · ".join(self.parts)


def answers_line(answers: Answers, facts: Facts) -> AnswersLine:
    """The answers line: each answer with its source, joined by " · "."""
    return AnswersLine([_part(key, answers, facts) for key in answers.values])
