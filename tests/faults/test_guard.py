"""The one top-level guard (recommender/cli/main.py ``main``) covers every command, lazily imported
ones included, and errors raised while importing a command module; the README's exit-code
table lists exactly the codes of ``ExitCode``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from recommender.cli import main as cli_module
from recommender.core.errors import BadInputError, ExitCode
from tests.faults.helpers import ROOT, run


def leaf_commands() -> list[tuple[str, ...]]:
    """Every runnable command path, found by walking the real group (new commands included)."""
    ctx = click.Context(cli_module.cli)
    paths = []

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            if isinstance(cmd, click.Group):
                walk(cmd, (*prefix, name))
            elif cmd is not None:
                paths.append((*prefix, name))

    walk(cli_module.cli, ())
    return paths


def _command(path: tuple[str, ...]) -> click.Command:
    ctx = click.Context(cli_module.cli)
    cmd: click.Command = cli_module.cli
    for name in path:
        cmd = cmd.get_command(ctx, name)
    return cmd


def _args_for(cmd: click.Command, existing: Path) -> list[str]:
    """Required arguments: an existing folder, or a file in it where the parameter takes
    files only (``fleet node-recommend FACTS``)."""
    args = []
    for param in cmd.params:
        if isinstance(param, click.Argument) and param.required:
            value = existing
            if getattr(param.type, "dir_okay", True) is False:
                value = existing / "input.json"
                value.write_text("{}")
            args += [str(value)] * max(1, param.nargs)
        elif isinstance(param, click.Option) and param.required:  # `plan --framework F`
            choices = getattr(param.type, "choices", None)
            args += [param.opts[0], str(choices[0]) if choices else str(existing)]
    return args


COMMANDS = leaf_commands()


def test_every_command_is_found():
    names = {" ".join(p) for p in COMMANDS}
    assert {
        "probe",
        "recommend",
        "ask",
        "smoke",
        "checklist",
        "init",
        "rules check",
        "rules list",
        "rules explain",
    } <= names, names


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
@pytest.mark.parametrize(
    "exc, code, text",
    [
        (
            RuntimeError("injected bug"),
            3,
            "dlrec: internal error: RuntimeError: injected bug; details in ",
        ),
        (KeyboardInterrupt(), 130, "dlrec: interrupted"),
        (BadInputError("bad thing", where="f.yaml:3"), 2, "dlrec: error: f.yaml:3: bad thing"),
    ],
    ids=["bug", "ctrl-c", "bad-input"],
)
def test_every_command_is_guarded(path, exc, code, text, monkeypatch, capsys, tmp_path):
    """Trigger: the command's body raises ``exc``; the guard maps it to one line and a code."""
    cmd = _command(path)

    def boom(*a, **k):
        raise exc

    monkeypatch.setattr(cmd, "callback", boom)
    existing = tmp_path / "dir"
    existing.mkdir()
    with pytest.raises(SystemExit) as exit_:
        cli_module.main([*path, *_args_for(cmd, existing)])
    err = capsys.readouterr().err
    assert exit_.value.code == code, err
    [line] = [ln for ln in err.splitlines() if ln.strip()]  # click echoes a bare newline on Ctrl-C
    assert line.startswith(text)
    if code == 3:
        log = Path(err.strip().rsplit("details in ", 1)[1])
        assert "RuntimeError: injected bug" in log.read_text()


def test_error_while_importing_a_command_module(tmp_path):
    """Trigger: a lazily imported command module raises on import (a broken install)."""
    (tmp_path / "dlrec_broken_cmd.py").write_text("import nonexistent_dependency_xyz\n")
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from recommender.cli import main as cli\n"
        "cli.LAZY_COMMANDS['broken'] = ('dlrec_broken_cmd', 'broken', 'x')\n"
        "cli.main(['broken'])\n"
    ) % str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert proc.returncode == ExitCode.INTERNAL
    [line] = proc.stderr.splitlines()
    assert line.startswith(
        "dlrec: internal error: ModuleNotFoundError: No module named 'nonexistent_dependency_xyz'"
    )
    assert "details in " in line and "Traceback" not in proc.stdout


def test_broken_pipe_is_quiet():
    """Trigger: the reader of stdout goes away (``dlrec rules list | head -1``)."""
    script = f"{sys.executable} -m recommender rules list --json | (exec 0<&-; sleep 1); echo ${{PIPESTATUS[0]}}"
    proc = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=30
    )
    assert proc.stdout.strip() == "0" and proc.stderr == "", proc.stderr


def test_unknown_command_and_bad_flag_are_one_line_exit_2():
    for args in (("no-such-command",), ("probe", "--no-such-flag")):
        ran = run(*args)
        assert ran.code == 2 and ran.err.startswith("dlrec: error: ") and ran.out == ""


def test_readme_exit_code_table_is_complete_and_true():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = {int(m) for m in re.findall(r"^\|\s*(\d+)\s*\|", section, re.M)}
    assert codes == {int(c) for c in ExitCode}
