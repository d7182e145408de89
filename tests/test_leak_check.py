"""The leak check in tests/conftest.py fails a test that leaves a process behind, names it,
and kills what it left; a daemon registered with ``owned_processes`` is not a leak (issue 25).
Runs an inner pytest session on tests written here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil

from tests.conftest import ROOT

INNER = """
import os, subprocess, sys, time

import pytest


def test_leaves_a_sleeper(tmp_path):
    proc = subprocess.Popen(["sleep", "1000"], start_new_session=True)
    open(os.environ["PIDS"], "a").write(f"{proc.pid}\\n")


def test_leaves_a_detached_grandchild():
    # bash starts sleep in a new session and exits: the sleeper is an orphan
    subprocess.run(["bash", "-c", "setsid sleep 1001 & echo $! >> $PIDS"], check=True)
    time.sleep(0.2)


@pytest.fixture(scope="module")
def daemon(owned_processes):
    proc = subprocess.Popen(["sleep", "1002"], start_new_session=True)
    owned_processes.add_group(proc.pid)
    yield proc
    proc.kill()
    proc.wait()
    owned_processes.discard_group(proc.pid)


def test_a_daemon_a_fixture_owns_is_no_leak(daemon):
    assert daemon.poll() is None


def test_clean():
    subprocess.run(["true"], check=True)
"""


def test_a_test_that_leaves_a_process_behind_fails_and_is_named(tmp_path: Path):
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.conftest"]\n')
    (tmp_path / "test_inner.py").write_text(INNER)
    pids = tmp_path / "pids"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PIDS=str(pids))
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = ran.stdout
    assert ran.returncode == 1, out
    assert "test_leaves_a_sleeper left 1 process(es) behind" in out, out
    assert "test_leaves_a_detached_grandchild left 1 process(es) behind" in out, out
    assert "4 passed, 2 errors" in out, out  # the two leakers error at teardown
    for pid in map(int, pids.read_text().split()):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
