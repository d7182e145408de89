"""Python sessions (``>>> expr`` / ``In [1]: expr`` and the output under them) and one-liners
(``python -c "import torch; print(torch.__version__, torch.cuda.is_available())"`` and the line
they printed). What a session prints is direct evidence: ``torch.cuda.is_available()`` answered
``True`` proves the driver runs the build, whatever a table says."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.labelled_checks import labelled
from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.session_expressions import EXPRESSIONS, expression, read_pair, reader

FORMAT = "python-session"
_IPYTHON = re.compile(r"^In \[[0-9]{1,4}\]: ?")
_OUT = re.compile(r"^Out\[[0-9]{1,4}\]: ?")
_ONE_LINER = re.compile(
    r"""python[0-9.]{0,5}(?:\.exe)? {1,4}-c {0,4}(?P<q>["'])(?P<code>[^"']{1,2000})"""
)


#: An expression and what it printed on one line, as people retype a session in prose or a list:
#: ``- torch.backends.mps.is_available() => False``, ``torch.cuda.is_available() -> False``,
#: ``torch.cuda.is_available() == False``, ``torch.__version__: 2.1.0``, the arrows a word
#: processor or a chat client makes of ``->`` (``torch.__version__ → 2.9.1+cpu``, ``⇒``), and an
#: assignment-like ``torch.__version__ = "2.1.0"`` (quotes dropped). Only the expressions of
#: EXPRESSIONS are read, so a sentence with a colon is not mistaken for one.
_INLINE = re.compile(
    r"^(?:[-*] {1,4})?`?(?P<expr>[A-Za-z_][A-Za-z0-9_.]{2,80}(?:\([^()\n]{0,40}\))?)`? {0,4}"
    r"(?:=>|->|→|⇒|⟶|==|=|:|returns|is) {1,4}`?[\"']?(?P<value>[^`\"' ]{1,80})[\"']?`?\.?$"
)


def _inline(line: str, number: int) -> list[Fact]:
    m = _INLINE.match(line)
    if m is None or reader("".join(m.group("expr").split())) is None:
        return []
    return read_pair(m.group("expr"), m.group("value"), number)


#: A boolean check retold inside a sentence: "but cuda.is_available() returns false",
#: "torch.cuda.is_available() gives False", "Torch: CUDA available (torch.cuda.is_available() == True)". Only these boolean checks are read (``cuda.`` alone is
#: torch's, imported as ``from torch import cuda``), and only a True/False answer.
#: Retold as people type it, too: without the call's parentheses, with an "=" or ":" and no
#: spaces, the answer in Markdown emphasis ("torch.cuda.is_available=**False**", "is_available()
#: -> `False`"), or after the one-liner that printed it ("`python -c 'print(torch.cuda.
#: is_available())'` returns False").
_SAID = re.compile(
    r"(?P<expr>(?:torch\.)?cuda\.is_available|torch\.backends\.mps\.is_available"
    r"|tf\.test\.is_built_with_cuda|tf\.test\.is_gpu_available)(?:\(\))?\)?[`'\"*]{0,3}"
    r"(?: {1,4}(?:(?:always|still|just|only) {1,2})?"
    r"(?:returns?|returned|returning|gives|gave|giving|is|prints|printed|shows|outputs|==|=>|->|→|⇒"
    r"|keeps? returning|kept returning|is returning) {1,4}"
    r"| {0,4}[=:] {0,4})[`*_]{0,2}"
    r"(?P<value>true|false)\b",
    re.IGNORECASE,
)


#: A line of code that tests the answer ("if torch.cuda.is_available() == False:"): a condition,
#: not an answer.
_CODE = ("if ", "elif ", "while ", "assert ", "return ", "not ")


def _said(line: str, number: int) -> list[Fact]:
    # each check the pattern reads is a dotted name with an underscore (no other character
    # matches "_" or "." in any case): a line with neither is no retold check
    m = _SAID.search(line) if "_" in line and "." in line else None
    if m is None or line.lstrip().startswith(_CODE):
        return []
    expr = "".join(m.group("expr").split()) + "()"
    if expr.lower().startswith("cuda."):
        expr = "torch." + expr
    return read_pair(expr, m.group("value").capitalize(), number)


#: The answer to a check retold on the line after it: "i get false", "it returns True", and a
#: count the same way ('gives "0" as result', "returns 0").
_ANSWER = re.compile(
    r"^(?:(?:i|it|we|this|that) {1,3})?(?:get|got|see|saw|returns?|returned|gives|gave|prints"
    r"|printed|shows|says) {1,3}[`\"']?(?P<value>true|false|[0-9]{1,3})[`\"']?"
    r"(?: {1,3}as (?:the |a )?(?:result|output|answer))?\.?$",
    re.IGNORECASE,
)


#: Expressions whose None a REPL shows as no output at all (``>>> torch.version.cuda`` followed
#: by the next prompt): torch.version.cuda is None in a build without CUDA.
_NONE_SILENT = ("torch.version.cuda",)


def _prompted(line: str) -> bool:
    return line.startswith(">>>") or _IPYTHON.match(line) is not None or line.startswith("In [")


def _statement(line: str) -> str | None:
    if line.startswith(">>> "):
        return line[4:]
    m = _IPYTHON.match(line)
    if m:
        return line[m.end() :]
    if line.endswith(")") and "".join(line.split()) in EXPRESSIONS:
        return line  # a check on its own line, as people quote it: its answer follows
    if line.startswith("print(") and line.endswith(")") and _printed_checks(line):
        return line  # a script's print(torch.version.cuda) quoted above what it printed
    return None


def _printed_checks(line: str) -> bool:
    """Whether every argument of the ``print(...)`` line is an expression this reader reads."""
    expressions = expression(line)
    return len(expressions) > 0 and all(reader(e) is not None for e in expressions)


def _answer(statement: str, line: str, number: int) -> list[Fact]:
    m = _ANSWER.match(line)
    return read_pair(statement, m.group("value").capitalize(), number) if m else []


def read(lines: Sequence[str]) -> list[Block]:
    facts: list[Fact] = []
    first = last = 0
    pending: str | None = None
    asked = 0
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if pending is not None and _prompted(line) and "".join(pending.split()) in _NONE_SILENT:
            # the prompt came back without output: the REPL prints nothing for None
            facts.append(Fact(path="torch.built_with_cuda", value=False, line=asked))
            first, last = first or asked, asked
        statement = _statement(line)
        if statement is not None:
            pending, asked = statement, number
            continue
        at = line.find("python") if "-c" in line else -1
        one = _ONE_LINER.match(line, at) if at >= 0 else None
        if one is not None and not _SAID.search(line):  # else its answer follows on this line
            code = one.group("code")
            pending = code.split(";")[-1].strip()
            continue
        inline = (
            (_inline(line, number) or [*_said(line, number), *labelled(line, number)])
            if pending is None
            else []
        )
        if inline:
            facts.extend(inline)
            first = first or number
            last = number
            continue
        if pending is not None and line:
            output = _OUT.sub("", line, count=1)
            found = read_pair(pending, output, number) or _answer(pending, line, number)
            if found:
                facts.extend(found)
                first = first or number
                last = number
            pending = None
    if not facts:
        return []
    return [Block(format=FORMAT, start=first, end=last, facts=tuple(facts))]
