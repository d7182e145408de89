"""A diagnosis as text, Markdown (a reply to paste into the issue) and JSON.

Everything that came from the paste is escaped in Markdown: quoted lines sit in a code fence
longer than any backtick run in them, and prose fields have Markdown and HTML characters
escaped, so a paste can never add a link, an image, a mention or HTML to the reply."""

from __future__ import annotations

import re
from typing import Any

from recommender.decide.diagnosis import Diagnosis, Finding

SYMBOLS = {"fail": "✗", "warn": "!", "ok": "✓"}
ASCII = {"fail": "x", "warn": "!", "ok": "v"}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def escape_md(text: str) -> str:
    """Plain text that renders as itself in GitHub Markdown (no link, image, HTML, mention)."""
    text = " ".join(str(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "@\u200b")  # no mention, no notification


def _summary(d: Diagnosis) -> str:
    fails = [f for f in d.findings if f.status == "fail"]
    read = ", ".join(d.formats) or "known error messages"
    warns = [f for f in d.findings if f.status == "warn"]
    if not fails and warns and not any(f.status == "ok" and f.id == "healthy" for f in d.findings):
        # a failure the paste proves, with its cause inferred or not in the text: not healthy
        cats = ", ".join(dict.fromkeys(f.category for f in warns))
        return f"Read: {read}. No finding fails, but the paste shows a failure: {len(warns)} warning(s): {cats}."
    if not fails:
        return f"Read: {read}. No finding explains a failure."
    cats = ", ".join(dict.fromkeys(f.category for f in fails))
    return f"Read: {read}. {len(fails)} finding(s) fail: {cats}."


def render_text(d: Diagnosis, *, encoding: str | None = "utf-8") -> str:
    symbols = SYMBOLS if (encoding or "").lower().replace("-", "") in ("utf8",) else ASCII
    out = [f"dlrec diagnose: {d.origin}", _summary(d), ""]
    for f in d.findings:
        out.append(f"{symbols[f.status]} [{f.category}] {f.title}: {f.detail}")
        for q in f.quotes:
            out.append(f"    line {q.line}: {q.text}")
        if f.fix:
            out.append(f"  fix: {f.fix}")
        if f.source:
            out.append(f"  source: {f.source}")
    return "\n".join(out) + "\n"


def _fence(lines: list[str]) -> list[str]:
    longest = max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *lines, fence]


def _finding_md(f: Finding) -> list[str]:
    out = [
        f"### {SYMBOLS[f.status]} {escape_md(f.title)} (`{f.category}`)",
        "",
        escape_md(f.detail),
        "",
    ]
    if f.quotes:
        out += _fence([f"{q.line}: {q.text}" for q in f.quotes]) + [""]
    if f.fix:
        out += ["**Fix:**", "", *_fence([f.fix]), ""]
    if f.source:
        out += [
            f"Source: <{f.source}>"
            if f.source.startswith("https://")
            else f"Rule: {escape_md(f.source)}",
            "",
        ]
    return out


def render_markdown(d: Diagnosis) -> str:
    out = ["## dlrec diagnose", "", escape_md(_summary(d)), ""]
    for f in d.findings:
        out += _finding_md(f)
    out.append(
        "<sub>Each finding quotes the lines of the report that prove it (line numbers of the pasted text).</sub>"
    )
    return "\n".join(out) + "\n"


def to_json(d: Diagnosis) -> dict[str, Any]:
    return d.to_dict()
