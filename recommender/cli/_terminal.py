"""``dlrec ask`` on a terminal: arrow-key selection (questionary, on prompt_toolkit), drawn in
place.

What stays on screen is one line per answer so far ("? [2/6] Where will ... Server"), then the
current question. Going back erases the previous answer's line and asks that question where its
line was, so the transcript never repeats. The summary is itself the menu: picking an answer
asks that question in the summary's place, then draws the summary again with the new answer.

Keys: arrows or a number pick; Enter confirms; Esc or Left go back (Esc at once: a short escape
timeout); ``q`` or Ctrl-D cancel (``Cancelled``, exit 130, nothing written); Ctrl-C interrupts.
Every line (question, choices, help, summary) wraps at word boundaries at the terminal's width
at the time it is drawn.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from recommender.cli.questionnaire import BACK, BACK_LABEL, Prompt, columns, summary_lines
from recommender.core.errors import Cancelled

_BACK, _RUN, _CANCEL, _RESIZED = "\0back", "\0run", "\0cancel", "\0resized"
_KEYS_HELP = "(arrows or a number, Enter; Esc = back, q = cancel)"
#: Seconds prompt_toolkit waits after a lone Esc byte before taking it as the Esc key.
ESCAPE_TIMEOUT = 0.02
#: What a choice line starts with: questionary's pointer (" » ") and the shortcut ("1) "); the
#: summary's choices have no shortcut.
_CHOICE_INDENT = 6


def wrap_choice(label: str, width: int, indent: int = _CHOICE_INDENT) -> str:
    """A choice's label wrapped at words to fit after the pointer and shortcut, continuation
    lines indented under the label's first word (prompt_toolkit would crop it at the edge)."""
    lines = textwrap.wrap(
        label,
        max(10, width - indent - 1),
        break_long_words=False,
        break_on_hyphens=False,
    )
    return ("\n" + " " * indent).join(lines) or label


class TerminalAsker:
    """Ask on a terminal, drawing in place (see the module docstring)."""

    def __init__(self, out: Any = None) -> None:
        import questionary  # only on a terminal: keeps prompt_toolkit off the scripted path

        self._q = questionary
        self._out = out or sys.stdout
        #: Rows of each answer line on screen, oldest first.
        self._answered: list[int] = []
        #: A question reached from the summary: its answer draws the summary again, not a line.
        self._jumped = False

    # ----------------------------------------------------------------- drawing

    def _print(self, text: str) -> int:
        """Write lines; return how many rows they take."""
        self._out.write(text + "\n")
        self._out.flush()
        return text.count("\n") + 1

    def _erase(self, rows: int) -> None:
        """Erase the ``rows`` rows above the cursor, leaving it at the first of them."""
        if rows > 0:
            self._out.write(f"\x1b[{rows}A\r\x1b[J")
            self._out.flush()

    def _select(
        self,
        message: str,
        make_choices: Callable[[int], list],
        default: Any,
        keys: Mapping[str, Any],
        *,
        numbered: bool,
    ) -> tuple[Any, int]:
        """questionary's select, plus ``keys`` (key -> the value it answers at once), with the
        choices ``make_choices(width)`` wrapped for the terminal's width: a resize asks again at
        the new width, the pointer where it was. Returns the value and the width it was drawn at.
        """
        while True:
            width = columns()
            value = self._select_once(message, make_choices(width), default, keys, numbered)
            if not (isinstance(value, tuple) and value[0] == _RESIZED):
                break
            default = value[1]
        if value == _CANCEL:
            raise Cancelled("cancelled; nothing was written")
        return value, width

    def _select_once(
        self, message: str, choices: list, default: Any, keys: Mapping[str, Any], numbered: bool
    ) -> Any:
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
            instruction="\n  " + "\n  ".join(textwrap.wrap(_KEYS_HELP, width - 3)),
        )
        extra = KeyBindings()
        for key, value in {**keys, "q": _CANCEL, "c-d": _CANCEL}.items():
            extra.add(key, eager=True)(lambda event, value=value: event.app.exit(result=value))
        app = question.application
        # questionary's application always has its own key bindings.
        app.key_bindings = merge_key_bindings([cast(KeyBindingsBase, app.key_bindings), extra])
        # a lone Esc is Esc at once: the byte parser waits ESCAPE_TIMEOUT for the rest of an
        # escape sequence (an arrow key's bytes arrive together), and no binding waits for more
        app.ttimeoutlen = ESCAPE_TIMEOUT
        app.timeoutlen = ESCAPE_TIMEOUT
        app.erase_when_done = True  # the answer line is ours, wrapped at words

        def on_render(app) -> None:  # resized: draw it again, wrapped for the new width
            if app.output.get_size().columns != width and not app.future.done():
                pointed = next(
                    (
                        c.get_pointed_at().value
                        for c in app.layout.find_all_controls()
                        if hasattr(c, "get_pointed_at")
                    ),
                    default,
                )
                app.exit(result=(_RESIZED, pointed))

        app.before_render += on_render
        return question.unsafe_ask()

    # ----------------------------------------------------------------- the Asker protocol

    def ask(self, prompt: Prompt, *, step: str, can_go_back: bool) -> Any:
        q = self._q

        def make_choices(width: int) -> list:
            description = _wrap_description(prompt.help, width) if prompt.help else None
            choices = [
                q.Choice(wrap_choice(o.label, width), value=o.value, description=description)
                for o in prompt.options
            ]
            if can_go_back:
                back = "return to the previous question"
                choices.append(q.Choice(BACK_LABEL, value=_BACK, description=back))
            return choices

        values = [o.value for o in prompt.options] + ([_BACK] if can_go_back else [])
        keys: dict[str, Any] = {str(n): v for n, v in enumerate(values, 1) if n <= 9}
        if can_go_back:
            keys.update({"escape": _BACK, "left": _BACK})
        message = f"{step} {prompt.text}"
        default = prompt.default if prompt.default in values else None
        value, width = self._select(message, make_choices, default, keys, numbered=len(values) <= 9)
        if value == _BACK:
            if not self._jumped and self._answered:  # the previous question, where it was
                self._erase(self._answered.pop())
            self._jumped = False
            return BACK
        if self._jumped:  # the summary, drawn again next, shows the new answer
            self._jumped = False
            return value
        label = next(o.label for o in prompt.options if o.value == value)
        line = textwrap.fill(
            f"? {message} {label}", width - 1, subsequent_indent="  ", break_on_hyphens=False
        )
        self._answered.append(self._print(line))
        return value

    def confirm(self, summary: Sequence[tuple[str, str]]) -> bool | int:
        """The summary is the menu: "Run the recommendation", then one choice per answer
        ("3) How much ... Beginner", picking it changes that answer). Running leaves the
        summary on screen; going back erases the last answer line and asks that question."""
        q = self._q

        def make_choices(width: int) -> list:
            choices = [q.Choice("Run the recommendation", value=_RUN)]
            for n, (text, label) in enumerate(summary, 1):
                lines = textwrap.wrap(
                    f"{text} {label}",
                    width - 4,
                    initial_indent=f"{n}) ",
                    subsequent_indent=" " * len(f"{n}) "),
                    break_long_words=False,
                    break_on_hyphens=False,
                )
                choices.append(q.Choice("\n   ".join(lines), value=n - 1))
            return choices

        keys: dict[str, Any] = {str(n): n - 1 for n in range(1, min(len(summary), 9) + 1)}
        keys.update({"y": _RUN, "n": _BACK, "escape": _BACK, "left": _BACK})
        value, width = self._select(
            "Your answers: Enter or y runs the recommendation; a number changes that answer",
            make_choices,
            None,
            keys,
            numbered=False,
        )
        if value == _RUN:
            self._print("Your answers:\n" + "\n".join(summary_lines(summary, width)))
            return True
        if value == _BACK:  # the last question again, where its answer line was
            if self._answered:
                self._erase(self._answered.pop())
            return False
        self._jumped = True
        return int(value)


def _wrap_description(text: str, width: int) -> str:
    """The help line as questionary's "  Description: " shows it, wrapped at word boundaries
    (its window crops long lines at the terminal's edge)."""
    head = "  Description: "
    wrapped = textwrap.fill(
        text, width - 1, initial_indent=head, subsequent_indent="  ", break_on_hyphens=False
    )
    return wrapped[len(head) :]
