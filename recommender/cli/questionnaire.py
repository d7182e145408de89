"""The questionnaire: one loop over the questions of ``questions.yaml``, two ways to ask.

No question text lives here: prompts, help lines, choices and defaults all come from the rule
base. The loop (``run_questionnaire``) knows only "answer", "go back" and "confirm"; an *asker*
knows how to put one question on screen:

- ``TerminalAsker`` (``cli/_terminal.py``): arrow-key selection drawn in place; Esc or Left
  goes back, a number key picks that choice, ``q`` or Ctrl-D cancel (exit 130);
- ``LineAsker``: numbered prompts that read lines, for a stdin that is not a terminal.
  On EOF it stops with ``QuestionnaireEOF`` (exit 2) pointing to ``dlrec recommend --answers``.

Answers given as flags or detected by the probes are skipped (unless ``review``) but listed in
the summary, numbered like every answer; picking a number there jumps to that question, and
answering it returns to the summary.

Ctrl-C anywhere raises KeyboardInterrupt, which the top-level guard turns into exit 130.
"""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from recommender.core.errors import BadInputError
from recommender.core.numfmt import is_digits
from recommender.rulebase.load import Choice

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
    #: Where the default came from when it is an answer already: "flag" or "detected: NOTE".
    given: str | None = None


class Asker(Protocol):
    """Ask one question headed by ``step`` ("[2/6]", or "Change 7)" from the summary): the
    answer's value or BACK. Confirm the summary: True runs, False goes back
    to the last question, an int (0-based) jumps to that question."""

    def ask(self, prompt: Prompt, *, step: str, can_go_back: bool) -> Any: ...

    def confirm(self, summary: Sequence[tuple[str, str]]) -> bool | int: ...


def columns() -> int:
    """The terminal's width (80 when unknown), for wrapping at word boundaries."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def summary_lines(summary: Sequence[tuple[str, str]], width: int) -> list[str]:
    """``  1) What is the main goal? Research: ...`` wrapped at words, hanging under the text."""
    lines = []
    for n, (text, label) in enumerate(summary, 1):
        head = f"  {n}) "
        lines += textwrap.wrap(
            f"{text} {label}",
            width=width - 1,
            initial_indent=head,
            subsequent_indent=" " * len(head),
            break_long_words=False,
            break_on_hyphens=False,
        )
    return lines


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, Mapping) else getattr(obj, key, default)


def build_prompts(
    questions: Sequence[Any],
    defaults: Mapping[str, str],
    detected: Mapping[str, tuple[str, str]] | None = None,
    flags: Mapping[str, str] | None = None,
) -> tuple[Prompt, ...]:
    """Questions (rule base values) -> Prompts. ``defaults`` pre-fills each default (from the
    probes or an answers file); ``detected[key] = (value, note)`` labels that choice
    "LABEL (detected: NOTE)"; ``flags`` are answers given on the command line (``given``)."""
    detected, flags = detected or {}, flags or {}
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
        default = str(flags.get(q.key) or defaults.get(q.key, _get(q, "default")))
        found, note = detected.get(q.key, (None, None))
        given = "flag" if q.key in flags else (f"detected: {note}" if found == default else None)
        prompts.append(
            Prompt(
                key=q.key,
                text=str(_get(q, "prompt")),
                help=str(_get(q, "help") or ""),
                options=tuple(options),
                default=default,
                given=given,
            )
        )
    return tuple(prompts)


def run_questionnaire(
    prompts: Sequence[Prompt], asker: Asker, *, review: bool = False
) -> dict[str, str]:
    """Ask each prompt in order (those already ``given`` only with ``review``); BACK returns to
    the previous one; the summary confirms, goes back, or jumps to one question and returns.
    Returns the answers the user gave (a given answer only if its question was asked).

    The counter counts what is asked: ``[2/6]`` when the probes answered the seventh; a question
    reached from the summary is headed by its number there, ``Change 7)``."""
    answers: dict[str, str] = {}
    order = [i for i, p in enumerate(prompts) if review or p.given is None]
    if not order:  # every answer given: nothing to ask, nothing to confirm
        return {}
    pos, jump = 0, None
    while True:
        if jump is None and pos >= len(order):
            picked = asker.confirm(_summary(prompts, answers))
            if picked is True:
                return {p.key: answers[p.key] for p in prompts if p.key in answers}
            if picked is False:
                pos, jump = len(order) - 1, None
                continue
            jump = int(picked)
            continue
        i = jump if jump is not None else order[pos]
        prompt = prompts[i]
        shown = prompt if prompt.key not in answers else _with_default(prompt, answers[prompt.key])
        step = f"Change {i + 1})" if jump is not None else f"[{pos + 1}/{len(order)}]"
        value = asker.ask(shown, step=step, can_go_back=jump is not None or pos > 0)
        if value is BACK:
            if jump is not None:
                jump = None  # from a jump, back means back to the summary
            else:
                pos = max(0, pos - 1)
            continue
        answers[prompt.key] = value
        if jump is not None:
            jump = None  # answered: back to the summary
        else:
            pos += 1


def _summary(prompts: Sequence[Prompt], answers: Mapping[str, str]) -> list[tuple[str, str]]:
    out = []
    for p in prompts:
        if p.key in answers:
            out.append((p.text, _label(p, answers[p.key])))
        else:  # given and not reviewed: say where it came from (a detected label already does)
            label = _label(p, p.default)
            mark = f" ({p.given})" if p.given and p.given not in label else ""
            out.append((p.text, label + mark))
    return out


def _label(prompt: Prompt, value: str) -> str:
    return next((o.label for o in prompt.options if o.value == value), value)


def _with_default(prompt: Prompt, value: str) -> Prompt:
    return Prompt(
        key=prompt.key,
        text=prompt.text,
        help=prompt.help,
        options=prompt.options,
        default=value,
        given=prompt.given,
    )


# --------------------------------------------------------------------------- line asker


class LineAsker:
    """Numbered prompts over plain lines: a number, a value, empty for the default, ``b`` back."""

    def __init__(
        self,
        read: Callable[[], str],
        write: Callable[[str], None],
        width: int = 80,
        *,
        echo: bool = False,
    ) -> None:
        self._read, self._write, self._width = read, write, width
        #: Write each line read after its prompt (a piped stdin is not echoed by a terminal).
        self._echo = echo

    def _line(self, what: str) -> str:
        line = self._read()
        if line == "":  # EOF (an empty answer arrives as "\n")
            self._write("\n")
            raise QuestionnaireEOF(
                f"input ended before {what} was answered; to answer without a terminal, "
                "write the answers to a file and run `dlrec recommend --answers FILE`"
            )
        if self._echo:
            self._write(line.rstrip("\n") + "\n")
        return line.strip()

    def ask(self, prompt: Prompt, *, step: str, can_go_back: bool) -> Any:
        self._write(f"\n{step} {prompt.text}\n")
        if prompt.help:
            self._write(
                textwrap.fill(
                    prompt.help, self._width - 1, initial_indent="    ", subsequent_indent="    "
                )
                + "\n"
            )
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

    def confirm(self, summary: Sequence[tuple[str, str]]) -> bool | int:
        self._write("\nYour answers:\n")
        for line in summary_lines(summary, self._width):
            self._write(line + "\n")
        while True:
            self._write(
                f"Run the recommendation with these answers? "
                f"[Y/n, 1-{len(summary)} = change that answer, n = back]: "
            )
            text = self._line("the confirmation").lower()
            if text in ("", "y", "yes"):
                return True
            if text in ("n", "no", "b", "back"):
                return False
            if is_digits(text) and 1 <= int(text) <= len(summary):
                return int(text) - 1


def _pick(prompt: Prompt, text: str) -> str | None:
    if is_digits(text) and 1 <= int(text) <= len(prompt.options):
        return prompt.options[int(text) - 1].value
    return next((o.value for o in prompt.options if o.value == text), None)


def line_asker(stdin: IO[str], stdout: IO[str]) -> LineAsker:
    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    try:
        echo = not stdin.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream: nothing echoes it
        echo = True
    return LineAsker(stdin.readline, write, columns(), echo=echo)


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
    from recommender.core.atomic import write_atomic

    try:
        write_atomic(target, text)
    except OSError as exc:
        raise BadInputError(
            f"cannot write the answers file: {exc.strerror}", where=str(path)
        ) from None
