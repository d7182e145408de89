"""A known message retold in another surface form: the signatures' second, tolerant pass.

A signature matches its message's exact wording (in any letter case), but the next paste writes
the same message differently: ``cudaErrorInsufficientDriver`` as "CUDAError InsufficientDriver",
``CUDA_ERROR_INSUFFICIENT_DRIVER`` or "cuda error: insufficient driver"; a sentence with other
punctuation or separators. This pass compares each line's *words* with each signature's literal
wordings (the alternatives of its pattern that are nothing but a literal, ``whole_literals``):
both sides are case-folded, CamelCase and letter-digit runs split into words, and every run of
anything else (``_``, ``-``, ``:``, ``.``, spaces) made one space. A wording matches where its
words stand in the line in the same order, next to each other, as whole words.

It runs only for a signature the exact pass did not find, and says which kind of form it matched
(``Hit.retold``), which decides the finding's status (messages.py):

- ``name``: an identifier (an enum or status name: no space in it, three words or more) spelled
  another way. Its words in that order name exactly one status of one library, whatever the case
  or separator (CUDA's runtime and driver API spell the same status ``cudaErrorX`` and
  ``CUDA_ERROR_X``), so it keeps the signature's status: it is the same message.
- ``wording``: a sentence of the message (four words or more) with other punctuation, separators
  or casing. Dropping punctuation can join two sentences into the wording, and a person who
  retypes a sentence may be paraphrasing it, so the finding is only a warning.

Shorter wordings are left out: two or three common words ("CUDA error", "out of memory") say too
little once punctuation is gone. Linear: each line is normalised once (regular expressions with
no nesting), and each wording is one ``str.find`` pass over the normalised text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from recommender.facts.reports.linear import numbered_wordings, whole_literals
from recommender.facts.reports.model import Hit
from recommender.facts.reports.needles import Needle, Vocabulary, needle

#: The fewest words a form must have: an identifier's (``name``) and a sentence's (``wording``).
_NAME_WORDS = 3
_SENTENCE_WORDS = 4
#: As the exact pass: at most this many hits for one signature.
_HITS_PER_SIGNATURE = 20
#: Where one identifier splits into words (``cudaError|No|Device``, ``CUDA_ERROR``,
#: ``sm_86``): marked apart from a separator the text had, so that a status name's words are not
#: found inside a longer one (``cudaErrorInvalidDevice`` in ``cudaErrorInvalidDeviceFunction``).
_GLUE = "\x1f"
#: Where the text had punctuation that ends a phrase (``.``, ``;``, ``,``, brackets): a form
#: matches across no more of them than its own literal has, so that "no CUDA error; the
#: insufficient driver warning is gone" does not spell ``cudaErrorInsufficientDriver``. A colon, a
#: dash, a slash or quotes are how people join a status's words ("CUDA error: insufficient
#: driver"), not a break.
_BREAK = "\x1e"
#: The breaks between two words of the text (not inside an identifier).
_BETWEEN = (" ", _BREAK)
_LOWER_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ACRONYM_WORD = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z])")
#: A letter before a digit, a digit before a letter: the first character kept (``\\1``) and the
#: break put after it (two consuming passes cost less than one pass of lookarounds).
_LETTER_DIGIT = re.compile(r"([A-Za-z])(?=[0-9])")
_DIGIT_LETTER = re.compile(r"([0-9])(?=[A-Za-z])")
_AFTER_FIRST = "\\1" + _GLUE
_PHRASE_ENDS = re.compile(r"[.;,!?()\[\]{}<>|]+")
#: Every run of anything else is one separator; a newline is kept (``Words`` marks a whole paste
#: at once, its lines joined by newlines, and no pass reaches across one).
_SEPARATORS = re.compile(r"[^0-9a-z\n\x1e\x1f]+")
#: Words a retelling adds or drops without changing the message ("the driver is not loaded",
#: "driver not loaded"): left out on both sides.
_FILLER = re.compile(r"\b(?:is|are|was|were|be|been|the|a|an)\b")
#: A number in a wording, as words: a run of digits, or up to four where a version's dots broke
#: it ("7.5" is ``7 5``, each dot a phrase end).
_NUMBER = "[0-9]{1,6}(?: [0-9]{1,6}){0,3}"
_NUMBER_BREAKS = 3
_RUNS = re.compile(r"[ \x1e\x1f]{2,}")
#: The breaks a line's edges lose (at most one each side, runs being one by then).
_EDGE_BREAKS = " " + _BREAK + _GLUE


def marked(text: str) -> str:
    """``text`` as lower-case words, filler words left out, each break one character: a space
    where the text had a separator, ``_BREAK`` where it had a phrase's end and ``_GLUE`` inside
    an identifier. Each line of a text of several is marked alone: the result is each line's own,
    joined by newlines (no pass looks across a newline)."""
    return _edges(_RUNS.sub(_one_break, _words_apart(text)))


def marked_lines(lines: Sequence[str]) -> list[str]:
    """``marked`` of each of ``lines`` (none holding a newline), each space-separated piece of
    them marked once however many lines hold it (a log's lines are all different, their words
    are not): every pass but the last two stays inside a piece (a space is a separator, and
    becomes one), and those two, which make a run of breaks its strongest one and drop a line's
    edge breaks, run over the lines rebuilt from their pieces: the same text as ``marked``."""
    pieces = dict.fromkeys(" ".join(lines).split(" "))
    said = dict(zip(pieces, _words_apart("\n".join(pieces)).split("\n"), strict=True))
    rebuilt = "\n".join([" ".join([said[piece] for piece in line.split(" ")]) for line in lines])
    return _edges(_RUNS.sub(_one_break, rebuilt)).split("\n")


def _words_apart(text: str) -> str:
    """``marked``'s passes up to the last two: identifiers split, lower case, phrase ends and
    separators marked, filler words left out (a run of breaks may still be longer than one)."""
    text = _LOWER_UPPER.sub(_GLUE, text)
    text = _ACRONYM_WORD.sub(_GLUE, text)
    text = _LETTER_DIGIT.sub(_AFTER_FIRST, text)
    text = _DIGIT_LETTER.sub(_AFTER_FIRST, text).lower().replace("_", _GLUE)
    text = _SEPARATORS.sub(" ", _PHRASE_ENDS.sub(_BREAK, text))
    return _FILLER.sub(" ", text)


def _edges(text: str) -> str:
    """``text`` (its runs of breaks one character each) without the breaks at its lines' edges."""
    if "\n" in text:
        text = "\n".join([line.strip(_EDGE_BREAKS) for line in text.split("\n")])
    return text.strip(_EDGE_BREAKS)


def _one_break(run: re.Match[str]) -> str:
    """The strongest break of a run: a phrase's end, else a separator, else inside an identifier."""
    found = run.group()
    return _BREAK if _BREAK in found else " " if " " in found else _GLUE


def words(text: str) -> str:
    """``text`` as lower-case words separated by one space, filler words left out:
    ``CUDA_ERROR_NO_DEVICE``, ``cudaErrorNoDevice`` and "CUDA error: no device" all give
    ``cuda error no device``."""
    return marked(text).replace(_GLUE, " ").replace(_BREAK, " ")


@dataclass(frozen=True, slots=True)
class Form:
    """One literal wording of a signature, as words; which kind of form it is; how many
    phrase ends (``_BREAK``) its literal has."""

    signature: str
    words: str
    kind: str  # "name" or "wording"
    breaks: int = 0
    #: A wording with numbers in it (``numbered``): its words with a run of digits in each
    #: place the message has a number; ``words`` is then the words before the first.
    numbered: re.Pattern[str] | None = None
    #: ``words`` with what a text holding them has (needles.py): a form the paste's words rule
    #: out costs no pass over it.
    needle: Needle | None = None


def forms(signature: str, pattern: str, tree: list | None = None) -> tuple[Form, ...]:
    """The forms of a signature's pattern that this pass compares with, long enough to be
    specific; none for a pattern whose alternatives all have more than a literal. Where a status
    name and a sentence give the same words, the name's form stands (its words name the status).
    ``tree``: the pattern's ``linear.parse_tree`` where the caller has it."""
    out: dict[str, Form] = {}
    for literal in whole_literals(pattern, tree):
        if not (literal[:1].isalnum() and literal[-1:].isalnum()):
            continue  # its punctuation is part of the message (``['CPUExecutionProvider']``)
        said = words(literal)
        count = said.count(" ") + 1 if said else 0
        breaks = marked(literal).count(_BREAK)
        if " " not in literal.strip() and count >= _NAME_WORDS:
            out[said] = Form(signature, said, "name", breaks, needle=needle(said))
        elif count >= _SENTENCE_WORDS and any(ch.isalpha() for ch in said):
            out.setdefault(said, Form(signature, said, "wording", breaks, needle=needle(said)))
    for parts in numbered_wordings(pattern, tree):
        form = _numbered(signature, parts)
        if form is not None:
            out.setdefault(form.numbered.pattern if form.numbered else "", form)
    return tuple(out.values())


def _numbered(signature: str, parts: tuple[str | None, ...]) -> Form | None:
    """A wording with numbers (``linear.numbered_wordings``) as a form: its literal parts as
    words, each number a run of digits (a version's dot is a break between two), retyped
    numbers and all a warning, as a sentence is. None where its words are too few."""
    pieces, said, breaks = [], [], 0
    for part in parts:
        if part is None:
            pieces.append(_NUMBER)
            breaks += _NUMBER_BREAKS
            continue
        part_words = words(part)
        breaks += len(_PHRASE_ENDS.findall(part))
        if part_words:
            pieces.append(re.escape(part_words))
            said.extend(part_words.split(" "))
    if len(said) < _SENTENCE_WORDS:
        return None
    first = words(parts[0] or "")
    return Form(signature, first, "wording", breaks, re.compile(" ".join(pieces)), needle(first))


class Words:
    """The paste's lines as words, once for every signature: one string with each line's
    offset, as ``lines.Text`` keeps the lower-cased lines; ``marked`` the same string with the
    breaks inside identifiers kept apart (``_GLUE``), ``flat`` with every break a space.
    ``vocabulary``: the words of ``flat``, which tell a form that cannot be in it (needles.py)."""

    __slots__ = ("flat", "marked", "starts", "vocabulary")

    def __init__(self, lines: Sequence[str]) -> None:
        # the paste's distinct lines (a line holds no newline: lines.paste_lines split there;
        # each is marked alone, so a line that repeats is marked once, and a word once)
        distinct = dict.fromkeys(lines)
        each = marked_lines(tuple(distinct)) if distinct else []
        said_of = dict(zip(distinct, each, strict=True))
        said = "\n".join([said_of[line] for line in lines])
        starts, offset = [0] if lines else [], said.find("\n")
        while offset >= 0:
            starts.append(offset + 1)
            offset = said.find("\n", offset + 1)
        self.starts = starts
        self.marked = said.replace("\n", " ")
        self.flat = self.marked.replace(_GLUE, " ").replace(_BREAK, " ")
        self.vocabulary = Vocabulary(self.flat)

    def find(self, form: Form) -> Iterator[tuple[int, int, int]]:
        """(line index, start, end) where ``form``'s words stand in order, the first and the
        last a whole word of the text (not part of a longer identifier), at most
        ``_HITS_PER_SIGNATURE``, one per line. Linear: one ``str.find`` pass."""
        flat, text, size, found = self.flat, self.marked, len(form.words), 0
        if form.needle is not None and not form.needle.may_be_in(self.vocabulary):
            return  # not in the paste: its words say so
        pos = flat.find(form.words)
        while pos >= 0 and found < _HITS_PER_SIGNATURE:
            index = bisect.bisect_right(self.starts, pos) - 1
            end = pos + size
            if form.numbered is not None:
                match = form.numbered.match(flat, pos)
                end = match.end() if match else -1
                if end < 0:
                    pos = flat.find(form.words, pos + 1)
                    continue
            last = index + 1 >= len(self.starts)
            line_end = len(flat) if last else self.starts[index + 1] - 1
            whole = (
                (pos == self.starts[index] or text[pos - 1] in _BETWEEN)
                and (end == line_end or (end < line_end and text[end] in _BETWEEN))
                and text.count(_BREAK, pos, end) <= form.breaks
            )
            if not whole:
                pos = flat.find(form.words, pos + 1)
                continue
            yield index, pos, end
            found += 1
            if last:
                return
            pos = flat.find(form.words, self.starts[index + 1])


def retold_hits(all_forms: Iterable[Form], lines: Sequence[str], found: set[str]) -> list[Hit]:
    """The hits of the forms whose signature is not in ``found`` (the exact pass's), one per
    line and signature, the first form that matches a line deciding its kind. A match that a
    longer one starting at the same word extends is left out, whichever signature that one is
    (found by the exact pass or not): the longer form names the message, as ``cuda error invalid
    device function`` (cudaErrorInvalidDeviceFunction) does where ``cuda error invalid device``
    (cudaErrorInvalidDevice) stands at its start."""
    index = Words(lines)
    matches = [(form, *at) for form in all_forms for at in index.find(form)]
    longest: dict[int, int] = {}
    for _, _, start, end in matches:
        longest[start] = max(longest.get(start, end), end)
    seen: dict[tuple[str, int], Hit] = {}
    for form, line, start, end in matches:
        if form.signature in found or end < longest[start]:
            continue
        seen.setdefault(
            (form.signature, line),
            Hit(
                signature=form.signature,
                line=line + 1,
                text=lines[line],
                groups={},
                retold=form.kind,
            ),
        )
    return list(seen.values())
