"""Explanations per framework: ``--why FRAMEWORK``, the "why not" lines, the compact trace.

* ``--why pytorch`` (or ``--why keras:torch``): one line per rule that fired for it, with its
  delta and sources, set against the winner's delta for the same rule.
* "Why not X": the two or three rules that made the difference, by rule id and delta, so a line
  is never a cut sentence.
* ``--explain``: the rules that fired or were unknown, one line each; ``--explain all`` adds the
  false ones. Rule ids are never folded (they are copied into ``dlrec rules explain ID``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from recommender.core.catalog import BACKEND_FRAMEWORK, KERAS_BACKENDS, Framework, display_name
from recommender.core.errors import BadInputError
from recommender.core.names import did_you_mean
from recommender.decide.ranking.rank import Entry, Ranking
from recommender.rulebase.tiers import TIERS


def _name(entry: Entry) -> str:
    return display_name(entry.framework, entry.backend)


def _deltas(entry: Entry) -> dict[str, float]:
    return {str(r.rule): float(r.delta) for r in entry.reasons}


def _uncancelled(mine: dict[str, float], theirs: dict[str, float]) -> list[tuple[str, float]]:
    """``theirs`` minus ``mine``, rule by rule, after a rule of one row cancels a rule of the
    other with the same delta (PyTorch's "CPU only" +0.5 against TensorFlow's): what is left of
    ``theirs``, as (rule, delta)."""
    left = [(rule, d - mine.get(rule, 0.0)) for rule, d in theirs.items()]
    left = [(rule, d) for rule, d in left if d]
    own = sorted(d - theirs.get(rule, 0.0) for rule, d in mine.items() if rule not in theirs)
    kept = []
    for rule, d in sorted(left, key=lambda g: (-abs(g[1]), g[0])):
        if d in own:
            own.remove(d)
            continue
        kept.append((rule, d))
    return kept


def difference(entry: Entry, winner: Entry, n: int = 3) -> list[tuple[str, float]]:
    """The rules that separate ``entry`` from ``winner`` most, computed from both rows: the
    winner's rules (winner's delta - entry's) after rules of equal weight on both sides cancel."""
    gaps = _uncancelled(_deltas(entry), _deltas(winner))
    return sorted((g for g in gaps if g[1] > 0), key=lambda g: (-g[1], g[0]))[:n]


def _own(entry: Entry, winner: Entry) -> list[tuple[str, float]]:
    """The entry's own uncancelled gains, which the winner's rules outweighed."""
    gaps = _uncancelled(_deltas(winner), _deltas(entry))
    return sorted((g for g in gaps if g[1] > 0), key=lambda g: (-g[1], g[0]))[:2]


def _tier_line(entry: Entry, winner: Entry, head: str) -> str | None:
    """When the tier, not the score, put the winner first: say so, with the entry's tier."""
    mine, theirs = entry.placement, winner.placement
    if mine is None or theirs is None or mine.key == theirs.key:
        return None
    if theirs.crossing == "team_stack":
        return f"{head}; {_name(winner)} is the team's stack, which ranks above every tier"
    if mine.crossing == "moving_away":
        return f"{head}; the team is moving away from it"
    theirs_at = {place: tier for place, tier, _, _ in theirs.places}
    for place, tier, why, _ in mine.places:
        other = theirs_at.get(place)
        if other is not None and TIERS.get(tier, 0) < TIERS.get(other, 0):
            return f"{head}; on {place} it is {tier}, {_name(winner)} {other}: {why}"
    return f"{head}; it is {mine.tier} here, {_name(winner)} {theirs.tier}"


def why_not_line(entry: Entry, winner: Entry | None) -> str:
    name = _name(entry)
    if entry.blockers:
        block = entry.blockers[0]
        return f"Why not {name}: {block.why} ({block.rule})"
    if winner is None:
        return f"Why not {name}: nothing here is feasible"
    head = f"Why not {name}: {entry.score:g} vs {winner.score:g} for {_name(winner)}"
    tier = _tier_line(entry, winner, head)
    if tier is not None:
        return tier
    if entry.tied:
        return f"{head}; a tie (the order inside it is verified, installed, then the fixed order)"
    gaps = difference(entry, winner)
    if gaps:
        line = f"{head}; the difference: " + ", ".join(f"{r} ({d:+g})" for r, d in gaps)
        own = _own(entry, winner)
        if own:
            line += f"; {name}'s own: " + ", ".join(f"{r} ({d:+g})" for r, d in own)
        return line
    if winner.verified and not entry.verified:
        return f"{head}; {_name(winner)} was verified by a smoke run here"
    return f"{head}; a tie (the order inside it is verified, installed, then the fixed order)"


def parse_target(value: str) -> tuple[str, str | None]:
    """``pytorch`` or ``keras:torch`` -> (framework, backend); BadInputError otherwise."""
    framework, _, backend = value.strip().lower().partition(":")
    allowed = [*BACKEND_FRAMEWORK.values(), "keras", *(f"keras:{b}" for b in KERAS_BACKENDS)]
    ok = framework in {*BACKEND_FRAMEWORK.values(), Framework.KERAS} and (
        not backend or (framework == Framework.KERAS and backend in KERAS_BACKENDS)
    )
    if not ok:
        hint = did_you_mean(value, allowed)
        raise BadInputError(
            f"{value!r} is not a framework (allowed: {', '.join(dict.fromkeys(allowed))}){hint}",
            where="--why",
        )
    return framework, backend or None


def _reasons_for(ranking: Ranking, framework: str, backend: str | None) -> Sequence[Any]:
    """A Keras row's reasons, then the rules that steered its backend (``keras.<backend>``
    scores, which choose the backend and never add to Keras's own score)."""
    entry = ranking.entry(framework)
    if framework != Framework.KERAS:
        return entry.reasons
    chosen = backend or entry.backend
    steering = getattr(ranking.evaluation, "keras_backend_reasons", {}).get(chosen, ())
    return (*entry.reasons, *(_Steer(r) for r in steering))


class _Steer:
    """A backend-steering reason, labelled as such."""

    def __init__(self, reason: Any) -> None:
        self.rule = f"{reason.rule} (backend choice)"
        self.delta = reason.delta
        self.why = reason.why
        self.sources = reason.sources


def render_why(ranking: Ranking, target: str) -> RenderableType:
    framework, backend = parse_target(target)
    entry = ranking.entry(framework)
    winner = ranking.winner
    title = display_name(framework, backend or entry.backend)
    table = Table(title=f"Why {title}", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("rule", no_wrap=True)
    table.add_column("delta", justify="right", no_wrap=True)
    if winner is not None and winner is not entry:
        table.add_column(_name(winner), justify="right", no_wrap=True)
    table.add_column("why [sources]", ratio=1)
    theirs = _deltas(winner) if winner is not None and winner is not entry else None
    for reason in _reasons_for(ranking, framework, backend):
        row: list[RenderableType] = [str(reason.rule), f"{float(reason.delta):+g}"]
        if theirs is not None:
            row.append(f"{theirs.get(str(reason.rule), 0.0):+g}")
        sources = ", ".join(str(s) for s in reason.sources)
        row.append(Text(f"{reason.why} [{sources}]"))
        table.add_row(*row)
    parts: list[RenderableType] = [table]
    parts += [
        Text(f"not inherited from {n.framework}: {n.rule} ({n.delta:+g}): {n.why}", style="dim")
        for n in entry.not_inherited
    ]
    parts += [Text(f"blocked: {b.why} ({b.rule})", style="red") for b in entry.blockers]
    parts.append(Text(f"score {entry.score:g}, rank {entry.rank}, {entry.verdict}"))
    if winner is not None and winner is not entry:
        parts.append(Text(why_not_line(entry, winner)))
    return Group(*parts)


def _trace_rows(ranking: Ranking, everything: bool) -> list[Mapping[str, Any]]:
    rows = []
    for item in getattr(ranking.evaluation, "trace", ()) or ():
        entry = item.to_dict() if hasattr(item, "to_dict") else dict(item)
        if everything or entry.get("outcome") != "false":
            rows.append(entry)
    return rows


def render_trace(ranking: Ranking, *, everything: bool = False) -> RenderableType:
    """The rules that fired or were unknown (``everything``: the false ones too), one line each."""
    table = Table(title="Rule trace", box=box.SIMPLE_HEAD, title_justify="left", expand=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("effect, or the unknown facts", ratio=1, overflow="fold")
    for entry in _trace_rows(ranking, everything):
        outcome = str(entry.get("outcome", ""))
        detail = (
            ", ".join(entry.get("unknown") or ()) + " unknown"
            if outcome == "unknown"
            else str(entry.get("effect") or "")
        )
        table.add_row(str(entry.get("rule", "")), outcome, Text(detail))
    hidden = sum(1 for t in getattr(ranking.evaluation, "trace", ()) or ()) - len(
        _trace_rows(ranking, everything)
    )
    parts: list[RenderableType] = [table]
    if hidden:
        parts.append(Text(f"{hidden} rules were false here (--explain all lists them)."))
    keras = next((e for e in ranking.entries if e.framework == Framework.KERAS), None)
    if keras is not None and keras.backend_choice:
        rows = ", ".join(f"{b} ({s:g}, {why})" for b, s, why in keras.backend_choice)
        parts.append(Text(f"Keras backend, best first: {rows}"))
    return Group(*parts)


def trace_to_json(ranking: Ranking) -> list[dict[str, Any]]:
    return [
        t.to_dict() if hasattr(t, "to_dict") else dict(t)
        for t in getattr(ranking.evaluation, "trace", ()) or ()
    ]
