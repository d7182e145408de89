"""Known error messages broken over two lines: a message a person re-wrapped in the issue editor,
or a terminal cut at its width ("...flash_attn_2_cuda.so: undefined" / " symbol: _ZN3c10..."). A
signature matches within one line; here each such break is joined once and the signatures run
over the joined pairs, keeping only matches that neither line gives alone.

A pair is joined where the first line holds a message's ``: `` (``RuntimeError: ...``,
``lib.so: undefined``) and ends in a letter, a digit or ``:``/``,`` (mid-sentence), and the next
line goes on with a lower-case word, an ``_`` symbol or a ``(`` after at most one space: an
indented traceback line, a heading, a table row or a new sentence is not a continuation. Linear:
each line is joined at most once, and the joined text is at most twice the paste (a log of plain
lines without a message's colon is not joined at all).
"""

from __future__ import annotations

from collections.abc import Sequence

from recommender.facts.reports.lines import Text
from recommender.facts.reports.model import Hit
from recommender.facts.reports.signatures import Signature

#: The shortest first half that counts: a message, not a one-word line.
_MIN_HEAD = 12


def _continues(head: str, tail: str) -> bool:
    if len(head) < _MIN_HEAD or not tail or ": " not in head:
        return False
    last = head[-1]
    if not (last.isalnum() or last in ":,"):
        return False
    body = tail[1:] if tail[0] == " " else tail
    return bool(body) and (body[0].islower() or body[0] in "_(") and body[0].isascii()


def wrapped_hits(
    lines: Sequence[str], signatures: Sequence[Signature], hits: Sequence[Hit]
) -> list[Hit]:
    """The hits that only a joined pair of lines gives, one on each of the pair's lines (the
    finding quotes both halves)."""
    pairs: list[int] = []
    joined: list[str] = []
    for index in range(len(lines) - 1):
        head, tail = lines[index], lines[index + 1]
        if _continues(head, tail):
            pairs.append(index)
            joined.append(f"{head} {tail.lstrip()}")
    if not pairs:
        return []
    seen = {(hit.signature, hit.line) for hit in hits}
    index_text = Text(tuple(joined))
    out: list[Hit] = []
    for sig in signatures:
        for hit in sig.find(index_text):
            first = pairs[hit.line - 1] + 1  # 1-based, the pair's first line
            if (sig.id, first) in seen or (sig.id, first + 1) in seen:
                continue  # one line alone already gives it
            # Both halves, so that the finding quotes the whole message.
            for line in (first, first + 1):
                out.append(
                    Hit(signature=sig.id, line=line, text=lines[line - 1], groups=hit.groups)
                )
            seen.add((sig.id, first))
    return out
