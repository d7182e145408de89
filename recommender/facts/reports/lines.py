"""A paste as lines: quote markers, fences and odd spaces undone, one line per pasted line.

Line numbers stay those of the pasted text (a fence becomes an empty line, never a removed one),
so every fact and quote points at the line a person sees in the issue.
"""

from __future__ import annotations

import bisect
import re
from types import MappingProxyType

from recommender.core.numfmt import is_digits
from recommender.facts.reports.anchor_index import AnchorIndex
from recommender.facts.reports.model import MAX_LINE
from recommender.facts.reports.needles import Needle, Vocabulary
from recommender.facts.reports.text import LABELS, replace_chars

_QUOTE = re.compile(r"^[ \t]{0,8}(?:>(?:[ \t]|$)){1,8}")
_FENCE = re.compile(r"^[ \t]{0,8}(?:```|~~~)")
#: Characters read as others (``replace_chars``): a full-width colon, odd spaces, a tab; the
#: invisible ones (a zero-width space, a BOM, a carriage return) dropped.
_REPLACED = MappingProxyType(
    {
        "\uff1a": ":",
        "\u00a0": " ",
        "\u3000": " ",
        "\t": "    ",
        "\u200b": "",
        "\ufeff": "",
        "\r": "",
    }
)
#: A CI log's timestamp column (GitHub Actions and Azure Pipelines write every line of a job's log
#: as ``2022-12-16T16:39:38.3607708Z <the line>``): the line is what follows it.
_CI_STAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z ")
#: A label set in Markdown bold, as an issue template renders it when a report is typed into
#: it ("- **TensorFlow version**: 1.3.0", "**CUDA version:** 11.8"): the label without the stars.
_BOLD_LABEL = re.compile(
    r"^(?P<lead>[ \t]{0,8}(?:[-*+][ \t]{1,4})?)\*\*(?P<label>[^*]{1,200}?)(?P<in>:?)\*\*(?P<out>:?)"
)
#: A terminal's colour codes (SGR and the other CSI sequences), kept by a paste copied from a
#: terminal or a Jupyter traceback (``\x1b[0;31m``); where the page dropped the escape character,
#: its bare remainder (``[0;31m``, ``[1m``) on a line that holds the reset ``[0m`` as well.
_ANSI = re.compile(r"\x1b\[[0-9;?]{0,20}[A-Za-z]|\x1b\][^\x07\x1b]{0,200}(?:\x07|\x1b\\)?|\x1b")
_BARE_SGR = re.compile(r"\[[0-9]{1,3}(?:;[0-9]{1,3}){0,5}m")
#: HTML's character references, as a page's source or an e-mail digest keeps them
#: (``&gt;&gt;&gt; torch.__version__``, ``&#39;2.1.0+cpu&#39;``): the characters they stand for.
_ENTITY = re.compile(
    r"&(?:gt|lt|amp|quot|apos|nbsp|#39|#x27|#34|#x22|#62|#x3[eE]|#60|#x3[cC]|#38);"
)
_ENTITIES = {
    "gt": ">",
    "lt": "<",
    "amp": "&",
    "quot": '"',
    "apos": "'",
    "nbsp": " ",
    "#39": "'",
    "#x27": "'",
    "#34": '"',
    "#x22": '"',
    "#62": ">",
    "#x3e": ">",
    "#60": "<",
    "#x3c": "<",
    "#38": "&",
}
#: What a launcher or a log collector writes before every line a program prints (never the
#: program's own words): torchrun's ``[rank0]:`` / ``[default0]:``, Ray's and vLLM's worker
#: ``(VllmWorker rank=0 pid=123)``, docker compose's ``service-1  | ``, Kubernetes' container log
#: ``2024-01-02T10:11:12.123456789Z stdout F ``, BuildKit's ``#8 12.34 ``, pytest's ``E       ``.
_CARRIER = re.compile(
    r"^(?:\[(?:rank|default|trainer|worker)[0-9]{1,5}\]: ?"
    r"|\([A-Za-z][A-Za-z0-9_]{0,40}(?: [a-z_]{1,12}=[0-9A-Za-z_]{1,12}){0,3} pid=[0-9]{1,9}(?:, ip=[0-9.]{7,15})?\) "
    r"|[A-Za-z0-9][A-Za-z0-9_.-]{0,60}[-_][0-9]{1,3} {1,30}\| ?"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,18}(?:Z|[+-][0-9]{2}:[0-9]{2}) std(?:out|err) [FP] "
    r"|#[0-9]{1,4} [0-9]{1,5}\.[0-9]{1,3} "
    r"|E {3,7}(?=\S))"
)
#: A row of a Markdown table with two cells, as a collect_env report typed into a table renders
#: (``| PyTorch version | 2.1.0+cu121 |``): read as ``label: value`` where the label is one of
#: collect_env's own (a package table's rows, ``| torch | 2.1.0 |``, are the package readers').
_TWO_CELLS = re.compile(r"^[ \t]{0,8}\|(?P<label>[^|]{1,80})\|(?P<value>[^|]{0,400})\|?[ \t]*$")
#: Python and shell prompts a session line starts with.
PROMPTS = (">>> ", "... ", "$ ", "# ", "% ")


def paste_lines(text: str) -> tuple[str, ...]:
    """The paste's lines, cleaned, each cut at MAX_LINE characters; fences become blank."""
    out = []
    for raw in replace_chars(text, _REPLACED).split("\n"):
        line = _uncarried(_unescaped(raw[:MAX_LINE]))
        head = line[:16]
        if ">" in head:
            line = _QUOTE.sub("", line, count=1)
            head = line[:16]
        if ("`" in head or "~" in head) and _FENCE.match(line):
            line = _one_line_block(line)
        if is_digits(head[:1]) and head[10:11] == "T":
            line = _CI_STAMP.sub("", line, count=1)
        if "**" in head:
            line = _unbold_label(line)
        if "|" in head:
            line = _table_row(line)
        out.append(line.rstrip())
    return tuple(out)


def _unescaped(line: str) -> str:
    """The line without a terminal's colour codes and with HTML's character references read."""
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    if "[0m" in line:  # a bare code only beside the reset every coloured span ends with
        line = _BARE_SGR.sub("", line)
    if "&" in line:
        line = _ENTITY.sub(lambda m: _ENTITIES[m.group(0)[1:-1].lower()], line)
    return line


def _uncarried(line: str) -> str:
    """The line without the prefix a launcher or log collector wrote before it (``_CARRIER``),
    twice at most (``service-1  | [rank0]: ...``); any other line as it is."""
    for _ in range(2):
        head = line[:1]
        if not head or head not in "[(#E0123456789" and not head.isalnum():
            return line
        m = _CARRIER.match(line)
        if m is None or m.end() == 0:
            return line
        line = line[m.end() :]
    return line


def _table_row(line: str) -> str:
    """``| CUDA used to build PyTorch | 12.1 |`` -> ``CUDA used to build PyTorch: 12.1``."""
    m = _TWO_CELLS.match(line)
    if m is None:
        return line
    label = " ".join(m.group("label").replace("*", "").replace("`", "").split()).rstrip(":")
    if label.lower() not in LABELS:
        return line
    return f"{label}: {m.group('value').strip()}"


def _unbold_label(line: str) -> str:
    """``- **Label**: value`` -> ``- Label: value`` (only where the bold text is a label)."""
    m = _BOLD_LABEL.match(line)
    if m is None or not (m.group("in") or m.group("out")):
        return line
    return f"{m.group('lead')}{m.group('label').strip()}:{line[m.end() :]}"


def _one_line_block(line: str) -> str:
    """A fence line is blank, unless it is a whole block on one line (```AttributeError: ...```,
    as issue bodies often hold a one-line error): then its text."""
    body = line.strip()
    for fence in ("```", "~~~"):
        if body.startswith(fence) and body.endswith(fence) and len(body) > 2 * len(fence):
            inner = body[len(fence) : -len(fence)].strip(fence[0]).strip()
            return inner if " " in inner else ""
    return ""


def strip_quotes(value: str) -> str:
    """``'2.1.0+cu121'`` -> ``2.1.0+cu121`` (a repr printed by a session)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def local_build(version: str) -> dict[str, str]:
    """What a version's local label proves: ``+cpu`` a CPU build, ``+cu121`` CUDA 12.1,
    ``+rocm6.0`` ROCm 6.0; nothing for a version with no label (the platform decides)."""
    _, sep, local = version.partition("+")
    if not sep:
        return {}
    local = local.lower()
    if local == "cpu" or local.startswith("cpu."):
        return {"flavour": "cpu"}
    cuda = re.fullmatch(r"cu([0-9]{2,3})", local)
    if cuda:
        digits = cuda.group(1)
        return {"flavour": "cuda", "cuda": f"{int(digits[:-1])}.{digits[-1]}"}
    rocm = re.fullmatch(r"rocm([0-9]{1,2}(?:\.[0-9]{1,3}){0,2})", local)
    if rocm:
        return {"flavour": "rocm", "rocm": rocm.group(1)}
    if local.startswith("xpu"):
        return {"flavour": "xpu"}
    return {}


def _lower_same_length(line: str) -> str:
    """``line`` lower-cased one character at a time, keeping any whose lower case is longer."""
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in line)


class Text:
    """The paste's lines and, once for every signature, one lower-cased string of them with each
    line's offset: a signature looks for its anchor in the whole string with one ``str.find``
    per occurrence (C speed), and maps an occurrence to its line by bisection.

    In that string (``flat``) every line break and the indentation after it is one space
    (``heads``: each line without its indentation, ``starts`` their offsets), so that a message the
    paste breaks across two lines (a terminal's or an issue's wrap, or the library's own line
    breaks inside a sentence, as torch's ``incorrect_binary_warn`` in torch/cuda/__init__.py)
    is found where it starts and matched in that line joined to the next. ``places``: each
    anchor ``flat`` holds with its offsets, found in one pass by the loaded signatures' ``index``
    (anchor_index.py) or the words of ``flat`` (``vocabulary``, needles.py); without an index,
    the words tell an anchor that cannot be in it, and each other anchor is a ``str.find``."""

    __slots__ = ("flat", "heads", "lines", "places", "starts", "vocabulary")

    def __init__(self, lines: tuple[str, ...], index: AnchorIndex | None = None) -> None:
        self.lines = lines
        self.heads = tuple(line.lstrip(" ") for line in lines)
        # A character whose lower case is longer ("İ" lowers to two) would shift offsets: on such
        # a line lower every other character alone, so the rest of the line still matches in any
        # case (a Turkish "Lİnux" in the prose must not hide the message quoted on the same line).
        low = [
            lo if len(lo := head.lower()) == len(head) else _lower_same_length(head)
            for head in self.heads
        ]
        self.flat = " ".join(low)
        self.vocabulary = Vocabulary(self.flat)
        self.places = None if index is None else index.places(self.flat, self.vocabulary)
        starts = [0] * len(lines)
        offset = 0
        for i, head in enumerate(self.heads):
            starts[i] = offset
            offset += len(head) + 1
        self.starts = starts

    def may_hold(self, needle: Needle) -> bool:
        """False only where the anchor ``needle`` is not in ``flat``, told without a pass over it."""
        if self.places is not None:
            return needle.text in self.places
        return needle.may_be_in(self.vocabulary)

    def find(self, anchor: str, start: int = 0) -> int:
        """``flat.find(anchor, start)``: from the anchor's offsets where the index found them."""
        if self.places is None:
            return self.flat.find(anchor, start)
        places = self.places.get(anchor, ())
        at = bisect.bisect_left(places, start)
        return places[at] if at < len(places) else -1
