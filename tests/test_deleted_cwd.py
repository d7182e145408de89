"""A working directory deleted under dlrec's feet (a removed build dir, `git clean` in another
shell): children must not inherit it. torch then died with "oneMKL FATAL ERROR: Cannot load
libtorch_cpu.so", which dlrec reported as a broken install with `pip install --force-reinstall`."""

from __future__ import annotations

import importlib.util
import os
import subprocess

import pytest

from tests.conftest import ROOT, dlrec_argv


@pytest.fixture
def deleted_cwd(tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    before = os.getcwd()
    os.chdir(gone)
    gone.rmdir()
    yield gone
    os.chdir(before)


def test_children_start_in_a_directory_that_exists(deleted_cwd, tmp_path):
    from recommender.probes.process import run_bounded
    from recommender.supervise.supervisor import NEUTRAL_CWD

    ran = run_bounded(["/bin/sh", "-c", "pwd"], timeout=10)
    assert ran.returncode == 0 and ran.stdout.strip() == NEUTRAL_CWD
    assert os.path.isdir(ran.stdout.strip())


def test_children_never_start_in_the_working_directory(tmp_path, monkeypatch):
    """The caller's directory may hold a numpy.py: a child starts elsewhere, where dlrec says."""
    from recommender.probes.process import run_bounded
    from recommender.supervise.supervisor import NEUTRAL_CWD

    monkeypatch.chdir(tmp_path)
    assert run_bounded(["/bin/sh", "-c", "pwd"], timeout=10).stdout.strip() == NEUTRAL_CWD
    ran = run_bounded(["/bin/sh", "-c", "pwd"], timeout=10, cwd=str(tmp_path / ".."))
    assert ran.stdout.strip() == str(tmp_path.parent)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the real torch")
def test_smoke_in_a_deleted_directory_trains(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = f"mkdir gone && cd gone && rmdir ../gone && exec {' '.join(dlrec_argv('smoke', '--framework', 'pytorch', '--fresh', '--steps', '5'))}"
    proc = subprocess.run(
        ["/bin/sh", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok   pytorch on cpu" in proc.stdout and "oneMKL" not in proc.stdout


def test_init_in_a_deleted_directory_is_one_line_and_exit_2(tmp_path):
    """Trigger: ``dlrec init proj`` in a folder deleted under the shell: ``os.path.abspath``
    raised FileNotFoundError, an internal error (exit 3)."""
    gone = tmp_path / "gone"
    gone.mkdir()
    code = (
        "import os, subprocess, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
        "sys.exit(subprocess.run([sys.executable, '-m', 'recommender', 'init', 'proj', "
        "'--no-smoke', '--framework', 'pytorch']).returncode)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DLREC_CACHE_DIR": str(tmp_path / "cache")}
    ran = subprocess.run(
        [dlrec_argv()[0], "-c", code, str(gone)], capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert ran.returncode == 2, ran.stderr
    assert ran.stderr.startswith("dlrec: error: the working directory no longer exists")
    assert ran.stderr.count("\n") == 1
