"""The Markdown channel's one sanitizer: text from outside stays text in a pasted reply.

A reply made to be pasted into an issue carries fields that strangers wrote (a GPU name, an OS
string, a node name, a checklist detail quoting them). Rendered by GitHub, such a field must
not become markup:

* :func:`text` — prose and table cells. Terminal-unsafe characters go first (the terminal
  channel's table, :data:`recommender.core.printable.CONTROL_OUT`: controls, bidi overrides and
  isolates, zero-width characters), line breaks become spaces, then every character that
  Markdown or GitHub gives a meaning is backslash-escaped (CommonMark lets any ASCII
  punctuation be escaped, and the escape renders as the character): emphasis, code, links and
  images (``[ ] ( ) !``), raw HTML and autolinks (``< > &``), tables (``|``), strikethrough
  (``~``), math (``$``), headings (``#``); the ``:`` of a scheme (``https\\://``), the ``.`` of
  ``www.`` and ``@`` (email autolinks) so that no bare URL becomes a link; a leading list or
  thematic-break marker.
* :func:`code_span` and :func:`fence` — quoted evidence and commands, verbatim, inside a run
  of backticks longer than any run the text holds, so the text cannot close it.
"""

from __future__ import annotations

import re
from typing import Any

from recommender.core.printable import CONTROL_OUT

_ONE_LINE = {**CONTROL_OUT, 0x09: " ", 0x0A: " ", 0x0D: " "}
_SPECIAL = re.compile(
    r"[\\`*_\[\]()<>!&|~$#{}\"]"  # markup: emphasis, code, links, images, HTML, tables, math
    r"|(?<=[A-Za-z0-9]):"  # a scheme's colon (https:, mailto:, javascript:)
    r"|(?<=[wW]{3})\."  # www.example.com
    r"|@"  # user@example.com
)
#: At the start of a line: a list item, a thematic break, a setext underline, a quote.
_LEADING = re.compile(r"^(?:[-+=>]|[0-9]{1,9}(?=[.)]))")
_BACKTICKS = re.compile(r"`+")


def _line(value: Any) -> str:
    return str(value).translate(_ONE_LINE)


def text(value: Any) -> str:
    """``value`` as one line of Markdown that renders as exactly its visible text."""
    out = _SPECIAL.sub(lambda m: "\\" + m.group(), _line(value))
    if lead := _LEADING.match(out):
        out = (
            out[: lead.end()] + "\\" + out[lead.end() :]
            if lead.group()[-1] in "0123456789"
            else "\\" + out
        )
    return out


def _longest_run(value: str) -> int:
    return max((len(m.group()) for m in _BACKTICKS.finditer(value)), default=0)


def code_span(value: Any, *, in_table: bool = False) -> str:
    """``value`` verbatim in a code span it cannot close (one line). ``in_table``: ``|`` is
    escaped too, which GitHub requires even inside a code span in a table."""
    body = _line(value)
    if not body:
        return ""
    ticks = "`" * (_longest_run(body) + 1)
    pad = " " if body[0] in "` " or body[-1] in "` " else ""
    if in_table:
        body = body.replace("|", "\\|")
    return f"{ticks}{pad}{body}{pad}{ticks}"


def fence(value: Any, info: str = "") -> list[str]:
    """``value`` (lines kept) as a fenced code block that no line of it can close."""
    body = str(value).translate(CONTROL_OUT)
    ticks = "`" * max(3, _longest_run(body) + 1)
    return [f"{ticks}{info}", *body.splitlines(), ticks]


#: A URL that can stand in an autolink: nothing in it can end the link or start markup.
_URL = re.compile(r"https?://[^\s<>\"'`\\\[\]()|]{1,500}")


def citation(value: Any) -> str:
    """A rule's source ("title <https://...>" or a bare URL) as Markdown: its title as text and
    its URL as an autolink, so the reply links to the evidence; anything else stays escaped
    text, as :func:`text`."""
    line = _line(value).strip()
    title, url = "", line
    if line.endswith(">") and "<" in line:
        title, _, url = line[:-1].rpartition("<")
        title = title.rstrip()
    if not _URL.fullmatch(url):
        return text(line)
    return f"{text(title)} <{url}>" if title else f"<{url}>"


__all__ = ["citation", "code_span", "fence", "text"]
