"""Names agree across commands: --accelerator (nvidia|amd|apple|intel|tpu|cpu) and --device
(cuda|rocm|mps|xpu|tpu|cpu) take each other's names as synonyms (JSON keeps the canonical ones),
``gpu`` means the one GPU kind present, --train-timeout and --timeout are one flag, and every
closed set, command names included, answers a typo with "did you mean"."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from recommender.cli.choices import accelerator_choice, device_choice, framework_choice
from recommender.cli.main import cli
from recommender.core.catalog import ACCELERATOR_ANSWERS, ACCELERATORS, SMOKE_DEVICES

MACHINES = Path(__file__).resolve().parent / "fixtures" / "personas5" / "machines"


@pytest.mark.parametrize("info", list(ACCELERATORS.values()), ids=lambda a: a.answer)
def test_device_and_accelerator_names_are_synonyms(info):
    assert device_choice(SMOKE_DEVICES).convert(info.answer, None, None) == info.smoke_device
    assert device_choice(SMOKE_DEVICES).convert(info.smoke_device, None, None) == info.smoke_device
    assert accelerator_choice(ACCELERATOR_ANSWERS).convert(info.smoke_device, None, None) == (
        info.answer
    )
    assert accelerator_choice(ACCELERATOR_ANSWERS).convert(info.answer.upper(), None, None) == (
        info.answer
    )


def test_framework_synonyms_and_typos():
    choice = framework_choice()
    assert choice.convert("torch", None, None) == "pytorch"
    assert choice.convert("TF", None, None) == "tensorflow"
    with pytest.raises(click.BadParameter, match="did you mean 'pytorch'"):
        choice.convert("pytroch", None, None)


def _run(runner, *args):
    return runner.invoke(cli, list(args))


def test_accelerator_cuda_keeps_the_json_name(runner):
    facts = str(MACHINES / "a100-cuda-full.json")
    r = _run(runner, "recommend", "--no-smoke", "--facts", facts, "--accelerator", "cuda", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["answers"]["accelerator"] == "nvidia" and doc["answer_sources"]["accelerator"] == (
        "flag"
    )


@pytest.mark.parametrize(
    ("machine", "expected"), [("a100-cuda-full.json", "nvidia"), ("amd-mi210.json", "amd")]
)
def test_gpu_is_the_one_gpu_kind_present(runner, machine, expected):
    facts = str(MACHINES / machine)
    r = _run(runner, "recommend", "--no-smoke", "--facts", facts, "--accelerator", "gpu", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["answers"]["accelerator"] == expected


def test_gpu_without_a_gpu_is_one_line_exit_2(runner):
    facts = str(MACHINES / "linux-cpu-all.json")
    r = _run(runner, "recommend", "--no-smoke", "--facts", facts, "--accelerator", "gpu")
    assert r.exit_code == 2
    assert "no GPU was found" in r.stderr and "did you mean" not in r.stderr
    assert r.stderr.strip().count("\n") == 0


def test_device_gpu_names_the_kinds(runner):
    r = _run(runner, "smoke", "--device", "gpu")
    assert r.exit_code == 2 and "cuda (nvidia)" in r.stderr and "tpu'?" not in r.stderr


@pytest.mark.parametrize("command", ["smoke", "recommend", "checklist", "ask", "init"])
def test_train_timeout_and_timeout_are_one_flag(command):
    cmd = cli.get_command(click.Context(cli), command)
    if cmd is None:
        pytest.skip(f"no {command} command")
    names = [set(p.opts) for p in cmd.params]
    if not any("--train-timeout" in n or "--timeout" in n for n in names):
        pytest.skip(f"{command} has no training timeout")
    assert {"--train-timeout", "--timeout"} in names


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["recomend"], "did you mean 'recommend'"),
        (["smoke", "--framework", "pytroch"], "did you mean 'pytorch'"),
        (["checklist", "--framework", "pytroch"], "did you mean 'pytorch'"),
        (["recommend", "--no-smoke", "--why", "pytroch"], "did you mean 'pytorch'"),
        (["recommend", "--goal", "reserch"], "did you mean 'research'"),
        (["smoke", "--device", "nvidai"], "did you mean 'nvidia'"),
        (["recommend", "--accelerator", "nvidai"], "did you mean 'nvidia'"),
        (["recommend", "--format", "jsn"], "did you mean 'json'"),
    ],
)
def test_did_you_mean_messages(capsys, args, hint):
    from recommender.cli.main import main

    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert hint in err and err.strip().count("\n") == 0, err


def test_no_command_uses_a_bare_click_choice():
    """Every closed-set option goes through NamedChoice (synonyms, "did you mean")."""
    cli_dir = Path(__file__).resolve().parent.parent / "recommender" / "cli"
    bare = [p.name for p in cli_dir.glob("*.py") if "click.Choice(" in p.read_text()]
    assert bare == []
