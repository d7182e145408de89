"""`dlrec smoke`: options, planning, bad input, plain and live output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pexpect
import pytest

from recommender.cli.main import cli
from recommender.facts import collect
from recommender.facts.document import Facts
from recommender.smoke.run import plan_smoke
from tests.conftest import FIXTURES, ROOT

FAKES = FIXTURES / "fakepkgs"


def facts(accelerators=(), **frameworks) -> Facts:
    doc = {
        "tensorflow": {"installed": False},
        "pytorch": {"installed": False},
        "keras": {"installed": False},
        "jax": {"installed": False},
    }
    doc.update(frameworks)
    return Facts.from_dict(
        {"cpu": {"usable_cores": 2}, "accelerators": list(accelerators), "frameworks": doc}
    )


TORCH_CUDA = {"installed": True, "version": "2.13.0+cu128", "build": {"cuda": "12.8", "rocm": None}}
TF_CPU = {"installed": True, "version": "2.21.0", "build": {"cuda": None, "rocm": False}}
GPU = {"kind": "cuda", "vendor": "nvidia", "index": 0, "name": "NVIDIA A100", "visible": True}


def labels(plan) -> list[str]:
    return [run.label for run in plan[0]]


@pytest.mark.parametrize(
    "opts",
    [
        ["--steps", "2"],
        ["--device", "gpu"],
        ["--framework", "mxnet"],
        ["--timeout", "0"],
        ["--bogus"],
    ],
)
def test_bad_options_exit_2(runner, opts):
    res = runner.invoke(cli, ["smoke", *opts])
    assert res.exit_code == 2 and res.stdout == ""


LINUX = {"system": "Linux", "machine": "x86_64", "libc": "glibc", "libc_version": "2.39"}


def linux_facts(accelerators=(), **frameworks) -> Facts:
    doc = facts(accelerators, **frameworks).to_dict()
    doc.update(os=LINUX, python={"version": "3.12.3", "executable": "/usr/bin/python3"})
    return Facts.from_dict(doc)


def test_framework_not_installed_is_a_failure_with_the_planners_command(runner, monkeypatch):
    """Issue 26: smoking an absent framework cannot train (exit 1, as a failed run, not bad
    input), and names the install planner's command, never a bare ``pip install torch`` (on
    Linux that is the multi-GB CUDA build)."""
    monkeypatch.setattr(collect, "collect_facts", lambda **kw: linux_facts(tensorflow=TF_CPU))
    res = runner.invoke(cli, ["smoke", "--framework", "pytorch"])
    assert res.exit_code == 1 and res.stdout == ""
    line = res.stderr.strip()
    assert "\n" not in line and "pytorch is not installed" in line
    assert "/usr/bin/python3 -m pip install 'torch==" in line
    assert "--index-url https://download.pytorch.org/whl/cpu" in line


def test_smoke_cuda_of_an_absent_framework_names_the_cuda_build(runner, monkeypatch):
    monkeypatch.setattr(collect, "collect_facts", lambda **kw: linux_facts())
    res = runner.invoke(cli, ["smoke", "--framework", "pytorch", "--device", "cuda"])
    assert res.exit_code == 1
    assert "--index-url https://download.pytorch.org/whl/cu" in res.stderr


def test_nothing_installed_names_the_planners_cpu_build(runner, monkeypatch):
    monkeypatch.setattr(collect, "collect_facts", lambda **kw: linux_facts())
    res = runner.invoke(cli, ["smoke"])
    assert res.exit_code == 1 and "nothing to smoke" in res.stderr
    assert "pip install torch\n" not in res.stderr + "\n"
    assert "--index-url https://download.pytorch.org/whl/cpu" in res.stderr


def test_devices_come_from_the_build_and_the_machine():
    with_gpu = facts([GPU], pytorch=TORCH_CUDA, tensorflow=TF_CPU)
    assert labels(plan_smoke(with_gpu)) == [
        "tensorflow on cpu",
        "pytorch on cpu",
        "pytorch on cuda",
    ]
    # A CUDA build on a machine without a GPU (the default Linux wheel) smokes the cpu only.
    assert labels(plan_smoke(facts(pytorch=TORCH_CUDA))) == ["pytorch on cpu"]
    # An explicit device is honoured as asked; the child reports whether it is usable.
    assert labels(plan_smoke(facts(tensorflow=TF_CPU), device="cuda")) == ["tensorflow on cuda"]


def test_keras_follows_its_backend_and_all_backends_says_what_it_overrides():
    keras = {
        "installed": True,
        "version": "3.15.1",
        "backend": "torch",
        "backend_source": "KERAS_BACKEND",
    }
    f = facts([GPU], pytorch=TORCH_CUDA, tensorflow=TF_CPU, keras=keras)
    assert labels(plan_smoke(f, frameworks=["keras"])) == [
        "keras[torch] on cpu",
        "keras[torch] on cuda",
    ]
    runs, skipped = plan_smoke(f, frameworks=["keras"], all_backends=True)
    assert [r.label for r in runs] == [
        "keras[tensorflow] on cpu",
        "keras[torch] on cpu",
        "keras[torch] on cuda",
    ]
    assert skipped == ("keras on jax: skipped, jax is not installed",)
    assert dict(runs[0].env) == {"KERAS_BACKEND": "tensorflow"}
    assert "configured: torch, from KERAS_BACKEND" in runs[0].note
    assert runs[1].note is None  # the configured backend: nothing overridden


def fake_env(mode: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(FAKES), DLREC_FAKE_TORCH=mode, COLUMNS="120")


def test_plain_output_off_a_tty_names_cause_fix_and_log():
    proc = subprocess.run(
        [sys.executable, "-m", "recommender", "smoke", "--framework", "pytorch"],
        env=fake_env("sigill"),
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert lines[0] == "FAIL pytorch on cpu: FAILED (illegal_instruction)"
    assert lines[1].startswith(
        "  cause: pytorch crashed with SIGILL: this CPU lacks an instruction"
    )
    assert lines[2].startswith("  fix:   ")
    assert lines[3].startswith("  log:   ") and lines[3].endswith("pytorch-cpu.log")
    assert "\x1b[" not in proc.stdout


def test_live_display_on_a_tty_and_json_stays_clean():
    # On a TTY: the live table with its mark and result line.
    child = pexpect.spawn(
        sys.executable,
        ["-m", "recommender", "smoke", "--framework", "pytorch"],
        env=fake_env("raise"),
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    child.expect("FAILED \\(import_error\\)")
    child.expect("fix:")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    # --json on a TTY: nothing but the document.
    child = pexpect.spawn(
        sys.executable,
        ["-m", "recommender", "smoke", "--json", "--framework", "pytorch"],
        env=fake_env("raise"),
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=60,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.before.lstrip().startswith("{") and child.before.rstrip().endswith("}")
    assert "\x1b[" not in child.before


def test_all_backends_override_is_said_and_missing_jax_is_skipped_not_failed(runner, monkeypatch):
    keras = {
        "installed": True,
        "version": "3.15.1",
        "backend": "tensorflow",
        "backend_source": "keras.json",
    }
    # Only the keras runs are planned; both fail fast here (torch is the fake, TF is absent),
    # which is enough to see what the command says about the plan.
    monkeypatch.setattr(
        collect, "collect_facts", lambda **kw: facts(pytorch=TORCH_CUDA, keras=keras)
    )
    monkeypatch.setenv("PYTHONPATH", str(FAKES))
    monkeypatch.setenv("DLREC_FAKE_TORCH", "raise")
    res = runner.invoke(cli, ["smoke", "--framework", "keras", "--all-backends", "--verbose"])
    lines = res.stdout.splitlines()
    assert lines[0] == "keras on tensorflow: skipped, tensorflow is not installed"
    assert lines[1] == "keras on jax: skipped, jax is not installed"
    assert lines[2] == (
        "keras[torch] on cpu: KERAS_BACKEND=torch set for this run "
        "(configured: tensorflow, from keras.json)"
    )
    assert lines[3].startswith("FAIL keras[torch] on cpu: FAILED (import_error)")
    assert res.exit_code == 1
    # Issue 26: the override is a note that would repeat on every run: --verbose only.
    quiet = runner.invoke(cli, ["smoke", "--framework", "keras", "--all-backends"]).stdout
    assert "set for this run" not in quiet and quiet.splitlines()[:2] == lines[:2]
    res = runner.invoke(cli, ["smoke", "--json", "--framework", "keras", "--all-backends"])
    assert json.loads(res.stdout)["skipped"] == lines[:2]


def test_json_help_names_the_distributed_document(runner):
    """`smoke --distributed N --json` prints {"distributed": [...]}; the help promised only {"results": [...]}."""
    text = " ".join(runner.invoke(cli, ["smoke", "--help"]).stdout.split())
    assert '{"distributed": [...]} with --distributed' in text


def test_the_live_display_keeps_a_runs_note_only_when_verbose():
    """`dlrec recommend` on a terminal printed "KERAS_BACKEND=torch set for this run" on every
    run (issue 26): the live table keeps planned notes only for ``smoke --verbose``."""
    from recommender.report.smoke import LiveTable
    from recommender.smoke.results import SmokeEvent, SmokeRun

    run = SmokeRun(framework="keras", backend="torch", device="cpu", note="KERAS_BACKEND=torch")
    skipped = SmokeEvent(kind="skipped", message="keras on jax: skipped")
    for verbose, expected in ((False, ["keras on jax: skipped"]), (True, None)):
        table = LiveTable(notes=verbose)
        table.on_event(SmokeEvent(kind="planned", run=run, message="KERAS_BACKEND=torch"))
        table.on_event(skipped)
        if expected is None:
            assert table.messages == ["keras[torch] on cpu: KERAS_BACKEND=torch", skipped.message]
        else:
            assert table.messages == expected


def test_a_cpu_build_on_cuda_gets_the_planners_cuda_build_not_a_driver_check():
    """`smoke --device cuda` with a CPU-only torch on a machine without a GPU said "check the
    driver" (issue 26): the cause says the build is CPU-only and no GPU is here, the fix is the
    install planner's CUDA build and the cpu smoke."""
    from recommender.decide.install.hints import with_device_fix
    from recommender.rulebase.wheels.load import load_wheels
    from recommender.smoke.failures import FailureKind, SmokeFailure
    from recommender.smoke.results import SmokeResult

    cpu_torch = {"installed": True, "version": "2.13.0+cpu", "build": {"flavour": "cpu"}}
    error = SmokeFailure(
        kind=FailureKind.DEVICE_UNUSABLE,
        message="pytorch cannot use cuda: torch.cuda.is_available() is False",
        fix="check the driver with `dlrec probe --deep`, or smoke the cpu only",
    )
    failed = SmokeResult(
        framework="pytorch", backend=None, device="cuda", model="mlp", ok=False, error=error
    )
    matrix = load_wheels()
    got = with_device_fix(failed, linux_facts(pytorch=cpu_torch), matrix=matrix).error
    assert "CPU-only" in got.message and "no nvidia GPU" in got.message
    assert "driver" not in got.fix and "dlrec smoke --device cpu" in got.fix
    assert "/usr/bin/python3 -m pip install 'torch==" in got.fix and "/whl/cu" in got.fix
    # With the GPU here, the CPU build is still the cause; the fix is the same CUDA build.
    here = with_device_fix(failed, linux_facts([GPU], pytorch=cpu_torch), matrix=matrix).error
    assert "no nvidia GPU" not in here.message and "/whl/cu" in here.fix
    assert "smoke the cpu" not in here.fix
    # A CUDA build on a GPU that fails: the driver is the suspect, the fix stays.
    assert with_device_fix(failed, linux_facts([GPU], pytorch=TORCH_CUDA), matrix=matrix) == failed
