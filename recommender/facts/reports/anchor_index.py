"""Which signature anchors a paste holds, found in one pass over it instead of one per anchor.

A signature finds its anchors with ``str.find`` over the whole lower-cased paste (``Text.flat``):
a thousand passes over a 2 MB paste, though a paste holds a few hundred anchors at most. The
index is the anchors' trie as one regular expression, inside a lookahead (``(?=(...))``) so that
it is tried at every offset of the text, an occurrence inside another's included: at each offset
it captures the longest anchor starting there (the trie's branches start with distinct
characters, so it follows the one path the text spells out and falls back only to the anchors
ending on that path: time linear in the text, bounded by the longest anchor per offset). Every
anchor starting at that offset is a prefix of the captured one (``prefixes``), so the anchors
found, with their offsets, are exactly the text's occurrences. Built once where the signatures
are loaded (a compile takes tens of milliseconds) and passed down with them; a signature then
steps through its anchors' offsets instead of a ``str.find`` pass per anchor (an anchor many
signatures share was a pass for each). Where the paste's words leave few anchors possible (a
log that repeats its lines), one ``str.find`` pass for each of those is cheaper than the index's
pass, and gives the same offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from recommender.facts.reports.needles import Needle, Vocabulary, needle

#: The most ``str.find`` passes (one per anchor the words allow) read in place of the one pass of
#: the index, which costs about as much as 250 of them (0.16 s against 0.6 ms each on a varied
#: 2 MB paste, 2026-12-07).
_FIND_PASSES = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class AnchorIndex:
    """``pattern``: the anchors' trie in a lookahead, capturing the longest anchor at each offset;
    ``prefixes``: each anchor's anchors that start it (itself included); ``needles``: each
    anchor with the words a text holding it has (needles.py)."""

    pattern: re.Pattern[str]
    prefixes: Mapping[str, tuple[str, ...]]
    needles: tuple[Needle, ...]

    def places(self, flat: str, vocabulary: Vocabulary) -> dict[str, list[int]]:
        """Each anchor that occurs in ``flat`` (as ``str.find`` matches it: case and all) with
        every offset it occurs at, in order (an occurrence inside another's included): by one
        ``str.find`` pass per anchor the text's words (``vocabulary``) allow where they are few
        (a log that repeats its lines), else by the one pass of ``pattern``. Either way once per
        anchor, however many signatures share it."""
        maybe = [n.text for n in self.needles if n.may_be_in(vocabulary)]
        if len(maybe) > _FIND_PASSES:
            return self._scanned(flat)
        out: dict[str, list[int]] = {}
        for anchor in maybe:
            at = flat.find(anchor)
            while at >= 0:
                out.setdefault(anchor, []).append(at)
                at = flat.find(anchor, at + 1)
        return out

    def _scanned(self, flat: str) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        prefixes = self.prefixes
        for match in self.pattern.finditer(flat):
            at = match.start()
            for anchor in prefixes[match.group(1)]:
                out.setdefault(anchor, []).append(at)
        return out


def anchor_index(anchors: Iterable[str]) -> AnchorIndex:
    """The index of ``anchors`` (as they are looked for: lower-cased by the caller)."""
    distinct = sorted({anchor for anchor in anchors if anchor})
    trie: dict[str, dict] = {}
    for anchor in distinct:
        node = trie
        for ch in anchor:
            node = node.setdefault(ch, {})
        node[""] = {}  # an anchor ends here
    ending = set(distinct)
    prefixes = {
        anchor: tuple(anchor[:n] for n in range(1, len(anchor) + 1) if anchor[:n] in ending)
        for anchor in distinct
    }
    body = _alternatives(trie) if distinct else "(?!)"
    return AnchorIndex(
        pattern=re.compile(f"(?=({body}))"),
        prefixes=prefixes,
        needles=tuple(needle(anchor) for anchor in distinct),
    )


def _alternatives(node: dict[str, dict]) -> str:
    """The trie below ``node`` as a pattern: one branch per next character; where an anchor ends
    at ``node``, the longer anchors are tried first and the match may stop here."""
    branches = [re.escape(ch) + _alternatives(node[ch]) for ch in sorted(node) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body
