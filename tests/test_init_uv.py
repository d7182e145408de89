"""`dlrec init` writes a pyproject.toml for uv with the same packages, pins and indexes as
requirements.txt: ``uv sync`` and ``pip install -r requirements.txt`` get the same builds."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from recommender.cli.main import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLANNER = FIXTURES / "planner"


def _init(runner, tmp_path: Path, facts: Path, framework: str, accelerator: str) -> Path:
    project = tmp_path / "proj"
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"accelerator: {accelerator}\n")
    args = ["init", str(project), "--no-smoke", "--facts", str(facts), "--framework", framework]
    result = runner.invoke(cli, [*args, "--answers", str(answers)])
    assert result.exit_code == 0, result.output
    return project


def _requirements(project: Path) -> tuple[list[str], list[str]]:
    """(requirement lines, index URLs) as pip reads requirements.txt."""
    reqs, indexes = [], []
    for raw in (project / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("--index-url ", "--extra-index-url ")):
            indexes.append(line.split()[1])
        else:
            reqs.append(line)
    return reqs, indexes


CASES = [
    # machine, framework, accelerator, the index URL the framework must come from (None: PyPI)
    ("linux-cpu", "tensorflow", "cpu", None),
    ("linux-cpu", "pytorch", "cpu", "https://download.pytorch.org/whl/cpu"),
    ("a100-r550", "pytorch", "nvidia", "https://download.pytorch.org/whl/cu126"),
    ("amd-mi210", "keras", "amd", "https://download.pytorch.org/whl/rocm7.2"),
]


@pytest.mark.parametrize(("machine", "framework", "accelerator", "index"), CASES)
def test_pyproject_has_the_same_pins_and_indexes_as_requirements(
    runner, tmp_path, machine, framework, accelerator, index
):
    project = _init(runner, tmp_path, PLANNER / f"{machine}.json", framework, accelerator)
    reqs, indexes = _requirements(project)
    doc = tomllib.loads((project / "pyproject.toml").read_text())

    assert doc["project"]["dependencies"] == reqs
    assert doc["project"]["requires-python"] == ">=3.11"
    uv = doc.get("tool", {}).get("uv", {})
    uv_indexes = uv.get("index", [])
    assert [i["url"] for i in uv_indexes] == indexes == ([index] if index else [])
    assert all(i["explicit"] is True for i in uv_indexes)
    by_name = {i["name"]: i["url"] for i in uv_indexes}
    sources = {pkg: by_name[src["index"]] for pkg, src in uv.get("sources", {}).items()}
    if index:
        assert sources == {"torch": index}
    else:
        assert sources == {}
    names = {canonicalize_name(Requirement(r).name) for r in reqs}
    assert set(sources) <= names


def test_an_installed_local_build_is_mapped_to_its_wheel_index(runner, tmp_path):
    facts = FIXTURES / "personas5" / "machines" / "rtx3090-linux.json"  # torch 2.13.0+cu126
    project = _init(runner, tmp_path, facts, "pytorch", "nvidia")
    reqs, indexes = _requirements(project)
    doc = tomllib.loads((project / "pyproject.toml").read_text())
    assert "torch==2.13.0+cu126" in reqs
    assert doc["project"]["dependencies"] == reqs
    (entry,) = doc["tool"]["uv"]["index"]
    assert entry["url"] in indexes and entry["url"].endswith("/cu126")
    assert doc["tool"]["uv"]["sources"]["torch"] == {"index": entry["name"]}


def test_init_refuses_an_existing_pyproject_without_force(runner, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    facts = str(PLANNER / "linux-cpu.json")
    result = runner.invoke(cli, ["init", str(project), "--no-smoke", "--facts", facts])
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr
    assert (project / "pyproject.toml").read_text() == "[project]\nname = 'mine'\n"
    assert not (project / "requirements.txt").exists()
