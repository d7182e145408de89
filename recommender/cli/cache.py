"""``dlrec cache list|prune``: the throwaway environments ``--try`` made in dlrec's cache."""

from __future__ import annotations

import os
import re
import time

import click

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_S = {"": 86400, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class Age(click.ParamType):
    """``30d``, ``12h``, ``2w``, ``90m`` (a bare number is days): seconds."""

    name = "AGE"

    def convert(self, value, param, ctx):
        match = _AGE.match(str(value))
        if not match:
            self.fail(f"{value!r} is not an age (e.g. 30d, 12h, 2w)", param, ctx)
        return float(match.group(1)) * _UNIT_S[match.group(2).lower()]


@click.group()
def cache() -> None:
    """The throwaway environments that `--try` made (in dlrec's cache dir)."""


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


@cache.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
def list_(as_json: bool) -> None:
    """Each environment: the plan it proves, its size, when it was last used."""
    from recommender.smoke.trial import envs

    items = envs.stored(os.environ)
    if as_json:
        from recommender.report.output import emit_json

        emit_json(
            {
                "envs": [
                    {
                        "path": s.path,
                        "ready": s.ready,
                        "bytes": s.bytes,
                        "last_used": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s.mtime)),
                        "plan": (s.marker or {}).get("plan"),
                        "command": (s.marker or {}).get("command"),
                    }
                    for s in items
                ]
            }
        )
        return
    if not items:
        click.echo(f"No environments in {envs.envs_dir(os.environ)}.")
        return
    for s in items:
        marker = s.marker or {}
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.mtime))
        what = f"{marker.get('plan')}: {marker.get('command')}" if s.ready else "unfinished"
        click.echo(f"{s.path}  {_size(s.bytes):>7}  {when}  {what}")
    total = sum(s.bytes for s in items)
    click.echo(f"{len(items)} environment(s), {_size(total)}; remove with `dlrec cache prune`.")


@cache.command()
@click.option(
    "--older-than",
    type=Age(),
    metavar="AGE",
    help="Only environments last used more than AGE ago (30d, 12h, 2w). Default: all.",
)
def prune(older_than: float | None) -> None:
    """Remove environments (all, or those unused for --older-than); an unfinished one always."""
    from recommender.smoke.trial import envs

    gone = envs.prune(os.environ, older_than)
    freed = sum(s.bytes for s in gone)
    click.echo(f"Removed {len(gone)} environment(s), {_size(freed)}.")
