"""The install planner through the CLI (issue #12): one machine, one command per framework.

Each case runs ``dlrec recommend --json --no-smoke --facts F --accelerator A`` on a facts file in
tests/fixtures/planner/ (copies of tests/fixtures/personas5/machines/ with nothing installed, and
the GPU or driver the case needs) and checks the row's ``install`` and ``install_plan``. The last
tests check that ``dlrec checklist`` and ``dlrec init`` print and write the same command and pins
as the ranking row.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from recommender.cli.main import cli

PLANNER = Path(__file__).resolve().parent / "fixtures" / "planner"


def _ranking(runner, machine: str, accelerator: str) -> list[dict]:
    facts = str(PLANNER / f"{machine}.json")
    args = ["recommend", "--json", "--no-smoke", "--facts", facts, "--accelerator", accelerator]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    ranking: list[dict] = json.loads(result.stdout)["ranking"]
    return ranking


def _row(runner, machine: str, accelerator: str, framework: str, backend: str | None = None):
    """The ranking row of ``framework`` (for Keras: its ``backend`` entry)."""
    entry = next(r for r in _ranking(runner, machine, accelerator) if r["framework"] == framework)
    if framework != "keras":
        return entry
    return next(b for b in entry["backends"] if b["backend"] == backend)


def _packages(plan: dict) -> dict[str, str]:
    return {name: spec for name, spec in plan["packages"]}


def test_windows_nvidia_keras_on_torch_uses_a_cuda_index_not_pypi_torch(runner):
    row = _row(runner, "windows-rtx4090", "nvidia", "keras", "torch")
    plan = row["install_plan"]
    assert not plan["no_build"]
    assert re.fullmatch(r"https://download\.pytorch\.org/whl/cu\d+", plan["index_url"])
    assert f"--index-url {plan['index_url']}" in row["install"]
    assert "torch" in _packages(plan) and "keras" in _packages(plan)


def test_amd_keras_on_torch_uses_a_rocm_index(runner):
    row = _row(runner, "amd-mi210", "amd", "keras", "torch")
    plan = row["install_plan"]
    assert re.fullmatch(r"https://download\.pytorch\.org/whl/rocm[\d.]+", plan["index_url"])
    assert plan["build"]["flavour"] == "rocm"
    assert plan["index_url"] in row["install"]


def test_a100_on_driver_550_gets_cu126_torch_2_14_and_says_why_not_newer(runner):
    row = _row(runner, "a100-r550", "nvidia", "pytorch")
    plan = row["install_plan"]
    assert plan["index_url"] == "https://download.pytorch.org/whl/cu126"
    assert _packages(plan)["torch"] == "==2.14.*"
    assert "'torch==2.14.*' --index-url https://download.pytorch.org/whl/cu126" in row["install"]
    assert any("R580" in g for g in plan["gave_up"]), plan["gave_up"]


def test_unknown_driver_is_named_as_unknown(runner):
    plan = _row(runner, "a100-driver-unknown", "nvidia", "pytorch")["install_plan"]
    assert any("unknown" in u for u in plan["unknowns"]), plan["unknowns"]
    assert any("nvidia-smi" in u for u in plan["unknowns"])


def test_tpu_pytorch_pairs_torch_and_torch_xla_of_the_same_line(runner):
    row = _row(runner, "tpu-v4", "tpu", "pytorch")
    pins = _packages(row["install_plan"])
    assert pins["torch"] == pins["torch_xla[tpu]"], pins
    assert re.fullmatch(r"==\d+\.\d+\.\*", pins["torch"])


def test_tpu_tensorflow_gets_tensorflow_tpu(runner):
    row = _row(runner, "tpu-v4", "tpu", "tensorflow")
    pins = _packages(row["install_plan"])
    assert "tensorflow-tpu" in pins and "libtpu" in pins
    assert "tensorflow" not in pins
    assert "tensorflow-tpu==" in row["install"]


def test_mac_python_313_tensorflow_on_apple_is_no_build_with_the_metal_reason(runner):
    row = _row(runner, "m2-mac-py313", "apple", "tensorflow")
    plan = row["install_plan"]
    # No CPU command is printed as if it were the Apple GPU build: it is a NoBuild that says why.
    assert plan["no_build"] is True
    assert row["install"] is None
    assert "tensorflow-metal" in plan["reason"]
    assert "<3.13,>=3.9" in plan["reason"]  # tensorflow-metal 1.2.0 has cp39-cp312 wheels only


def test_intel_arc_gets_the_xpu_index(runner):
    row = _row(runner, "intel-arc", "intel", "pytorch")
    assert row["install_plan"]["index_url"] == "https://download.pytorch.org/whl/xpu"
    assert "--index-url https://download.pytorch.org/whl/xpu" in row["install"]


def test_cpu_machine_tensorflow_and_keras_on_tf_name_the_same_distribution(runner):
    ranking = _ranking(runner, "linux-cpu", "cpu")
    tf = next(r for r in ranking if r["framework"] == "tensorflow")["install_plan"]
    keras = next(r for r in ranking if r["framework"] == "keras")
    on_tf = next(b for b in keras["backends"] if b["backend"] == "tensorflow")["install_plan"]
    tf_pins = {n: s for n, s in _packages(tf).items() if n.startswith("tensorflow")}
    keras_tf = {n: s for n, s in _packages(on_tf).items() if n.startswith("tensorflow")}
    assert tf_pins == keras_tf == {"tensorflow-cpu": "==2.21.*"}


def test_blackwell_on_r570_gets_cu128_torch_before_2_12(runner):
    plan = _row(runner, "rtx5090-r570", "nvidia", "pytorch")["install_plan"]
    assert plan["index_url"] == "https://download.pytorch.org/whl/cu128"
    line = _packages(plan)["torch"]
    major, minor = (int(x) for x in line.removeprefix("==").removesuffix(".*").split("."))
    assert (major, minor) < (2, 12)


def test_v100_on_r580_keras_on_jax_is_not_cuda13(runner):
    row = _row(runner, "v100-r580", "nvidia", "keras", "jax")
    pins = _packages(row["install_plan"])
    assert "jax[cuda13]" not in pins
    assert "jax[cuda12]" in pins
    assert "cuda13" not in row["install"]


# --------------------------------------------------------------- one command across outputs

CONSISTENT = [
    ("a100-r550", "nvidia", "pytorch"),
    ("amd-mi210", "amd", "pytorch"),
    ("linux-cpu", "cpu", "tensorflow"),
]


def _answers(tmp_path: Path, accelerator: str) -> str:
    """checklist and init take the accelerator answer from an answers file."""
    path = tmp_path / "answers.yaml"
    path.write_text(f"accelerator: {accelerator}\n")
    return str(path)


@pytest.mark.parametrize(("machine", "accelerator", "framework"), CONSISTENT)
def test_checklist_prints_the_ranking_rows_command(
    runner, tmp_path, machine, accelerator, framework
):
    row = _row(runner, machine, accelerator, framework)
    facts = str(PLANNER / f"{machine}.json")
    args = ["checklist", "--no-smoke", "--format", "json", "--facts", facts]
    args += ["--framework", framework, "--answers", _answers(tmp_path, accelerator)]
    result = runner.invoke(cli, args)
    assert result.exit_code in (0, 1), result.output  # 1: a checklist item failed
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    assert items["installed"]["fix"] == row["install"]


@pytest.mark.parametrize(("machine", "accelerator", "framework"), CONSISTENT)
def test_init_writes_the_ranking_rows_pins(runner, tmp_path, machine, accelerator, framework):
    plan = _row(runner, machine, accelerator, framework)["install_plan"]
    facts = str(PLANNER / f"{machine}.json")
    project = tmp_path / "p"
    args = ["init", str(project), "--no-smoke", "--facts", facts, "--framework", framework]
    result = runner.invoke(cli, [*args, "--answers", _answers(tmp_path, accelerator)])
    assert result.exit_code == 0, result.output
    lines = [
        ln.split("#", 1)[0].strip()
        for ln in (project / "requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    pins = [ln for ln in lines if not ln.startswith("--") and ln != "numpy"]
    assert pins == [f"{name}{spec}" for name, spec in plan["packages"]]
    indexes = [ln.split()[1] for ln in lines if ln.startswith("--")]
    assert indexes == ([plan["index_url"]] if plan["index_url"] else [])
    assert plan["command_line"] in (project / "requirements.txt").read_text()


def test_a_driver_between_525_and_560_is_not_blocked_for_pytorch():
    """Issue 12: CUDA 12.x builds run on R525.60.13+ (NVIDIA's minor-version compatibility);
    'below 12.6 is blocked' was stricter than NVIDIA. Driver 550 ranks PyTorch feasible, cu126."""
    import json as _json
    from pathlib import Path as _Path

    from click.testing import CliRunner

    from recommender.cli.main import cli as _cli

    facts = _Path(__file__).resolve().parent / "fixtures" / "planner"
    path = next(p for p in sorted(facts.glob("*.json")) if "550" in p.name or "r550" in p.name)
    result = CliRunner().invoke(
        _cli, ["recommend", "--json", "--no-smoke", "--facts", str(path), "--accelerator", "nvidia"]
    )
    doc = _json.loads(result.stdout)
    torch = next(e for e in doc["ranking"] if e["framework"] == "pytorch")
    assert torch["feasible"], torch["blockers"]
    assert "cu126" in (torch["install"] or "")
