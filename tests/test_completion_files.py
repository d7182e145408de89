"""Every file argument is a click Path, so bash, zsh and fish complete file names for it
(--facts, --answers, --save-answers, --out, --rules, --import, diff's A.json and B.json, ...)."""

from __future__ import annotations

import os
import subprocess

import click
import pytest

from recommender.cli.main import cli
from tests.conftest import ROOT, dlrec_argv


def _commands(group: click.Group, ctx: click.Context, prefix: str = ""):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None:
            continue
        yield f"{prefix}{name}", cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, click.Context(cmd, parent=ctx), f"{prefix}{name} ")


FILEISH = ("FILE", "DIR", ".json", "PATH")


def _file_params():
    ctx = click.Context(cli)
    found = []
    for name, cmd in _commands(cli, ctx):
        for param in cmd.params:
            metavar = getattr(param, "metavar", None) or ""
            if any(word in metavar for word in FILEISH):
                found.append((name, param))
    return found


def test_there_are_file_arguments():
    names = {(c, p.name) for c, p in _file_params()}
    assert {("recommend", "facts_file"), ("recommend", "answers_file"), ("diff", "a")} <= names
    assert ("ask", "save_answers") in names and ("recommend", "out") in names


@pytest.mark.parametrize(
    ("command", "param"), _file_params(), ids=lambda x: x if isinstance(x, str) else x.name
)
def test_every_file_argument_is_a_path(command, param):
    assert isinstance(param.type, click.Path), (command, param.name, param.type)


def _complete(shell: str, words: str, cword: str) -> list[str]:
    env = {
        **os.environ,
        "_DLREC_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": cword,
    }
    proc = subprocess.run(
        dlrec_argv(), env=env, capture_output=True, text=True, cwd=str(ROOT), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


@pytest.mark.parametrize(
    "words",
    [
        "dlrec recommend --facts ",
        "dlrec recommend --answers ",
        "dlrec recommend --out ",
        "dlrec ask --save-answers ",
        "dlrec diff ",
        "dlrec diff a.json ",
        "dlrec checklist --out ",
    ],
)
def test_bash_zsh_and_fish_complete_file_names(words):
    cword = str(len(words.split()))
    assert _complete("bash", words, cword) == ["file,"]
    assert _complete("zsh", words, cword)[0] == "file"
    assert _complete("fish", words, "")[0].startswith("file,")
