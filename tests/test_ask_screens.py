"""`dlrec ask` on a real pseudo-terminal, as the screen looks (pyte), at 80x24 and 60x20.

Each scenario is a list of keys, each followed by the text to wait for; a snapshot of the screen
is taken where a step says so, and all snapshots of one size are compared with one golden file
(``pytest --update-goldens`` rewrites it). Besides the goldens, each scenario checks what the
issue asked: answers redrawn in place (no repeated transcript), the counter counting only what is
asked, the summary redrawn after a jump, Esc as quick as Left, ``q`` and Ctrl-D cancelling with
exit 130 and nothing written, and choices wrapped at words at any width, a resize included.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

ROOT = Path(__file__).resolve().parent.parent
LAPTOP = str(ROOT / "tests" / "fixtures" / "personas5" / "machines" / "linux-cpu-all.json")
GOLDEN = ROOT / "tests" / "golden"
DOWN, ENTER, ESC, LEFT, CTRL_D = "\x1b[B", "\r", "\x1b", "\x1b[D", "\x04"
SIZES = [(80, 24), (60, 20)]


def _keys() -> list[str]:
    from recommender.rulebase.load import load_rulebase

    return [q.key for q in load_rulebase(()).questions]


KEYS = _keys()
#: The accelerator is detected on the laptop: not asked, not counted.
N = len(KEYS) - 1
SCALE = KEYS.index("scale") + 1


@pytest.fixture
def terminals():
    """Every Terminal a test starts is ended at teardown, whatever the test's outcome."""
    started: list[Terminal] = []
    yield started
    for term in started:
        if term.child.isalive():
            term.child.terminate(force=True)


@dataclass
class Step:
    keys: str  # what to type ("" for nothing); "RESIZE:COLS" resizes the terminal instead
    wait: str  # text the child writes once it has acted on the keys
    snap: str = ""  # a name: take a snapshot of the screen here


class Terminal:
    """The child on a pty, its output fed to a pyte screen of the same size."""

    def __init__(self, tmp_path: Path, cols: int, rows: int, *args: str) -> None:
        self.cols, self.rows = cols, rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
        env.update(
            HOME=str(tmp_path),
            DLREC_CACHE_DIR=str(tmp_path / "cache"),
            TERM="xterm",
            PYTHONUNBUFFERED="1",
            PROMPT_TOOLKIT_NO_CPR="1",
        )
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "recommender", "ask", "--no-smoke", "--facts", LAPTOP, *args],
            cwd=str(ROOT),
            env=env,
            encoding="utf-8",
            timeout=30,
            dimensions=(rows, cols),
        )
        self.child.logfile_read = self

    def write(self, text: str) -> None:  # pexpect's logfile_read
        self.stream.feed(text)

    def flush(self) -> None:
        pass

    def settle(self) -> None:
        """Let the child finish drawing."""
        try:
            self.child.expect_exact("\x00never", timeout=0.6)
        except (pexpect.TIMEOUT, pexpect.EOF):
            pass

    def lines(self) -> list[str]:
        self.settle()
        lines = [line.rstrip() for line in self.screen.display]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def run(self, steps: list[Step]) -> dict[str, list[str]]:
        snaps = {}
        for step in steps:
            if step.keys.startswith("RESIZE:"):
                self.settle()
                self.cols = int(step.keys.split(":")[1])
                self.screen.resize(self.rows, self.cols)
                self.child.setwinsize(self.rows, self.cols)
            elif step.keys:
                self.settle()  # the app reads keys once it is drawn
                self.child.send(step.keys)
            if step.wait:
                self.child.expect_exact(step.wait)
            if step.snap:
                snaps[step.snap] = self.lines()
        return snaps

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else 130


def _to_summary() -> list[Step]:
    return [Step("", f"[1/{N}]")] + [
        Step(ENTER, f"[{n}/{N}]" if n <= N else "Your answers") for n in range(2, N + 2)
    ]


def _check_wrapped(lines: list[str], cols: int) -> None:
    """Nothing reaches the last column (every line is wrapped by us, at words), nothing is cut
    with an ellipsis."""
    for line in lines:
        assert len(line) < cols, line
        assert "…" not in line, line


def _golden(name: str, snaps: dict[str, list[str]], update: bool) -> None:
    text = "".join(f"== {k}\n" + "\n".join(v) + "\n" for k, v in snaps.items())
    path = GOLDEN / name
    if update:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("cols", "rows"), SIZES, ids=[f"{c}x{r}" for c, r in SIZES])
def test_back_and_jump_redraw_in_place(tmp_path, cols, rows, update_goldens, terminals):
    saved = tmp_path / "answers.yaml"
    term = Terminal(tmp_path, cols, rows, "--save-answers", str(saved))
    terminals.append(term)
    steps = [
        Step("", f"[1/{N}]"),
        Step(ENTER, f"[2/{N}]"),
        Step(ENTER, f"[3/{N}]"),
        Step(ESC, f"[2/{N}]", snap="back from 3 with Esc"),
        Step(LEFT, f"[1/{N}]", snap="back from 2 with Left"),
        Step("2", f"[2/{N}]"),  # production
        *[Step(ENTER, f"[{n}/{N}]") for n in range(3, N + 1)],
        Step(ENTER, "Your answers", snap="summary"),
        Step(str(SCALE), f"Change {SCALE})", snap="jump to scale from the summary"),
        Step(DOWN + ENTER, "Your answers", snap="summary after the change"),
    ]
    snaps = term.run(steps)
    term.child.send("y")
    assert term.finish() == 0
    for name, lines in snaps.items():
        _check_wrapped(lines, cols)
        screen = "\n".join(lines)
        # no repeated transcript: every answer line is on screen at most once
        for n in range(1, N + 1):
            assert screen.count(f"[{n}/{N}]") <= 1, (name, screen)
        assert f"/{N + 1}]" not in screen  # the detected accelerator is not asked, nor counted
    back = "\n".join(snaps["back from 3 with Esc"])
    # question 2 is asked where its answer line was; question 3 is gone
    assert back.count(f"[2/{N}]") == 1 and f"[3/{N}]" not in back
    assert "\n".join(snaps["back from 2 with Left"]).count("What is the main goal") == 1
    after = "\n".join(snaps["summary after the change"])
    assert f"Change {SCALE})" not in after and after.count("Your answers") == 1
    assert "Several GPUs in one" in after  # the changed answer, in the summary drawn again
    assert "that answer Change" not in after
    text = saved.read_text()
    assert 'goal: "production"' in text and 'scale: "multi-gpu"' in text
    assert "accelerator" not in text
    _golden(f"ask_back_jump_{cols}x{rows}.txt", snaps, update_goldens)


@pytest.mark.parametrize(("cols", "rows"), SIZES, ids=[f"{c}x{r}" for c, r in SIZES])
@pytest.mark.parametrize("key", ["q", CTRL_D], ids=["q", "ctrl-d"])
def test_q_and_ctrl_d_cancel_with_nothing_written(
    tmp_path, cols, rows, key, update_goldens, terminals
):
    saved = tmp_path / "answers.yaml"
    term = Terminal(tmp_path, cols, rows, "--save-answers", str(saved))
    terminals.append(term)
    snaps = term.run([Step("", f"[1/{N}]"), Step(ENTER, f"[2/{N}]")])
    term.child.send(key)
    term.child.expect_exact("dlrec: cancelled; nothing was written")
    snaps["cancelled at 2"] = term.lines()
    assert term.finish() == 130
    assert not saved.exists() and [p.name for p in tmp_path.iterdir() if ".answers" in p.name] == []
    name = "q" if key == "q" else "ctrl_d"
    _golden(f"ask_cancel_{name}_{cols}x{rows}.txt", snaps, update_goldens)


def test_cancel_at_the_summary(tmp_path, terminals):
    saved = tmp_path / "answers.yaml"
    term = Terminal(tmp_path, 80, 24, "--save-answers", str(saved))
    terminals.append(term)
    term.run(_to_summary())
    term.child.send("q")
    term.child.expect_exact("dlrec: cancelled")
    assert term.finish() == 130 and not saved.exists()


@pytest.mark.parametrize(("cols", "rows", "narrow"), [(80, 24, 60), (60, 20, 44)])
def test_a_resize_wraps_the_choices_again(tmp_path, cols, rows, narrow, update_goldens, terminals):
    term = Terminal(tmp_path, cols, rows)
    terminals.append(term)
    snaps = term.run(
        [
            Step("", f"[1/{N}]"),
            Step(ENTER, f"[2/{N}]"),
            Step(ENTER, f"[3/{N}]", snap=f"question 3 at {cols}"),
            Step(f"RESIZE:{narrow}", f"[3/{N}]", snap=f"question 3 resized to {narrow}"),
            Step(DOWN, "", snap="the pointer moved after the resize"),
        ]
    )
    term.child.send("q")
    assert term.finish() == 130
    resized = snaps[f"question 3 resized to {narrow}"]
    question = resized[resized.index(next(x for x in resized if x.startswith(f"? [3/{N}]"))) :]
    _check_wrapped(question, narrow)
    assert " » 2) Intermediate" in "\n".join(question)  # the pointer stayed where it was
    assert " » 3) Expert" in "\n".join(snaps["the pointer moved after the resize"])
    _golden(f"ask_resize_{cols}x{rows}.txt", snaps, update_goldens)


def test_esc_goes_back_as_quickly_as_left(tmp_path, terminals):
    """Esc is not held back by prompt_toolkit's one-second wait for a longer key sequence."""
    term = Terminal(tmp_path, 80, 24)
    terminals.append(term)
    timings = {}
    term.run([Step("", f"[1/{N}]"), Step(ENTER, f"[2/{N}]")])
    for name, key in (("left", LEFT), ("esc", ESC)):
        term.settle()
        start = time.monotonic()
        term.child.send(key)
        term.child.expect_exact(f"[1/{N}]")
        timings[name] = time.monotonic() - start
        term.run([Step(ENTER, f"[2/{N}]")])
    term.child.send("q")
    assert term.finish() == 130
    assert timings["esc"] < timings["left"] + 0.25, timings
