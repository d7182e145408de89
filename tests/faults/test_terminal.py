"""The terminal: stdin not a TTY, stdout piped, NO_COLOR=1 and TERM=dumb (no escape codes), and
Ctrl-C at each stage (probing, questionnaire, smoke): exit 130, one line, no child left, no
partial file."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import dlrec_argv
from tests.faults.helpers import (
    FIXTURES,
    ROOT,
    assert_no_survivors,
    dead,
    fake_torch_env,
    run,
    token_env,
)
from tests.test_smoke_faults import survivors

pexpect = pytest.importorskip("pexpect")

MACHINE = str(FIXTURES / "personas5" / "machines" / "linux-cpu-all.json")
ESC = "\x1b["


def test_stdin_not_a_tty_recommend_runs_and_ask_says_the_way_out(tmp_path):
    """Trigger: stdin is /dev/null (a CI job, a pipe)."""
    ran = run("recommend", "--no-smoke", "--facts", MACHINE)
    assert ran.code == 0 and "Recommendation" in ran.out
    ask = run("ask", "--no-smoke", "--facts", MACHINE, "--save-answers", str(tmp_path / "a.yaml"))
    assert ask.code == 2 and "dlrec recommend --answers" in ask.err
    assert not (tmp_path / "a.yaml").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("probe",),
        ("recommend", "--no-smoke", "--facts", MACHINE),
        ("checklist", "--no-smoke", "--facts", MACHINE, "--framework", "pytorch"),
    ],
)
def test_stdout_piped_has_no_escape_codes(args):
    """Trigger: stdout is a pipe (``dlrec ... | less``)."""
    ran = run(*args)
    assert ran.code in (0, 1) and ran.out and ESC not in ran.out and ESC not in ran.err


def _pty(args, **env) -> tuple[int, str]:
    env, _ = token_env(**env)
    env.pop("NO_COLOR", None) if "NO_COLOR" not in env else None
    child = pexpect.spawn(
        sys.executable,
        ["-m", "recommender", *args],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 120),
    )
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus, child.before


@pytest.mark.parametrize(
    "env",
    [{"NO_COLOR": "1", "TERM": "xterm-256color"}, {"TERM": "dumb"}],
    ids=["NO_COLOR=1", "TERM=dumb"],
)
@pytest.mark.parametrize(
    "args",
    [("probe",), ("recommend", "--no-smoke", "--facts", MACHINE)],
    ids=["probe", "recommend"],
)
def test_no_color_and_dumb_terminal_on_a_tty_give_no_escape_codes(args, env):
    """Trigger: a real terminal (pty) with NO_COLOR=1, or TERM=dumb."""
    code, out = _pty(args, **env)
    assert code == 0 and len(out) > 200
    assert ESC not in out, repr(out[:300])


def test_control_a_colour_terminal_does_get_escape_codes():
    """The control for the test above: the same run on TERM=xterm-256color is coloured."""
    code, out = _pty(("probe",), TERM="xterm-256color", FORCE_COLOR="1")
    assert code == 0 and ESC in out


# --------------------------------------------------------------------------- Ctrl-C at each stage


def _interrupt(proc: subprocess.Popen, token: str) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(
            f"dlrec did not exit on SIGINT; left: {[p.cmdline() for p in survivors(token)]}"
        )
    assert proc.returncode == 130, err
    # Piped runs print "smoke: ... started" progress lines on stderr; nothing else may appear.
    assert [
        ln for ln in err.strip().splitlines() if ln.strip() and not ln.startswith("smoke: ")
    ] == ["dlrec: interrupted"], err
    assert_no_survivors(token)
    return err


def _wait(predicate, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert predicate()


def test_ctrl_c_while_probing(gpu):
    """Trigger: SIGINT while nvidia-smi hangs (detected by its pid file)."""
    gpu.hanging("nvidia-smi")
    env, token = token_env(gpu.env())
    proc = subprocess.Popen(
        dlrec_argv("probe", "--json"),
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait(lambda: len(gpu.hung_pids()) >= 2)
    _interrupt(proc, token)
    assert all(dead(p) for p in gpu.hung_pids())


def test_ctrl_c_in_the_questionnaire(tmp_path):
    """Trigger: Ctrl-C at question 2 of ``dlrec ask`` on a pty, with --save-answers."""
    saved = tmp_path / "answers.yaml"
    env, token = token_env(TERM="xterm", PYTHONUNBUFFERED="1")
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "recommender",
            "ask",
            "--no-smoke",
            "--facts",
            MACHINE,
            "--save-answers",
            str(saved),
        ],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    child.expect(r"\[1/\d+\]")  # the count is what ask asks, from questions.yaml
    child.send("\r")
    child.expect(r"\[2/\d+\]")
    child.send("\x03")
    child.expect_exact("dlrec: interrupted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 and "Traceback" not in (child.before or "")
    assert list(tmp_path.iterdir()) == []  # no answers file, no temp file
    assert_no_survivors(token)


def test_ctrl_c_during_smoke_leaves_no_child_and_no_partial_file(tmp_path):
    """Trigger: SIGINT while ``dlrec checklist --out FILE`` smoke-trains a fake torch whose
    import hangs with a grandchild holding its pipes (detected by the processes appearing)."""
    out = tmp_path / "checklist.md"
    cache = tmp_path / "cache"
    env, token = token_env(fake_torch_env("grandchild"), DLREC_CACHE_DIR=str(cache))
    proc = subprocess.Popen(
        dlrec_argv(
            "checklist", "--framework", "pytorch", "--format", "markdown", "--out", str(out)
        ),
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def smoking() -> bool:
        lines = [" ".join(p.cmdline()) for p in survivors(token) if p.pid != proc.pid]
        return any("smoke.children.train" in c for c in lines) and any(
            "dlrec-fake-torch" in c for c in lines
        )

    _wait(smoking)
    _interrupt(proc, token)
    assert list(tmp_path.iterdir()) in ([cache], [])
    partial = [
        p
        for p in cache.rglob("*")
        if p.is_file()
        and (p.suffix == ".tmp" or (p.suffix == ".json" and "rulebase" not in p.parts))
    ]
    # no smoke cache entry, no temp file (logs of the killed run may stay; the parsed rule
    # base, written before the smoke started, is a complete entry of its own cache)
    assert partial == []
