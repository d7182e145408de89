"""An install that did not ask for torch replaced it: pip (or uv) was asked for another package
(``pip install -U xformers``) and its output uninstalls the installed torch ("Attempting
uninstall: torch", "Uninstalling torch-2.4.1"). The requested package pins another torch
release (xformers, vLLM, torchvision and torchaudio each require one exact torch), so the
install swapped torch under everything built for the old one (its companions and compiled
extensions; a CUDA build may even become a CPU one). ``version-mismatch``, a warning: the swap
is the resolver's answer, and whether the new pair works depends on the rest of the
environment. pip's own words: https://pip.pypa.io/en/stable/topics/dependency-resolution/."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.core.catalog import Framework, pip_name
from recommender.decide.diagnosis._paste import FindingKind
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

#: torch's pip distribution.
_TORCH = pip_name(Framework.PYTORCH)
_KIND = FindingKind("replaced-torch", Category.VERSION_MISMATCH.value)
_SOURCE = "https://pip.pypa.io/en/stable/topics/dependency-resolution/"
#: "pip install", "pip3 install", "python -m pip install", "uv pip install" and what follows.
_INSTALL = re.compile(r"\bpip3?(?:\.exe)? install (?P<args>[^\n]{1,400})")
_UNINSTALL = re.compile(r"Attempting uninstall: torch\s*$|Uninstalling torch-[0-9]")
_VERSION = re.compile(
    r"(?:Found existing installation: torch |Uninstalling torch-)(?P<version>[0-9][0-9A-Za-z.+]{0,30})"
)
#: Options whose value is the next word (an index URL, a constraints file ...).
_VALUED = frozenset(
    (
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-c",
        "--constraint",
        "--target",
        "-t",
        "--prefix",
        "--root",
        "--platform",
        "--python-version",
        "--trusted-host",
    )
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,60}")
#: How many lines the scan reads.
_LIMIT = 5000


def _requested(args: str) -> list[str] | None:
    """The package names an install command asks for, or None where it reads a file (-r, -e,
    a path): what that file asks for is not in the paste."""
    names: list[str] = []
    words = args.split()
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word in _VALUED:
            skip = True
            continue
        if word in ("-r", "--requirement", "-e", "--editable") or "/" in word or "\\" in word:
            return None
        if word.startswith("-"):
            continue
        m = _NAME.match(word.strip("'\""))
        if m is None:
            continue
        names.append(m.group(0).partition("[")[0].lower())
    return names


def replaced_torch(paste: Paste) -> list[Finding]:
    """The warning where an install that names packages other than torch uninstalls torch."""
    asked: tuple[list[str], int] | None = None
    for number, text in enumerate(paste.lines[:_LIMIT], 1):
        head = text[:600]
        if " install " in head and "pip" in head:
            m = _INSTALL.search(head)
            if m is not None:
                names = _requested(m.group("args"))
                asked = (names, number) if names else None
                continue
        if asked is None or _TORCH not in head:
            continue
        gone = _UNINSTALL.search(head.strip())
        if gone is None:
            continue
        names, line = asked
        if _TORCH in names:
            return []  # torch was asked for: replacing it is the point
        return [_finding(paste, names, line, number, _version(paste, number))]
    return []


def _version(paste: Paste, number: int) -> str | None:
    """The replaced torch's version from pip's next lines ("Found existing installation: torch
    2.4.1", "Uninstalling torch-2.4.1:")."""
    for text in paste.lines[number - 1 : number + 3]:
        m = _VERSION.search(text[:300])
        if m is not None:
            return m.group("version")
    return None


def _finding(paste: Paste, names: list[str], asked: int, gone: int, version: str | None) -> Finding:
    what = ", ".join(names[:4])
    old = f"torch {version}" if version else "the installed torch"
    return _KIND.finding(
        paste,
        names[0],
        "warn",
        f"Installing {what} replaced {old}: it requires another torch release",
        f"the install asked for {what}, not torch, and pip uninstalled {old} to satisfy its "
        "requirement: the package pins another torch release (xformers, vLLM, torchvision and "
        "torchaudio each require one), so torch's companions and compiled extensions built for "
        f"{old} no longer match it",
        f"Install the release of {names[0]} built for {old} (its changelog or index names the "
        "torch each release requires), or move torch and its companions together to the "
        "release it requires",
        [asked, gone],
        _SOURCE,
    )


__all__ = ["replaced_torch"]
