"""The committed wheel matrix against the committed registry recording, both ways.

tests/fixtures/wheels/pip/<package>.json is what pip answered to `dlrec rules refresh-wheels
--record` (against PyPI, 2026-12-05). For every release line of a recorded package, every
Python and every platform tag: pip lists the line's wheel exactly when the matrix's python
column for that platform holds that Python (no wheel without a cell, no cell without a wheel);
the manylinux glibc floor and the macOS floor are the lowest rung of pip's ladder that lists it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.version import Version

from recommender.core.catalog import Platform
from recommender.maintainer import refresh_wheels as wr
from recommender.rulebase.wheels.load import load_wheels

PIP = Path(__file__).resolve().parent / "fixtures" / "wheels" / "pip"
RECORDED = sorted(p.stem for p in PIP.glob("*.json"))


def _answers(package: str) -> dict[str, str]:
    """argv -> stdout; pip's "no matching distribution" (rc 1) lists nothing."""
    book = json.loads((PIP / f"{package}.json").read_text())
    return {key: got["stdout"] if got["rc"] == 0 else "" for key, got in book.items()}


def _listed(
    answers: dict[str, str], wheel: str, python: str, tags: tuple[str, ...]
) -> set[Version]:
    words = " ".join(w for t in tags for w in ("--platform", t))
    key = f"index versions --only-binary=:all: --python-version {python} {words} {wheel}"
    assert key in answers, f"not recorded: {key}"
    line = answers[key].partition(":")[2]
    return {Version(v.strip()) for v in line.split(",") if v.strip()}


def _built(answers: dict[str, str], package: str, line: Version, newest: Version) -> Version:
    """The version whose wheels make the line's cells (jax: jaxlib's newest in the line)."""
    wheel = wr.WHEEL_OF.get(package, package)
    if wheel == package:
        return newest
    found = set()
    for platform in wr.PLATFORM_TAGS:
        for python in wr.PYTHONS:
            found |= _listed(answers, wheel, python, wr.PLATFORM_TAGS[platform])
    return max(v for v in found if Version(".".join(map(str, v.release[:2]))) == line)


@pytest.mark.parametrize("package", RECORDED)
def test_every_recorded_wheel_has_a_cell_and_every_cell_a_wheel(package: str) -> None:
    answers = _answers(package)
    wheel = wr.WHEEL_OF.get(package, package)
    rows = load_wheels().lines(package)
    assert rows
    checked = 0
    for row in rows:
        built = _built(answers, package, row.line, row.newest)
        for platform, tags in wr.PLATFORM_TAGS.items():
            spec = row.python.get(platform)
            for python in wr.PYTHONS:
                has_wheel = built in _listed(answers, wheel, python, tags)
                has_cell = spec is not None and Version(python) in spec
                assert has_wheel == has_cell, (row.label, platform.value, python, has_wheel)
                checked += 1
    assert checked == len(rows) * len(wr.PLATFORM_TAGS) * len(wr.PYTHONS)


@pytest.mark.parametrize("package", RECORDED)
def test_glibc_floors_are_the_lowest_rung_pip_lists(package: str) -> None:
    answers = _answers(package)
    wheel = wr.WHEEL_OF.get(package, package)
    for row in load_wheels().lines(package):
        built = _built(answers, package, row.line, row.newest)
        for platform in (Platform.LINUX_X86_64, Platform.LINUX_AARCH64):
            spec = row.python.get(platform)
            pythons = [p for p in wr.PYTHONS if spec is not None and Version(p) in spec]
            floor = row.glibc.get(platform)
            assert (floor is None) == (not pythons), (row.label, platform.value)
            if floor is None:
                continue
            arch = "x86_64" if platform is Platform.LINUX_X86_64 else "aarch64"
            at = wr._manylinux(arch, floor.release[1])
            assert any(built in _listed(answers, wheel, p, at) for p in pythons), row.label
            lower = [n for n in wr.GLIBC_LEVELS if n < floor.release[1]]
            if lower:
                below = wr._manylinux(arch, lower[-1])
                assert not any(built in _listed(answers, wheel, p, below) for p in pythons)


def test_musl_and_windows_arm64_have_no_wheels_of_the_recorded_frameworks() -> None:
    for package in RECORDED:
        for row in load_wheels().lines(package):
            for platform in (Platform.MUSL_X86_64, Platform.MUSL_AARCH64, Platform.WINDOWS_ARM64):
                assert platform not in row.python, (row.label, platform.value)
