"""Shell completion: click's protocol for bash, zsh and fish, and the bash script in a real bash."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recommender.cli.main import cli
from tests.conftest import ROOT, dlrec_argv

GOALS = {"research", "production", "learning", "prototyping"}


def complete(shell: str, words: str, cword: str, **extra: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "_DLREC_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": cword,
        **extra,
    }
    return subprocess.run(
        dlrec_argv(), env=env, capture_output=True, text=True, cwd=str(ROOT), timeout=60
    )


def test_bash_protocol_completes_answer_values():
    proc = complete("bash", "dlrec recommend --goal ", "3")
    assert proc.returncode == 0, proc.stderr
    assert {line.split(",", 1)[1] for line in proc.stdout.splitlines()} == GOALS


def test_bash_protocol_completes_commands_and_options():
    commands = complete("bash", "dlrec ", "1").stdout
    assert {"plain,recommend", "plain,ask", "plain,smoke"} <= set(commands.splitlines())
    options = complete("bash", "dlrec recommend --fo", "2").stdout.splitlines()
    assert "plain,--format" in options
    formats = complete("bash", "dlrec recommend --format ", "3").stdout.splitlines()
    assert formats == ["plain,text", "plain,markdown", "plain,json"]


def test_zsh_protocol_completes_answer_values():
    proc = complete("zsh", "dlrec recommend --goal ", "3")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    triples = [lines[i : i + 3] for i in range(0, len(lines), 3)]
    assert {value for kind, value, _help in triples if kind == "plain"} == GOALS


def test_fish_protocol_completes_answer_values():
    proc = complete("fish", "dlrec recommend --goal ", "")
    assert proc.returncode == 0, proc.stderr
    assert {line.split(",", 1)[1].split("\t")[0] for line in proc.stdout.splitlines()} == GOALS
    partial = complete("fish", "dlrec recommend --goal re", "re").stdout.splitlines()
    assert [line.split(",", 1)[1] for line in partial] == ["research"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_option_prints_the_script(runner, shell):
    result = runner.invoke(cli, ["--completion", shell], prog_name="dlrec")
    assert result.exit_code == 0, result.stderr
    assert "_DLREC_COMPLETE" in result.stdout and "dlrec" in result.stdout


def test_completion_option_rejects_another_shell(runner):
    result = runner.invoke(cli, ["--completion", "tcsh"])
    assert result.exit_code == 2


def _shim(tmp_path: Path) -> Path:
    """A ``dlrec`` on PATH that runs this checkout (the script calls the command by name)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "dlrec"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m recommender "$@"\n')
    shim.chmod(0o755)
    return bin_dir


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_script_registers_and_completes_in_a_real_bash(tmp_path):
    env = {
        **os.environ,
        "PATH": f"{_shim(tmp_path)}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }
    script = (
        "source <(dlrec --completion bash) && complete -p dlrec && "
        'COMP_WORDS=(dlrec recommend --goal ""); COMP_CWORD=3; '
        '_dlrec_completion dlrec; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    proc = subprocess.run(
        ["bash", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("complete ") and lines[0].endswith(" dlrec")
    assert "_dlrec_completion" in lines[0]
    assert set(lines[1:]) == GOALS


def test_help_stays_fast_with_the_completion_option():
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(dlrec_argv("--help"), env=env, capture_output=True, timeout=60)  # warm
    start = time.perf_counter()
    proc = subprocess.run(dlrec_argv("--help"), env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--completion SHELL" in proc.stdout
    assert time.perf_counter() - start < 1.0  # generous: the 0.1 s budget is the CLI's own
