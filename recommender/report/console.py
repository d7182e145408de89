"""The one Console factory: colour and live displays on a TTY, plain text elsewhere.

Whatever a renderable holds (a GPU name, a facts field, a host name, a child's error line), no
control character of it reaches the terminal: the Console renders every segment through
``recommender.core.printable.CONTROL_OUT`` and keeps only rich's own control codes (colours, the live
display's cursor moves). A width below ``MIN_WIDTH`` (``COLUMNS=0``) is read as unknown, one
above ``MAX_WIDTH`` as ``MAX_WIDTH``.
"""

from __future__ import annotations

import os
import re
import sys

from rich.console import Console
from rich.segment import Segment

from recommender.core.printable import CONTROL_OUT

#: Narrower than this is no width at all (``COLUMNS=0`` made rich print nothing).
MIN_WIDTH = 20
DEFAULT_WIDTH = 80
#: Wider than this is read as this (``COLUMNS=100000`` padded every table row to 100,000
#: spaces: 1.9 MB of blanks); no terminal line that wide is read by a person.
MAX_WIDTH = 400

#: ASCII look-alikes for the characters dlrec's own text uses, where the output cannot encode
#: them (PYTHONIOENCODING=ascii, a latin-1 terminal); whatever remains becomes "?".
_FALLBACK = str.maketrans(
    {
        "\u2026": "...",
        "\u2588": "#",
        "\u2589": "#",
        "\u258a": "#",
        "\u258b": "#",
        "\u258c": "#",
        "\u258d": "#",
        "\u258e": "#",
        "\u258f": "#",
        "\u2500": "-",
        "\u2501": "-",
        "\u2014": "-",
        "\u2013": "-",
        "\u2190": "<-",
        "\u2192": "->",
        "\u2713": "+",
        "\u2717": "x",
        "\u00b7": ".",
        "\u00d7": "x",
        "\u2265": ">=",
        "\u2264": "<=",
        # the sparkline's eight levels (report/pictures.py), lowest first
        "\u2581": "_",
        "\u2582": ".",
        "\u2583": ",",
        "\u2584": "-",
        "\u2585": "~",
        "\u2586": "=",
        "\u2587": "*",
    }
)


class _EncodableWriter:
    """A text stream that never raises UnicodeEncodeError: text its encoding cannot hold is
    written with ASCII look-alikes instead (rich itself already draws ASCII boxes there)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        encoding = getattr(self._stream, "encoding", None) or "ascii"
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            text = text.translate(_FALLBACK).encode(encoding, "replace").decode(encoding)
        except LookupError:
            pass
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _stream(stderr: bool):
    stream = sys.stderr if stderr else sys.stdout
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    return stream if stream is None or encoding.startswith("utf") else _EncodableWriter(stream)


#: Blanks at the end of a line, before any colour codes that close it.
_TRAILING_BLANKS = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)(?=\n)")


class _PlainTextConsole(Console):
    """A Console whose segments carry no control character but its own control codes, and whose
    lines end without the blanks rich pads table cells with (a pipe, a file, a diff stay clean)."""

    def _render_buffer(self, buffer) -> str:
        return _TRAILING_BLANKS.sub(r"\1", super()._render_buffer(buffer))

    def render(self, renderable, options=None):
        for segment in super().render(renderable, options):
            if segment.control or segment.text.isprintable() or segment.text == "\n":
                yield segment
            else:
                yield Segment(segment.text.translate(CONTROL_OUT), segment.style, None)


def _width(stderr: bool) -> int | None:
    """None (rich measures) unless COLUMNS says less than MIN_WIDTH: then the terminal's own
    width when it has one of at least MIN_WIDTH, else DEFAULT_WIDTH."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        return None
    if columns > MAX_WIDTH:
        return MAX_WIDTH
    if columns >= MIN_WIDTH:
        return None
    try:
        stream = sys.__stderr__ if stderr else sys.__stdout__
        if stream is None:  # no original stream (pythonw): nothing to measure
            return DEFAULT_WIDTH
        measured = os.get_terminal_size(stream.fileno())
        return measured.columns if measured.columns >= MIN_WIDTH else DEFAULT_WIDTH
    except (AttributeError, OSError, ValueError):
        return DEFAULT_WIDTH


def make_console(*, stderr: bool = False, width: int | None = None) -> Console:
    """A Console that honours NO_COLOR, TERM=dumb and pipes.

    Under NO_COLOR or TERM=dumb no escape code at all is written (rich's own ``no_color`` still
    writes bold and italic), so logs and screen readers get plain text."""
    plain = bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"
    return _PlainTextConsole(
        stderr=stderr,
        color_system=None if plain else "auto",
        width=min(width, MAX_WIDTH) if width is not None and width >= MIN_WIDTH else _width(stderr),
        highlight=False,
        soft_wrap=False,
        no_color=bool(os.environ.get("NO_COLOR")) or None,
        emoji=False,
        file=_stream(stderr),
    )


def file_console(file, *, width: int = 100) -> Console:
    """A Console writing plain text into ``file`` (``--out``): no colour, and the same
    sanitizer as the terminal's (a file is ``cat`` to a terminal later)."""
    return _PlainTextConsole(
        file=file, width=width, color_system=None, highlight=False, emoji=False
    )
