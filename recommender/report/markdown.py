"""The recommendation as GitHub-flavoured Markdown, for pasting into an issue, a PR or a wiki.

A pipe table of the ranking, each framework's reasons with their claim IDs, the winner's install
command in a ``sh`` code block, and a summary of the facts it was decided on. Builds a string;
never prints. Every value is text, never markup (``core/markdown_text.py``): escaped, no
autolink, image or HTML, so neither a reason nor a pasted report's field can break the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from recommender.core import markdown_text
from recommender.core.numfmt import SMOKE_FIGURE_NOTE
from recommender.decide.ranking.rank import Ranking
from recommender.facts.document import Facts
from recommender.report.ranking import (
    DEFAULT_NAMES,
    claims,
    display_name,
    smoke_figure,
    why_not,
)

if TYPE_CHECKING:
    from recommender.decide.fleet import FleetReport


def cell(value: Any) -> str:
    """Text safe anywhere on a line, a pipe-table cell included: Markdown's text channel."""
    return markdown_text.text(" ".join(str(value).split()))


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
        items = [
            f"- **blocked:** {cell(b.why)} {markdown_text.code_span(b.rule)}" for b in e.blockers
        ]
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
    return [*lines, *markdown_text.fence(command, "sh"), ""]


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


_SPREAD = (("gpu_kinds", "GPU"), ("drivers", "NVIDIA driver"), ("max_cuda", "max CUDA"))
_LOWEST = (
    ("lowest_driver", "lowest NVIDIA driver", str),
    ("lowest_max_cuda", "lowest max CUDA", str),
    ("smallest_gpu_memory_bytes", "smallest GPU memory", lambda v: f"{v / (1 << 30):.0f} GiB"),
    ("smallest_memory_bytes", "smallest memory", lambda v: f"{v / (1 << 30):.0f} GiB"),
)


def _fleet(fleet: FleetReport, answers: Mapping[str, Any]) -> list[str]:
    """A fleet's section (in place of one machine's facts): its nodes, how many nodes have each
    GPU, driver and max CUDA, and the lowest of each with the node it comes from."""
    from recommender.decide.fleet import named

    nodes = [n.name for n in fleet.nodes]
    spread = fleet.spread
    lines = ["## Fleet", "", f"{len(nodes):,} nodes: {cell(named(nodes))}", ""]
    lines += ["| | value | nodes |", "|---|---|--:|"]
    for key, label in _SPREAD:
        for value, on in spread.counted(key).items():
            lines.append(f"| {cell(label)} | {cell(value)} | {len(on):,} |")
    lines.append("")
    for key, label, fmt in _LOWEST:
        item = spread.lowest(key)
        if item:
            lines.append(f"- {label}: {cell(fmt(item.value))} ({cell(item.node)})")
    given = ", ".join(f"{k}={v}" for k, v in answers.items() if v is not None) or "none"
    return [*lines, f"- answers: {cell(given)}", ""]


def render_markdown(
    ranking: Ranking,
    *,
    answers: Mapping[str, Any],
    facts: Facts,
    names: Mapping[str, str] = DEFAULT_NAMES,
    fleet: FleetReport | None = None,
) -> str:
    """The whole document, ending in one newline. ``fleet``: a fleet's report (its nodes and
    spread), shown instead of one machine's facts."""
    lines = [f"# dlrec recommendation (device: {ranking.device})", ""]
    tie = next((n for n in ranking.warnings if n.rule == "ranking:tie"), None)
    if tie is not None:  # a tie is stated above the table, with the question that breaks it
        lines += [f"> **tie:** {cell(tie.why)} {cell(tie.fix or '')}", ""]
    lines += [*_table(ranking, names), ""]
    if any(e.smoke is not None for e in ranking.entries):
        lines += [f"_Throughputs are {SMOKE_FIGURE_NOTE}._", ""]
    if ranking.smoke_note:
        lines += [f"> {cell(ranking.smoke_note)}", ""]
    for notice in ranking.warnings:
        if notice is not tie:
            lines += [
                f"> **warning:** {cell(notice.why)} {markdown_text.code_span(notice.rule)}",
                "",
            ]
    lines += _reasons(ranking, names) + _install(ranking, names)
    lines += _facts(facts, answers) if fleet is None else _fleet(fleet, answers)
    return "\n".join(lines).rstrip("\n") + "\n"
