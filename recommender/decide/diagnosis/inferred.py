"""What an inference from stated facts is (inferences.py, torch_inferences.py): a cause, why,
what to do and where that is written, with the lines it read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from recommender.facts.reports import Paste


@dataclass(frozen=True, slots=True, kw_only=True)
class Inference:
    """A cause inferred from stated facts: what it is, why, what to do, where that is written."""

    id: str
    category: str
    title: str
    detail: str
    fix: str
    source: str
    lines: tuple[int, ...]
    also: tuple[str, ...] = ()


#: macOS named in a paste: the system's names, a Mac's model names, Darwin (uname), macOS wheel
#: tags. One list for every rule that asks whether a paste is from a Mac.
MACOS_WORDS = re.compile(
    r"\bmac ?os(?: x)?\b|\bos x\b|\bdarwin\b|\bmacbook|\bimac\b|\bmac (?:pro|mini|studio)\b"
    r"|\bmacosx_[0-9]{1,2}_",
    re.IGNORECASE,
)


def first_line(paste: Paste, pattern: re.Pattern[str]) -> int | None:
    """The first line (counting from 1) where ``pattern`` is found, or None."""
    return next((n for n, line in enumerate(paste.lines, 1) if pattern.search(line[:2000])), None)


def asked_is_available(paste: Paste, line: int) -> bool:
    """torch's answer on ``line`` is to the user's own ``torch.cuda.is_available()``: the call on
    that line (a one-liner, "is_available() -> False") or on the line above (a session's prompt
    with its answer below)."""
    return any("is_available" in paste.line(n) for n in (line, line - 1) if n > 0)
