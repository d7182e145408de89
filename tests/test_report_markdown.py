"""`dlrec recommend --format markdown|json|text` and `--out`: parsed with markdown-it, not by eye."""

from __future__ import annotations

import json

from markdown_it import MarkdownIt

from recommender.cli.main import cli
from tests.conftest import FIXTURES

MACHINES = FIXTURES / "personas5" / "machines"
BARE = str(MACHINES / "bare.json")
BASE = ["recommend", "--no-smoke", "--facts", BARE, "--goal", "research"]


def tokens(text: str):
    return MarkdownIt("commonmark").enable("table").parse(text)


def test_markdown_has_a_table_reasons_with_claims_an_sh_fence_and_facts(runner):
    result = runner.invoke(cli, [*BASE, "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    toks = tokens(result.stdout)
    types = [t.type for t in toks]
    assert "table_open" in types
    heads = [t.content for t in toks if t.type == "inline" and t.map]
    header_cells = [toks[i + 1].content for i, t in enumerate(toks) if t.type == "th_open"]
    assert header_cells[:3] == ["#", "framework", "score"]
    fences = [t for t in toks if t.type == "fence"]
    assert [f.info for f in fences] == ["sh"]
    assert "pip install" in fences[0].content
    assert "Reasons" in heads and "Facts" in heads
    items = [t.content for t in toks if t.type == "inline" and "[" in t.content]
    assert any(c.startswith("+") and "]" in c for c in items)  # a reason with its claim IDs
    rows = sum(1 for t in toks if t.type == "tr_open")
    assert rows >= 5  # the ranking's header + four frameworks (and the facts table)


def test_markdown_cells_escape_pipes():
    from recommender.report.markdown import cell

    assert cell("a | b\nc") == "a \\| b c"


def test_json_is_the_short_form_of_format_json(runner):
    long = runner.invoke(cli, [*BASE, "--format", "json"])
    short = runner.invoke(cli, [*BASE, "--json"])
    both = runner.invoke(cli, [*BASE, "--json", "--format", "json"])
    assert long.exit_code == short.exit_code == both.exit_code == 0
    assert json.loads(long.stdout) == json.loads(short.stdout) == json.loads(both.stdout)


def test_json_and_another_format_disagree_exit_2_with_one_line():
    import subprocess
    import sys

    from tests.conftest import ROOT, dlrec_argv

    proc = subprocess.run(
        dlrec_argv(*BASE, "--json", "--format", "markdown"),
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "--json and --format markdown disagree" in proc.stderr
    assert sys.executable


def test_out_writes_the_file_atomically(runner, tmp_path):
    out = tmp_path / "rec.md"
    result = runner.invoke(cli, [*BASE, "--format", "markdown", "--out", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert f"wrote {out}" in result.stderr
    assert any(t.type == "table_open" for t in tokens(out.read_text()))
    assert [p.name for p in tmp_path.iterdir()] == ["rec.md"]  # no temp file left behind
    text = tmp_path / "rec.txt"
    assert runner.invoke(cli, [*BASE, "--out", str(text)]).exit_code == 0
    assert "Recommendation (device: cpu)" in text.read_text() and "\x1b[" not in text.read_text()


def test_out_into_a_missing_folder_is_bad_input(runner, tmp_path):
    result = runner.invoke(cli, [*BASE, "--out", str(tmp_path / "nope" / "rec.md")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
