"""How a command shows what it made: text (rich, or plain into a file), Markdown or JSON, to
stdout or atomically to ``--out``, redacted on request; for ``recommend`` and ``ask``, exit 1
after it when nothing is feasible. The commands read the options and run the pipeline.
"""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

import click

from recommender.core.errors import BadInputError, ExitCode
from recommender.core.frozen import frozen
from recommender.facts.document import Facts
from recommender.pipeline import Outcome

FORMATS = ("text", "markdown", "json")


@frozen
class Output:
    """How to render the outcome: ``fmt`` (one of FORMATS), to stdout or atomically to ``out``;
    ``explain`` ("fired", "all" or None) and ``why`` (a framework) as the options give them."""

    fmt: str = "text"
    out: str | None = None
    explain: str | None = None
    redact: bool = False
    why: str | None = None
    #: Index URL prefixes and their mirrors (--index-map, DLREC_INDEX_MAP).
    index_map: tuple[tuple[str, str], ...] = ()


def check_out(path: str | None) -> None:
    """Refuse an ``--out`` that cannot be written (a directory, a missing folder) before any work."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise BadInputError("is a directory; give a file name such as checklist.md", where=path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BadInputError(f"folder {str(folder)!r} does not exist", where=path)


def write_out(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (``--out``), or exit 2 naming the path and why."""
    from recommender.core.atomic import os_error_text, write_atomic

    try:
        write_atomic(path, text)
    except OSError as exc:
        raise BadInputError(f"cannot write here: {os_error_text(exc)}", where=str(path)) from None


def emit_json(data) -> None:
    """A JSON document on stdout, as every ``--json`` prints it."""
    from recommender.report.json_text import dumps

    click.echo(dumps(data))


def output_from(kw: dict) -> Output:
    """Pop --json, --format, --out, --explain, --why and --redact; --json is --format json, and
    the two must agree (a usage error, exit 2, otherwise)."""
    as_json, fmt = kw.pop("as_json"), kw.pop("fmt")
    if as_json and fmt not in (None, "json"):
        raise click.UsageError(f"--json and --format {fmt} disagree; give one of them")
    out = kw.pop("out")
    if out is not None:
        check_out(out)
    from recommender.decide.install.mirrors import parse_index_map

    return Output(
        fmt="json" if as_json else (fmt or "text"),
        out=out,
        explain=kw.pop("explain"),
        redact=kw.pop("redact"),
        why=kw.pop("why"),
        index_map=parse_index_map(kw.pop("index_map", ()) or (), os.environ),
    )


def _json_text(outcome: Outcome, explain: str | None) -> str:
    from recommender.report import json_text
    from recommender.report.document import ranking_to_json

    doc = ranking_to_json(
        outcome.ranking, answers=dict(outcome.answers.values), facts=outcome.facts
    )
    doc["answer_sources"] = dict(outcome.answers.source)
    if outcome.fleet is not None:
        doc["fleet"] = outcome.fleet.to_dict()
    if explain:
        from recommender.report.why import trace_to_json

        doc["trace"] = trace_to_json(outcome.ranking)
    return json_text.dumps(doc) + "\n"


def _print_text(outcome: Outcome, console, output: Output) -> None:
    from recommender.report import ranking as report
    from recommender.report.answers import answers_line

    console.print(answers_line(outcome.answers, outcome.facts))
    if outcome.fleet is not None:
        from recommender.report.fleet import render_spread

        console.print(render_spread(outcome.fleet.nodes, outcome.fleet.spread))
    console.print(report.render_ranking(outcome.ranking, width=console.width), crop=False)
    if output.why:
        from recommender.report.why import render_why

        console.print(render_why(outcome.ranking, output.why), crop=False)
    if output.explain:
        console.print(report.render_trace(outcome.ranking, everything=output.explain == "all"))


def render_outcome(outcome: Outcome, output: Output, console=None) -> str | None:
    """The outcome as a string in ``output.fmt``; text is printed to ``console`` (None returned)
    unless it goes to a file, where it is plain, 100 columns wide."""
    if output.fmt == "json":
        return _json_text(outcome, output.explain)
    if output.fmt == "markdown":
        from recommender.report.markdown import render_markdown

        return render_markdown(
            outcome.ranking,
            answers=dict(outcome.answers.values),
            facts=outcome.facts,
            fleet=outcome.fleet,
        )
    if output.out is None:
        from recommender.report.console import make_console

        _print_text(outcome, console or make_console(), output)
        return None
    from recommender.report.console import file_console

    buf = io.StringIO()
    _print_text(outcome, file_console(buf), output)
    return buf.getvalue()


def emit(outcome: Outcome, output: Output, *, console=None) -> None:
    """Print or write the outcome (a fleet's too); exit 1 (after it) when nothing is feasible."""
    if output.redact:
        outcome = redacted(outcome)
    if output.index_map:
        from recommender.decide.install.mirrors import mirrored

        outcome = dataclasses.replace(outcome, ranking=mirrored(outcome.ranking, output.index_map))
    text = render_outcome(outcome, output, console)
    if text is not None and output.out is not None:
        write_out(output.out, text)
        click.echo(f"dlrec: wrote {output.out}", err=True)
    elif text is not None:
        click.echo(text, nl=False)
    if outcome.ranking.winner is None:
        raise click.exceptions.Exit(ExitCode.FAILED)


def redacted(outcome: Outcome) -> Outcome:
    """The outcome with host, user, home paths and secrets masked in what the report shows."""
    from recommender.facts.fleet import fleet_documents
    from recommender.facts.redact import Identity, Redactor

    identity = Identity.current().including(outcome.facts.to_dict())
    if outcome.fleet is not None:  # every node's host name, whichever machine it shares facts with
        names = [{"hostname": n.name} for n in outcome.fleet.nodes]
        documents = fleet_documents(n.path for n in outcome.fleet.nodes)
        identity = identity.including(*names, *documents)
    r = Redactor(identity)
    facts = Facts.from_dict(r.doc(outcome.facts.to_dict()), origin=r.text(outcome.facts.origin))
    ranking = dataclasses.replace(
        outcome.ranking,
        entries=r.value(outcome.ranking.entries),
        warnings=r.value(outcome.ranking.warnings),
        smoke=r.value(outcome.ranking.smoke),
        smoke_note=r.value(outcome.ranking.smoke_note),
    )
    fleet = outcome.fleet
    if fleet is not None:
        nodes = tuple(
            dataclasses.replace(n, name=r.text(n.name), path=r.text(n.path)) for n in fleet.nodes
        )
        fleet = dataclasses.replace(
            fleet, nodes=nodes, spread=r.value(fleet.spread), blockers=r.value(fleet.blockers)
        )
    return dataclasses.replace(outcome, facts=facts, ranking=ranking, fleet=fleet)
