"""How a try talks to its user: the preview, the one confirmation, a line per step (the
options, ``--try``, ``--yes`` and ``--try-budget``, are in ``cli/options.py``).

Nothing is downloaded without ``--try``. With it, dlrec first says what each plan installs and
about how large it is; on a terminal it asks once (``--yes`` skips the question), without one it
proceeds. Progress: a rich spinner on a terminal, one line per step when stderr is piped.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence

import click

from recommender.smoke.trial import Preview, mb


def describe(previews: Sequence[Preview]) -> list[str]:
    """What each plan will download: its command, its packages, about how much."""
    lines = []
    for p in previews:
        known = "" if p.sized else " at least"
        names = ", ".join(f"{pkg.name} {pkg.version}" for pkg in p.packages)
        lines.append(f"--try {p.plan.label}: {p.plan.command}")
        lines.append(f"  downloads{known} about {mb(p.size)}: {names}")
    return lines


def confirmer(assume_yes: bool, echo=None):
    """The one confirmation: said always; asked on a terminal unless --yes."""
    say = echo or (lambda line: click.echo(line, err=True))

    def confirm(previews: Sequence[Preview]) -> bool:
        for line in describe(previews):
            say(line)
        total = sum(p.size for p in previews)
        if assume_yes or not (_tty(sys.stdin) and _tty(sys.stderr)):
            return True
        return click.confirm(
            f"Download about {mb(total)} into dlrec's cache and install it there?",
            default=True,
            err=True,
        )

    return confirm


def _tty(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):
        return False


@contextlib.contextmanager
def progress(console=None) -> Iterator:
    """The ``on_step`` callback: a rich status line on a terminal, else a line per step."""
    if console is None or not console.is_terminal:
        yield lambda line: click.echo(f"dlrec: {line}", err=True)
        return
    with console.status("--try", spinner="dots") as status:

        def step(line: str) -> None:
            console.print(f"[dim]{line}[/]", markup=True, highlight=False)
            status.update(line)

        yield step
