"""Nothing lost: every file dlrec writes goes through recommender.core.atomic.write_atomic, and a crash
or Ctrl-C at any step of a write leaves the old file (or no file), never half of one, and no temp
file lying around."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recommender.core import atomic
from recommender.core.atomic import write_atomic

ROOT = Path(__file__).resolve().parent.parent


def test_writes_text_and_bytes_and_replaces(tmp_path):
    target = tmp_path / "f.txt"
    write_atomic(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert os.listdir(tmp_path) == ["f.txt"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~atomic._UMASK  # as open() would, not 0o600


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError, MemoryError])
def test_interrupt_at_each_step_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch, step, exc):
    """Trigger: ``exc`` raised inside the write at ``step`` (Ctrl-C, a full disk, a crash)."""
    target = tmp_path / "answers.yaml"
    target.write_text("old\n")

    def boom(*a, **k):
        raise exc("injected")

    if step == "write":
        real_fdopen = os.fdopen

        class Half:
            def __init__(self, fh):
                self.fh = fh

            def __enter__(self):
                return self

            def __exit__(self, *a):
                self.fh.close()

            def write(self, data):
                self.fh.write(data[: len(data) // 2])  # half of it reaches the temp file
                raise exc("injected")

        monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: Half(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(atomic.os, step, boom)
    with pytest.raises(exc):
        write_atomic(target, "new content that is long enough to be cut in half\n")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["answers.yaml"]


def test_interrupt_with_no_old_file_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic.os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "new.md", "x")
    assert os.listdir(tmp_path) == []


def test_missing_folder_is_an_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "nope" / "f", "x")


def test_sigkill_mid_write_never_leaves_half_a_file(tmp_path):
    """Trigger: SIGKILL of a process in the middle of writing 8 MiB (no handler can run)."""
    target = tmp_path / "big.txt"
    target.write_text("old")
    code = (
        "import sys, os; sys.path.insert(0, %r)\n"
        "from recommender.core import atomic\n"
        "real = os.fsync\n"
        "def slow(fd):\n    print('writing', flush=True); import time; time.sleep(30)\n"
        "atomic.os.fsync = slow\n"
        "atomic.write_atomic(%r, 'x' * (8 << 20))\n"
    ) % (str(ROOT), str(target))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert target.read_text() == "old"  # the old file, whole; a temp file may remain (SIGKILL)
    leftovers = [p for p in os.listdir(tmp_path) if p != "big.txt"]
    assert all(p.startswith(".big.txt.") and p.endswith(".tmp") for p in leftovers)


# --------------------------------------------------------------------------- one helper, used everywhere

WRITERS = {  # module -> the function that writes a user-visible file
    "recommender/cli/questionnaire.py": "save_answers",
    "recommender/report/output.py": "write_out",
    "recommender/smoke/cache.py": "store",
    "recommender/cli/main.py": "_log_crash",
}


def _calls(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return names


@pytest.mark.parametrize("module, function", sorted(WRITERS.items()))
def test_every_writer_uses_the_one_helper(module, function):
    tree = ast.parse((ROOT / module).read_text())
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    assert "write_atomic" in _calls(func), f"{module}:{function} does not call write_atomic"


def test_no_other_module_writes_files_by_hand():
    """No second atomic-write helper: mkstemp/os.replace/write_text appear only in atomic.py.
    Not counted: smoke logs, streamed by the child as it runs (by design, they are not results),
    and the ``*_child.py`` and ``smoke/children/`` modules, which run inside a framework's process
    and hand their results to the parent through their own files."""
    offenders = []
    for path in sorted((ROOT / "recommender").rglob("*.py")):
        if path.name in ("atomic.py", "smoke_process.py") or path.name.endswith("_child.py"):
            continue
        if "children" in path.parts or "templates" in path.parts:
            continue
        calls = _calls(ast.parse(path.read_text()))
        bad = calls & {"mkstemp", "NamedTemporaryFile", "write_text", "write_bytes"}
        if "replace" in calls and "os.replace(" in path.read_text():
            bad.add("os.replace")
        if bad:
            offenders.append(f"{path.name}: {sorted(bad)}")
    assert not offenders, offenders


def test_crash_log_is_written_whole(tmp_path, monkeypatch, capsys):
    """Trigger: a bug (RuntimeError) in a command; the log holds the whole traceback."""
    from recommender.cli import main as cli

    monkeypatch.setenv("DLREC_CACHE_DIR", str(tmp_path / "cache"))

    def boom(*a, **k):
        raise RuntimeError("injected bug")

    monkeypatch.setattr("recommender.facts.collect.collect_facts", boom)
    start = time.monotonic()
    with pytest.raises(SystemExit) as exit_:
        cli.main(["probe"])
    assert exit_.value.code == 3 and time.monotonic() - start < 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError: injected bug; details in " in err
    log = Path(err.strip().rsplit("details in ", 1)[1])
    assert log.parent == tmp_path / "cache" / "logs"
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and text.rstrip().endswith(
        "RuntimeError: injected bug"
    )
    assert os.listdir(log.parent) == [log.name]
