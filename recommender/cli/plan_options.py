"""CLI options shared by the commands that print or write install plans (``plan``, ``init``)."""

from __future__ import annotations

import click

__all__ = ["index_map_option"]

index_map_option = click.option(
    "--index-map",
    "index_map",
    multiple=True,
    metavar="FROM=TO",
    help="Rewrite an index URL prefix (a mirror) in every index printed or written; "
    "repeatable [env DLREC_INDEX_MAP, space-separated].",
)
