"""Which literals cannot be in a text, told from its words without scanning the text.

The signatures find each anchor with one ``str.find`` pass over the whole lower-cased paste, and
the tolerant pass each wording over the paste's words: a thousand passes over a 2 MB paste,
though most literals are in no paste. A literal's words that whitespace bounds on both sides
within it (``"no kernel image is"``: ``kernel``, ``image``) are whole words of any text that holds
it; its first word is the end of one, its last the start of one. So a literal one of whose whole
words is not among the text's words (a set, built once) cannot be in it, and one whose first or
last word ends or starts no word of the text cannot either: that is looked for in the text's
distinct words joined (``Vocabulary.joined``), which is kept only where it is much shorter than
the text (a log repeats its lines). A literal that may be there is still looked for in the text:
this only skips passes that would find nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The distinct words joined are looked in only where they are at most this part of the text:
#: each check then costs a small part of the pass it may save.
_JOINED_SHARE = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Needle:
    """A literal as it is looked for (``text``), with what any text holding it must have:
    ``words``, its whole words; ``pieces``, each partial word with the space that bounds it in
    the literal (``"cuda "``: a word ending in ``cuda``; ``" err"``: one starting with ``err``;
    a literal without whitespace is one piece, part of one word)."""

    text: str
    words: tuple[str, ...] = ()
    pieces: tuple[str, ...] = ()

    def may_be_in(self, vocabulary: Vocabulary) -> bool:
        """False only where ``text`` cannot be in the text ``vocabulary`` was built from."""
        if not all(word in vocabulary.words for word in self.words):
            return False
        joined = vocabulary.joined
        return joined is None or all(piece in joined for piece in self.pieces)


def needle(text: str) -> Needle:
    """``text`` (as it is looked for: lower-cased by the caller where the search is) as a Needle."""
    split = text.split()
    if not split:
        return Needle(text=text)
    first_whole, last_whole = text[0].isspace(), text[-1].isspace()
    if len(split) == 1:
        word = split[0]
        if first_whole and last_whole:
            return Needle(text=text, words=(word,))
        piece = f" {word}" if first_whole else f"{word} " if last_whole else word
        return Needle(text=text, pieces=(piece,))
    words, pieces = list(split[1:-1]), []
    if first_whole:
        words.append(split[0])
    else:
        pieces.append(f"{split[0]} ")  # the end of a word
    if last_whole:
        words.append(split[-1])
    else:
        pieces.append(f" {split[-1]}")  # the start of a word
    return Needle(text=text, words=tuple(words), pieces=tuple(pieces))


class Vocabulary:
    """A text's words (its maximal runs of non-whitespace, ``str.split``), once for every
    literal looked for in it; ``joined``: the distinct words, each between two spaces, where
    that string is at most a ``_JOINED_SHARE``-th of the text (else None: no cheaper than it)."""

    __slots__ = ("joined", "words")

    def __init__(self, text: str) -> None:
        self.words = frozenset(text.split())
        joined = f" {' '.join(self.words)} "
        self.joined = joined if len(joined) * _JOINED_SHARE <= len(text) else None
