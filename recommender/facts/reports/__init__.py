"""Readers of pasted text: one module per format, one driver (paste.py) over a whole issue body.

Public API: :func:`read_paste` (text -> :class:`Paste`), :func:`load_signatures`.
"""

from __future__ import annotations

from recommender.facts.reports.model import Block, Conflict, Fact, Hit, Paste
from recommender.facts.reports.paste import NothingFound, looks_like_paste, read_paste
from recommender.facts.reports.signatures import Signature, SignatureError, load_signatures

__all__ = [
    "Block",
    "Conflict",
    "Fact",
    "Hit",
    "NothingFound",
    "Paste",
    "Signature",
    "SignatureError",
    "load_signatures",
    "looks_like_paste",
    "read_paste",
]
