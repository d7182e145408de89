"""``--try``, ``--yes`` and ``--try-budget``: the options of a try, shared by ``recommend``,
``ask`` and ``smoke``, and how a try talks to its user (the preview, the one confirmation, a
line per step).

Nothing is downloaded without ``--try``. With it, dlrec first says what each plan installs and
about how large it is; on a terminal it asks once (``--yes`` skips the question), without one it
proceeds. Progress: a rich spinner on a terminal, one line per step when stderr is piped.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator, Sequence

import click

from recommender.catalog import FRAMEWORK_IDS, KERAS_BACKENDS
from recommender.smoke.trial import DEFAULT_SIZE_BUDGET, Preview, mb

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*$", re.IGNORECASE)
DEFAULT_BUDGET_TEXT = "4GiB"
assert DEFAULT_SIZE_BUDGET == 4 << 30


class Size(click.ParamType):
    """``500MB``, ``4GiB``, ``2g``, ``1500000``: bytes."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        match = _SIZE.match(str(value))
        if not match:
            self.fail(f"{value!r} is not a size (e.g. 500MB, 4GiB)", param, ctx)
        number, unit, binary = float(match.group(1)), match.group(2).lower(), match.group(3)
        power = " kmgt".index(unit or " ")
        return int(number * (1024 if binary else 1000) ** power)


def _targets(ctx, param, value: tuple[str, ...]) -> tuple[str, ...] | None:
    """None (no --try), () (the best rows), or ``framework`` / ``keras:backend`` names."""
    if not value:
        return None
    names = []
    allowed = [*FRAMEWORK_IDS, *(f"keras:{b}" for b in KERAS_BACKENDS)]
    for raw in value:
        if raw == "auto":
            continue
        name = raw.strip().lower()
        framework, _, backend = name.partition(":")
        if name not in allowed and not (framework == "keras" and not backend):
            raise click.BadParameter(f"{raw!r} (allowed: {', '.join(allowed)})")
        names.append(name)
    return tuple(dict.fromkeys(names))


def try_options(f):
    """--try [F] (repeatable), --yes, --try-budget SIZE."""
    options = [
        click.option(
            "--try",
            "tries",
            multiple=True,
            is_flag=False,
            flag_value="auto",
            metavar="[F]",
            callback=_targets,
            help="Install the plan of the two best rows that need an install (and any tied "
            "with them), or of F (repeatable; keras:torch for a backend), into a throwaway "
            "environment in dlrec's cache, and smoke-train it there. Downloads: it says "
            "what and how much first.",
        ),
        click.option(
            "--yes", "-y", "assume_yes", is_flag=True, help="With --try: do not ask first."
        ),
        click.option(
            "--try-budget",
            type=Size(),
            default=DEFAULT_BUDGET_TEXT,
            show_default=True,
            help="With --try: refuse a plan that would download more than SIZE.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


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
