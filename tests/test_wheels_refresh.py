"""`dlrec rules refresh-wheels` against recorded pip output (no network).

tests/fixtures/wheels/pip/<package>.json holds what pip printed for each command the refresh
runs (argv after ``python -m pip``; the dry-run ``--target`` folder as ``TARGET``), trimmed to
what the refresh reads: the ``Available versions:`` line, and from a dry-run report the
``install`` item's wheel URL and Requires-Dist (``dlrec rules refresh-wheels --record FILE``
writes exactly this). The recordings reproduce the committed releases rows of torch, jax and
tensorflow, so the refresh must change nothing there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from packaging.version import Version

from recommender.cli import rules as rules_cli
from recommender.cli.main import cli
from recommender.maintainer import refresh_wheels as wr
from recommender.probes.process import CommandResult
from recommender.rulebase.wheels.load import BUNDLED_WHEELS, load_wheels

PIP = Path(__file__).resolve().parent / "fixtures" / "wheels" / "pip"
TODAY = dt.date(2027, 1, 15)
TARGET = "/nonexistent/dlrec-target"
#: Packages with recordings (pip 23.2 against PyPI, 2026-12-05, every platform tag, trimmed).
RECORDED = sorted(p.stem for p in PIP.glob("*.json"))


def _recorded(*packages: str):
    book: dict[str, dict] = {}
    for package in packages:
        book.update(json.loads((PIP / f"{package}.json").read_text()))
    asked: list[str] = []

    def run(argv: Sequence[str]) -> CommandResult:
        words = list(argv[3:])
        if "--target" in words:
            words[words.index("--target") + 1] = "TARGET"
        key = " ".join(words)
        asked.append(key)
        got = book.get(key, {"rc": 1, "stdout": ""})
        return CommandResult(argv=tuple(argv), returncode=got["rc"], stdout=got["stdout"])

    return run, asked


#: Where the recorded run reads differently from the committed row. None: the 2026-12-05
#: recordings were written back with --write (torch 2.10's macOS floor is 11.0: its cp310-cp313
#: wheels are tagged macOS 11, only cp314's is 14; the old refresh read the newest Python's tag).
RECORDED_NOT_COMMITTED: dict[tuple[str, str], dict[str, object]] = {}


@pytest.mark.parametrize("package", RECORDED)
def test_the_recordings_reproduce_the_committed_rows(package):
    matrix = load_wheels()
    run, asked = _recorded(package)
    pip = wr.Pip(python="/usr/bin/python3", runner=run, target=TARGET)
    rows = wr.refresh_package(pip, matrix, package, TODAY)
    committed = matrix.lines(package)
    assert [r.line for r in rows] == [r.line for r in committed]
    for new, old in zip(rows, committed, strict=True):
        gap = RECORDED_NOT_COMMITTED.get((package, str(old.line)), {})
        for column, recorded in gap.items():
            value = getattr(new, column)
            assert (dict(value) if column == "requires" else value) == recorded, column
            new = dataclasses.replace(new, **{column: getattr(old, column)})
        assert wr.same(new, old), (wr.render_row(new), wr.render_row(old))
    text = BUNDLED_WHEELS.read_text()
    changed = wr.refresh_text(text, matrix, {package: rows})
    diff = [ln for ln in wr.unified_diff(text, changed, "w").splitlines() if ln[:1] in "+-"]
    gaps = sum(k[0] == package for k in RECORDED_NOT_COMMITTED)
    assert len(diff) == (2 + 2 * gaps if gaps else 0)  # the --- +++ header, then each gap's row
    assert gaps or changed == text
    assert any(k.startswith("index versions --only-binary=:all:") for k in asked)
    assert any(k.startswith("install --dry-run") and "--no-deps" in k for k in asked)


def test_a_stale_row_shows_in_the_diff_and_write_restores_it(runner, tmp_path, monkeypatch):
    stale = tmp_path / "wheels.yaml"
    text = BUNDLED_WHEELS.read_text()
    old = 'package: jax, line: "0.10", newest: "0.10.2", python: {linux_x86_64: ">=3.11,<3.15"'
    assert old in text
    stale.write_text(text.replace(old, old.replace('"0.10.2"', '"0.10.1"').replace("3.15", "3.14")))
    run, _ = _recorded("jax")
    monkeypatch.setattr(rules_cli, "pip_runner", lambda timeout: run)
    monkeypatch.setattr(rules_cli, "today", lambda: TODAY)

    result = runner.invoke(
        cli, ["rules", "refresh-wheels", "--package", "jax", "--file", str(stale)]
    )
    assert result.exit_code == 0, result.output
    rows = [ln for ln in result.stdout.splitlines() if ln.startswith(("-  - {", "+  - {"))]
    assert len(rows) == 2  # the 0.10 row only
    minus = [ln for ln in rows if ln[0] == "-" and 'line: "0.10"' in ln]
    plus = [ln for ln in rows if ln[0] == "+" and 'line: "0.10"' in ln]
    assert len(minus) == len(plus) == 1
    assert '"0.10.1"' in minus[0] and '"0.10.2"' in plus[0] and '"<3.15,>=3.11"' not in plus[0]
    assert ">=3.11,<3.15" in plus[0] and f"verified: {TODAY.isoformat()}" in plus[0]
    assert stale.read_text() != text  # no --write: the file is left alone

    result = runner.invoke(
        cli, ["rules", "refresh-wheels", "--package", "jax", "--file", str(stale), "--write"]
    )
    assert result.exit_code == 0, result.output
    written = load_wheels(stale)  # still a valid wheels file
    fixed = written.release("jax", Version("0.10"))
    committed = load_wheels().release("jax", Version("0.10"))
    assert fixed is not None and committed is not None
    assert wr.same(fixed, committed) and fixed.verified == TODAY
    gap = written.release("jax", Version("0.9"))
    assert gap is not None and dict(gap.requires) == {"libtpu": "==0.0.37.*"}
    again = runner.invoke(
        cli, ["rules", "refresh-wheels", "--package", "jax", "--file", str(stale)]
    )
    assert "no changes" in again.stdout


def test_an_unknown_package_exits_2(runner):
    result = runner.invoke(cli, ["rules", "refresh-wheels", "--package", "tensorflow-gpu"])
    assert result.exit_code == 2
    assert "tensorflow-gpu" in result.stderr and "torch" in result.stderr


def test_pip_runs_bounded_without_the_machines_constraints(monkeypatch):
    seen = {}

    def fake(argv, *, timeout, env=None, cwd=None, cap=0):
        seen.update(argv=tuple(argv), timeout=timeout, env=env)
        return CommandResult(argv=tuple(argv), returncode=0, stdout="Available versions: 1.0\n")

    monkeypatch.setattr(wr, "run_bounded", fake)
    pip = wr.Pip(python="/usr/bin/python3", runner=wr.bounded_runner(timeout=7))
    assert pip.versions("torch") == {Version("1.0")}
    assert seen["timeout"] == 7
    assert seen["env"]["PIP_CONSTRAINT"] == "/dev/null"
    assert seen["argv"][:3] == ("/usr/bin/python3", "-m", "pip")


def test_a_release_pip_does_not_list_keeps_its_committed_row():
    matrix = load_wheels()

    def empty(argv):
        return CommandResult(argv=tuple(argv), returncode=1, stdout="")

    rows = wr.refresh_package(wr.Pip(python="python", runner=empty), matrix, "torch", TODAY)
    assert rows == matrix.lines("torch")


def test_a_local_wheel_on_disk_is_not_the_registrys_row():
    """This machine keeps torch 2.13.0+cpu on disk for pip: the refresh read it as torch 2.13's
    newest (Linux, Python 3.11 only). A local version never comes from a public index, and the
    dry run asks for exactly the public release (===), which a local build does not satisfy."""
    asked: list[str] = []

    def run(argv: Sequence[str]) -> CommandResult:
        asked.append(" ".join(argv[3:]))
        line = "Available versions: 2.13.0+cpu, 2.13.0, 2.12.1, 2.12.0rc1"
        return CommandResult(argv=tuple(argv), returncode=0, stdout=f"torch (2.13.0+cpu)\n{line}\n")

    pip = wr.Pip(python="/usr/bin/python3", runner=run, target=TARGET)
    assert pip.versions("torch") == frozenset({Version("2.13.0"), Version("2.12.1")})
    pip.report("torch", Version("2.13.0"), "3.11", next(iter(wr.PLATFORM_TAGS)))
    assert asked[-1].endswith(" torch===2.13.0")
