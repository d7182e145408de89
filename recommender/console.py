"""The one Console factory: colour and live displays on a TTY, plain text elsewhere."""

from __future__ import annotations

import os
import sys

from rich.console import Console


def make_console(*, stderr: bool = False, width: int | None = None) -> Console:
    """A Console that honours NO_COLOR, TERM=dumb and pipes.

    Under NO_COLOR or TERM=dumb no escape code at all is written (rich's own ``no_color`` still
    writes bold and italic), so logs and screen readers get plain text."""
    plain = bool(os.environ.get("NO_COLOR")) or os.environ.get("TERM") == "dumb"
    return Console(
        stderr=stderr,
        color_system=None if plain else "auto",
        width=width,
        highlight=False,
        soft_wrap=False,
        no_color=bool(os.environ.get("NO_COLOR")) or None,
        emoji=False,
        file=sys.stderr if stderr else sys.stdout,
    )
