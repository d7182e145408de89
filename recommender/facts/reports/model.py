"""The values a paste is read into: facts with their line, blocks, signature hits, conflicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Longest line a reader looks at: a longer one is cut here (no real report or message line is
#: near it), so that every reader's work per line is bounded and reading stays linear.
MAX_LINE = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """One thing the text says. ``path`` is a facts-document path (``frameworks.pytorch.version``)
    or a paste path for what the document has no field for (``gpu.0.name``, ``driver.version``,
    ``jax.devices``); ``line`` is 1-based in the pasted text."""

    path: str
    value: Any
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """A stretch of the paste in one format, and the facts read from it."""

    format: str
    start: int
    end: int
    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """A known error message found in the text (rules/signatures.yaml)."""

    signature: str
    line: int
    text: str
    groups: Mapping[str, str]
    #: The message runs on into the next line (the paste broke it there); ``text`` is both joined.
    wraps: bool = False
    #: Found by the tolerant pass (retold.py) in another surface form: ``name`` (an identifier
    #: spelled another way) or ``wording`` (a sentence with other punctuation); None: exact.
    retold: str | None = None

    @property
    def lines(self) -> tuple[int, ...]:
        """The pasted lines the message spans (one, or two where the paste broke it)."""
        return (self.line, self.line + 1) if self.wraps else (self.line,)


@dataclass(frozen=True, slots=True, kw_only=True)
class Conflict:
    """Two blocks that disagree on one fact: both values, with their lines."""

    path: str
    first: Fact
    second: Fact


@dataclass(frozen=True, slots=True, kw_only=True)
class Paste:
    """Everything read from a paste. ``doc`` is a facts document (what the text does not say is
    missing); ``facts`` every fact with its line, first one per path wins in ``doc``."""

    lines: tuple[str, ...]
    blocks: tuple[Block, ...]
    hits: tuple[Hit, ...]
    conflicts: tuple[Conflict, ...]
    facts: Mapping[str, Fact]
    doc: Mapping[str, Any] = field(default_factory=dict)

    @property
    def formats(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for block in self.blocks:
            seen.setdefault(block.format, None)
        return tuple(seen)

    def line(self, number: int) -> str:
        """The pasted line ``number`` (1-based), as cleaned for reading."""
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""
