"""`dlrec init` writes the same plans as `dlrec plan`: a GH200 (aarch64) and a Jetson facts
file get their aarch64 CUDA index and NVIDIA's JetPack index in requirements.txt."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from recommender.cli.main import cli

FACTS = Path(__file__).resolve().parent / "fixtures" / "facts" / "a100_linux.json"


def _facts(tmp_path: Path, **changes: object) -> Path:
    doc = json.loads(FACTS.read_text())
    for key, value in changes.items():
        section, _, field = key.partition("__")
        if field:
            doc[section][field] = value
        else:
            doc[section] = value
    doc.pop("frameworks", None)
    out = tmp_path / "facts.json"
    out.write_text(json.dumps(doc))
    return out


def _requirements(runner: CliRunner, tmp_path: Path, facts: Path, *extra: str) -> list[str]:
    project = tmp_path / "p"
    args = ["init", str(project), "--facts", str(facts), "--framework", "pytorch", *extra]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return (project / "requirements.txt").read_text().splitlines()


def test_init_on_a_gh200_writes_the_aarch64_cuda13_plan(runner: CliRunner, tmp_path: Path) -> None:
    gh200 = json.loads(FACTS.read_text())["accelerators"][:1]
    gh200[0].update(name="NVIDIA GH200 480GB", compute_capability="9.0")
    facts = _facts(tmp_path, os__machine="aarch64", accelerators=gh200)
    lines = _requirements(runner, tmp_path, facts)
    assert "--index-url https://download.pytorch.org/whl/cu130" in lines
    assert "torch==2.15.*" in lines


def test_init_on_a_jetson_writes_the_jetpack_plan(runner: CliRunner, tmp_path: Path) -> None:
    facts = _facts(
        tmp_path,
        os__machine="aarch64",
        os__l4t="36.4.3",
        os__tegra="tegra234",
        os__jetpack="6.2",
        os__jetson_cc="8.7",
        python__version="3.10.12",
        accelerators=[],
    )
    answers = tmp_path / "answers.yaml"
    answers.write_text("accelerator: nvidia\n")
    lines = _requirements(runner, tmp_path, facts, "--answers", str(answers))
    assert "--index-url https://pypi.jetson-ai-lab.io/jp6/cu126" in lines


def test_init_writes_the_mirror_of_every_index(runner: CliRunner, tmp_path: Path) -> None:
    gh200 = json.loads(FACTS.read_text())["accelerators"][:1]
    gh200[0].update(name="NVIDIA GH200 480GB", compute_capability="9.0")
    facts = _facts(tmp_path, os__machine="aarch64", accelerators=gh200)
    mirror = "https://download.pytorch.org/whl=https://mirror.example/pytorch"
    lines = _requirements(runner, tmp_path, facts, "--index-map", mirror)
    assert "--index-url https://mirror.example/pytorch/cu130" in lines
    written = (tmp_path / "p" / "pyproject.toml").read_text() + "\n".join(lines)
    assert "download.pytorch.org" not in written


def test_checklist_prints_the_mirror_of_every_index(runner: CliRunner, tmp_path: Path) -> None:
    """The checklist's fixes carry the mirror too (text and JSON), as init and plan do."""
    cpu_torch = Path(__file__).resolve().parent / "fixtures/personas5/machines/a100-cpu-torch.json"
    args = ["checklist", "--no-smoke", "--facts", str(cpu_torch), "--framework", "pytorch"]
    plain = runner.invoke(cli, args)
    assert "https://download.pytorch.org/whl/cu1" in plain.stdout  # the control
    mirror = "https://download.pytorch.org/whl=https://mirror.example/pytorch"
    for fmt in ("text", "json", "markdown"):
        result = runner.invoke(cli, [*args, "--format", fmt, "--index-map", mirror])
        assert result.exit_code in (0, 1), result.output
        assert "https://mirror.example/pytorch/cu1" in result.stdout, fmt
        assert "download.pytorch.org" not in result.stdout, fmt
