"""Who asked a library for a name its release lacks: the pair behind "module 'jax.api_util' has no
attribute 'debug_info'" or "cannot import name 'guard_or_true' from 'torch.fx...'".

The message names only the library that lacks the name. The other half of the pair is the code
that asked: the nearest traceback frame above the message that runs from an installed package's
directory (``site-packages/flax/...``), other than the library itself. A name missing from jax,
asked for by flax, means flax and jax are at releases that do not go together (flax 0.10.4 needs
jax 0.5.1's ``debug_info``; https://github.com/google/flax/pull/4648). Where the paste states the
installed release of either, it is said. Inferred from the traceback, never from the packages'
metadata, so the finding stays a warning (the asker may be the user's own code, or a library whose
declared range is itself wrong).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports import Paste

#: The signatures whose ``lib`` group names the library that lacks the name.
NAME_MISSING = frozenset({"module-has-no-attribute", "cannot-import-name-from-library"})
#: A traceback frame in an installed package's directory (pip's site-packages, Debian's
#: dist-packages), on POSIX or Windows paths; the package is the directory's name.
_FRAME = re.compile(r"(?:site|dist)-packages[/\\](?P<pkg>[A-Za-z_][A-Za-z0-9_]{0,60})[/\\]")
#: How far above the message a frame is looked for (a traceback's last frames and its source lines).
_FRAMES_ABOVE = 12
#: Where a framework's installed release is stated; other packages are ``package.<name>``.
_RELEASE_FACT = {
    "torch": "frameworks.pytorch.version",
    "tensorflow": "frameworks.tensorflow.version",
    "jax": "frameworks.jax.version",
    "keras": "frameworks.keras.version",
}
#: Directories that are not a package asking for a name (the import machinery, test runners).
_NOT_ASKERS = frozenset({"importlib", "_pytest", "pluggy", "IPython", "ipykernel", "six"})


def _asker(paste: Paste, line: int, lib: str) -> tuple[str, int] | None:
    """The package whose frame is nearest above ``line``, other than ``lib`` itself."""
    for number in range(line - 1, max(0, line - 1 - _FRAMES_ABOVE), -1):
        found = [m.group("pkg") for m in _FRAME.finditer(paste.line(number)[:2000])]
        askers = [p for p in found if p.lower() != lib and p not in _NOT_ASKERS]
        if askers:
            return askers[-1], number
    return None


def _release(paste: Paste, module: str) -> str:
    """The words saying the installed release of ``module``, where the paste states it."""
    dist = module.lower().replace("_", "-")
    fact = paste.facts.get(_RELEASE_FACT.get(dist, f"package.{dist}"))
    return f" ({fact.value} stated on line {fact.line})" if fact is not None else ""


def asked_by(paste: Paste, sid: str, lines: Sequence[int]) -> str:
    """The detail naming the likely pair, or "" where no frame shows who asked."""
    if sid not in NAME_MISSING:
        return ""
    for hit in paste.hits:
        if hit.signature != sid or hit.line not in lines:
            continue
        lib = hit.groups.get("lib", "").lower()
        attr = hit.groups.get("attr", "")
        asker = _asker(paste, hit.line, lib) if lib else None
        if asker is None:
            continue
        name, frame = asker
        return (
            f"; {name}'s code (line {frame}) asks {lib}{hit.groups.get('sub', '')} for {attr}:"
            f" {name}{_release(paste, name)} and {lib}{_release(paste, lib)} are likely at"
            " releases that do not go together (inferred from the traceback)"
        )
    return ""
