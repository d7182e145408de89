"""Ranking -> rich renderables (the ``--json`` document is ``report/document.py``). Builds
values; never prints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from recommender.core.catalog import Framework
from recommender.core.numfmt import SMOKE_FIGURE_NOTE, throughput
from recommender.decide.ranking.inherit import is_inherited
from recommender.decide.ranking.rank import MEASURED, Entry, Ranking, smoke_error
from recommender.report.document import SCHEMA_VERSION, entry_to_dict, ranking_to_json
from recommender.report.pictures import loss_curve

#: Display names, from the catalog.
DEFAULT_NAMES: Mapping[str, str] = {f.value: f.info.name for f in Framework}
_BAR_WIDTH = 6
_BLOCKS = " ▏▎▍▌▋▊▉█"
_VERDICT_STYLE = {
    "recommended": "bold green",
    "recommended: needs install": "bold yellow",
    "recommended: needs reinstall": "bold yellow",
    "works here": "green",
    "not feasible": "red",
}


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


# --------------------------------------------------------------------------- small pieces


def display_name(entry: Entry, names: Mapping[str, str] = DEFAULT_NAMES) -> str:
    name = names.get(entry.framework, entry.framework)
    return f"{name} (on {entry.backend})" if entry.backend else name


def score_bar(score: float, top: float) -> str:
    """A bar of ``_BAR_WIDTH`` cells in eighths, relative to the best score (negatives: empty)."""
    if top <= 0 or score <= 0:
        return " " * _BAR_WIDTH
    eighths = round(min(score / top, 1.0) * _BAR_WIDTH * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_BLOCKS[part] if part else "")
    return bar.ljust(_BAR_WIDTH)


def claims(sources: Any) -> str:
    """Claim IDs first; ``url:`` sources only when a rule cites no claim."""
    sources = [str(s) for s in sources or ()]
    ids = [s for s in sources if not s.startswith("url:")] or sources
    return f"[{', '.join(ids)}]" if ids else ""


def top_reasons(entry: Entry, n: int = 3) -> list[Any]:
    """The reasons that weighed most, penalties included (a -3 for a too-old driver must not
    hide behind three +1s), gains first on equal weight, then by rule id for stable output."""
    return sorted(entry.reasons, key=lambda r: (-abs(float(r.delta)), -float(r.delta), r.rule))[:n]


def more_reasons(entry: Entry, shown: Sequence[Any]) -> str | None:
    """What the shown reasons leave out, so the lines add up to the score: '+1.5 from 2 more
    rules' (None when every reason is shown)."""
    rest = [r for r in entry.reasons if r not in shown]
    if not rest:
        return None
    total = sum(float(r.delta) for r in rest)
    return f"{total:+g} from {len(rest)} more rule{'s' if len(rest) > 1 else ''}"


def short_why(why: str, limit: int = 60) -> str:
    """A reason's headline for the table: the topic before ": " (the rule base writes
    "Topic: explanation."), else the sentence cut at a word before ``limit``."""
    topic, sep, _ = why.partition(": ")
    if sep and len(topic) <= 40:
        return topic
    text = why.rstrip(".")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;") + "…"


def _signed(value: float) -> str:
    return f"{value:+g}"


def smoke_figure(run: Any) -> str:
    """'trained: loss 0.69 -> 0.08, 12k samples/s on cpu' (or the failure's cause)."""
    if run is None:
        return "not run"
    cached = " (cached)" if _get(run, "cached") else ""
    if not run.ok:
        error = smoke_error(run)
        return f"failed on {run.device}: {error.get('kind') or 'error'}{cached}"
    parts = []
    curve = loss_curve(_get(run, "losses", ()) or ())
    if curve:
        parts.append(curve)
    elif run.loss_first is not None and run.loss_last is not None:
        parts.append(f"loss {run.loss_first:.2f} -> {run.loss_last:.2f}")
    if run.samples_per_s:
        parts.append(throughput(run.samples_per_s))
    verb = "trained" if _get(run, "converged", True) else "ran (did not converge)"
    return (
        f"{verb}: {', '.join(parts)} on {run.device}{cached}"
        if parts
        else f"{verb} on {run.device}{cached}"
    )


def _reasons_width(width: int) -> int:
    """A safe lower bound on the reasons column's width in a table ``width`` columns wide (the
    other columns take about 52, the smoke column 15 or 26 from 100 and 120 columns up)."""
    smoke = 0 if width < 100 else (26 if width >= 120 else 15)
    return max(16, width - 56 - smoke)


#: Below this many columns the reasons leave the table for lines of their own under it: a
#: reasons column narrower than about 30 characters splits claim ids and commands.
NARROW = 90


def fits_in_cell(command: str, cell: int) -> bool:
    """Whether ``install: COMMAND`` fits one line of the cell: a command folded over lines (at
    a space, or mid-word in a venv's path or an index URL) no longer copies as one command."""
    return len(f"install: {command}") <= cell


def _reason_lines(entry: Entry, cell: int = 1 << 16) -> Text:
    text = Text()
    for block in entry.blockers:
        text.append(f"✗ {block.why}", style="red")
        text.append(f" ({block.rule})\n", style="dim")
    shown = top_reasons(entry)
    for reason in shown:
        text.append(f"{_signed(float(reason.delta))} {short_why(reason.why)} ")
        text.append(f"{claims(reason.sources)}\n", style="dim")
    more = more_reasons(entry, shown)
    if more:
        text.append(f"{more}\n", style="dim")
    if entry.install and fits_in_cell(entry.install, cell):
        text.append(f"install: {entry.install}\n", style="cyan")
    elif entry.install:  # whole, on its own line under the table (render_ranking)
        text.append("install: the command is under the table\n", style="cyan")
    text.rstrip()
    return text


# --------------------------------------------------------------------------- the table


def ranking_table(
    ranking: Ranking, names: Mapping[str, str] = DEFAULT_NAMES, *, width: int = 100
) -> Table:
    """One row per framework: rank, name (+ Keras backend), score and bar, verdict over
    confidence, the top three reasons with their claim IDs, and the smoke figure (in its own
    column from ``width`` 100 up, under the reasons below that). Narrower than ``NARROW``, the
    table keeps the first four columns and ``reasons_below`` lists the reasons under it."""
    wide, narrow = width >= 100, width < NARROW
    table = Table(
        box=box.SIMPLE_HEAD,
        expand=not narrow,
        title_justify="left",
        title=f"Recommendation (device: {ranking.device})",
    )
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("framework", no_wrap=True)
    table.add_column("score", no_wrap=True)
    table.add_column("verdict\nconfidence", width=13)
    # "fold", not the default ellipsis: install commands and URLs must stay whole to be copied.
    # Text, not a str: rich reads "[claims]" in a str as a markup tag and drops it.
    if not narrow:
        table.add_column(
            Text("top reasons [claims]" if wide else "top reasons [claims], smoke"),
            ratio=1,
            overflow="fold",
        )
    if wide:
        # from 120 columns the loss sparkline fits on one line: "loss 2.31 ▇▅▃▂▁ 0.00"
        table.add_column("smoke", width=26 if width >= 120 else 15)
    top = max((e.score for e in ranking.entries if e.feasible), default=0.0)
    for entry in ranking.entries:
        name = names.get(entry.framework, entry.framework)
        verdict = Text(entry.verdict, style=_VERDICT_STYLE.get(entry.verdict, "yellow"))
        verdict.append(
            f"\n{entry.confidence}",
            style="green" if entry.confidence.startswith(MEASURED) else "dim",
        )
        bar = score_bar(entry.score, top) if entry.feasible else " " * _BAR_WIDTH
        reasons = _reason_lines(entry, _reasons_width(width))
        cells: list[RenderableType] = [
            str(entry.rank),
            Text(name + (f"\non {entry.backend}" if entry.backend else "")),
            f"{entry.score:>4g} {bar}",
            verdict,
        ]
        if not narrow:
            cells.append(reasons)
        if wide:
            cells.append(Text(smoke_figure(entry.smoke)))
        elif entry.smoke is not None:
            reasons.append(f"\nsmoke: {smoke_figure(entry.smoke)}", style="dim")
        table.add_row(*cells)
    return table


def reasons_below(ranking: Ranking, names: Mapping[str, str] = DEFAULT_NAMES) -> RenderableType:
    """The narrow form's reasons, under the table: per row its name, then each reason (claim
    ids whole, wrapped at words), its smoke figure, and its install command on one unwrapped
    line (the terminal, not rich, wraps it, so a copy pastes as one command)."""
    parts: list[RenderableType] = []
    for entry in ranking.entries:
        title = Text(f"{entry.rank}. {display_name(entry, names)}", style="bold")
        if entry is ranking.winner:  # its reasons follow in full under "Why"
            title.append(f': see "Why {display_name(entry, names)}" below', style="dim")
        parts.append(title)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", min_width=5, no_wrap=True)
        grid.add_column(ratio=1)
        for block in entry.blockers:
            grid.add_row(Text("✗", style="red"), Text(f"{block.why} ({block.rule})"))
        for reason in top_reasons(entry) if entry is not ranking.winner else ():
            why = Text(f"{short_why(reason.why)} ")
            why.append(claims(reason.sources), style="dim")
            grid.add_row(_signed(float(reason.delta)), why)
        if entry.smoke is not None:
            grid.add_row("", Text(f"smoke: {smoke_figure(entry.smoke)}", style="dim"))
        if grid.row_count:
            parts.append(grid)
        if entry.install and entry is not ranking.winner:  # the winner's follows "Why"
            line = Text(f"      install: {entry.install}", no_wrap=True, overflow="ignore")
            line.stylize("cyan")
            parts.append(line)
    return Group(*parts)


def why_not(entry: Entry, winner: Entry | None, names: Mapping[str, str] = DEFAULT_NAMES) -> str:
    """One line: why this framework did not win (the rules that made the difference)."""
    from recommender.report.why import why_not_line

    return why_not_line(entry, winner)


def _target(entry: Entry) -> str:
    return f"keras:{entry.backend}" if entry.backend else entry.framework


#: The notice decide/ties.py adds for a tie at the top (stated above the table).
TIE_NOTICE = "ranking:tie"


def inheritance_line(entry: Entry, names: Mapping[str, str] = DEFAULT_NAMES) -> str:
    """Keras on X: which of X's reasons it inherits, and how many do not reach a Keras user."""
    backend_fw = entry.not_inherited[0].framework
    fw_name = names.get(backend_fw, backend_fw)
    got = [str(r.rule) for r in entry.reasons if is_inherited(str(r.why))]
    head = f"{display_name(entry, names)} inherits " + (
        f"{', '.join(got)} from {fw_name}" if got else f"none of {fw_name}'s reasons"
    )
    n = len(entry.not_inherited)
    return (
        f"{head}; {n} of {fw_name}'s reasons do not reach a Keras user "
        f"(--why {_target(entry)} lists them)."
    )


def render_ranking(
    ranking: Ranking, names: Mapping[str, str] = DEFAULT_NAMES, *, width: int = 100
) -> RenderableType:
    """A tie first (above the table), the table (below ``NARROW`` columns, the reasons under
    it), one 'why not' line per non-winner, the rows an answer moved across a tier, then the
    warnings."""
    tie = next((n for n in ranking.warnings if n.rule == TIE_NOTICE), None)
    parts: list[RenderableType] = []
    if tie is not None:
        parts.append(Text(f"Tie: {tie.why}", style="bold yellow"))
        if tie.fix:
            parts.append(Text(f"  {tie.fix}", no_wrap=True, overflow="ignore"))
    parts.append(ranking_table(ranking, names, width=width))
    narrow = width < NARROW
    if narrow:
        parts.append(reasons_below(ranking, names))
    for entry in ranking.entries:
        if entry.placement is not None and entry.placement.note:
            parts.append(Text(entry.placement.note, style="cyan"))
        for line in entry.unreached:
            parts.append(Text(f"{display_name(entry, names)}: {line}.", style="dim"))
        if entry.not_inherited:
            parts.append(Text(inheritance_line(entry, names), style="dim"))
    winner = ranking.winner
    if winner is None:
        parts.append(
            Text("No framework is feasible on this machine for these answers.", style="bold red")
        )
    else:
        parts.append(Text(f"Why {display_name(winner, names)}:", style="bold"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", min_width=5)
        grid.add_column(ratio=1)
        shown = top_reasons(winner)
        for reason in shown:
            grid.add_row(
                _signed(float(reason.delta)), Text(f"{reason.why} {claims(reason.sources)}")
            )
        more = more_reasons(winner, shown)
        if more:
            grid.add_row("", Text(f"{more} (--why {_target(winner)} lists them)"))
        parts.append(grid)
        if winner.install:
            # One unwrapped line (the CLI prints with crop=False), so the terminal, not rich, wraps
            # it and a copy pastes as one command.
            parts.append(
                Text(f"Install it: {winner.install}", no_wrap=True, overflow="ignore", style="bold")
            )
    for entry in ranking.entries:
        if entry is not winner:
            parts.append(Text(why_not(entry, winner, names)))
    for entry in ranking.entries:  # the commands the table could not hold whole
        if entry is not winner and entry.install and not narrow:
            if not fits_in_cell(entry.install, _reasons_width(width)):
                line = f"Install {display_name(entry, names)}: {entry.install}"
                parts.append(Text(line, no_wrap=True, overflow="ignore"))
    parts.extend(_tried_lines(ranking, names))
    if ranking.smoke_note:
        parts.append(Text(ranking.smoke_note, style="yellow"))
    if any(e.smoke is not None and e.smoke.samples_per_s for e in ranking.entries):
        parts.append(Text(f"Throughputs are {SMOKE_FIGURE_NOTE}.", style="dim"))
    for notice in ranking.warnings:
        if notice is tie:
            continue
        parts.append(Text(f"warning: {notice.why} ({notice.rule})", style="yellow"))
        if notice.fix:  # unwrapped, like the install line: a command must paste as one line
            parts.append(Text(f"  fix: {notice.fix}", no_wrap=True, overflow="ignore"))
    return Group(*parts)


def _tried_lines(ranking: Ranking, names: Mapping[str, str]) -> list[Text]:
    """``--try``: which command was proven, how long its install took, what it downloaded."""
    lines = []
    for entry in ranking.entries:
        tried = entry.tried
        if not tried or tried.get("status") != "proven":
            continue
        size = tried.get("bytes")
        fetched = f", {_size(size)} of packages" if isinstance(size, int) else ""
        when = "its environment reused; the install had taken" if tried.get("reused") else "in"
        lines.append(
            Text(
                f"Proven in a fresh environment: {display_name(entry, names)}, "
                f"{tried.get('command')} (installed {when} {tried.get('seconds')} s{fetched}, "
                f"then smoke-trained there)",
                style="green",
            )
        )
    return lines


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{max(n, 1) / 1e6:.0f} MB"


def render_trace(ranking: Ranking, *, everything: bool = False) -> RenderableType:
    """``--explain``: see report/why.py."""
    from recommender.report.why import render_trace as compact

    return compact(ranking, everything=everything)


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_plain(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    return str(value)


__all__ = [
    "SCHEMA_VERSION",
    "display_name",
    "entry_to_dict",
    "ranking_table",
    "ranking_to_json",
    "render_ranking",
    "render_trace",
]
