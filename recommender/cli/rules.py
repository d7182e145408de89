"""``dlrec rules check|list|explain|refresh-wheels``: validate, list and explain the rule base;
regenerate the pip-visible columns of the wheel matrix."""

from __future__ import annotations

import datetime
import difflib
import json
import os

import click

from recommender.cli.choices import file_path
from recommender.cli.options import rules_option
from recommender.core.errors import BadInputError


def today() -> datetime.date:
    """The run's date, which staleness is measured from (tests freeze it)."""
    return datetime.date.today()


def _load(ctx: click.Context, files=()):
    from recommender.rulebase.load import load_rulebase

    return load_rulebase(files, bundled=ctx.obj.get("bundled") if ctx.obj else None)


@click.group()
@click.option(
    "--bundled", hidden=True, default=None, help="Read the bundled rule files from DIR (tests)."
)
@click.pass_context
def rules(ctx: click.Context, bundled: str | None) -> None:
    """Check, list and explain the rule base (rules/*.yaml plus your overlays)."""
    ctx.obj = {"bundled": bundled}


@rules.command()
@click.argument("files", nargs=-1, metavar="[FILE]...", type=file_path())
@click.pass_context
def check(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Validate the bundled rules, the wheel matrix and each overlay FILE; exit 0, or 2.

    A rule whose ``verified:`` date is more than six months before today is listed as stale
    (exit 0 all the same): its sources should be read again."""
    from recommender.decide.checklist.build import validate_checklist
    from recommender.facts.reports import load_signatures
    from recommender.rulebase.load import STALE_AFTER_MONTHS, stale_rules

    signature_files = tuple(f for f in files if f.endswith("signatures.yaml"))
    files = tuple(f for f in files if f not in signature_files)
    bundled = ctx.obj.get("bundled") if ctx.obj else None
    own = os.path.join(bundled, "signatures.yaml") if bundled else None
    n_signatures = sum(len(load_signatures(f)) for f in signature_files) or len(
        load_signatures(own if own and os.path.exists(own) else None)
    )
    rb = _load(ctx, files)
    wheels = rb.wheels
    n_items = validate_checklist(rb)
    run_date = today()
    for rule, months in stale_rules(rb, run_date):
        click.echo(
            f"warning: {rule.file}:{rule.line}: rule {rule.id!r} was verified {rule.verified}, "
            f"{months} months before today ({run_date.isoformat()}; more than "
            f"{STALE_AFTER_MONTHS} is stale): re-read its sources and update 'verified'"
        )
    overlays = f" with {len(files)} overlay file(s)" if files else ""
    click.echo(
        f"ok: {len(rb.rules)} rules, {len(rb.questions)} questions, {len(rb.claims)} claims, "
        f"{len(rb.urls)} urls, {len(wheels.builds) + len(wheels.no_build)} wheel rows"
        + (f", {n_items} checklist items" if n_items else "")
        + f", {n_signatures} signatures"
        + overlays
    )


@rules.command(name="list")
@rules_option
@click.option("--json", "as_json", is_flag=True, help="Print the rules as JSON.")
@click.pass_context
def list_rules(ctx: click.Context, rule_files: tuple[str, ...], as_json: bool) -> None:
    """Show every rule's id, effect and sources."""
    rb = _load(ctx, rule_files)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rb.rules], indent=2, ensure_ascii=False))
        return
    from rich.table import Table
    from rich.text import Text

    from recommender.report.console import make_console

    table = Table(title=f"{len(rb.rules)} rules", show_lines=False)
    # The id and its file:line are what a reader copies (`dlrec rules explain ID`, an editor):
    # never folded mid-word; the file sits under the id so a narrow terminal still has room.
    table.add_column("id\nfile:line", no_wrap=True)
    table.add_column("effect", overflow="fold", ratio=1)
    table.add_column("sources", overflow="fold", ratio=1)
    for r in rb.rules:
        where = Text(f"\n{r.file}:{r.line}", style="dim")
        table.add_row(Text(r.id) + where, Text(r.effect_summary), Text(", ".join(r.sources)))
    make_console().print(table)


@rules.command()
@click.argument("rule_id", metavar="ID")
@rules_option
@click.option("--json", "as_json", is_flag=True, help="Print the rule as JSON.")
@click.pass_context
def explain(ctx: click.Context, rule_id: str, rule_files: tuple[str, ...], as_json: bool) -> None:
    """Print one rule in full: condition, effect, why, note and its sources."""
    rb = _load(ctx, rule_files)
    try:
        rule = rb.rule(rule_id)
    except KeyError:
        close = difflib.get_close_matches(rule_id, [r.id for r in rb.rules], n=5, cutoff=0.5)
        hint = f" (did you mean: {', '.join(close)}?)" if close else " (see `dlrec rules list`)"
        raise BadInputError(f"no rule {rule_id!r}{hint}") from None
    data = rule.to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    import yaml

    for source in rule.sources:
        if source.startswith("url:") and source[4:] in rb.urls:
            u = rb.urls[source[4:]]
            data.setdefault("cited", []).append(f"{source}: {u.title} <{u.url}>")
        elif source in rb.claims:
            c = rb.claims[source]
            data.setdefault("cited", []).append(
                f"{source} (article {c.section}): {c.summary} Today: {c.today}"
            )
    click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).rstrip())


def pip_runner(timeout: float):
    """The runner refresh-wheels gives pip commands to (tests replace it with recordings)."""
    from recommender.maintainer.refresh_wheels import bounded_runner

    return bounded_runner(timeout=timeout)


@rules.command(name="refresh-wheels")
@click.option(
    "--package",
    "packages",
    multiple=True,
    metavar="NAME",
    help="Refresh only this distribution's rows (repeatable; default: every one with wheels).",
)
@click.option("--write", is_flag=True, help="Rewrite the file's releases rows with the result.")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="The wheels.yaml to refresh (default: the bundled rules/wheels.yaml).",
)
@click.option(
    "--python",
    "python",
    default=None,
    metavar="PATH",
    type=file_path(),
    help="The Python whose pip is asked (default: dlrec's own).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="Seconds each pip command may take.",
)
@click.option(
    "--record",
    "record",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    metavar="FILE",
    help="Also write pip's answers (trimmed) to FILE as JSON: a registry recording for tests.",
)
def refresh_wheels(
    packages: tuple[str, ...],
    write: bool,
    path: str | None,
    python: str | None,
    timeout: float,
    record: str | None,
) -> None:
    """Ask pip (and so your index or mirror) which Python and platform each release line has
    wheels for, its newest patch, the CUDA of PyPI's Linux torch and companion pins; print a
    unified diff of the releases rows against the file, and with --write rewrite those rows.

    Maintainers only: the hand-cited tables (builds, driver floors, no_build) are never changed.
    Exit 0 (with or without differences), 2 for an unknown package."""
    import sys

    from recommender.core.atomic import write_atomic
    from recommender.maintainer import refresh_wheels as wr
    from recommender.rulebase.wheels.load import BUNDLED_WHEELS, load_wheels

    target = path or str(BUNDLED_WHEELS)
    matrix = load_wheels(target)
    known = sorted({r.package for r in matrix.releases})
    for name in packages:
        if name not in known:
            raise BadInputError(f"no releases rows for {name!r} (known: {', '.join(known)})")
    book: dict[str, dict[str, object]] = {}
    runner = pip_runner(timeout)
    if record:
        from recommender.maintainer.wheels_record import recording_runner

        runner = recording_runner(runner, book)
    pip = wr.Pip(python=python or sys.executable, runner=runner)
    fresh = {
        name: wr.refresh_package(pip, matrix, name, today())
        for name in packages or [p for p in wr.PACKAGES if p in known]
    }
    if record:
        try:
            write_atomic(record, json.dumps(book, indent=1, sort_keys=True) + "\n")
        except OSError as exc:
            raise BadInputError(f"cannot write: {exc.strerror or exc}", where=record) from None
    text = open(target, encoding="utf-8").read()
    new = wr.refresh_text(text, matrix, fresh)
    diff = wr.unified_diff(text, new, target)
    click.echo(diff or f"no changes: {target} matches what pip reports", nl=not diff)
    if write and diff:
        try:
            write_atomic(target, new)
        except OSError as exc:
            raise BadInputError(f"cannot write: {exc.strerror or exc}", where=target) from None
        click.echo(f"wrote {target}")


__all__ = ["refresh_wheels", "rules"]
