"""The questionnaire: one loop over the questions of ``questions.yaml``, two ways to ask.

No question text lives here: prompts, help lines, choices and defaults all come from the rule
base. The loop (``run_questionnaire``) knows only "answer", "go back" and "confirm"; an *asker*
knows how to put one question on screen:

- ``TerminalAsker``: arrow-key selection (questionary, on prompt_toolkit) with the question's
  help line, wrapped at word boundaries, under the choices; Esc or Left goes back, a number key
  picks that choice;
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
from typing import IO, Any, Protocol, cast

from recommender.core.errors import BadInputError
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
    """Ask one question (answer value or BACK); confirm the summary: True runs, False goes back
    to the last question, an int (0-based) jumps to that question."""

    def ask(self, prompt: Prompt, *, index: int, total: int, can_go_back: bool) -> Any: ...

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
    Returns the answers the user gave (a given answer only if its question was asked)."""
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
                pos, jump = (len(order) - 1, None) if order else (0, len(prompts) - 1)
                continue
            jump = int(picked)
            continue
        i = jump if jump is not None else order[pos]
        prompt = prompts[i]
        shown = prompt if prompt.key not in answers else _with_default(prompt, answers[prompt.key])
        value = asker.ask(
            shown, index=i, total=len(prompts), can_go_back=jump is not None or pos > 0
        )
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
        self, read: Callable[[], str], write: Callable[[str], None], width: int = 80
    ) -> None:
        self._read, self._write, self._width = read, write, width

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
            if text.isdigit() and 1 <= int(text) <= len(summary):
                return int(text) - 1


def _pick(prompt: Prompt, text: str) -> str | None:
    if text.isdigit() and 1 <= int(text) <= len(prompt.options):
        return prompt.options[int(text) - 1].value
    return next((o.value for o in prompt.options if o.value == text), None)


def line_asker(stdin: IO[str], stdout: IO[str]) -> LineAsker:
    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    return LineAsker(stdin.readline, write, columns())


# --------------------------------------------------------------------------- terminal asker


class TerminalAsker:
    """Arrow-key selection (questionary). The help line shows under the choices, wrapped at word
    boundaries; Esc or Left goes back; a number key picks that choice at once."""

    def __init__(self) -> None:
        import questionary  # only on a terminal: keeps prompt_toolkit off the scripted path

        self._q = questionary

    def _select(
        self, message: str, choices: list, default, keys: Mapping[str, Any], *, numbered: bool
    ) -> Any:
        """questionary's select, plus ``keys``: key -> the value it answers at once."""
        from prompt_toolkit.key_binding import KeyBindings, KeyBindingsBase, merge_key_bindings

        width = columns()
        # prompt_toolkit wraps a long line at any character: wrap the question at words, and
        # give the instruction a line of its own
        wrapped = "\n  ".join(textwrap.wrap(message, width - 3, break_on_hyphens=False))
        question = self._q.select(
            wrapped,
            choices=choices,
            default=default,
            use_shortcuts=numbered,  # shows "1) ..."; the number keys themselves are ``keys``
            instruction="\n  (arrows or a number, Enter; Esc = back)",
        )
        extra = KeyBindings()
        for key, value in keys.items():
            extra.add(key, eager=key not in ("escape",))(
                lambda event, value=value: event.app.exit(result=value)
            )
        app = question.application
        # questionary's application always has its own key bindings.
        app.key_bindings = merge_key_bindings([cast(KeyBindingsBase, app.key_bindings), extra])
        app.ttimeoutlen = 0.05  # a lone Esc is Esc after 50 ms, not half a second
        # questionary leaves "? QUESTION ANSWER" behind, wrapped at any character: erase the
        # prompt instead, and write that line wrapped at words
        app.erase_when_done = True
        value = question.unsafe_ask()
        title = next((c.title for c in choices if c.value == value), None)
        if isinstance(title, str) and value not in ("\0back", "\0run"):
            print(
                textwrap.fill(
                    f"? {message} {title}",
                    width - 1,
                    subsequent_indent="  ",
                    break_on_hyphens=False,
                ),
                flush=True,
            )
        return value

    def ask(self, prompt: Prompt, *, index: int, total: int, can_go_back: bool) -> Any:
        q = self._q
        description = _wrap_description(prompt.help, columns()) if prompt.help else None
        choices = [
            q.Choice(o.label, value=o.value, description=description) for o in prompt.options
        ]
        if can_go_back:
            choices.append(
                q.Choice(BACK_LABEL, value="\0back", description="return to the previous question")
            )
        keys: dict[str, Any] = {str(n): c.value for n, c in enumerate(choices, 1) if n <= 9}
        if can_go_back:
            keys.update({"escape": "\0back", "left": "\0back"})
        default = next((c for c in choices if c.value == prompt.default), None)
        value = self._select(
            f"[{index + 1}/{total}] {prompt.text}",
            choices,
            default,
            keys,
            numbered=len(choices) <= 9,
        )
        return BACK if value == "\0back" else value

    def confirm(self, summary: Sequence[tuple[str, str]]) -> bool | int:
        width = columns()
        print("\nYour answers:\n" + "\n".join(summary_lines(summary, width)), flush=True)
        q = self._q
        choices = [q.Choice("Run the recommendation", value="\0run")]
        for n, (text, _label) in enumerate(summary, 1):
            title = f"Change {n}) {text}"
            if len(title) > width - 6:
                title = title[: width - 7].rstrip() + "…"
            choices.append(q.Choice(title, value=n - 1))
        keys: dict[str, Any] = {str(n): n - 1 for n in range(1, min(len(summary), 9) + 1)}
        keys.update({"y": "\0run", "n": "\0back", "escape": "\0back", "left": "\0back"})
        value = self._select(
            "Run the recommendation with these answers? y, or a number to change that answer",
            choices,
            None,
            keys,
            numbered=False,
        )
        return True if value == "\0run" else (False if value == "\0back" else int(value))


def _wrap_description(text: str, width: int) -> str:
    """The help line as questionary's "  Description: " shows it, wrapped at word boundaries
    (its window crops long lines at the terminal's edge)."""
    head = "  Description: "
    wrapped = textwrap.fill(
        text, width - 1, initial_indent=head, subsequent_indent="  ", break_on_hyphens=False
    )
    return wrapped[len(head) :]


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
