"""Output that reads at 60, 80 and 120 columns and piped (no COLUMNS), for recommend,
checklist, probe and diagnose: golden files (``pytest --update-goldens`` rewrites them), and
the rules they keep at every width: no trailing blanks, no line wider than the width but a
command kept whole on its line, no claim id split across lines, no line ending with " ·"."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import ROOT, dlrec_argv

A100 = "tests/fixtures/personas5/machines/a100-cuda-full.json"
REPORT = "benchmarks/reports/cases/001.txt"
COMMANDS = {
    "recommend": ["recommend", "--no-smoke", "--goal", "research", "--facts", A100],
    "checklist": ["checklist", "--no-smoke", "--facts", A100],
    "probe": ["probe", "--import", A100],
    "diagnose": ["diagnose", REPORT],
}
WIDTHS = [60, 80, 120, None]  # None: piped, no COLUMNS
GOLDEN = ROOT / "tests" / "golden" / "width"


def _run(args: list[str], width: int | None, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env.update(HOME=str(home), DLREC_CACHE_DIR=str(home / "cache"), TERM="xterm")
    if width:
        env["COLUMNS"] = str(width)
    proc = subprocess.run(
        dlrec_argv(*args), capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=120
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def _commands(home: Path) -> list[str]:
    """The install commands the recommendation prints (each must stay whole on one line)."""
    doc = json.loads(_run([*COMMANDS["recommend"], "--json"], None, home))
    return [str(e["install"]) for e in doc["ranking"] if e.get("install")]


CLAIM = re.compile(r"\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*(?:, [A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)*)\]")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_output_reads_at_every_width(name, tmp_path, update_goldens):
    commands = _commands(tmp_path) if name == "recommend" else []
    texts = {}
    for width in WIDTHS:
        text = _run(COMMANDS[name], width, tmp_path)
        texts[width] = text
        lines = text.splitlines()
        assert lines, name
        for line in lines:
            assert line == line.rstrip(), (name, width, line)  # no trailing blanks
            assert not line.endswith(("·", " ·")), (name, width, line)
            quote = re.match(r"\s+line \d+: ", line)
            if width and not quote and not any(c in line for c in commands) and "fix: " not in line:
                assert cell_len(line) <= width, (name, width, line)
        for command in commands:  # whole, on one line
            assert any(command in line for line in lines), (name, width, command)
        # a claim id is never split: every "[ID" on a line is closed on the same line or is a
        # whole id list continued on the next
        for a, b in zip(lines, lines[1:], strict=False):
            assert (
                not re.search(r"\[[A-Z][A-Z0-9-]*$", a) or re.match(r"\s*[A-Z0-9-]", b) is None
            ), (
                name,
                width,
                a,
                b,
            )
            assert not re.search(r"[A-Z0-9]-$", a), (name, width, a)
    # the ids at 60 columns are those at 120 (none cut in two)
    ids = {i for m in CLAIM.findall(texts[120]) for i in m.split(", ")}
    narrow = " ".join(texts[60].split())
    for found in re.findall(r"\[([A-Z][A-Z0-9-]*)", narrow):
        assert found in ids or not ids, (name, found)
    GOLDEN.mkdir(exist_ok=True)
    for width, text in texts.items():
        text = text.replace(str(ROOT), "ROOT")
        golden = GOLDEN / f"{name}_{width or 'piped'}.txt"
        if update_goldens:
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), f"{golden.name} changed"
