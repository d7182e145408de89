"""A line of parts joined by " · ", folded only between parts at the console's width, so that
a " · " never ends or starts a line (a part longer than a line folds at its own spaces)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from recommender.core.numfmt import is_digits


class PartsLine:
    """``HEAD a · b · c``; a continued line starts with ``indent`` blanks."""

    def __init__(
        self, parts: Sequence[str], *, head: str = "", indent: int = 2, style: str = ""
    ) -> None:
        self.parts, self.head, self.indent, self.style = list(parts), head, indent, style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width, pad = options.max_width, " " * self.indent
        line, first = self.head, True
        for part in self.parts:
            joined = f"{line}{part}" if first else f"{line} · {part}"
            if first or len(joined) <= width:
                line, first = joined, False
                continue
            yield Text(line, style=self.style)
            line = pad + part
        yield Text(line, style=self.style)

    def plain(self) -> str:
        return self.head + " · ".join(self.parts)


#: A line holding one of these is a command to copy: it stays on one line however long.
_COMMAND_MARKS = (" -m pip ", "pip install ", "conda install ", "uv pip ", "dlrec ", "export ")


def wrap_plain(text: str, width: int) -> str:
    """Plain report text wrapped at words to ``width``: each line keeps its indent and hangs two
    more under it; no word is split (a URL stays whole), and a line holding a command, or
    quoting the paste ("line 11: ..."), stays on one line, so a copy pastes as it was. No line
    ends with a blank."""
    import textwrap

    out = []
    for line in text.splitlines():
        body = line.lstrip(" ")
        indent = " " * (len(line) - len(body))
        quote = body.startswith("line ") and is_digits(body.split(":", 1)[0][5:])
        if len(line) <= width or quote or any(mark in line for mark in _COMMAND_MARKS):
            out.append(line.rstrip())
            continue
        out += textwrap.wrap(
            body,
            width,
            initial_indent=indent,
            subsequent_indent=indent + "  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
