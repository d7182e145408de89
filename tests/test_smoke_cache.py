"""The smoke cache: keys, atomic writes, misses, --fresh, and failures never cached."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from recommender.facts.document import Facts
from recommender.smoke import cache as smoke_cache
from recommender.smoke.run import SmokeResult, _cache_key, plan_smoke, run_smoke
from tests.conftest import FIXTURES

FAKES = FIXTURES / "fakepkgs"


def fake_facts(**pytorch) -> Facts:
    fw = {
        "installed": True,
        "version": "9.9.9",
        "distribution": "torch",
        "build": {"flavour": "cpu", "cuda": None, "rocm": None},
        **pytorch,
    }
    return Facts.from_dict(
        {
            "cpu": {"usable_cores": 2},
            "frameworks": {
                "pytorch": fw,
                "tensorflow": {"installed": False},
                "keras": {"installed": False},
            },
        }
    )


def trained(model: str) -> dict:
    return SmokeResult(
        framework="pytorch",
        backend=None,
        device="cpu",
        model=model,
        ok=True,
        import_s=0.5,
        first_step_s=0.01,
        step_s=0.001,
        samples_per_s=64000.0,
        peak_rss_bytes=1 << 28,
        loss_first=1.4,
        loss_last=0.1,
        accuracy=0.97,
        converged=True,
    ).to_dict()


@pytest.fixture
def env() -> dict[str, str]:
    """A child env where torch is the fake that fails at import (cheap and certain to fail)."""
    return dict(os.environ, PYTHONPATH=str(FAKES), DLREC_FAKE_TORCH="raise")


def key_for(facts: Facts, steps: int = 40) -> dict:
    (run,), _ = plan_smoke(facts, frameworks=["pytorch"])
    return _cache_key(facts, run, steps)


def test_store_then_load_round_trips_atomically(env):
    key = key_for(fake_facts())
    cached_at = smoke_cache.store(env, key, [trained("mlp"), trained("cnn")])
    assert cached_at and cached_at.endswith("Z")
    entry = smoke_cache.load(env, key)
    assert entry == (cached_at, [trained("mlp"), trained("cnn")])
    files = os.listdir(smoke_cache.smoke_dir(env))
    assert (
        len(files) == 1
        and files[0].startswith("pytorch-default-cpu-")
        and not files[0].startswith(".tmp")
    )


@pytest.mark.parametrize(
    "change",
    [
        {"version": "9.9.10"},
        {"build": {"flavour": "cuda 12.8", "cuda": "12.8", "rocm": None}},
        {"distribution": "torch-nightly"},
    ],
)
def test_key_changes_with_the_framework(env, change):
    before = key_for(fake_facts())
    smoke_cache.store(env, before, [trained("mlp"), trained("cnn")])
    after = key_for(fake_facts(**change))
    assert after != before
    assert smoke_cache.load(env, after) is None


def test_key_changes_with_settings_and_versions():
    facts = fake_facts()
    key = key_for(facts)
    assert key_for(facts, steps=80) != key
    assert {"dlrec", "python", "executable", "numpy", "device", "models"} <= set(key)


def test_corrupt_or_foreign_entries_are_misses(env):
    key = key_for(fake_facts())
    smoke_cache.store(env, key, [trained("mlp"), trained("cnn")])
    (name,) = os.listdir(smoke_cache.smoke_dir(env))
    path = os.path.join(smoke_cache.smoke_dir(env), name)
    with open(path, "w") as fh:
        fh.write("{not json")
    assert smoke_cache.load(env, key) is None
    with open(path, "w") as fh:
        fh.write('{"key": {"other": 1}, "cached_at": "2026-01-01T00:00:00Z", "results": []}')
    assert smoke_cache.load(env, key) is None


def test_cached_results_are_used_unless_fresh_and_failures_are_never_cached(env):
    facts = fake_facts()
    first = run_smoke(facts, env=env, import_timeout=30, train_timeout=30)
    assert [r.error.kind.value for r in first] == ["import_error", "import_error"]
    assert not os.path.isdir(smoke_cache.smoke_dir(env)) or not [
        f for f in os.listdir(smoke_cache.smoke_dir(env)) if f.endswith(".json")
    ]

    cached_at = smoke_cache.store(env, key_for(facts), [trained("mlp"), trained("cnn")])
    hit = run_smoke(facts, env=env)
    assert [(r.ok, r.cached, r.cached_at, r.accuracy) for r in hit] == [
        (True, True, cached_at, 0.97)
    ] * 2
    assert hit[0].to_dict()["cached"] is True

    fresh = run_smoke(facts, env=env, fresh=True, import_timeout=30, train_timeout=30)
    assert [(r.ok, r.cached) for r in fresh] == [(False, False)] * 2


def test_age_is_described_for_people():
    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
    ages = [
        smoke_cache.age_seconds(t, now)
        for t in (
            "2026-11-27T11:59:30Z",
            "2026-11-27T11:55:00Z",
            "2026-11-27T09:00:00Z",
            "2026-11-24T12:00:00Z",
        )
    ]
    assert [smoke_cache.describe_age(a) for a in ages] == [
        "just now",
        "5 min ago",
        "3 h ago",
        "3 days ago",
    ]
    assert smoke_cache.describe_age(smoke_cache.age_seconds("yesterday")) == "at an unknown time"
