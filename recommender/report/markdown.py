"""The recommendation as GitHub-flavoured Markdown, for pasting into an issue, a PR or a wiki.

A pipe table of the ranking, each framework's reasons with their claim IDs, the winner's install
command in a ``sh`` code block, and a summary of the facts it was decided on. Builds a string;
never prints. Cell text is escaped (``|`` and newlines), so a reason can never break the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recommender.decide.ranking import Ranking
from recommender.facts.document import Facts
from recommender.numfmt import SMOKE_FIGURE_NOTE
from recommender.report.ranking import (
    DEFAULT_NAMES,
    claims,
    display_name,
    smoke_figure,
    why_not,
)


def cell(value: Any) -> str:
    """Text safe inside a pipe-table cell: ``|`` escaped, newlines as spaces."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _table(ranking: Ranking, names: Mapping[str, str]) -> list[str]:
    lines = [
        "| # | framework | score | verdict | confidence | smoke |",
        "|--:|---|--:|---|---|---|",
    ]
    for e in ranking.entries:
        row = (
            str(e.rank),
            display_name(e, names),
            f"{e.score:g}",
            e.verdict,
            e.confidence,
            smoke_figure(e.smoke),
        )
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return lines


def _reasons(ranking: Ranking, names: Mapping[str, str]) -> list[str]:
    lines = ["## Reasons", ""]
    for e in ranking.entries:
        lines.append(f"### {cell(display_name(e, names))}")
        lines.append("")
        items = [f"- **blocked:** {cell(b.why)} `{b.rule}`" for b in e.blockers]
        items += [
            f"- {float(r.delta):+g} {cell(r.why)} {claims(r.sources)}".rstrip()
            for r in sorted(e.reasons, key=lambda r: (-abs(float(r.delta)), r.rule))
        ]
        lines += items or ["- no rule fired for it"]
        if e is not ranking.winner:
            lines.append(f"- {cell(why_not(e, ranking.winner, names))}")
        lines.append("")
    return lines


def _install(ranking: Ranking, names: Mapping[str, str]) -> list[str]:
    winner = ranking.winner
    if winner is None:
        return ["No framework is feasible on this machine for these answers.", ""]
    lines = [f"## Install {cell(display_name(winner, names))}", ""]
    plan = winner.install_plan or {}
    command = winner.install or plan.get("command_line")
    if not command:
        return [*lines, "Already installed: nothing to run.", ""]
    if not winner.install:
        lines += ["Already installed here; the command for this build elsewhere:", ""]
    fence = "````" if "```" in command else "```"
    return [*lines, f"{fence}sh", command, fence, ""]


def _facts(facts: Facts, answers: Mapping[str, Any]) -> list[str]:
    py, os_, cpu = facts.section("python"), facts.section("os"), facts.section("cpu")
    accels = [a for a in facts.accelerators if a.get("visible") is not False]
    gpus = ", ".join(
        f"{a.get('name') or a.get('kind')}"
        + (f" (driver {a['driver_version']})" if a.get("driver_version") else "")
        for a in accels
    )
    installed = ", ".join(
        f"{fw} {info.get('version')}"
        for fw in DEFAULT_NAMES
        if (info := facts.framework(fw)).get("installed")
    )
    system = " ".join(
        str(x) for x in (os_.get("distro") or os_.get("system"), os_.get("machine")) if x
    )
    rows = [
        ("facts", facts.origin),
        ("OS", system or "unknown"),
        ("Python", py.get("version") or "unknown"),
        ("CPU", f"{cpu.get('model') or 'unknown'}, {cpu.get('usable_cores') or '?'} cores usable"),
        ("accelerators", gpus or "none"),
        ("frameworks installed", installed or "none"),
        ("answers", ", ".join(f"{k}={v}" for k, v in answers.items() if v is not None) or "none"),
    ]
    lines = ["## Facts", "", "| fact | value |", "|---|---|"]
    lines += [f"| {cell(k)} | {cell(v)} |" for k, v in rows]
    return [*lines, ""]


def render_markdown(
    ranking: Ranking,
    *,
    answers: Mapping[str, Any],
    facts: Facts,
    names: Mapping[str, str] = DEFAULT_NAMES,
) -> str:
    """The whole document, ending in one newline."""
    lines = [f"# dlrec recommendation (device: {ranking.device})", "", *_table(ranking, names), ""]
    if any(e.smoke is not None for e in ranking.entries):
        lines += [f"_Throughputs are {SMOKE_FIGURE_NOTE}._", ""]
    if ranking.smoke_note:
        lines += [f"> {cell(ranking.smoke_note)}", ""]
    for notice in ranking.warnings:
        lines += [f"> **warning:** {cell(notice.why)} `{notice.rule}`", ""]
    lines += _reasons(ranking, names) + _install(ranking, names) + _facts(facts, answers)
    return "\n".join(lines).rstrip("\n") + "\n"
