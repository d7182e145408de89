"""What an installer's resolver says when it refuses a set of versions: the requirements it names
on each side of the conflict, one fact each (``resolver.needs.N``, a :class:`Need`).

* pip >= 20.3 (``factory.get_installation_error``): ``Cannot install A==1 and B==2 because these
  package versions have conflicting dependencies.`` then ``The conflict is caused by:`` and one
  line per cause, ``The user requested torch==2.2.1+cu118``, ``The user requested (constraint)
  torch==2.2.1`` or ``torchvision 0.16.1+cu118 depends on torch==2.1.1+cu118`` (specifiers
  joined with `` and ``, a marker after ``;``, none at all for ``depends on torch``); the cause
  lines are often pasted without the header, from the user's request on;
* uv (PubGrub's report): ``Because torchvision==0.19.0 depends on torch==2.4.0 and you require
  torch==2.3.1, we can conclude that your requirements are unsatisfiable.``, wrapped over
  several lines, with markers in braces (``torch{platform_machine != 'aarch64'}==2.5.1``).

Whether two requirements exclude each other is for the diagnosis to judge (resolver_conflicts.py):
the reader only keeps what each side asked for. Lines may carry a prefix (``#8 2.700`` from a
docker build): the markers are found inside the line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from recommender.core.numfmt import is_digits
from recommender.facts.reports.model import Block, Fact

FORMAT = "resolver"
#: A requirement: a name, extras, then its specifier (``torch==2.1.1+cu118``, ``a[b]<1.0,>=0.3``).
_REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,80})(?:\[[A-Za-z0-9._,-]{0,80}\])?"
    r"(?P<spec>[=<>!~][0-9A-Za-z.*+!_,=<>~-]{0,200})?"
)
_PIP_HEADER = "The conflict is caused by:"
_PIP_USER = "The user requested "
_DEPENDS = " depends on "
_UV_CONCLUSION = "we can conclude that"
_UV_USER = "you require "
#: A resolver's conflict text is short; a longer run is not one.
_MAX_LINES = 60


@dataclass(frozen=True, slots=True)
class Need:
    """One side of a resolver's conflict: ``by`` (a package, or ``""`` for the user's own
    request) at ``by_version`` needs ``name`` within ``spec``, as ``tool`` reported it."""

    tool: str
    name: str
    spec: str
    by: str = ""
    by_version: str = ""

    @property
    def who(self) -> str:
        """``torchvision 0.16.1+cu118``, or ``the request`` for the user's own."""
        return f"{self.by} {self.by_version}".strip() if self.by else "the request"


def normal(name: str) -> str:
    """A project name as the index compares them (PEP 503): ``Huggingface_Hub`` -> ``huggingface-hub``."""
    return re.sub(r"[-_.]{1,80}", "-", name.strip().lower()[:120])


def requirement(text: str) -> tuple[str, str] | None:
    """``torch==2.1.1+cu118`` -> (``torch``, ``==2.1.1+cu118``); pip's ``name version`` form of an
    explicit candidate reads as ``==version``; None where no name leads the text."""
    text = text.strip().strip("`'\"").split(";", 1)[0].split(" (from", 1)[0]
    text = text.replace(" and ", ",").strip()
    name, _, rest = text.partition(" ")
    if rest and is_digits(rest[:1]):
        text = f"{name}=={rest.split()[0]}"
    m = _REQUIREMENT.match(text.replace(" ", "")[:400])
    if m is None:
        return None
    return normal(m.group("name")), (m.group("spec") or "").rstrip(".,")


def _pip_cause(line: str, number: int, index: int) -> Fact | None:
    """One of pip's cause lines as a fact; None for a line that is not one, or one that names no
    specifier (``bitsandbytes 0.44.1 depends on torch``: any release meets it)."""
    at = line.find(_PIP_USER)
    if at >= 0:
        req = requirement(line[at + len(_PIP_USER) :].removeprefix("(constraint) "))
        return _fact(Need("pip", *req), number, index) if req and req[1] else None
    left, sep, right = line.partition(_DEPENDS)
    words = left.split()
    req = requirement(right) if sep else None
    if req is None or not req[1] or len(words) < 2:
        return None
    by = requirement(words[-2])
    if by is None or not is_digits(words[-1][:1]):
        return None
    return _fact(Need("pip", *req, by=by[0], by_version=words[-1]), number, index)


def _is_cause(line: str) -> bool:
    """The line has the shape of one of pip's cause lines, whether or not it names a specifier."""
    return _PIP_USER in line or _DEPENDS in line


def _fact(need: Need, number: int, index: int) -> Fact:
    return Fact(path=f"resolver.needs.{index}", value=need, line=number)


def _pip(lines: Sequence[str], start: int) -> list[Fact]:
    """The cause lines after line ``start`` (1-based; pip's header), up to the first other line."""
    out: list[Fact] = []
    for number in range(start + 1, min(len(lines), start + _MAX_LINES) + 1):
        line = lines[number - 1][:1000]
        if not _is_cause(line):
            break
        fact = _pip_cause(line, number, len(out))
        if fact is not None:
            out.append(fact)
    return out


def _unbraced(text: str) -> str:
    """The text without uv's markers in braces (``torch{sys_platform == 'linux'}==2.3.0``)."""
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _uv_paragraph(lines: Sequence[str], start: int) -> tuple[str, list[int]]:
    """uv's message from line ``start`` on, joined (it wraps at the terminal's width), with the
    line each character offset starts on."""
    parts: list[str] = []
    starts: list[int] = []
    for number in range(start, min(len(lines), start + _MAX_LINES) + 1):
        raw = lines[number - 1][:2000].strip().lstrip("╰─▶│ ").strip()
        if not raw or raw.startswith("hint:"):
            break
        parts.append(raw)
        starts.extend([number] * (len(raw) + 1))
    return " ".join(parts), starts


def _uv(lines: Sequence[str], start: int, first: int) -> list[Fact]:
    """The requirements named in uv's ``Because ...`` message starting on line ``start``."""
    text, starts = _uv_paragraph(lines, start)
    if _UV_CONCLUSION not in text:
        return []
    out: list[Fact] = []
    plain = _unbraced(text)
    # offsets move when braces are dropped: quote the line of the clause in the raw text instead
    for clause in _clauses(plain):
        line = _line_of(text, starts, clause.needle)
        out.append(Fact(path=f"resolver.needs.{first + len(out)}", value=clause.need, line=line))
    return out


@dataclass(frozen=True, slots=True)
class _Clause:
    need: Need
    needle: str


def _clauses(text: str) -> list[_Clause]:
    out: list[_Clause] = []
    at = text.find(_DEPENDS)
    while at >= 0 and len(out) < 40:
        left = text[max(0, at - 200) : at].split()
        right = text[at + len(_DEPENDS) : at + len(_DEPENDS) + 400].split()
        by = requirement(left[-1]) if left else None
        req = requirement(right[0]) if right else None
        if by is not None and req is not None and req[1]:
            version = by[1].removeprefix("==") if by[1].startswith("==") else by[1]
            need = Need("uv", *req, by=by[0], by_version=version)
            out.append(_Clause(need, right[0].rstrip(".,")))
        at = text.find(_DEPENDS, at + 1)
    at = text.find(_UV_USER)
    while at >= 0 and len(out) < 40:
        words = text[at + len(_UV_USER) : at + len(_UV_USER) + 400].split()
        req = requirement(words[0]) if words else None
        if req is not None and req[1]:
            out.append(_Clause(Need("uv", *req), words[0].rstrip(".,")))
        at = text.find(_UV_USER, at + 1)
    return out


def _line_of(text: str, starts: list[int], needle: str) -> int:
    """The line a requirement's text first appears on (its name, where braces split it)."""
    name = needle.split("=", 1)[0].split("<", 1)[0].split(">", 1)[0]
    at = text.find(needle)
    at = at if at >= 0 else text.find(name)
    return starts[min(max(at, 0), len(starts) - 1)] if starts else 0


def read(lines: Sequence[str]) -> list[Block]:
    """One block per resolver message that names at least one requirement."""
    blocks: list[Block] = []
    count = 0
    number = 1
    while number <= len(lines):
        line = lines[number - 1][:2000]
        facts: list[Fact] = []
        # pip's cause lines under its header, or pasted alone from the user's request on
        header = _PIP_HEADER in line
        if header or line.lstrip().startswith(_PIP_USER):
            facts = [
                Fact(path=f"resolver.needs.{count + i}", value=f.value, line=f.line)
                for i, f in enumerate(_pip(lines, number if header else number - 1))
            ]
        elif "Because " in line:
            facts = _uv(lines, number, count)
        if facts:
            end = max(f.line for f in facts)
            blocks.append(Block(format=FORMAT, start=number, end=end, facts=tuple(facts)))
            count += len(facts)
            number = end
        number += 1
    return blocks
