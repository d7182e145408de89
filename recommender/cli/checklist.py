"""``dlrec checklist`` and ``dlrec init DIR``: thin commands over the recommend pipeline.

Both run the same pipeline as ``recommend`` (facts, answers, rules, smoke, ranking), take the
recommended framework unless ``--framework`` names one, and build the checklist from it.
"""

from __future__ import annotations

import functools
import io
import os
import re
import sys

import click

from recommender.cli.choices import NamedChoice, dir_path, file_path, framework_choice
from recommender.cli.options import index_map_option, input_options, redact_option, request_from
from recommender.core.catalog import FRAMEWORK_IDS
from recommender.core.errors import ExitCode
from recommender.pipeline import Made
from recommender.report.output import check_out, write_out

FRAMEWORKS = FRAMEWORK_IDS
FORMATS = ("text", "markdown", "json")


def make_checklist(request, framework: str | None, *, live: bool = False) -> Made:
    """The pipeline's checklist, with the live smoke table on a terminal."""
    from recommender.pipeline import checklist

    if live:
        from recommender.report.console import make_console
        from recommender.report.smoke import live_smoke

        with live_smoke(make_console(stderr=True)) as on_event:
            return checklist(request, framework, on_event=on_event)
    return checklist(request, framework)


def render(checklist, fmt: str, *, encoding: str | None = "utf-8", width: int = 100) -> str:
    """The checklist in one of FORMATS, as text (text format: no colour, fixed width)."""
    from recommender.report import checklist as checklist_report

    if fmt == "json":
        import json

        return json.dumps(checklist_report.to_json(checklist), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return checklist_report.render_markdown(checklist)
    from recommender.report.console import file_console

    buf = io.StringIO()  # the one Console factory's file Console: control characters filtered
    file_console(buf, width=width).print(
        checklist_report.render_text(checklist, encoding=encoding), crop=False
    )
    return re.sub(r"[ \t]+\n", "\n", buf.getvalue())  # no blanks rich padded the lines with


def _live(fmt: str, out: str | None, request) -> bool:
    return (
        fmt == "text"
        and out is None
        and request.smoke
        and sys.stdout.isatty()
        and sys.stderr.isatty()
    )


def _index_map(pairs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from recommender.decide.install.mirrors import parse_index_map

    return parse_index_map(pairs, os.environ)


def _framework_option(f, *, purpose: str = "check"):
    return click.option(
        "--framework",
        type=framework_choice(),
        default=None,
        help=f"The framework to {purpose} (default: the recommended one).",
    )(f)


def _answers_option(f):
    return click.option(
        "--answers",
        "answers_file",
        metavar="FILE",
        type=file_path(),
        help="Answers as YAML or JSON (as for `dlrec recommend --answers`).",
    )(f)


@click.command()
@_framework_option
@click.option(
    "--format",
    "fmt",
    type=NamedChoice(FORMATS),
    default="text",
    show_default=True,
    help="text (✓ ! ✗), markdown, or json.",
)
@click.option(
    "--out",
    metavar="FILE",
    type=file_path(),
    help="Write the checklist to FILE (atomically) instead of stdout.",
)
@_answers_option
@input_options
@redact_option
@index_map_option
def checklist(framework, fmt, out, answers_file, redact, index_map, **kw) -> None:
    """What stands between you and a working training run: ok / warn / fail, each with its fix.

    Exit 0 when nothing fails, 1 when an item fails, 2 for bad input.
    """
    check_out(out)
    request = request_from({}, answers_file, kw)
    made = make_checklist(request, framework, live=_live(fmt, out, request))
    if redact:
        from recommender.facts.redact import Identity, redact_value

        made = Made(
            checklist=redact_value(made.checklist, Identity.current()), outcome=made.outcome
        )
    mapping = _index_map(index_map)
    if mapping:  # every index a fix prints is the mirror's, as in recommend, init and plan
        from recommender.decide.install.mirrors import mirrored

        made = Made(checklist=mirrored(made.checklist, mapping), outcome=made.outcome)
    if out is not None:
        write_out(out, render(made.checklist, fmt))
        click.echo(f"dlrec: wrote {out}", err=True)
    elif fmt == "text":
        from recommender.report import checklist as checklist_report
        from recommender.report.console import make_console

        console = make_console()
        console.print(
            checklist_report.render_text(made.checklist, encoding=console.encoding), crop=False
        )
    else:
        click.echo(render(made.checklist, fmt), nl=False)
    if made.checklist.failed:
        raise click.exceptions.Exit(ExitCode.FAILED)


@click.command()
@click.argument("directory", metavar="DIR", type=dir_path())
@functools.partial(_framework_option, purpose="start the project with")
@click.option("--force", is_flag=True, help="Overwrite files that already exist in DIR.")
@_answers_option
@input_options
@index_map_option
def init(directory, framework, force, answers_file, index_map, **kw) -> None:
    """Write a starter project into DIR: requirements.txt, pyproject.toml (uv), train.py,
    SETUP.md, dlrec-answers.yaml."""
    from recommender.decide import starter
    from recommender.decide.install.mirrors import map_plan_dict
    from recommender.report import checklist as checklist_report
    from recommender.report.project import check_targets, starter_template, write_files

    check_targets(directory, force=force)
    request = request_from({}, answers_file, kw)
    made = make_checklist(request, framework)
    outcome, cl = made.outcome, made.checklist
    files = starter.starter_files(
        cl,
        checklist_report.render_markdown(cl),
        facts=outcome.facts,
        rulebase=outcome.rulebase,
        smoke=outcome.ranking.smoke,
        answers=outcome.answers.to_dict(),
        plan=map_plan_dict(_plan(outcome, cl), _index_map(index_map)),
        train_template=starter_template(cl.framework),
        project_name=os.path.basename(os.path.abspath(directory)),
    )
    for path in write_files(directory, files, force=force):
        click.echo(f"wrote {path}")
    backend = f" on {cl.backend}" if cl.backend else ""
    click.echo(f"{cl.name}{backend}: {cl.summary['fail']} checklist item(s) failed; see SETUP.md")


def _plan(outcome, cl):
    """The ranking's install plan for the checklist's framework (and Keras backend)."""
    entry = outcome.ranking.entry(cl.framework)
    for row in entry.backends:
        if row.backend == cl.backend:
            return row.install_plan
    return entry.install_plan
