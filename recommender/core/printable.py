"""Text from outside (a GPU name, a facts field, a host name, a child's stderr) made safe to print.

A terminal obeys control characters: ``ESC [ 2 J`` clears the screen, ``ESC ] 0 ;`` retitles the
window, a carriage return overwrites what a line said. Invisible format characters lie: a bidi
override (U+202E) or isolate (U+2066-2069) shows ``exe.txt`` for ``txt.exe``, a zero-width space
makes two names look alike. The terminal channel's one sanitizer is the table :data:`CONTROL_OUT`:
every C0 and C1 control character and DEL, every format character (Unicode category Cf: bidi
marks, overrides and isolates, zero-width characters, the BOM, tag characters), the line and
paragraph separators (Zl, Zp) are removed, and a lone surrogate (undecodable bytes) becomes
U+FFFD, which every UTF-8 stream can write. ``printable`` applies it to one value;
``report/console.py`` to everything its Console renders. ``core/markdown_text.py`` escapes
for the Markdown channel on top of it.
"""

from __future__ import annotations

from typing import Any

_C0_C1 = (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))
#: Unicode 14's format characters (Cf) and line/paragraph separators (Zl, Zp), as ranges;
#: tests/test_sanitize.py checks them against the running Python's ``unicodedata``.
FORMAT_RANGES = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),  # zero-width space/non-joiner/joiner, LRM, RLM
    (0x2028, 0x202E),  # line/paragraph separators, LRE RLE PDF LRO RLO
    (0x2060, 0x2064),
    (0x2066, 0x206F),  # LRI RLI FSI PDI and the deprecated format controls
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_FORMAT = tuple(c for lo, hi in FORMAT_RANGES for c in range(lo, hi + 1))
#: For a whole rendered screen: every control and format character goes, line breaks stay,
#: a lone surrogate becomes U+FFFD.
CONTROL_OUT: dict[int, str | None] = {
    **{c: None for c in (*_C0_C1, *_FORMAT) if c != 0x0A},
    **{c: "\ufffd" for c in range(0xD800, 0xE000)},
}
#: For one value on one line: a line break, tab or carriage return becomes a space.
_ONE_LINE = {**CONTROL_OUT, 0x09: " ", 0x0A: " ", 0x0D: " "}


def printable(value: Any) -> str:
    """``value`` as one line of plain text: control characters removed, line breaks as spaces."""
    return str(value).translate(_ONE_LINE)


def has_control(text: str) -> bool:
    """Whether ``text`` holds any control or format character (line breaks and tabs included)."""
    return not text.isprintable() and any(ord(ch) in _ONE_LINE for ch in text)


__all__ = ["CONTROL_OUT", "has_control", "printable"]
