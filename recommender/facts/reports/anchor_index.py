"""Which signature anchors a paste holds, found in one pass over it instead of one per anchor.

A signature finds its anchors with ``str.find`` over the whole lower-cased paste (``Text.flat``):
a thousand passes over a 2 MB paste, though a paste holds a few hundred anchors at most. The
index's scan is the anchors' trie as one regular expression, inside a lookahead (``(?=(...))``)
so that it is tried at every offset of the text, an occurrence inside another's included: at
each offset it captures the longest anchor starting there (the trie's branches start with
distinct characters, so it follows the one path the text spells out and falls back only to the
anchors ending on that path: time linear in the text, bounded by the longest anchor per offset).
Every anchor starting at that offset is a prefix of the captured one (``prefixes``), so the
anchors found, with their offsets, are exactly the text's occurrences. A signature then steps
through its anchors' offsets instead of a ``str.find`` pass per anchor (an anchor many
signatures share was a pass for each). Where the paste's words leave few anchors possible (a
log that repeats its lines), one ``str.find`` pass for each of those is cheaper than the scan's
pass, and gives the same offsets; so is a pass for each anchor the words allow over a small paste
(a few kilobytes), cheaper than compiling the scan.

The index is made where the signatures are loaded and passed down with them, but its scan (a
compile of every anchor at once: tens of milliseconds, a large part of a small paste's whole
command) is built only by the first paste that needs it, and kept by the index that owns it
(``AnchorIndex.built`` says whether it was): no module keeps it.
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

#: Before the scan is built, the most ``str.find`` work (anchors the words allow, times the
#: text's length) read in its place: its compile (30 to 70 ms, 2026-12-07) costs about as much as
#: 10**8 characters of ``str.find`` (0.3 to 1 ns each), so a paste under a hundred kilobytes or so
#: (nearly every paste) is read without it, and a command on it does not pay the compile.
_UNBUILT_FIND_CHARS = 10**8


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """``pattern``: the anchors' trie in a lookahead, capturing the longest anchor at each
    offset; ``prefixes``: each anchor's anchors that start it (itself included)."""

    pattern: re.Pattern[str]
    prefixes: Mapping[str, tuple[str, ...]]

    def places(self, flat: str) -> dict[str, list[int]]:
        """Each anchor in ``flat`` with every offset it occurs at, in order, in one pass."""
        out: dict[str, list[int]] = {}
        prefixes = self.prefixes
        for match in self.pattern.finditer(flat):
            at = match.start()
            for anchor in prefixes[match.group(1)]:
                out.setdefault(anchor, []).append(at)
        return out


class AnchorIndex:
    """The anchors (as they are looked for: lower-cased by the caller), each with the words a
    text holding it has (``needles``, needles.py), and their ``Scan``, built on first use: the
    one memo here, owned by this index (whose owner, the loaded reference, lives for the run)."""

    __slots__ = ("_scan", "anchors", "needles")

    def __init__(self, anchors: Iterable[str]) -> None:
        self.anchors = tuple(sorted({anchor for anchor in anchors if anchor}))
        self.needles: tuple[Needle, ...] = tuple(needle(anchor) for anchor in self.anchors)
        self._scan: Scan | None = None

    @property
    def built(self) -> bool:
        """Whether a paste has needed the scan (and it was compiled)."""
        return self._scan is not None

    def scan(self) -> Scan:
        """The anchors' scan, compiled the first time it is asked for."""
        if self._scan is None:
            self._scan = build_scan(self.anchors)
        return self._scan

    def places(self, flat: str, vocabulary: Vocabulary) -> dict[str, list[int]]:
        """Each anchor that occurs in ``flat`` (as ``str.find`` matches it: case and all) with
        every offset it occurs at, in order (an occurrence inside another's included): by one
        ``str.find`` pass per anchor the text's words (``vocabulary``) allow where they are few
        (a log that repeats its lines) or the text is short enough that those passes cost less
        than compiling the scan not built yet (a small paste), else by the one pass of the scan.
        Either way once per anchor, however many signatures share it, and the same places."""
        maybe = [n.text for n in self.needles if n.may_be_in(vocabulary)]
        if len(maybe) > _FIND_PASSES and (
            self.built or len(maybe) * len(flat) > _UNBUILT_FIND_CHARS
        ):
            return self.scan().places(flat)
        out: dict[str, list[int]] = {}
        for anchor in maybe:
            at = flat.find(anchor)
            while at >= 0:
                out.setdefault(anchor, []).append(at)
                at = flat.find(anchor, at + 1)
        return out


def anchor_index(anchors: Iterable[str]) -> AnchorIndex:
    """The index of ``anchors`` (as they are looked for: lower-cased by the caller); its scan is
    compiled only when a text needs it."""
    return AnchorIndex(anchors)


def build_scan(anchors: tuple[str, ...]) -> Scan:
    """The one-pass scan of ``anchors`` (distinct, sorted, none empty)."""
    trie: dict[str, dict] = {}
    for anchor in anchors:
        node = trie
        for ch in anchor:
            node = node.setdefault(ch, {})
        node[""] = {}  # an anchor ends here
    ending = set(anchors)
    prefixes = {
        anchor: tuple(anchor[:n] for n in range(1, len(anchor) + 1) if anchor[:n] in ending)
        for anchor in anchors
    }
    body = _alternatives(trie) if anchors else "(?!)"
    return Scan(pattern=re.compile(f"(?=({body}))"), prefixes=prefixes)


def _alternatives(node: dict[str, dict]) -> str:
    """The trie below ``node`` as a pattern: one branch per next character; where an anchor ends
    at ``node``, the longer anchors are tried first and the match may stop here."""
    branches = [re.escape(ch) + _alternatives(node[ch]) for ch in sorted(node) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body
