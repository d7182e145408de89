"""rules/wheels.yaml's ``releases`` rows as text: one row rendered as the file writes it, a
package's rows replaced in the committed file (everything else byte for byte), the diff shown."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence

from packaging.specifiers import SpecifierSet

from recommender.core.catalog import Platform
from recommender.rulebase.wheels.model import Release, WheelMatrix


def _quoted(value: object) -> str:
    return json.dumps(str(value))


def render_row(release: Release) -> str:
    """One ``releases`` row as the file writes it (a flow mapping on one line)."""
    python = ", ".join(f"{p.value}: {_quoted(s)}" for p, s in _sorted(release.python))
    parts = [
        f"package: {release.package}",
        f"line: {_quoted(release.line)}",
        f"newest: {_quoted(release.newest)}",
        f"python: {{{python}}}",
    ]
    if release.macos is not None:
        parts.append(f"macos: {_quoted(release.macos)}")
    if release.linux_cuda is not None:
        parts.append(f"linux_cuda: {_quoted(release.linux_cuda)}")
    if release.requires:
        pins = ", ".join(f"{k}: {_quoted(v)}" for k, v in release.requires.items())
        parts.append(f"requires: {{{pins}}}")
    if release.glibc:
        order = list(Platform)
        floors = sorted(release.glibc.items(), key=lambda kv: order.index(kv[0]))
        parts.append("glibc: {" + ", ".join(f"{p.value}: {_quoted(v)}" for p, v in floors) + "}")
    parts.append(f"source: [{', '.join(release.source)}]")
    parts.append(f"verified: {release.verified.isoformat()}")
    return "  - {" + ", ".join(parts) + "}"


def _sorted(python: Mapping[Platform, SpecifierSet]) -> list[tuple[Platform, str]]:
    order = list(Platform)
    return [
        (p, ",".join(sorted((str(s) for s in spec), key=lambda s: s[0] != ">")))
        for p, spec in sorted(python.items(), key=lambda kv: order.index(kv[0]))
    ]


def refresh_text(text: str, matrix: WheelMatrix, fresh: Mapping[str, Sequence[Release]]) -> str:
    """``text`` (the committed file) with each package's rows replaced by ``fresh``: a changed
    row re-rendered in place, a new line inserted before the package's first row."""
    lines = text.splitlines(keepends=True)
    inserts: dict[int, list[str]] = {}
    for package, rows in fresh.items():
        committed = {r.line: r for r in matrix.lines(package)}
        first = min(r.file_line for r in committed.values())
        for row in rows:
            old = committed.get(row.line)
            if old is None:
                inserts.setdefault(first, []).append(render_row(row) + "\n")
                continue
            here = lines[old.file_line - 1]
            if f"package: {package}," not in here or f'line: "{old.line}"' not in here:
                raise ValueError(f"{matrix.file}:{old.file_line}: not the row of {old.label}")
            if row is not old:
                lines[old.file_line - 1] = render_row(row) + "\n"
    for at in sorted(inserts, reverse=True):
        lines[at - 1 : at - 1] = inserts[at]
    return "".join(lines)


def unified_diff(old: str, new: str, path: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), path, f"{path} (pip)"
        )
    )
