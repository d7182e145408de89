"""Framework faults, as a fake torch with a .dist-info on PYTHONPATH (tests/fixtures/fakepkgs):
``dlrec smoke --json --framework pytorch`` classifies each, within its budget, prints nothing
to the terminal but the JSON (no framework noise), exits 1, and leaves no process behind.
``DLREC_FAKE_TORCH`` picks the fault (see the fake's docstring)."""

from __future__ import annotations

import json
import os

import pytest

from tests.faults.helpers import fake_torch_env, run

FAULTS = [
    # mode, failure kind, text in the message, the trigger
    (
        "raise",
        "import_error",
        "libtorch_fake.so: cannot open shared object file",
        "import raises ImportError",
    ),
    ("numpy_abi", "numpy_abi", "NumPy", "import fails with a NumPy 1.x/2.x ABI error"),
    (
        "protobuf",
        "protobuf",
        "Descriptors cannot be created directly",
        "protobuf too new for the _pb2 files",
    ),
    ("sigill", "illegal_instruction", "AVX", "SIGILL on import (a CPU without the wheel's ISA)"),
    ("train_sigkill", "killed", "SIGKILL", "SIGKILL mid-training (the OOM killer)"),
    (
        "noise",
        "import_error",
        "undefined symbol: fake_after_noise",
        "10,000 lines of log noise, then a failure",
    ),
]


def smoke(mode: str, *args: str, limit: float = 60):
    ran = run(
        "smoke",
        "--json",
        "--framework",
        "pytorch",
        "--fresh",
        *args,
        env=fake_torch_env(mode),
        timeout=limit,
    )
    assert ran.err == "", ran.err[:500]  # nothing but the JSON reaches the terminal
    doc = json.loads(ran.out)
    return ran, [r for r in doc["results"] if r["framework"] == "pytorch"]


@pytest.mark.parametrize("mode, kind, needle, trigger", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_is_classified_quietly(mode, kind, needle, trigger):
    ran, results = smoke(mode)
    assert ran.code == 1, trigger
    assert results and all(not r["ok"] and r["error"]["kind"] == kind for r in results), results
    error = results[0]["error"]
    assert needle in error["message"], (trigger, error)
    assert error["fix"] and os.path.isfile(error["log"])
    assert ran.seconds < 20
    if mode == "noise":  # the noise went to the log, not the terminal or the message
        assert "dlrec-fake-noise" not in ran.out and len(ran.out) < 20_000
        log = open(error["log"], encoding="utf-8", errors="replace").read()
        assert log.count("dlrec-fake-noise") >= 10_000


@pytest.mark.parametrize(
    "mode, option, kind, trigger",
    [
        ("hang", "--import-timeout", "import_timeout", "import sleeps forever"),
        (
            "grandchild",
            "--import-timeout",
            "import_timeout",
            "a grandchild holds stdout/stderr open, then hangs",
        ),
        ("train_hang", "--timeout", "train_timeout", "training sleeps forever"),
    ],
)
def test_hang_is_killed_within_budget(mode, option, kind, trigger):
    budget = 2
    ran, results = smoke(mode, option, str(budget))
    assert ran.code == 1, trigger
    error = results[0]["error"]
    assert error["kind"] == kind and f"within {budget}s" in error["message"], error
    assert ran.seconds < budget * len(results) + 10  # each run's budget, plus start-up and the kill
