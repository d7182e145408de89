"""The questionnaire: one loop over the questions of ``questions.yaml``, two ways to ask.

No question text lives here: prompts, help lines, choices and defaults all come from the rule
base. The loop (``run_questionnaire``) knows only "answer", "go back" and "confirm"; an *asker*
knows how to put one question on screen:

- ``TerminalAsker``: arrow-key selection (questionary, on prompt_toolkit) with the question's
  help line under the choices and a "← back" choice;
- ``LineAsker``: numbered prompts that read lines, for a stdin that is not a terminal.
  On EOF it stops with ``QuestionnaireEOF`` (exit 2) pointing to ``dlrec recommend --answers``.

Ctrl-C anywhere raises KeyboardInterrupt, which the top-level guard turns into exit 130.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from recommender.engine.rulebase import Choice
from recommender.errors import BadInputError

BACK = object()  # an asker's answer meaning "the previous question, please"
BACK_LABEL = "← back"


class QuestionnaireEOF(BadInputError):
    """stdin ended before every question was answered."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Prompt:
    """One question ready to ask: text, help, options and the pre-filled default."""

    key: str
    text: str
    help: str
    #: The rule base's choices, labels marked with what the probes detected.
    options: tuple[Choice, ...]
    default: str


class Asker(Protocol):
    """Ask one question (answer value or BACK), and confirm the summary (True, False = back)."""

    def ask(self, prompt: Prompt, *, index: int, total: int, can_go_back: bool) -> Any: ...

    def confirm(self, summary: Sequence[tuple[str, str]]) -> bool: ...


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, Mapping) else getattr(obj, key, default)


def build_prompts(
    questions: Sequence[Any],
    defaults: Mapping[str, str],
    detected: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[Prompt, ...]:
    """Questions (rule base values) -> Prompts. ``defaults`` pre-fills each default (from the
    probes or an answers file); ``detected[key] = (value, note)`` labels that choice
    "LABEL (detected: NOTE)"."""
    detected = detected or {}
    prompts = []
    for q in questions:
        options = []
        for choice in _get(q, "choices"):
            value, label = (
                str(_get(choice, "value")),
                str(_get(choice, "label") or _get(choice, "value")),
            )
            found, note = detected.get(q.key, (None, None))
            note = note if found == value else None
            options.append(
                Choice(value=value, label=f"{label} (detected: {note})" if note else label)
            )
        default = str(defaults.get(q.key, _get(q, "default")))
        prompts.append(
            Prompt(
                key=q.key,
                text=str(_get(q, "prompt")),
                help=str(_get(q, "help") or ""),
                options=tuple(options),
                default=default,
            )
        )
    return tuple(prompts)


def run_questionnaire(prompts: Sequence[Prompt], asker: Asker) -> dict[str, str]:
    """Ask each prompt in order; BACK returns to the previous one; a summary confirms the end."""
    answers: dict[str, str] = {}
    i = 0
    while True:
        if i == len(prompts):
            summary = [(p.text, _label(p, answers[p.key])) for p in prompts]
            if asker.confirm(summary):
                return {p.key: answers[p.key] for p in prompts}
            i -= 1  # "no": back to the last question
            continue
        prompt = prompts[i]
        shown = prompt if prompt.key not in answers else _with_default(prompt, answers[prompt.key])
        value = asker.ask(shown, index=i, total=len(prompts), can_go_back=i > 0)
        if value is BACK:
            i = max(0, i - 1)
            continue
        answers[prompt.key] = value
        i += 1


def _label(prompt: Prompt, value: str) -> str:
    return next((o.label for o in prompt.options if o.value == value), value)


def _with_default(prompt: Prompt, value: str) -> Prompt:
    return Prompt(
        key=prompt.key, text=prompt.text, help=prompt.help, options=prompt.options, default=value
    )


# --------------------------------------------------------------------------- line asker


class LineAsker:
    """Numbered prompts over plain lines: a number, a value, empty for the default, ``b`` back."""

    def __init__(self, read: Callable[[], str], write: Callable[[str], None]) -> None:
        self._read, self._write = read, write

    def _line(self, what: str) -> str:
        line = self._read()
        if line == "":  # EOF (an empty answer arrives as "\n")
            self._write("\n")
            raise QuestionnaireEOF(
                f"input ended before {what} was answered; to answer without a terminal, "
                "write the answers to a file and run `dlrec recommend --answers FILE`"
            )
        return line.strip()

    def ask(self, prompt: Prompt, *, index: int, total: int, can_go_back: bool) -> Any:
        self._write(f"\n[{index + 1}/{total}] {prompt.text}\n")
        if prompt.help:
            self._write(f"    {prompt.help}\n")
        for n, option in enumerate(prompt.options, 1):
            mark = "  (default)" if option.value == prompt.default else ""
            self._write(f"  {n}) {option.label}{mark}\n")
        back = ", b = back" if can_go_back else ""
        while True:
            self._write(f"Choose 1-{len(prompt.options)} [Enter = {prompt.default}{back}]: ")
            text = self._line(f"question {prompt.key!r}")
            if text == "":
                return prompt.default
            if can_go_back and text.lower() in ("b", "back"):
                return BACK
            picked = _pick(prompt, text)
            if picked is not None:
                return picked
            self._write(
                f"  not a choice: {text!r}; allowed: 1-{len(prompt.options)} or "
                f"{', '.join(o.value for o in prompt.options)}\n"
            )

    def confirm(self, summary: Sequence[tuple[str, str]]) -> bool:
        self._write("\nYour answers:\n")
        for text, label in summary:
            self._write(f"  {text} {label}\n")
        while True:
            self._write("Run the recommendation with these answers? [Y/n, n = back]: ")
            text = self._line("the confirmation").lower()
            if text in ("", "y", "yes"):
                return True
            if text in ("n", "no", "b", "back"):
                return False


def _pick(prompt: Prompt, text: str) -> str | None:
    if text.isdigit() and 1 <= int(text) <= len(prompt.options):
        return prompt.options[int(text) - 1].value
    return next((o.value for o in prompt.options if o.value == text), None)


def line_asker(stdin: IO[str], stdout: IO[str]) -> LineAsker:
    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    return LineAsker(stdin.readline, write)


# --------------------------------------------------------------------------- terminal asker


class TerminalAsker:
    """Arrow-key selection (questionary); the help line shows under the choices."""

    def __init__(self) -> None:
        import questionary  # only on a terminal: keeps prompt_toolkit off the scripted path

        self._q = questionary

    def ask(self, prompt: Prompt, *, index: int, total: int, can_go_back: bool) -> Any:
        q = self._q
        choices = [
            q.Choice(o.label, value=o.value, description=prompt.help or None)
            for o in prompt.options
        ]
        if can_go_back:
            choices.append(
                q.Choice(BACK_LABEL, value="\0back", description="return to the previous question")
            )
        default = next((c for c in choices if c.value == prompt.default), None)
        value = q.select(
            f"[{index + 1}/{total}] {prompt.text}",
            choices=choices,
            default=default,
            instruction="(arrow keys, Enter)",
        ).unsafe_ask()
        return BACK if value == "\0back" else value

    def confirm(self, summary: Sequence[tuple[str, str]]) -> bool:
        lines = "\n".join(f"  {text} {label}" for text, label in summary)
        print(f"\nYour answers:\n{lines}", flush=True)
        return bool(
            self._q.confirm(
                "Run the recommendation with these answers? (No = back)", default=True
            ).unsafe_ask()
        )


# --------------------------------------------------------------------------- saving


def check_writable(path: str | os.PathLike | None) -> None:
    """Refuse a --save-answers path whose folder does not exist, before any question is asked."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise BadInputError(
            "is a directory; give a file name such as answers.yaml", where=str(path)
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BadInputError(f"folder {str(folder)!r} does not exist", where=str(path))


def save_answers(path: str | os.PathLike, answers: Mapping[str, str]) -> None:
    """Write a replayable answers file atomically: a temp file beside it, then os.replace.
    ``.json`` gives JSON; anything else YAML (the format ``--answers`` reads)."""
    target = Path(path)
    answers = {k: v for k, v in answers.items() if v is not None}  # unanswered: left out
    if target.suffix.lower() == ".json":
        text = json.dumps(dict(answers), indent=2) + "\n"
    else:
        text = "# dlrec answers: replay with `dlrec recommend --answers FILE`\n" + "".join(
            f"{key}: {json.dumps(str(value))}\n" for key, value in answers.items()
        )
    from recommender.atomic import write_atomic

    try:
        write_atomic(target, text)
    except OSError as exc:
        raise BadInputError(
            f"cannot write the answers file: {exc.strerror}", where=str(path)
        ) from None
