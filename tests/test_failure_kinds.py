"""The machine's own faults are their own kinds (issue 25): running out of memory at import
was reported as a broken install with a force-reinstall fix."""

from __future__ import annotations

import signal

import pytest

from recommender.smoke.failures import ChildExit, FailureKind, classify


@pytest.mark.parametrize(
    "tail",
    [
        "Traceback (most recent call last):\n  File ...\nMemoryError\n",
        "terminate called after throwing an instance of 'std::bad_alloc'\n",
        "OSError: libtorch_cpu.so: failed to map segment from shared object: Cannot allocate memory",
    ],
)
def test_running_out_of_memory_at_import_is_its_own_kind(tail):
    got = classify(
        ChildExit(returncode=1, phase="import", stderr_tail=tail),
        framework="pytorch",
        device="cpu",
        log=None,
    )
    assert got.kind is FailureKind.OUT_OF_MEMORY, got
    assert "reinstall" not in got.fix and "memory" in got.fix


def test_an_oom_kill_counted_by_the_cgroup_is_out_of_memory():
    got = classify(
        ChildExit(returncode=-signal.SIGKILL, phase="train", oom_kills=1),
        framework="tensorflow",
        device="cpu",
        log=None,
    )
    assert got.kind is FailureKind.OUT_OF_MEMORY and "OOM killer" in got.message


def test_a_plain_sigkill_stays_killed():
    got = classify(
        ChildExit(returncode=-signal.SIGKILL, phase="train"),
        framework="jax",
        device="cpu",
        log=None,
    )
    assert got.kind is FailureKind.KILLED
