"""``dlrec diagnose [FILE|-]``: read a pasted bug report (any format), say what is wrong.

Exit 0 when nothing fails, 1 when a finding fails, 2 when the text holds nothing dlrec knows
(or the input is bad). With no FILE it reads standard input; a terminal there is refused with the
usage instead of a silent wait."""

from __future__ import annotations

import json
import sys

import click

from recommender.cli.choices import NamedChoice, file_path
from recommender.core.errors import BadInputError, ExitCode

FORMATS = ("text", "markdown", "json")


def _stdin():
    """Standard input (a function, so that a test can stand a terminal in for it)."""
    return sys.stdin


def _read(path: str | None, ctx: click.Context) -> tuple[str, str]:
    if path in (None, "-"):
        stream = _stdin()
        if path is None and stream.isatty():
            click.echo(ctx.get_usage(), err=True)
            click.echo(
                "dlrec: error: no FILE and standard input is a terminal: pipe a report in (pbpaste | dlrec diagnose)",
                err=True,
            )
            raise click.exceptions.Exit(ExitCode.BAD_INPUT)
        return stream.read(), "<stdin>"
    from recommender.core.documents import DocumentError, read_text

    try:
        return read_text(path), path
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None


def render(diagnosis, fmt: str) -> str:
    from recommender.report import diagnosis as report

    if fmt == "json":
        return json.dumps(report.to_json(diagnosis), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return report.render_markdown(diagnosis)
    from recommender.report.console import make_console
    from recommender.report.parts import wrap_plain

    text = report.render_text(diagnosis, encoding=sys.stdout.encoding)
    return wrap_plain(text, make_console().width)


@click.command()
@click.argument("file", required=False, metavar="[FILE|-]", type=file_path(allow_dash=True))
@click.option("--format", "fmt", type=NamedChoice(FORMATS), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Short for --format json.")
@click.option(
    "--github-event",
    "event_file",
    metavar="FILE",
    type=file_path(),
    help="A GitHub issues / issue_comment event payload: diagnose its body, print the Markdown reply.",
)
@click.option(
    "--repository",
    metavar="OWNER/NAME",
    help="The repository the report was filed in: a library's own tracker (vllm-project/vllm) makes that library part of the report; WSL's (microsoft/WSL) puts the report in WSL.",
)
@click.pass_context
def diagnose(ctx, file, fmt, as_json, event_file, repository) -> None:
    """Diagnose a pasted bug report: collect_env, nvidia-smi, pip/conda lists, sessions, errors.

    Exit 0 when nothing fails, 1 when a finding fails, 2 when nothing known is found."""
    from recommender.pipeline import diagnose as run

    if event_file is not None:
        from recommender.cli.github_event import event_body

        text, origin, event_repository = event_body(event_file)
        repository = repository or event_repository
        fmt = "markdown"
    else:
        text, origin = _read(file, ctx)
    result = run(text, origin, repository=repository)
    click.echo(render(result, "json" if as_json else fmt), nl=False)
    if result.failed:
        raise click.exceptions.Exit(ExitCode.FAILED)
