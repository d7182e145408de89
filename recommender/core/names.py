""" "Did you mean": the one helper every closed set's error message uses (command names, option
values, ``--why``, question answers)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'pytorch'?"`` for the nearest candidate, or "" when none is near."""
    near = difflib.get_close_matches(str(value).strip().lower(), list(candidates), n=1, cutoff=0.5)
    return f"; did you mean {near[0]!r}?" if near else ""
