"""dlrec checklist: the right failing item and exact fix per machine, formats, --out, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from recommender.cli.main import cli
from tests.conftest import FIXTURES, ROOT, dlrec_argv

CL = FIXTURES / "checklist"


def run_json(runner, fixture: str, *extra: str):
    result = runner.invoke(
        cli, ["checklist", "--facts", str(CL / fixture), "--format", "json", *extra]
    )
    assert result.exit_code in (0, 1), result.output + (result.stderr or "")
    return result, json.loads(result.stdout)


def item(doc, item_id: str):
    return next(i for i in doc["items"] if i["id"] == item_id)


def failing(doc):
    return {i["id"] for i in doc["items"] if i["status"] == "fail"}


def test_a100_with_cpu_torch_gets_the_cu130_reinstall(runner):
    result, doc = run_json(runner, "a100_cpu_torch.json", "--framework", "pytorch")
    assert result.exit_code == 1
    assert failing(doc) == {"build"}
    build = item(doc, "build")
    assert build["rule"] == "torch-cpu-build-with-nvidia-gpu"
    # The install planner's command (rules/wheels.yaml): it forces the reinstall itself.
    assert build["fix"] == (
        "/opt/venv/bin/python -m pip install 'torch==2.15.*' --force-reinstall --index-url "
        "https://download.pytorch.org/whl/cu130"
    )


def test_driver_470_with_cu126_torch_names_the_driver_floor(runner):
    result, doc = run_json(runner, "driver470_cu126_torch.json", "--framework", "pytorch")
    assert failing(doc) == {"driver"}
    driver = item(doc, "driver")
    assert driver["rule"] == "compat.yaml tables.cuda_min_driver"
    assert "CUDA 12.6" in driver["detail"] and "CUDA 11.4" in driver["detail"]
    assert driver["fix"] == (
        "Upgrade the NVIDIA driver to 560.28.03 or newer (CUDA 12.6), or install a build this driver runs: "
        # The newest release the driver runs: cu118 under CUDA 11 minor-version compatibility.
        '/opt/venv/bin/python -m pip install --force-reinstall "torch==2.7.1" --index-url '
        "https://download.pytorch.org/whl/cu118 (CUDA minor-version compatibility runs it)"
    )
    assert item(doc, "compute-capability")["status"] == "ok"


def test_gtx1080_on_cu130_torch_gets_the_cu126_wheel(runner):
    result, doc = run_json(runner, "gtx1080_cu130_torch.json", "--framework", "pytorch")
    assert failing(doc) == {"compute-capability"}
    cc = item(doc, "compute-capability")
    assert cc["rule"] == "wheels.yaml builds arches"
    assert "6.1" in cc["detail"] and "sm_75 sm_80" in cc["detail"]
    # No 2.15 build carries sm_61: the newest release that does (wheels.yaml builds).
    assert cc["fix"] == (
        '/opt/venv/bin/python -m pip install --force-reinstall "torch==2.14.1" --index-url '
        "https://download.pytorch.org/whl/cu126"
    )


def test_windows_rtx_with_tensorflow_points_to_wsl2(runner):
    result, doc = run_json(runner, "windows_rtx_tf.json", "--framework", "tensorflow")
    assert failing(doc) == {"windows-gpu"}
    win = item(doc, "windows-gpu")
    assert win["rule"] == "tf-windows-native-gpu"
    assert win["fix"] == (
        'Run TensorFlow inside WSL2 (`wsl --install`, then `pip install "tensorflow[and-cuda]"` '
        "there), or `pip install tensorflow-cpu` for CPU only."
    )


def test_m2_mac_native_is_green_and_shows_mps(runner):
    result, doc = run_json(runner, "mac_m2.json", "--framework", "pytorch")
    assert result.exit_code == 0, doc
    assert failing(doc) == set()
    assert item(doc, "mps")["status"] == "ok" and "Apple M2 GPU" in item(doc, "mps")["detail"]
    assert item(doc, "rosetta")["detail"] == "native arm64 Python"


def test_m2_mac_under_rosetta_fails_with_arm64_python_fix(runner):
    result, doc = run_json(runner, "mac_m2_rosetta.json", "--framework", "pytorch")
    assert result.exit_code == 1
    assert "rosetta" in failing(doc)
    rosetta = item(doc, "rosetta")
    assert rosetta["rule"] == "macos-rosetta-python"
    assert rosetta["fix"].startswith("Install an arm64 Python (python.org universal2 installer")
    assert item(doc, "mps")["status"] == "warn"


def test_cpu_without_avx_fails_tensorflow(runner):
    result, doc = run_json(runner, "no_avx_tf.json", "--framework", "tensorflow")
    assert failing(doc) == {"avx"}
    avx = item(doc, "avx")
    assert avx["rule"] == "tf-needs-avx"
    assert avx["fix"] == (
        "Use PyTorch, or Keras with KERAS_BACKEND=torch; TensorFlow would have to be built "
        "from source without AVX."
    )


def test_not_installed_fails_with_the_install_planner_command(runner):
    result, doc = run_json(runner, "windows_rtx_tf.json", "--framework", "pytorch")
    installed = item(doc, "installed")
    assert installed["status"] == "fail"
    assert installed["rule"] == "wheels.yaml pytorch (install plan)"
    # The planner prints `python` for a Windows path (only plain absolute POSIX paths pass).
    assert installed["fix"] == (
        "python -m pip install 'torch==2.15.*' --index-url https://download.pytorch.org/whl/cu132"
    )


def test_installed_unknown_for_another_machine_warns_not_fails(runner, tmp_path):
    doc = json.loads((CL / "a100_cpu_torch.json").read_text())
    del doc["frameworks"]  # a facts document that does not say what is installed
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc))
    result = runner.invoke(
        cli, ["checklist", "--facts", str(path), "--framework", "pytorch", "--format", "json"]
    )
    installed = item(json.loads(result.stdout), "installed")
    assert installed["status"] == "warn" and installed["detail"] == "not known for that machine"
    assert installed["fix"] and installed["rule"] == "wheels.yaml pytorch (install plan)"


def test_x86_cpu_with_unknown_flags_warns_about_avx(runner, tmp_path):
    doc = json.loads((CL / "no_avx_tf.json").read_text())
    doc["cpu"]["flags"] = None  # the probe could not read /proc/cpuinfo
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc))
    result = runner.invoke(
        cli, ["checklist", "--facts", str(path), "--framework", "tensorflow", "--format", "json"]
    )
    avx = item(json.loads(result.stdout), "avx")
    assert avx["status"] == "warn" and avx["detail"] == "CPU flags not known"


def test_several_tf_distributions_and_legacy_keras(runner, tmp_path):
    doc = json.loads((CL / "no_avx_tf.json").read_text())
    doc["cpu"]["flags"] = ["avx", "avx2"]
    doc["frameworks"]["tensorflow"]["distributions"] = ["tensorflow", "tensorflow-cpu"]
    doc["frameworks"]["keras"] = {
        "installed": True,
        "version": "3.15.1",
        "major": 3,
        "backend": "tensorflow",
        "tf_keras": "2.21.0",
        "legacy_keras_env": None,
    }
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc))
    result = runner.invoke(
        cli, ["checklist", "--facts", str(path), "--framework", "tensorflow", "--format", "json"]
    )
    out = json.loads(result.stdout)
    dists = item(out, "tf-distributions")
    assert dists["status"] == "fail"
    assert dists["fix"] == (
        "/opt/venv/bin/python -m pip uninstall -y tensorflow tensorflow-cpu && "
        "/opt/venv/bin/python -m pip install 'tensorflow-cpu==2.21.*'"
    )
    legacy = item(out, "keras-legacy")
    assert legacy["status"] == "warn" and legacy["rule"] == "tf-216-keras3-default"
    assert legacy["fix"].startswith("export TF_USE_LEGACY_KERAS=1")


def test_newer_than_the_rule_base_warns(runner, tmp_path):
    doc = json.loads((CL / "a100_cpu_torch.json").read_text())
    doc["frameworks"]["pytorch"]["version"] = "2.99.0+cpu"
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc))
    out = json.loads(
        runner.invoke(
            cli, ["checklist", "--facts", str(path), "--framework", "pytorch", "--format", "json"]
        ).stdout
    )
    installed = item(out, "installed")
    assert installed["status"] == "warn" and installed["rule"] == "rulebase-newest-known"
    assert installed["fix"] == '/opt/venv/bin/python -m pip install "torch==2.15.*"'


def test_every_item_names_a_rule_and_fixes_come_with_problems(runner):
    for fixture in sorted(CL.glob("*.json")):
        args = ["checklist", "--facts", str(CL / fixture.name), "--format", "json"]
        first = runner.invoke(cli, args)
        if first.exit_code == 2:  # a tie: the checklist names it and asks for --framework
            assert "tie here" in first.stderr and "--framework" in first.stderr, first.stderr
            tied = first.stderr.split("pass --framework ")[1].split("|")[0].split(",")[0]
            _, doc = run_json(runner, fixture.name, "--framework", tied.strip())
        else:
            _, doc = run_json(runner, fixture.name)
        assert doc["items"], fixture
        for i in doc["items"]:
            assert i["rule"], (fixture, i)
            assert i["status"] in ("ok", "warn", "fail", "unknown")
            if i["status"] == "fail":
                assert i["fix"], (fixture, i)
            if i["status"] == "unknown":  # nothing to do about what cannot be known there
                assert not i["fix"] and "not" in i["detail"], (fixture, i)


def test_json_schema_and_summary(runner):
    _, doc = run_json(runner, "a100_cpu_torch.json", "--framework", "pytorch")
    assert set(doc) >= {"framework", "items", "summary"}
    assert doc["framework"] == "pytorch"
    for i in doc["items"]:
        assert set(i) == {"id", "status", "title", "detail", "fix", "rule"}
    statuses = ("ok", "warn", "fail", "unknown")
    counts = {s: sum(1 for i in doc["items"] if i["status"] == s) for s in statuses}
    assert doc["summary"] == counts


def test_what_cannot_be_known_there_is_neither_a_pass_nor_a_warning(runner):
    """Issue 26: another machine's report has no disk, no memory of this run, no smoke run and
    no environment here: each is "not known for that machine" with its own mark (?), not a
    warning that makes a healthy report read "3 warnings", and never a ✓."""
    report = str(FIXTURES / "collect_env" / "corpus" / "021.txt")  # a healthy ROCm report
    args = ["checklist", "--facts", report, "--framework", "pytorch"]
    doc = json.loads(runner.invoke(cli, [*args, "--format", "json"]).stdout)
    for key in ("disk", "memory", "smoke", "env"):
        got = item(doc, key)
        assert got["status"] == "unknown" and not got["fix"], got
        assert "not known for that machine" in got["detail"] or "not run" in got["detail"], got
    assert doc["summary"]["warn"] == 0 and doc["summary"]["unknown"] == 4
    text = runner.invoke(cli, args).stdout
    marks = {line.split(" ", 1)[0] for line in text.splitlines() if line[:1] in "✓!✗?"}
    assert "?" in marks and "✓ Environment" not in text and "! Free" not in text, text
    assert text.splitlines()[-1] == "5 ok, 0 warnings, 0 failed, 4 not known for that machine"
    md = runner.invoke(cli, [*args, "--format", "markdown"]).stdout
    assert "| ❔ not known | Free disk |" in md and "Free disk** (" not in md


def test_env_vars_not_known_for_another_machine(runner, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    _, doc = run_json(runner, "a100_cpu_torch.json", "--framework", "pytorch")
    env = item(doc, "env")
    assert "not known for that machine" in env["detail"] and "jax" not in env["detail"]


def test_env_vars_shown_as_set_here(runner, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    result = runner.invoke(
        cli, ["checklist", "--no-smoke", "--framework", "pytorch", "--format", "json"]
    )
    env = item(json.loads(result.stdout), "env")
    assert "KERAS_BACKEND='torch'" in env["detail"]
    assert "CUDA_VISIBLE_DEVICES='-1'" in env["detail"]
    assert "TF_USE_LEGACY_KERAS unset" in env["detail"]


def test_text_symbols_and_golden(update_goldens):
    from recommender.cli.checklist import make_checklist, render
    from recommender.pipeline import Request

    made = make_checklist(
        Request(facts_file=str(CL / "gtx1080_cu130_torch.json"), flags={}), "pytorch"
    )
    text = render(made.checklist, "text").replace(str(CL), "tests/fixtures/checklist")
    golden = ROOT / "tests" / "golden" / "checklist_gtx1080.txt"
    if update_goldens:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert "✗ GPU architecture in the wheel" in text and "✓ Python version" in text


def test_ascii_fallback_when_the_terminal_cannot_encode(tmp_path):
    env = dict(os.environ, PYTHONIOENCODING="ascii", PYTHONUTF8="0")
    proc = subprocess.run(
        dlrec_argv("checklist", "--facts", str(CL / "no_avx_tf.json"), "--framework", "tensorflow"),
        capture_output=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    out = proc.stdout.decode("ascii")
    assert proc.returncode == 1, proc.stderr
    assert (
        "[x]  CPU has AVX" in out and "[ok] Python version" in out and "[?]  Smoke training" in out
    )
    assert "Traceback" not in proc.stderr.decode()


def test_markdown(runner):
    result = runner.invoke(
        cli,
        [
            "checklist",
            "--facts",
            str(CL / "gtx1080_cu130_torch.json"),
            "--framework",
            "pytorch",
            "--format",
            "markdown",
        ],
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("## dlrec checklist: PyTorch")
    assert "| status | check | detail | fix | rule |" in lines
    row = next(line for line in lines if "GPU architecture" in line)
    assert row.startswith("| ❌ fail |")
    assert (
        '`/opt/venv/bin/python -m pip install --force-reinstall "torch==2.14.1" --index-url '
        "https://download.pytorch.org/whl/cu126`" in row
    )


def test_out_writes_atomically(runner, tmp_path):
    out = tmp_path / "checklist.json"
    out.write_text("old")
    result = runner.invoke(
        cli,
        [
            "checklist",
            "--facts",
            str(CL / "mac_m2.json"),
            "--framework",
            "pytorch",
            "--format",
            "json",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(out.read_text())["framework"] == "pytorch"
    assert [p.name for p in tmp_path.iterdir()] == ["checklist.json"]  # no temp file left behind


def test_out_failure_leaves_the_old_file(monkeypatch, tmp_path):
    from recommender.report.output import write_out

    target = tmp_path / "c.md"
    target.write_text("old")

    def boom(src, dst):
        raise KeyboardInterrupt

    from recommender.core import atomic

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        write_out(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["c.md"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--framework", "mxnet"], "--framework"),
        (["--format", "yaml"], "--format"),
        (["--facts", "/nonexistent.json"], "/nonexistent.json"),
        (["--out", "/nonexistent-dir/c.md"], "/nonexistent-dir/c.md"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, needle, tmp_path):
    proc = subprocess.run(
        dlrec_argv("checklist", "--no-smoke", *args),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_answers_file_exits_2(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("goal: world-domination\n")
    proc = subprocess.run(
        dlrec_argv("checklist", "--facts", str(CL / "mac_m2.json"), "--answers", str(answers)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "goal" in proc.stderr and "research" in proc.stderr


def test_no_framework_is_imported_by_dlrec():
    code = (
        "import sys; from recommender.cli.main import main; sys.argv=['dlrec'];\n"
        "try:\n main(['checklist','--facts',%r,'--format','json'])\nexcept SystemExit: pass\n"
        "bad=[m for m in ('torch','tensorflow','keras','jax') if m in sys.modules]\n"
        "sys.stderr.write('IMPORTED:'+','.join(bad))" % str(CL / "a100_cpu_torch.json")
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stderr.strip().endswith("IMPORTED:"), proc.stderr


def test_sizes_are_in_the_binary_units_probe_prints(runner):
    """The checklist divided by 1024 but said "GB": 186.3 GB for what `dlrec probe` calls 186.3 GiB."""
    facts = json.loads((CL / "gtx1080_cu130_torch.json").read_text())
    free = facts["disk"]["free_bytes"] / 2**30
    result = runner.invoke(
        cli,
        [
            "checklist",
            "--facts",
            str(CL / "gtx1080_cu130_torch.json"),
            "--framework",
            "pytorch",
            "--format",
            "json",
        ],
    )
    disk = next(i for i in json.loads(result.stdout)["items"] if i["id"] == "disk")
    assert disk["detail"].startswith(f"{free:.1f} GiB free on ")


def test_a_tie_is_never_checked_silently(runner, tmp_path):
    """No answers on a machine where nothing decides: checklist and init name the tie and ask
    for --framework instead of picking the first row (issue 23)."""
    bare = str(FIXTURES / "personas5" / "machines" / "bare.json")
    for command in (["checklist"], ["init", str(tmp_path / "proj")]):
        result = runner.invoke(cli, [*command, "--facts", bare])
        assert result.exit_code == 2, result.output
        assert "tie here" in result.stderr and "pass --framework" in result.stderr
        assert "dlrec ask" in result.stderr
    assert not (tmp_path / "proj").exists()
    chosen = runner.invoke(cli, ["checklist", "--facts", bare, "--framework", "jax"])
    assert chosen.exit_code in (0, 1), chosen.stderr
