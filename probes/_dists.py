"""Installed distributions, found as ``importlib.metadata.distribution`` finds them, without its
import on the common path.

``importlib.metadata`` imports ``email``, ``zipfile``, ``csv``, ``socket`` and ``calendar``: about
15 ms of every ``dlrec recommend``, whose frameworks probe asks for a dozen names. On the common
path (each ``sys.path`` entry a folder or missing, and no import hook that finds distributions of
its own) this module does the same search: each folder's ``<name>-<version>.dist-info`` and
``.egg-info`` entries in listing order, names compared after PEP 503 normalisation, the first
folder on ``sys.path`` that has one wins, and the version is the first ``Version`` header of its
``METADATA`` (or ``PKG-INFO``). Anywhere else (a zip or an ``.egg`` on ``sys.path``, another
finder on ``sys.meta_path``) it hands over to ``importlib.metadata`` itself, so the answer is the
same either way.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

_SEPARATORS = re.compile(r"[-_.]+")
#: A header line, as ``email.feedparser`` tells one (``headerRE``): anything else ends them.
_HEADER = re.compile(r"^(From |[\041-\071\073-\176]*:|[\t ])")
#: What ``importlib.metadata`` treats as unreadable metadata (``PathDistribution.read_text``).
_UNREADABLE = (FileNotFoundError, IsADirectoryError, KeyError, NotADirectoryError, PermissionError)


@dataclass(frozen=True, slots=True)
class Dist:
    """An installed distribution: its version and where its files are."""

    version: str | None
    #: The folder it is installed in (its ``.dist-info``'s parent).
    root: Path

    def locate_file(self, relpath: str) -> Path:
        """A file the distribution installed, by its path relative to the install folder."""
        return self.root / relpath


def _normalized(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower().replace("-", "_")


def _plain(path: list[str]) -> bool:
    """Every entry a folder or nothing, and the path finder the only one that finds
    distributions: the search below is exactly importlib.metadata's."""
    if not all(isinstance(entry, str) for entry in path):
        return False
    if any(entry.endswith(".egg") or os.path.isfile(entry) for entry in path):
        return False
    finders = [f for f in sys.meta_path if hasattr(f, "find_distributions")]
    return all(getattr(f, "__name__", "") == "PathFinder" for f in finders)


def _listing(folder: str) -> dict[str, Path]:
    """Each normalised name -> its first ``.dist-info`` / ``.egg-info`` entry in ``folder``, in
    listing order (as importlib.metadata's ``Lookup`` keeps them)."""
    try:
        children = os.listdir(folder or ".")
    except Exception:  # noqa: BLE001 - importlib.metadata skips an unlistable entry the same way
        return {}
    found: dict[str, Path] = {}
    for child in children:
        low = child.lower()
        if low.endswith((".dist-info", ".egg-info")):
            found.setdefault(
                _normalized(low.rpartition(".")[0].partition("-")[0]), Path(folder, child)
            )
    return found


def _version(info: Path) -> str | None:
    """The first ``Version`` header, as ``email`` reads it (compat32: leading blanks dropped,
    continuation lines kept, the line end removed) and importlib.metadata hands it over."""
    text = None
    for name in ("METADATA", "PKG-INFO"):
        try:
            text = (info / name).read_text(encoding="utf-8")
        except _UNREADABLE:
            continue
        if text:
            break
    lines = (text or "").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if not _HEADER.match(line):
            return None  # a blank line (or a body line) ends the headers
        key, sep, value = line.partition(":")
        if sep and line[:1] not in (" ", "\t") and key.lower() == "version":
            more = []
            for cont in lines[i + 1 :]:
                if cont[:1] not in (" ", "\t"):
                    break
                more.append(cont)
            value = (value.lstrip(" \t") + "".join(more)).rstrip("\r\n")
            # importlib.metadata's Message re-indents a folded value (``_repair_headers``)
            return textwrap.dedent(" " * 8 + value) if "\n" in value else value
    return None


class Installed:
    """The distributions on ``sys.path`` as it is now; each folder is listed once, when first
    searched (a probe run makes one and asks it a dozen names)."""

    def __init__(self, path: list[str] | None = None) -> None:
        self._path = list(sys.path if path is None else path)
        self._plain = _plain(self._path)
        self._folders: dict[str, dict[str, Path]] = {}

    def distribution(self, name: str) -> Dist | None:
        """The distribution ``importlib.metadata.distribution(name)`` would return, or None."""
        if not self._plain:
            return _from_importlib(name)
        wanted = _normalized(name)
        for folder in self._path:
            listing = self._folders.get(folder)
            if listing is None:
                listing = self._folders[folder] = _listing(folder)
            info = listing.get(wanted)
            if info is not None:
                return Dist(version=_version(info), root=info.parent)
        return None


def _from_importlib(name: str) -> Dist | None:
    from importlib import metadata

    try:
        found = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    return Dist(version=found.version, root=Path(str(found.locate_file(""))))


def distribution(name: str) -> Dist | None:
    """The distribution ``importlib.metadata.distribution(name)`` would return, or None."""
    return Installed().distribution(name)


__all__ = ["Dist", "Installed", "distribution"]
