"""dlrec's cache and logs are private whatever the umask (issue 25): folders 0700, files 0600,
an entry someone else could have written is not believed, crash logs are pruned."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from recommender.smoke import cache

KEY = {"framework": "pytorch", "backend": None, "device": "cpu", "version": "9.9.9"}


@pytest.fixture
def umask_000():
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_cache_is_private_under_umask_000(tmp_path: Path, umask_000):
    """Trigger: umask 000. The cache that decides verdicts was world-writable (0777 folders,
    0666 entries): anyone on the machine could plant a passing result."""
    env = {"DLREC_CACHE_DIR": str(tmp_path / "cache")}
    assert cache.store(env, KEY, [{"model": "mlp"}]) is not None
    logs = cache.RunLogs.create(env)
    smoke = tmp_path / "cache" / "smoke"
    [entry] = smoke.glob("*.json")
    assert _mode(smoke) == 0o700 and _mode(smoke / "logs") == 0o700
    assert _mode(Path(logs.path)) == 0o700
    assert _mode(entry) == 0o600
    assert cache.load(env, KEY) is not None


def test_an_entry_others_could_write_is_a_miss(tmp_path: Path):
    env = {"DLREC_CACHE_DIR": str(tmp_path / "cache")}
    cache.store(env, KEY, [{"model": "mlp"}])
    [entry] = (tmp_path / "cache" / "smoke").glob("*.json")
    entry.chmod(0o666)
    assert cache.load(env, KEY) is None


def test_crash_logs_are_private_and_pruned(tmp_path: Path, monkeypatch, umask_000):
    """Trigger: many crashes under umask 000. Crash logs (argv, paths, tracebacks) were 0666
    and never pruned."""
    from recommender.cli import main
    from recommender.core.private import KEEP_CRASH_LOGS

    monkeypatch.setenv("DLREC_CACHE_DIR", str(tmp_path / "cache"))
    logs = tmp_path / "cache" / "logs"
    logs.mkdir(parents=True)
    for i in range(KEEP_CRASH_LOGS + 5):  # older crashes, by name
        (logs / f"crash-20200101-0000{i:02d}-1.log").write_text("old\n")
    path = main._log_crash(RuntimeError("boom"))
    assert path is not None and _mode(Path(path)) == 0o600
    kept = sorted(p.name for p in logs.iterdir())
    assert len(kept) == KEEP_CRASH_LOGS and Path(path).name in kept
    assert _mode(logs) == 0o700
