"""When standard output cannot be written (issue 25): the reader left (EPIPE) is silent and
keeps the command's exit code; a full disk (ENOSPC) or a closed descriptor (EBADF) is one line
and exit 1, never an internal error, never a silent success. Real processes."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT, dlrec_argv
from tests.faults.helpers import assert_no_survivors, token_env

FACTS = str(FIXTURES / "facts" / "a100_linux.json")
FORMATS = ("text", "json", "markdown")


def _run(fmt: str, stdout, tmp_path: Path, **popen) -> subprocess.CompletedProcess:
    env, token = token_env(DLREC_CACHE_DIR=str(tmp_path / "cache"))
    argv = dlrec_argv("recommend", "--facts", FACTS, "--no-smoke", "--format", fmt)
    ran = subprocess.run(
        argv, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, timeout=60,
        stdin=subprocess.DEVNULL, **popen,
    )  # fmt: skip
    assert_no_survivors(token)
    return ran


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_reader_that_left_keeps_the_exit_code(fmt, tmp_path):
    """Trigger: ``dlrec recommend | head -1``. Rich's own EPIPE handler exited 1 ("no framework
    feasible") for the text format."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write: EPIPE, every time
    try:
        ran = _run(fmt, write, tmp_path)
    finally:
        os.close(write)
    assert (ran.returncode, ran.stderr) == (0, "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_disk_is_one_line_and_exit_1(fmt, tmp_path):
    """Trigger: ``dlrec recommend > /dev/full``. It was an internal error with a crash log."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        ran = _run(fmt, full, tmp_path)
    assert ran.returncode == 1
    assert ran.stderr == (
        "dlrec: error: cannot write the output to standard output: No space left on device\n"
    )
    assert not (tmp_path / "cache" / "logs").exists()  # no crash log


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_closed_stdout_is_one_line_and_exit_1(fmt, tmp_path):
    """Trigger: ``dlrec recommend >&-``. Python had no sys.stdout, and click wrote nowhere:
    exit 0 with no report at all."""
    ran = _run(fmt, None, tmp_path, preexec_fn=lambda: os.close(1))
    assert ran.returncode == 1
    assert ran.stderr == (
        "dlrec: error: cannot write the output to standard output: Bad file descriptor\n"
    )


def test_a_closed_stdout_is_fine_when_nothing_goes_there(tmp_path):
    env, _ = token_env(DLREC_CACHE_DIR=str(tmp_path / "cache"))
    out = tmp_path / "report.txt"
    argv = dlrec_argv("recommend", "--facts", FACTS, "--no-smoke", "--out", str(out))
    ran = subprocess.run(
        argv, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT, timeout=60,
        preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert ran.returncode == 0 and out.read_text().strip()


def test_a_huge_columns_is_no_megabytes_of_padding(tmp_path):
    """Trigger: COLUMNS=100000. Every table row was padded to it: 1.9 MB of blanks."""
    env, token = token_env(DLREC_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="100000")
    argv = dlrec_argv("recommend", "--facts", FACTS, "--no-smoke")
    ran = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert 0 < len(ran.stdout) < 20_000
    assert max(len(line) for line in ran.stdout.splitlines()) <= 400


def test_help_survives_pythonoptimize_2(tmp_path):
    """Trigger: PYTHONOPTIMIZE=2 strips docstrings, and with them every command's help."""
    env, _ = token_env(PYTHONOPTIMIZE="2", DLREC_CACHE_DIR=str(tmp_path / "cache"))
    for args in ((), ("recommend",), ("probe",)):
        ran = subprocess.run(
            dlrec_argv(*args, "--help"), capture_output=True, text=True, env=env, cwd=ROOT,
            timeout=60,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        usage, _, rest = ran.stdout.partition("\n\n")
        assert rest.split("\n\n")[0].strip() and not rest.startswith("Options:"), ran.stdout
