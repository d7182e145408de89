"""`dlrec diff`: golden outputs for two machines' facts and recommend documents, JSON, bad files."""

from __future__ import annotations

import json

import pytest

from recommender.cli.main import cli
from recommender.facts.diff import build, diff_documents, gpus
from tests.conftest import FIXTURES

DIFF = FIXTURES / "diff"
GOLDEN = FIXTURES.parent / "golden"

CASES = {
    "diff_facts": ("laptop_facts.json", "cluster_facts.json"),
    "diff_smoke": ("laptop_recommend.json", "noavx_recommend.json"),
    "diff_same": ("laptop_facts.json", "laptop_facts.json"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name, runner, monkeypatch, update_goldens):
    monkeypatch.chdir(DIFF)
    result = runner.invoke(cli, ["diff", *CASES[name]])
    assert result.exit_code == 0 and result.stderr == ""
    golden = GOLDEN / f"{name}.txt"
    if update_goldens:
        golden.write_text(result.stdout)
    assert result.stdout == golden.read_text()


def test_plain_words_for_the_laptop_vs_cluster_story():
    a = json.loads((DIFF / "laptop_recommend.json").read_text())
    b = json.loads((DIFF / "noavx_recommend.json").read_text())
    lines = [d.line() for d in diff_documents(a, b)]
    assert "smoke pytorch/cpu mlp: passed vs failed (illegal instruction)" in lines
    assert "CPU vector instructions: avx, avx2, avx512f vs no AVX" in lines
    assert "smoke pytorch/cpu cnn: passed vs passed" not in lines
    facts = json.loads((DIFF / "cluster_facts.json").read_text())
    assert gpus(facts) == "A100 (cc 8.0)" and gpus({"accelerators": []}) == "none"
    assert build(facts["frameworks"]["pytorch"]) == "cuda 12.6"
    assert build({"installed": True, "build": {"cuda": None, "rocm": None}}) == "cpu"


def test_json(runner, monkeypatch):
    monkeypatch.chdir(DIFF)
    result = runner.invoke(cli, ["diff", "--json", "laptop_facts.json", "cluster_facts.json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["a"] == "laptop_facts.json" and doc["b"] == "cluster_facts.json"
    assert {"what": "GPU", "a": "none", "b": "A100 (cc 8.0)"} in doc["differences"]
    assert {"what": "torch build", "a": "cpu", "b": "cuda 12.6"} in doc["differences"]


@pytest.mark.parametrize(
    "content,words",
    [
        ("{not json", "JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"cpu": {"usable_cores": "many"}}', "cpu.usable_cores"),
    ],
)
def test_bad_files_exit_2_with_one_line(runner, tmp_path, content, words):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = runner.invoke(cli, ["diff", str(bad), str(DIFF / "laptop_facts.json")])
    assert result.exit_code == 2
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    missing = runner.invoke(cli, ["diff", str(tmp_path / "nope.json"), str(bad)])
    assert missing.exit_code == 2


def test_a_missing_section_is_unknown_never_not_installed():
    """README: "A missing section or a null field means *unknown*, never 'no'". A partial facts
    document (no frameworks, no accelerators) said "torch version: 2.9.0+cu126 vs not installed"."""
    a = json.loads((DIFF / "cluster_facts.json").read_text())
    b = {"schema_version": 1, "cpu": a["cpu"], "frameworks": {"jax": {"installed": False}}}
    lines = [d.line() for d in diff_documents(a, b)]
    assert "torch version: 2.9.0+cu126 vs unknown" in lines
    assert "torch build: cuda 12.6 vs unknown" in lines
    assert "Keras backend: torch vs unknown" in lines
    assert "NVIDIA driver: 580.65.06 vs unknown" in lines
    assert not any("not installed" in line for line in lines), lines
    assert build({"installed": False}) == "not installed" and build({}) == "unknown"
