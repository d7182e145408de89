"""Concurrency (issue #15): any number of dlrec processes share one cache.

Each run has its own log files and gets only its own results; the cache is updated atomically
per entry; a failed run is never cached as a pass; nothing is left in TMPDIR but a log the
output names. The runs are 2-4 real ``dlrec smoke`` processes at once: fake torches (a passing
one that sleeps so the runs overlap, a broken one) and, in one case, the real torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from tests.conftest import ROOT, dlrec_argv
from tests.faults.helpers import assert_no_survivors, token_env
from tests.faults.test_supervise import passing_torch


def smoke_dir() -> Path:
    return Path(os.environ["DLREC_CACHE_DIR"]) / "smoke"


def launch(env: dict, *args: str) -> tuple[subprocess.Popen, str]:
    env, token = token_env(env)
    proc = subprocess.Popen(
        dlrec_argv("smoke", "--json", "--fresh", "--framework", "pytorch", *args),
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, token


def finish(started, timeout: float = 150) -> list[tuple[int, list[dict]]]:
    out = []
    for proc, token in started:
        stdout, stderr = proc.communicate(timeout=timeout)
        assert stderr == "", stderr
        assert_no_survivors(token)
        out.append((proc.returncode, json.loads(stdout)["results"]))
    return out


def fake(site: Path, mode: str = "pass", delay: float = 1.5, **extra: str) -> dict:
    return dict(
        os.environ,
        PYTHONPATH=str(site),
        DLREC_FAKE_TORCH=mode,
        DLREC_FAKE_DELAY=str(delay),
        **extra,
    )


def entries() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(smoke_dir().glob("*.json"))]


def test_concurrent_runs_on_one_cache_get_only_their_own_results(tmp_path):
    """Trigger: four `dlrec smoke --fresh` at once on one cache: two fake passing torches, a
    broken one, the real torch. Before: the children appended to one logs/pytorch-cpu.out, so a
    run reported four results (or another run's), and a merged entry was cached."""
    site = passing_torch(tmp_path)
    started = [
        launch(fake(site)),
        launch(fake(site)),
        launch(fake(site, "raise", delay=1.0)),
        launch(dict(os.environ), "--steps", "10"),  # the real torch
    ]
    (rc1, ok1), (rc2, ok2), (rc3, broken), (rc4, real) = finish(started)
    for results in (ok1, ok2, broken, real):
        assert [r["model"] for r in results] == ["mlp", "cnn"], results
    assert (rc1, rc2, rc3) == (0, 0, 1)
    assert all(r["ok"] and r["loss_first"] == 1.4 for r in ok1 + ok2)
    assert all(not r["ok"] and r["error"]["kind"] == "import_error" for r in broken)
    assert rc4 == 0 and all(r["ok"] and r["loss_first"] != 1.4 for r in real), real
    logs = {r["error"]["log"] for r in broken}
    assert len(logs) == 1 and "libtorch_fake.so" in Path(logs.pop()).read_text()
    # one entry per key, each holding one run's two passing results, no temp file left
    by_version = {e["key"]["version"]: e["results"] for e in entries()}
    assert len(by_version) == 2 and "9.9.9" in by_version, by_version.keys()
    for results in by_version.values():
        assert [(r["model"], r["ok"]) for r in results] == [("mlp", True), ("cnn", True)]
    assert not list(smoke_dir().glob(".*.tmp"))
    runs = [p for p in (smoke_dir() / "logs").iterdir() if p.is_dir()]
    assert len(runs) == 4  # a log folder per run


def test_an_unusable_cache_leaves_only_the_logs_the_output_names(tmp_path, monkeypatch):
    """Trigger: the cache dir cannot be made (a file is in the way), two runs at once, one broken.
    Before: each left a dlrec-smoke-logs-* folder in TMPDIR (logs and .out files of passing runs
    too), named nowhere."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DLREC_CACHE_DIR", str(blocker / "cache"))
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    site = passing_torch(tmp_path)
    started = [
        launch(fake(site, TMPDIR=str(tmp))),
        launch(fake(site, "raise", TMPDIR=str(tmp))),
    ]
    (rc1, passed), (rc2, broken) = finish(started)
    assert (rc1, rc2) == (0, 1)
    assert all(r["ok"] for r in passed)
    [log] = {r["error"]["log"] for r in broken}
    left = [str(p) for p in tmp.rglob("*") if p.is_file()]
    assert left == [log], left
    assert not (blocker / "cache").exists()


def test_a_symlinked_log_is_never_followed(tmp_path):
    """Trigger: ``logs/pytorch-cpu.log`` (where the old runs wrote) is a symlink to a file of the
    user's. Before: the run truncated that file."""
    target = tmp_path / "precious.txt"
    target.write_text("do not truncate me\n")
    (smoke_dir() / "logs").mkdir(parents=True)
    (smoke_dir() / "logs" / "pytorch-cpu.log").symlink_to(target)
    (smoke_dir() / "logs" / "pytorch-cpu.out").symlink_to(target)
    finish([launch(fake(passing_torch(tmp_path), "raise", delay=0))])
    assert target.read_text() == "do not truncate me\n"


def test_a_wrongly_typed_cache_entry_is_a_miss_and_rewritten(tmp_path):
    """Trigger: a cached figure of the wrong type ("loss_first": "1.3"). Before: every later
    smoke, recommend and checklist exited 3 (an internal error) on it."""
    env = fake(passing_torch(tmp_path), delay=0)
    finish([launch(env)])
    [path] = smoke_dir().glob("*.json")
    doc = json.loads(path.read_text())
    doc["results"][0]["loss_first"] = "1.3"
    path.write_text(json.dumps(doc))
    ran = subprocess.run(
        dlrec_argv("smoke", "--framework", "pytorch"),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (ran.returncode, ran.stderr) == (0, ""), ran.stderr
    assert "cached" not in ran.stdout  # a miss: trained again
    [rewritten] = entries()
    assert [r["loss_first"] for r in rewritten["results"]] == [1.4, 1.4]


def test_a_stale_tmp_from_a_killed_write_is_swept_on_the_next_run(tmp_path):
    """Trigger: a SIGKILL mid-write left ``.<entry>.json.XXXX.tmp`` in the cache folder. It is
    removed by the next run; a fresh one (maybe another dlrec's write in flight) is not."""
    smoke_dir().mkdir(parents=True)
    stale = smoke_dir() / ".pytorch-default-cpu-0123.json.abcd1234.tmp"
    fresh = smoke_dir() / ".pytorch-default-cpu-4567.json.efgh5678.tmp"
    for p in (stale, fresh):
        p.write_text('{"key": ')
    old = time.time() - 3600
    os.utime(stale, (old, old))
    finish([launch(fake(passing_torch(tmp_path), "raise", delay=0))])
    assert not stale.exists() and fresh.exists()
