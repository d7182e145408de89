"""How a try talks to its user: the preview, the one confirmation, a line per step (the
options, ``--try``, ``--yes`` and ``--try-budget``, are in ``cli/options.py``).

Nothing is downloaded without ``--try``. With it, dlrec first says what each plan installs and
about how large it is; on a terminal it asks once (``--yes`` skips the question), without one it
proceeds. Progress: a line per step, through rich above the live smoke table on a terminal,
plain when stderr is piped.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the tries' engine is imported when a try runs (never for --no-smoke)
    from recommender.smoke.trial import Preview


def describe(previews: Sequence[Preview]) -> list[str]:
    """What each plan will download: its command, its packages, about how much."""
    from recommender.smoke.trial import mb

    lines = []
    for p in previews:
        known = "" if p.sized else " at least"
        names = ", ".join(f"{pkg.name} {pkg.version}" for pkg in p.packages)
        lines.append(f"--try {p.plan.label}: {p.plan.command}")
        lines.append(f"  downloads{known} about {mb(p.size)}: {names}")
    return lines


def confirmer(assume_yes: bool, echo=None, live=None):
    """The one confirmation: what will be downloaded is said always; asked on a terminal
    unless --yes (a live display, ``live``, is stopped while the question waits)."""
    say = echo or (lambda line: click.echo(line, err=True))

    def confirm(previews: Sequence[Preview]) -> bool:
        ask = not assume_yes and _tty(sys.stdin) and _tty(sys.stderr)
        if live is not None and ask:
            live.stop()
        try:
            for line in describe(previews):
                say(line)
            if not ask:
                return True
            from recommender.smoke.trial import mb

            total = sum(p.size for p in previews)
            return click.confirm(
                f"Download about {mb(total)} into dlrec's cache and install it there?",
                default=True,
                err=True,
            )
        finally:
            if live is not None and ask:
                live.start()

    return confirm


def _tty(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):
        return False


def step_printer(console=None):
    """``on_step``: a dim rich line on a terminal (above a live display on the same console),
    else one plain line per step on stderr."""
    if console is None or not console.is_terminal:
        return lambda line: click.echo(f"dlrec: {line}", err=True)
    return lambda line: console.print(
        f"dlrec: {line}", style="dim", markup=False, highlight=False, soft_wrap=True
    )


@contextlib.contextmanager
def live_smoke(console) -> Iterator[tuple]:
    """The smoke runs' live table (``report.smoke.LiveTable``), yielding its ``on_event`` and
    the Live itself, so that the --try question can stop it while it waits for an answer."""
    from rich.live import Live

    from recommender.report.smoke import LiveTable

    table = LiveTable()
    live = Live(
        console=console, get_renderable=table.renderable, refresh_per_second=10, transient=False
    )
    with live:
        yield table.on_event, live
    for message in table.messages:
        console.print(message, style="dim", markup=False)
