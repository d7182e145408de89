"""Minimums a paste states: a sentence or a program's own refusal that names what something needs
("requires CUDA>=11.8 and cuDNN>=8.6", "needs NVIDIA driver 470.82.01", "the kernel requires 5.0
capability", "compute capability 7.0 or higher", "supports only sm_70 and above", "Requires
Python >= 3.9", "needs glibc 2.28", "需要 CUDA 11.8 以上").

A version is a requirement only where the words around it say so: a requirement word before its
subject in the same sentence (requires, needs, minimum, at least; 需要, 要求, 最低, 至少), an
operator between them (``>=``), or a range after it ("or higher", "and above", "以上"); "only
supports" names a floor only with a range ("supports only sm_70 and above"), else it is a ceiling. A version
the writer states as their own ("my driver is 470", "but your GPU has compute capability 6.1")
is not one, nor a question, nor a requirement denied ("does not require CUDA 12"), nor a version
glued into a build label or path ("+cuda12", "cuda:0", "python3.7/site-packages"). What the paste
shows is read elsewhere; stated_floors.py compares the two."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from recommender.facts.reports.model import MAX_LINE


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    """A minimum the paste states: ``subject`` (driver, cuda, cudnn, capability, python, glibc),
    its ``version`` as written (a capability as ``major.minor``), the line it is on (from 1) and
    the span of the line it covers."""

    subject: str
    version: str
    line: int
    start: int
    end: int


#: Between a subject and its version: "version", "is", ":", an operator, "at least".
_BETWEEN = (
    r"(?: {0,2}version)?(?: {0,2}(?:is|of|at least|>=|≥|=|:|：|至少))?(?: {0,2}(?:>=|≥|at least))?"
    r" {0,2}v?"
)
#: Each subject's name and the shape of its version (the group ``v``; a capability also ``sm``).
_SUBJECTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (subject, re.compile(pattern, re.IGNORECASE))
    for subject, pattern in (
        (
            "driver",
            rf"(?<![0-9A-Za-z_])(?:nvidia[ -])?(?:gpu )?(?:driver|驱动)(?:版本)?{_BETWEEN}"
            r"(?P<v>[0-9]{3}(?:\.[0-9]{1,3}){0,2})(?![0-9A-Za-z]|\.[0-9])",
        ),
        (
            "cuda",
            rf"(?<![0-9A-Za-z_/+.-])cuda(?!:[0-9])(?:[ -]?toolkit)?{_BETWEEN}"
            r"(?P<v>[0-9]{1,2}(?:\.[0-9]{1,2})?)(?![0-9A-Za-z_]|\.[0-9])",
        ),
        (
            "cudnn",
            rf"(?<![0-9A-Za-z_/+.-])cudnn{_BETWEEN}"
            r"(?P<v>[0-9]{1,2}(?:\.[0-9]{1,2}){0,2})(?![0-9A-Za-z_]|\.[0-9])",
        ),
        (
            "capability",
            rf"(?<![0-9A-Za-z_])(?:(?:cuda|compute|gpu) {{1,2}})?(?:capability|capabilities|计算能力|算力)"
            rf"{_BETWEEN}(?:(?P<v>[0-9]{{1,2}}\.[0-9])(?![0-9])|sm_?(?P<sm>[0-9]{{2,3}})(?![0-9]))",
        ),
        (
            "capability",
            r"(?<![0-9A-Za-z_.])(?P<v>[0-9]{1,2}\.[0-9]) {1,2}(?:(?:cuda|compute) {1,2})?capability",
        ),
        ("capability", r"(?<![0-9A-Za-z_])sm_(?P<sm>[0-9]{2,3})(?![0-9])"),
        (
            "python",
            rf"(?<![0-9A-Za-z_/+.-])(?:requires-python|python_requires|python ?3?){_BETWEEN}"
            r"(?P<v>3\.[0-9]{1,2})(?![0-9/])",
        ),
        (
            "glibc",
            rf"(?<![0-9A-Za-z_])glibc{_BETWEEN}(?P<v>2\.[0-9]{{1,2}})(?![0-9])",
        ),
    )
)
#: A requirement word before the subject.
_BEFORE = re.compile(
    r"requir|\bneeds?\b|\bminimum\b|\bmin\b|at least|最低|至少|需要|要求",
    re.IGNORECASE,
)
#: A requirement inside the match: an operator or "at least" between subject and version.
_INSIDE = re.compile(r">=|≥|at least|至少", re.IGNORECASE)
#: A range right after the version.
_AFTER = re.compile(
    r",? {0,2}(?:or|and) (?:higher|newer|later|above|greater|up|more)\b"
    r"| {0,2}(?:is |are )?(?:required|needed|minimum)\b| {0,2}(?:及以上|以上|或更高|或以上)",
    re.IGNORECASE,
)
#: Between a requirement word and its subject: words that make the version the writer's own or
#: another clause's ("requires 525, but my driver is 470").
_OWN = re.compile(
    r"\b(?:not|my|our|your|i have|i've|we have|has|have|installed|current|currently|but|however"
    r"|while|whereas)\b|[.;?!。；]( |$)|我的|我们的|我用|当前|安装|但|而",
    re.IGNORECASE,
)
#: A requirement denied just before its word ("does not require", "no longer needs").
_DENIED = re.compile(r"(?:\bnot|n't|no longer|不) {0,2}$", re.IGNORECASE)
#: How far before the subject a requirement word is looked for.
_REACH = 48
#: The most minimums read from one paste, and the most versions weighed on lines with a
#: requirement word: a report states a few; a pasted log repeating one line thousands of times
#: states no more than its first ones (and reading stays linear, its Python work bounded).
_MOST = 64
_WEIGHED = 1024
#: A line that can state a minimum has one of these words or operators.
_SIGNAL = re.compile(
    r"requir|need|minimum|\bmin\b|at least|>=|≥|higher|newer|later|above|greater|\bup\b|more"
    r"|最低|至少|需要|要求|以上|更高",
    re.IGNORECASE,
)


def _required(line: str, start: int, inside: str, end: int) -> bool:
    """The version matched at ``start:end`` is stated as a minimum (see the module's words)."""
    last = None
    for m in _BEFORE.finditer(line, max(0, start - _REACH), start):
        last = m
    if last is not None and _DENIED.search(line, max(0, last.start() - 12), last.start()):
        return False  # "it should not require cuda>=12.4"
    if _INSIDE.search(inside) or _AFTER.match(line, end):
        return True
    return last is not None and _OWN.search(line, last.end(), start) is None


def _version(m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    if groups.get("sm"):
        sm = groups["sm"]
        return f"{int(sm[:-1])}.{sm[-1]}"
    return groups.get("v")


def stated_requirements(lines: Sequence[str]) -> tuple[Requirement, ...]:
    """Every minimum the lines state, in line order (the first of a subject and span once)."""
    out: list[Requirement] = []
    weighed = 0
    for number, raw in enumerate(lines, start=1):
        line = raw[:MAX_LINE]
        if len(out) >= _MOST or weighed >= _WEIGHED:
            break
        if line.rstrip().endswith("?") or _SIGNAL.search(line) is None:
            continue
        taken = bytearray(len(line))  # the characters an earlier subject's match covers
        for subject, pattern in _SUBJECTS:
            for m in pattern.finditer(line):
                version, weighed = _version(m), weighed + 1
                if version is None or any(taken[m.start() : m.end()]):
                    continue
                if _required(line, m.start(), m.group(0), m.end()):
                    taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
                    out.append(
                        Requirement(
                            subject=subject,
                            version=version,
                            line=number,
                            start=m.start(),
                            end=m.end(),
                        )
                    )
    return tuple(sorted(out, key=lambda r: (r.line, r.start)))
