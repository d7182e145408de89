"""`dlrec smoke`: smoke-train each installed framework on each usable device."""

from __future__ import annotations

import json

import click

from recommender.cli import distributed as cli_distributed
from recommender.cli.choices import device_choice, framework_choice
from recommender.cli.distributed import distributed_options
from recommender.cli.options import seconds_option, try_options
from recommender.core.catalog import Framework
from recommender.core.errors import ExitCode, NotInstalledError, SmokeError
from recommender.smoke.run import (
    DEFAULT_IMPORT_TIMEOUT,
    DEFAULT_STEPS,
    DEFAULT_TRAIN_TIMEOUT,
    DEVICES,
    run_smoke,
)


@click.command()
@click.option(
    "--framework",
    "frameworks",
    multiple=True,
    type=framework_choice(),
    help="Smoke this framework only (repeatable). Default: every installed one.",
)
@click.option(
    "--device",
    type=device_choice(DEVICES),
    default="auto",
    show_default=True,
    help="auto: cpu plus every device the framework's build supports here "
    "(nvidia, amd, apple and intel are accepted for cuda, rocm, mps and xpu).",
)
@click.option(
    "--steps",
    type=click.IntRange(5, 100_000),
    default=DEFAULT_STEPS,
    show_default=True,
    help="Training steps per model.",
)
@seconds_option(
    "--timeout",
    "--train-timeout",
    "timeout",
    low=0.1,
    default=DEFAULT_TRAIN_TIMEOUT,
    help="Seconds each run may train (after its import).",
)
@seconds_option(
    "--import-timeout",
    low=0.1,
    default=DEFAULT_IMPORT_TIMEOUT,
    help="Seconds each run may take to import its framework.",
)
@click.option("--fresh", is_flag=True, help="Ignore cached results and train again.")
@click.option(
    "--all-backends",
    is_flag=True,
    help="Run Keras on every installed backend "
    "(tensorflow, torch, jax), overriding KERAS_BACKEND for those runs.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"results": [...]} only ({"distributed": [...]} with --distributed).',
)
@click.option("--verbose", "-v", is_flag=True, help="Show figures and each run's log file.")
@distributed_options
@try_options
@click.pass_context
def smoke(
    ctx,
    frameworks,
    device,
    steps,
    timeout,
    import_timeout,
    fresh,
    all_backends,
    as_json,
    verbose,
    tries,
    assume_yes,
    try_budget,
    try_timeout,
    **dist,
):
    """Smoke-train a tiny MLP and CNN with each installed framework on each usable device.

    Each run is its own process with import and training budgets. Exit status: 0 every run
    passed, 1 a run failed, 2 bad input.
    """
    from recommender.facts.collect import collect_facts
    from recommender.report.console import make_console

    console = make_console()
    live_mode = console.is_terminal and not as_json
    options = dict(
        frameworks=frameworks or None,
        device=device,
        steps=steps,
        import_timeout=import_timeout,
        train_timeout=timeout,
        fresh=fresh,
        all_backends=all_backends,
    )
    if tries is not None:
        budgets = (try_budget, try_timeout, import_timeout, timeout)
        ctx.exit(_try(tries, assume_yes, budgets, as_json))
    facts = collect_facts()
    if cli_distributed.wanted(dist):
        ctx.exit(  # SIGTERM here unwinds through main()'s handler, which kills the ranks first
            cli_distributed.run(
                facts,
                dist,
                frameworks=frameworks,
                device=device,
                steps=steps,
                import_timeout=import_timeout,
                timeout=timeout,
                as_json=as_json,
            )
        )
    skipped: list[str] = []
    notes: list[str] = []
    try:
        if live_mode:
            results = _run_live(console, facts, options, verbose)
        else:
            results = _exact(
                facts,
                run_smoke(
                    facts, on_event=lambda e: _note(skipped, notes if verbose else [], e), **options
                ),
            )
    except NotInstalledError as exc:
        raise SmokeError(
            f"{exc.message}; install with: {_hints(facts, exc.frameworks, device)}"
        ) from None
    if not results:
        raise SmokeError(
            "nothing to smoke: no framework is installed in this Python; install one, e.g. "
            + _hints(facts, (Framework.PYTORCH.value,), device)
        )
    if as_json:
        click.echo(
            json.dumps({"results": [r.to_dict() for r in results], "skipped": skipped}, indent=2)
        )
    elif not live_mode:
        from recommender.report.smoke import plain_lines

        for line in [*skipped, *notes, *plain_lines(results, verbose=verbose)]:
            # the console, not click.echo: it swaps the sparkline for ASCII where needed
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    ctx.exit(ExitCode.OK if results and all(r.ok for r in results) else ExitCode.FAILED)


def _exact(facts, results):
    """Failed runs' fixes with the install planner's commands (a device the build cannot use
    included)."""
    from recommender.decide.install.hints import with_planned_fixes
    from recommender.rulebase.wheels.load import load_wheels

    if not any(r.error is not None for r in results):
        return results
    return with_planned_fixes(tuple(results), facts, matrix=load_wheels())


def _hints(facts, frameworks: tuple[str, ...], device: str) -> str:
    """The install planner's command for each framework, for the device asked for (else the
    accelerator found here): the same command the checklist and the ranking print."""
    from recommender.decide.install.plans import install_hint, machine_answer
    from recommender.rulebase.wheels.load import load_wheels

    matrix, answer = load_wheels(), machine_answer(facts, device)
    return "; ".join(install_hint(fw, facts, answer, matrix=matrix) for fw in frameworks)


def _note(skipped: list[str], notes: list[str], event) -> None:
    """Keep what a person must know besides the results: skipped runs, overridden settings."""
    if event.kind == "skipped":
        skipped.append(event.message)
    elif event.kind == "planned" and event.message:
        notes.append(f"{event.run.label}: {event.message}")


def _run_live(console, facts, options, verbose):
    from rich.live import Live

    from recommender.report.smoke import LiveTable, group_runs, run_details

    table = LiveTable(notes=verbose)
    with Live(
        console=console, get_renderable=table.renderable, refresh_per_second=10, transient=False
    ):
        results = run_smoke(facts, on_event=table.on_event, **options)
    results = _exact(facts, results)
    for message in table.messages:
        console.print(message, style="dim")
    for group in group_runs(results):
        details = run_details(group, verbose=verbose)
        if details:
            console.print(
                group[0].framework
                + (f"[{group[0].backend}]" if group[0].backend else "")
                + f" on {group[0].device}:",
                style="bold",
                markup=False,
            )
            for line in details:  # unwrapped: a fix's command pastes as one line
                console.print(line, markup=False, highlight=False, soft_wrap=True)
    return results


def _try(tries, assume_yes, budgets, as_json) -> int:
    """``dlrec smoke --try``: the recommendation's tries alone, one line each (exit 1 unless
    every tried plan was proven)."""
    from recommender.cli.tries import confirmer, step_printer
    from recommender.pipeline import Request, TryHooks, recommend
    from recommender.report.console import make_console

    size, seconds, import_timeout, timeout = budgets
    request = Request(
        flags={},
        tries=tries,
        try_budget=size,
        try_timeout=seconds,
        import_timeout=import_timeout,
        train_timeout=timeout,
    )
    hooks = TryHooks(confirm=confirmer(assume_yes), on_step=step_printer(make_console(stderr=True)))
    outcome = recommend(request, hooks=hooks)
    rows = [(e, dict(e.tried)) for e in outcome.ranking.entries if e.tried is not None]
    if as_json:
        click.echo(json.dumps({"tried": [{"row": _label(e), **t} for e, t in rows]}, indent=2))
    else:
        for e, t in rows:
            size = f", {t['bytes'] / 1e6:.0f} MB of packages" if t.get("bytes") else ""
            if t["status"] == "proven":
                click.echo(
                    f"{_label(e)}: proven in a fresh environment: {t['command']} "
                    f"(installed in {t['seconds']} s{size}); {e.confidence}"
                )
            else:
                click.echo(
                    f"{_label(e)}: {t['status'].replace('_', ' ')}: {t.get('reason')}"
                    + (f" (log: {t['log']})" if t.get("log") else "")
                )
        for notice in outcome.ranking.warnings:
            if notice.rule.startswith("try:"):
                click.echo(f"warning: {notice.why} ({notice.rule})", err=True)
    proven = rows and all(t["status"] == "proven" for _, t in rows)
    return ExitCode.OK if proven else ExitCode.FAILED


def _label(entry) -> str:
    return (
        f"keras:{entry.backend}"
        if entry.backend and entry.framework == Framework.KERAS
        else entry.framework
    )
