"""Text from outside (a GPU name, a facts field, a host name, a child's stderr) made safe to print.

A terminal obeys control characters: ``ESC [ 2 J`` clears the screen, ``ESC ] 0 ;`` retitles the
window, a carriage return overwrites what a line said. ``printable`` removes every C0 and C1
control character and DEL from one value, so what reaches a terminal is only the text.
``report/console.py`` applies the same table to everything its Console renders.
"""

from __future__ import annotations

from typing import Any

_C0_C1 = (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))
#: For a whole rendered screen: every control character goes, line breaks stay.
CONTROL_OUT = {c: None for c in _C0_C1 if c != 0x0A}
#: For one value on one line: a line break, tab or carriage return becomes a space.
_ONE_LINE = {**CONTROL_OUT, 0x09: " ", 0x0A: " ", 0x0D: " "}


def printable(value: Any) -> str:
    """``value`` as one line of plain text: control characters removed, line breaks as spaces."""
    return str(value).translate(_ONE_LINE)


def has_control(text: str) -> bool:
    """Whether ``text`` holds any control character (line breaks and tabs included)."""
    return any(ord(ch) in _ONE_LINE for ch in text)


__all__ = ["CONTROL_OUT", "has_control", "printable"]
