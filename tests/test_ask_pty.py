"""`dlrec ask` driven through a real pseudo-terminal (pexpect): arrow keys, back, Ctrl-C, EOF."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parent.parent
LAPTOP = str(ROOT / "tests" / "fixtures" / "personas5" / "machines" / "linux-cpu-all.json")
DOWN, UP, ENTER, CTRL_C = "\x1b[B", "\x1b[A", "\r", "\x03"


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")
    }
    env.update(
        HOME=str(home), DLREC_CACHE_DIR=str(home / "cache"), TERM="xterm", PYTHONUNBUFFERED="1"
    )
    return env


def spawn(tmp_path: Path, *args: str):
    child = pexpect.spawn(
        sys.executable,
        ["-m", "recommender", "ask", "--no-smoke", "--facts", LAPTOP, *args],
        cwd=str(ROOT),
        env=_env(tmp_path),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
    return child


def answer(child, question: str, *keys: str) -> None:
    child.expect_exact(question)
    for key in keys:
        child.send(key)
    child.send(ENTER)


def finish(child) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0)


def test_answer_go_back_confirm_and_save(tmp_path):
    saved = tmp_path / "answers.yaml"
    child = spawn(tmp_path, "--save-answers", str(saved))
    answer(child, "[1/7] What is the main goal")  # the default: prototyping
    child.expect_exact("Research favours flexible")  # the help line shows under the choices
    answer(child, "[2/7] Where will the trained model run?", DOWN)  # from "undecided" to "← back"
    answer(child, "[1/7] What is the main goal", UP)  # prototyping -> learning
    answer(child, "[2/7] Where will the trained model run?")
    for n in range(3, 8):
        answer(child, f"[{n}/7]")
    child.expect_exact("Your answers:")
    child.expect_exact("Learning: understand deep learning")
    child.expect_exact("Run the recommendation")
    child.send("y")
    child.expect_exact("Recommendation (device: cpu)")
    assert finish(child) == 0
    text = saved.read_text()
    assert 'goal: "learning"' in text and 'deploy: "undecided"' in text


def test_accelerator_default_shows_detection(tmp_path):
    child = spawn(tmp_path)
    for n in range(1, 7):
        answer(child, f"[{n}/7]")
    child.expect_exact("[7/7] Which accelerator")
    child.expect_exact("(detected: AMD EPYC)")
    child.send(CTRL_C)
    assert finish(child) == 130


def test_ctrl_c_exits_130_without_a_file(tmp_path):
    saved = tmp_path / "answers.yaml"
    child = spawn(tmp_path, "--save-answers", str(saved))
    answer(child, "[1/7] What is the main goal")
    child.expect_exact("[2/7]")
    child.send(CTRL_C)
    child.expect_exact("dlrec: interrupted")
    assert finish(child) == 130
    assert "Traceback" not in (child.before or "")
    assert (
        not saved.exists()
        and [p.name for p in tmp_path.iterdir() if p.name.startswith(".answers")] == []
    )


def test_ctrl_c_at_the_summary(tmp_path):
    saved = tmp_path / "answers.yaml"
    child = spawn(tmp_path, "--save-answers", str(saved))
    for n in range(1, 8):
        answer(child, f"[{n}/7]")
    child.expect_exact("Run the recommendation")
    child.send(CTRL_C)
    child.expect_exact("dlrec: interrupted")
    assert finish(child) == 130 and not saved.exists()


def test_eof_on_non_tty_stdin_exits_2_with_the_way_out(tmp_path):
    saved = tmp_path / "answers.yaml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "recommender",
            "ask",
            "--no-smoke",
            "--facts",
            LAPTOP,
            "--save-answers",
            str(saved),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        env=_env(tmp_path),
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "input ended before question 'goal'" in proc.stderr
    assert "dlrec recommend --answers" in proc.stderr
    assert "[1/7] What is the main goal" in proc.stdout  # numbered prompts, not arrow keys
    assert not saved.exists()
