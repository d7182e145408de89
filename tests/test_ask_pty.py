"""`dlrec ask` driven through a real pseudo-terminal (pexpect): arrow keys, number keys, Esc and
Left for back, jumping from the summary, Ctrl-C, EOF, and an 80-column golden screen (pyte)."""

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
ESC, LEFT = "\x1b", "\x1b[D"
GOLDEN = ROOT / "tests" / "golden"


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES")
    }
    env.update(
        HOME=str(home),
        DLREC_CACHE_DIR=str(home / "cache"),
        TERM="xterm",
        PYTHONUNBUFFERED="1",
        PROMPT_TOOLKIT_NO_CPR="1",  # no cursor-position request: the same screen every time
    )
    return env


def spawn(tmp_path: Path, *args: str, dimensions=(40, 120)):
    child = pexpect.spawn(
        sys.executable,
        ["-m", "recommender", "ask", "--no-smoke", "--facts", LAPTOP, *args],
        cwd=str(ROOT),
        env=_env(tmp_path),
        encoding="utf-8",
        timeout=30,
        dimensions=dimensions,
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
    answer(child, "[1/8] What is the main goal")  # the default: prototyping
    child.expect_exact("Research favours flexible")  # the help line shows under the choices
    answer(child, "[2/8] Where will the trained model run?", DOWN)  # from "undecided" to "← back"
    answer(child, "[1/8] What is the main goal", UP)  # prototyping -> learning
    answer(child, "[2/8] Where will the trained model run?")
    for n in range(3, 9):  # the accelerator: detected, so not asked nor counted
        answer(child, f"[{n}/8]")
    child.expect_exact("Your answers:")
    child.expect_exact("Run the recommendation")
    child.expect_exact("Learning: understand deep learning")
    child.send("y")
    child.expect_exact("Recommendation (device: cpu)")
    assert finish(child) == 0
    text = saved.read_text()
    assert 'goal: "learning"' in text and 'deploy: "undecided"' in text


def test_accelerator_default_shows_detection(tmp_path):
    child = spawn(tmp_path, "--review")
    for n in range(1, 9):
        answer(child, f"[{n}/9]")
    child.expect_exact("[9/9] Which accelerator")
    child.expect_exact("(detected: AMD EPYC)")
    child.send(CTRL_C)
    assert finish(child) == 130


def test_ctrl_c_exits_130_without_a_file(tmp_path):
    saved = tmp_path / "answers.yaml"
    child = spawn(tmp_path, "--save-answers", str(saved))
    answer(child, "[1/8] What is the main goal")
    child.expect_exact("[2/8]")
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
    for n in range(1, 9):
        answer(child, f"[{n}/8]")
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
    assert "[1/8] What is the main goal" in proc.stdout  # numbered prompts, not arrow keys
    assert not saved.exists()


def test_number_keys_pick_a_choice_at_once(tmp_path):
    saved = tmp_path / "answers.yaml"
    child = spawn(tmp_path, "--save-answers", str(saved))
    child.expect_exact("[1/8] What is the main goal")
    child.send("3")  # research, production, learning: no Enter needed
    for n in range(2, 9):
        answer(child, f"[{n}/8]")
    child.expect_exact("Run the recommendation")
    child.expect_exact("Learning: understand deep learning")
    child.send("y")
    assert finish(child) == 0
    assert 'goal: "learning"' in saved.read_text()


@pytest.mark.parametrize("key", [ESC, LEFT], ids=["esc", "left"])
def test_esc_and_left_go_back_one_question(tmp_path, key):
    saved = tmp_path / "answers.yaml"
    child = spawn(tmp_path, "--save-answers", str(saved))
    answer(child, "[1/8] What is the main goal")
    child.expect_exact("[2/8] Where will the trained model run?")
    child.send(key)
    child.expect_exact("[1/8] What is the main goal")
    child.send("2")  # production
    for n in range(2, 9):
        answer(child, f"[{n}/8]")
    child.expect_exact("Run the recommendation")
    child.send("y")
    assert finish(child) == 0
    assert 'goal: "production"' in saved.read_text()


def test_summary_numbers_every_answer_and_jumps_back_to_it(tmp_path):
    saved = tmp_path / "answers.yaml"
    child = spawn(tmp_path, "--save-answers", str(saved))
    for n in range(1, 9):
        answer(child, f"[{n}/8]")
    child.expect_exact("Your answers:")
    child.expect_exact("Run the recommendation")
    child.expect_exact("1) What is the main goal")
    child.expect_exact("9) Which accelerator")  # skipped, but listed and marked as detected
    child.expect_exact("(detected: AMD EPYC)")
    child.send("1")  # jump to question 1
    child.expect_exact("Change 1) What is the main goal")
    child.send("1")  # research
    child.expect_exact("Your answers:")  # straight back to the summary, not on to question 2
    child.expect_exact("Run the recommendation")
    child.expect_exact("Research")
    child.send("9")  # the detected answer can be reviewed from the summary
    child.expect_exact("Change 9) Which accelerator")
    child.send(ESC)  # back from a jump: the summary again
    child.expect_exact("Your answers:")
    child.expect_exact("Run the recommendation")
    child.send("y")
    assert finish(child) == 0
    text = saved.read_text()
    assert 'goal: "research"' in text and "accelerator" not in text  # detected stays detected


class Screen:
    """A terminal emulator (pyte) fed everything the child writes (pexpect's ``logfile_read``)."""

    def __init__(self, cols: int, rows: int) -> None:
        pyte = pytest.importorskip("pyte")
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)

    def write(self, text: str) -> None:
        self.stream.feed(text)

    def flush(self) -> None:
        pass

    def lines(self, child) -> list[str]:
        """The screen once the child has stopped drawing."""
        try:
            child.expect_exact("\x00never", timeout=0.8)
        except pexpect.TIMEOUT:
            pass
        lines = [line.rstrip() for line in self.screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines


def test_80_columns_wraps_help_and_summary_at_words(tmp_path, update_goldens):
    screen = Screen(80, 40)
    child = spawn(tmp_path, dimensions=(40, 80))
    child.logfile_read = screen
    for n in range(1, 3):
        answer(child, f"[{n}/8]")
    child.expect_exact("Description:")
    question = screen.lines(child)
    for n in range(3, 9):
        child.send(ENTER)
        if n < 8:
            child.expect_exact(f"[{n + 1}/8]")
    child.expect_exact("9) Which accelerator")
    summary = screen.lines(child)
    child.send(CTRL_C)
    finish(child)
    assert all(len(line) <= 80 for line in question + summary)
    text = "\n".join(question + ["-" * 80] + summary) + "\n"
    assert "Description:" in text and "(detected: AMD EPYC)" in text
    for lines in (question, summary):  # no word is split across two lines
        for a, b in zip(lines, lines[1:], strict=False):
            assert not (len(a) == 80 and a[-1].isalpha() and b[:1].isalpha()), (a, b)
    golden = GOLDEN / "ask_80_columns.txt"
    if update_goldens:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
