"""Checklist -> rich renderable (text), Markdown, or the JSON document. Never probes, never prints."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from recommender.core import markdown_text
from recommender.core.printable import printable
from recommender.decide.checklist.build import Checklist, Item, Status

OK, WARN, FAIL, UNKNOWN = Status.OK, Status.WARN, Status.FAIL, Status.UNKNOWN

#: ``?``: not known for another machine's facts, neither a pass nor a warning.
SYMBOLS: dict[Status, str] = {OK: "✓", WARN: "!", FAIL: "✗", UNKNOWN: "?"}
ASCII_SYMBOLS: dict[Status, str] = {OK: "[ok]", WARN: "[!]", FAIL: "[x]", UNKNOWN: "[?]"}
_STYLES: dict[Status, str] = {OK: "green", WARN: "yellow", FAIL: "bold red", UNKNOWN: "dim"}


def symbols_for(encoding: str | None) -> dict[Status, str]:
    """✓ ! ✗ where the output encoding can encode them, else the ASCII fallback."""
    try:
        "".join(SYMBOLS.values()).encode(encoding or "ascii")
    except (LookupError, UnicodeEncodeError):
        return ASCII_SYMBOLS
    return SYMBOLS


def _heading(checklist: Checklist) -> str:
    backend = f" on {checklist.backend}" if checklist.backend else ""
    where = "this machine" if checklist.origin == "probed" else f"the machine in {checklist.origin}"
    return f"dlrec checklist: {checklist.name}{backend}, for {where}"


def _summary(checklist: Checklist) -> str:
    s = checklist.summary
    unknown = f", {s[UNKNOWN]} not known for that machine" if s[UNKNOWN] else ""
    return f"{s[OK]} ok, {s[WARN]} warning{'s' * (s[WARN] != 1)}, {s[FAIL]} failed{unknown}"


def render_text(checklist: Checklist, *, encoding: str | None = "utf-8") -> RenderableType:
    """flutter-doctor style: one line per item, its fix and rule indented under it. Lines wrap
    at words at the console's width, hanging under the item's title; a fix stays on one line
    (the terminal wraps it, so a copy pastes as one command)."""
    marks = symbols_for(encoding)
    width = max(len(m) for m in marks.values())
    pad = " " * (width + 1)
    lines: list[RenderableType] = [Text(_heading(checklist), style="bold"), Text("")]
    for item in checklist.items:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=width, no_wrap=True)
        grid.add_column(ratio=1)
        line = Text(f"{item.title}", style="bold" if item.status not in (OK, UNKNOWN) else "")
        line.append(f": {item.detail}")
        grid.add_row(Text(marks[item.status], style=_STYLES[item.status]), line)
        lines.append(grid)
        if item.fix:
            lines.append(
                Text(f"{pad}fix: {item.fix}", style="cyan", no_wrap=True, overflow="ignore")
            )
        rule = Table.grid()
        rule.add_column(width=width + 1)
        rule.add_column(ratio=1)
        rule.add_row("", Text(f"rule: {item.rule}", style="dim"))
        lines.append(rule)
    lines += [
        Text(""),
        Text(_summary(checklist), style=_STYLES[FAIL] if checklist.failed else _STYLES[OK]),
    ]
    return Group(*lines)


def _cell(text: str | None) -> str:
    """A table cell or a line of prose: Markdown's text channel (escaped, never markup)."""
    return markdown_text.text(text or "")


def _code(text: str | None) -> str:
    return markdown_text.code_span(text or "", in_table=True)


def render_markdown(checklist: Checklist) -> str:
    """A Markdown section to paste into a README or an issue."""
    marks = {OK: "✅ ok", WARN: "⚠️ warn", FAIL: "❌ fail", UNKNOWN: "❔ not known"}
    out = [
        f"## {_heading(checklist)}",
        "",
        f"{_summary(checklist)}.",
        "",
        "| status | check | detail | fix | rule |",
        "|---|---|---|---|---|",
    ]
    for item in checklist.items:
        out.append(
            f"| {marks[item.status]} | {_cell(item.title)} | {_cell(item.detail)} | {_code(item.fix)} "
            f"| {_code(item.rule)} |"
        )
    return "\n".join(out + _fixes(checklist) + _sources(checklist)) + "\n"


def _fixes(checklist: Checklist) -> list[str]:
    """Each failing or warning item's fix as a command block, to copy from the reply."""
    out = []
    for item in checklist.items:
        if item.status in (OK, UNKNOWN) or not item.fix:
            continue
        out += ["", f"**{_cell(item.title)}** ({item.status.value}): {_cell(item.detail)}", ""]
        commands = _commands(item.fix)
        out.append(_cell(item.fix))
        if commands:
            out += ["", *markdown_text.fence("\n".join(commands), "sh")]
    return ["", "### What to do", *out] if out else []


#: A shell command inside a fix's prose: a backticked one, or a pip/conda/python line up to the
#: next "; " or " (" (where the prose goes on).
_COMMAND = re.compile(
    r"`([^`]+)`|((?:\S*python\S* -m pip|\bpip|\bconda) (?:install|uninstall|remove) [^;`]*?)"
    r"(?= \(|; |$)"
)


def _commands(fix: str) -> list[str]:
    found = (m.group(1) or m.group(2) for m in _COMMAND.finditer(fix))
    return [printable(c.strip()) for c in found if c and " " in c.strip()]


def _sources(checklist: Checklist) -> list[str]:
    shown = [i for i in checklist.items if i.status is FAIL or (i.status is WARN and i.fix)]
    cited = dict.fromkeys(s for i in shown for s in i.sources)
    links = (markdown_text.citation(s) for s in cited)
    return ["", "### Sources", "", *(f"- {link}" for link in links)] if cited else []


def to_json(checklist: Checklist) -> dict[str, Any]:
    """``{"framework", "backend", "items": [{id, status, title, detail, fix, rule}], "summary"}``."""
    return checklist.to_dict()


__all__ = [
    "ASCII_SYMBOLS",
    "SYMBOLS",
    "Item",
    "render_markdown",
    "render_text",
    "symbols_for",
    "to_json",
]
