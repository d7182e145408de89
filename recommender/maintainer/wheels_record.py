"""A registry recording: pip's answers to ``dlrec rules refresh-wheels``, trimmed to what the
refresh reads, kept under their argv so tests replay them with no network."""

from __future__ import annotations

import json
from collections.abc import Sequence

from recommender.maintainer.refresh_wheels import Runner
from recommender.probes.process import CommandResult

__all__ = ["recording_runner"]


def _trimmed(stdout: str) -> str:
    """What the refresh reads of an answer: the ``Available versions:`` line, or a dry-run
    report's install item (its wheel URL and Requires-Dist)."""
    for line in stdout.splitlines():
        if line.startswith("Available versions:"):
            return line + "\n"
    try:
        doc = json.loads(stdout)
    except json.JSONDecodeError:
        return ""
    items = doc.get("install") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return ""
    item = items[0]
    keep = {
        "download_info": {"url": (item.get("download_info") or {}).get("url")},
        "metadata": {"requires_dist": (item.get("metadata") or {}).get("requires_dist") or []},
    }
    return json.dumps({"install": [keep]})


def recording_runner(runner: Runner, book: dict[str, dict[str, object]]) -> Runner:
    """``runner``, with each answer kept (trimmed) in ``book`` under its argv after
    ``python -m pip`` (the dry-run ``--target`` folder as ``TARGET``): a registry recording."""

    def run(argv: Sequence[str]) -> CommandResult:
        result = runner(argv)
        words = list(argv[3:])
        if "--target" in words:
            words[words.index("--target") + 1] = "TARGET"
        book[" ".join(words)] = {"rc": result.returncode, "stdout": _trimmed(result.stdout)}
        return result

    return run
