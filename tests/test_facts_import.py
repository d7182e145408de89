"""--facts reads collect_env reports as well as facts documents, and refuses anything else.

The reports are the real ones in tests/fixtures/collect_env/corpus (see its PROVENANCE.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.cli.main import cli

HERE = Path(__file__).resolve().parent / "fixtures"
CORPUS = sorted((HERE / "collect_env" / "corpus").glob("*.txt"))


@pytest.mark.parametrize("report", CORPUS, ids=lambda p: p.stem)
def test_every_corpus_report_imports_and_round_trips_into_recommend(runner, report, tmp_path):
    imported = runner.invoke(cli, ["probe", "--import", str(report), "--json"])
    assert imported.exit_code == 0, imported.stderr
    doc = json.loads(imported.stdout)
    assert doc["source"]["format"] in ("torch-collect-env", "vllm-collect-env")
    facts = tmp_path / "facts.json"
    facts.write_text(imported.stdout)
    ranked = runner.invoke(cli, ["recommend", "--json", "--no-smoke", "--facts", str(facts)])
    assert ranked.exit_code in (0, 1), ranked.stderr
    direct = runner.invoke(cli, ["recommend", "--json", "--no-smoke", "--facts", str(report)])
    assert direct.exit_code == ranked.exit_code, direct.stderr
    assert json.loads(direct.stdout)["ranking"] == json.loads(ranked.stdout)["ranking"]


def test_a_report_is_a_facts_file_for_checklist_too(runner):
    result = runner.invoke(
        cli, ["checklist", "--no-smoke", "--framework", "pytorch", "--facts", str(CORPUS[0])]
    )
    assert result.exit_code in (0, 1), result.stderr
    assert "PyTorch" in result.stdout


@pytest.mark.parametrize(
    "doc, needle",
    [
        ({"foo": 1}, "schema_version"),
        ([1, 2], "not a facts document"),
        ({"schema_version": 1, "results": []}, "key results"),
        ({"schema_version": 1, "items": [], "framework": "pytorch"}, "key items"),
        ({"schema_version": 1}, "no facts section"),
        ({"schema_version": 2, "python": {}}, "schema_version"),
    ],
)
def test_what_is_not_a_facts_document_is_refused_in_one_line(runner, tmp_path, doc, needle):
    path = tmp_path / "x.json"
    path.write_text(json.dumps(doc))
    for command in (["recommend", "--no-smoke"], ["checklist", "--no-smoke"], ["probe"]):
        option = "--import" if command == ["probe"] else "--facts"
        result = runner.invoke(cli, [*command, option, str(path)])
        assert result.exit_code == 2, (command, result.stdout)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0] and str(path) in lines[0]


def test_smoke_json_output_is_not_facts(runner, tmp_path):
    """`dlrec smoke --json` output used to rank as an empty machine and exit 0."""
    path = tmp_path / "smoke.json"
    path.write_text(json.dumps({"schema_version": 1, "results": [], "skipped": []}))
    result = runner.invoke(cli, ["recommend", "--no-smoke", "--facts", str(path)])
    assert result.exit_code == 2 and "not a facts section" in result.stderr


def test_text_that_is_not_a_report_is_refused(runner, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello: world\nthis is not a report\n")
    result = runner.invoke(cli, ["recommend", "--no-smoke", "--facts", str(path)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
