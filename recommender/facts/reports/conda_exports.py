"""conda's other listings of an environment, one package a line: ``conda list --export`` and the
``dependencies:`` of ``conda env export`` (``name=version=build``, the latter as a YAML item
``- pytorch=1.13.1=py3.9_cpu_0``, or ``- cudatoolkit=11.2.2`` without the build), and ``conda
list --explicit`` (the package file's URL, ``.../win-64/pytorch-2.0.1-py3.10_cpu_0.tar.bz2``,
whose name is ``name-version-build``). They state the same build strings as ``conda list``
(https://docs.conda.io/projects/conda/en/latest/commands/list.html: "--export: Output explicit,
machine-readable requirement strings"; "--explicit: List explicitly all installed conda packages
with URL")."""

from __future__ import annotations

#: The package files conda fetches: the old and the new format.
_ARCHIVES = (".tar.bz2", ".conda")


def _spec(line: str) -> tuple[str, str, str] | None:
    """``name=version=build`` (``- `` before it in a YAML list; there the build may be left out)."""
    item = line.startswith("- ")
    spec = line[2:].strip() if item else line
    if " " in spec or "==" in spec or spec.count("=") not in (1, 2):
        return None
    parts = spec.split("=")
    if len(parts) == 2 and not item:  # "name=version" alone is a setting as often as a package
        return None
    if not all(parts):
        return None
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""


def _url(line: str) -> tuple[str, str, str] | None:
    """The ``name-version-build`` of an explicit list's package URL."""
    url = line.partition("#")[0].strip()
    if not url.startswith(("https://", "http://", "file://")) or not url.endswith(_ARCHIVES):
        return None
    name = url.rpartition("/")[2]
    for suffix in _ARCHIVES:
        name = name.removesuffix(suffix)
    parts = name.rsplit("-", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else None


def export_row(line: str) -> tuple[str, str, str] | None:
    """(name, version, build) of one row of conda's export or explicit listings, or None."""
    if "=" in line[:200]:
        return _spec(line[:300])
    if line.endswith(_ARCHIVES) or "#" in line:
        return _url(line[:1000])
    return None
