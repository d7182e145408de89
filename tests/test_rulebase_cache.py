"""The bundled rule files' parsed documents are cached as JSON (issue 20): a warm run reads one
entry instead of parsing eight YAML files; a corrupt, foreign or stale entry is ignored and
written again; overlays are never cached; the rule base built from an entry is the one built
from the YAML."""

from __future__ import annotations

import json
import os
import stat

import pytest

from recommender.core.documents import LocatedDict, parse_yaml
from recommender.rulebase import cache
from recommender.rulebase import load as rulebase_load

TEXTS = {"a.yaml": "top:\n  - x: 1\n    y: [a, b]\n  - 2.5\nflag: true\n", "b.yaml": "k: v\n"}


def _counting():
    calls = []

    def parse(text, name):
        calls.append(name)
        return parse_yaml(text, name)

    return calls, parse


def _entries(base):
    folder = base / "cache" / cache.FOLDER
    return sorted(folder.glob("*.json")) if folder.exists() else []


@pytest.fixture
def env(tmp_path):
    return {"DLREC_CACHE_DIR": str(tmp_path / "cache")}


def test_the_second_read_parses_nothing_and_keeps_the_lines(env, tmp_path):
    calls, parse = _counting()
    first = cache.parsed(TEXTS, parse, env=env)
    assert calls == ["a.yaml", "b.yaml"]
    second = cache.parsed(TEXTS, parse, env=env)
    assert calls == ["a.yaml", "b.yaml"]  # nothing parsed again
    assert second == first
    top = second["a.yaml"]
    assert isinstance(top, LocatedDict) and top.line_of("flag") == first["a.yaml"].line_of("flag")
    assert second["a.yaml"]["top"][0].line_of("y") == first["a.yaml"]["top"][0].line_of("y") == 3


def test_the_entry_is_private_to_the_user(env, tmp_path):
    cache.parsed(TEXTS, parse_yaml, env=env)
    (entry,) = _entries(tmp_path)
    assert stat.S_IMODE(os.stat(entry.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"\x00\xff not json",
        b'{"format": FORMAT, "key": "another", "documents": {}}',
        b'{"format": 99}',
        b'{"format": 1, "key": "KEY", "documents": {"a.yaml": {"d": {"x": 1}}, "b.yaml": 1}}',
        b'{"format": FORMAT, "key": "KEY", "documents": {"a.yaml": {"py/object": "os.system"}}}',
        b'{"format": FORMAT, "key": "KEY", "documents": {"a.yaml": {"\\u0000l": "1", '
        b'"\\u0000k": {}}, "b.yaml": {}}}',
        b'{"format": FORMAT, "key": "KEY", "documents": {"a.yaml": {"x": 1, "\\u0000l": 1, '
        b'"\\u0000k": [true]}, "b.yaml": {}}}',
        b'{"format": FORMAT, "key": "KEY", "documents": {"a.yaml": {"\\u0000k": []}, '
        b'"b.yaml": {}}}',
        b'{"format": FORMAT, "key": "KEY", "documents": {"a.yaml": {"x": 1, "\\u0000l": 1, '
        b'"\\u0000k": [1, 2]}, "b.yaml": {}}}',
        b'{"format": FORMAT, "key": "KEY", "documents": {"a.yaml": {"\\u0000line": 1}, '
        b'"b.yaml": {"k": "\\u0000l"}}}',
        b"[" * 100000,
    ],
    ids=[
        "empty",
        "binary",
        "foreign-key",
        "other-format",
        "format-1",
        "other-files",
        "line-not-int",
        "key-line-bool",
        "lines-without-line",
        "lines-not-one-per-key",
        "other-nul-keys",
        "deep",
    ],
)
def test_a_damaged_entry_is_ignored_and_rewritten(env, tmp_path, damage):
    cache.parsed(TEXTS, parse_yaml, env=env)
    (entry,) = _entries(tmp_path)
    damage = damage.replace(b"FORMAT", str(cache.FORMAT).encode())
    entry.write_bytes(damage.replace(b"KEY", cache.key_of(TEXTS).encode()))
    calls, parse = _counting()
    again = cache.parsed(TEXTS, parse, env=env)
    assert calls == ["a.yaml", "b.yaml"]  # parsed afresh, the entry trusted for nothing
    assert again == {name: parse_yaml(text, name) for name, text in TEXTS.items()}
    assert json.loads(entry.read_text())["key"] == cache.key_of(TEXTS)  # written again


def test_a_changed_file_or_another_dlrec_is_another_key(monkeypatch):
    changed = {**TEXTS, "b.yaml": "k: w\n"}
    assert cache.key_of(changed) != cache.key_of(TEXTS)
    assert cache.key_of({"c.yaml": TEXTS["a.yaml"], "b.yaml": TEXTS["b.yaml"]}) != cache.key_of(
        TEXTS
    )
    before = cache.key_of(TEXTS)
    monkeypatch.setattr(cache, "__version__", "9.9.9")
    assert cache.key_of(TEXTS) != before


def test_an_unwritable_cache_dir_costs_speed_only(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache dir would be")
    env = {"DLREC_CACHE_DIR": str(blocker)}
    assert cache.parsed(TEXTS, parse_yaml, env=env)["b.yaml"] == {"k": "v"}


def test_a_mapping_with_keys_that_are_not_strings_is_not_cached(env, tmp_path):
    texts = {"n.yaml": "1: one\n"}
    assert cache.parsed(texts, parse_yaml, env=env) == {"n.yaml": {1: "one"}}
    assert _entries(tmp_path) == []
    assert cache.parsed(texts, parse_yaml, env=env) == {"n.yaml": {1: "one"}}


def _projection(rb):
    return (
        [r.to_dict() for r in rb.rules],
        rb.questions,
        dict(rb.claims),
        dict(rb.settings),
        rb.wheels,
        json.dumps(rb.checklist_doc, sort_keys=True),
        rb.files,
    )


def test_the_rule_base_from_the_cache_is_the_one_from_the_yaml(isolated_home):
    root = rulebase_load.bundled_dir()
    cold = rulebase_load.load_rulebase(bundled=root)
    assert len(_entries(isolated_home)) == 1  # conftest: DLREC_CACHE_DIR is home/cache
    warm = rulebase_load.load_rulebase(bundled=root)
    assert _projection(warm) == _projection(cold)
    checklist = warm.checklist_doc
    assert isinstance(checklist, LocatedDict) and checklist.line_of("items") > 1


def test_an_overlay_is_never_cached(tmp_path, isolated_home):
    overlay = tmp_path / "mine.yaml"
    overlay.write_text("settings:\n  smoke_bonus: 1.0\n")
    rb = rulebase_load.load_rulebase([overlay])
    assert rb.files[-1] == str(overlay)
    entries = _entries(isolated_home)
    assert len(entries) <= 1  # the bundled files' entry only (or none, from another test's load)
    assert all(str(overlay) not in e.read_text() for e in entries)


def test_the_options_questions_are_the_rule_bases(isolated_home):
    """The CLI's answer options read questions.yaml alone (no rule base kept for the command to
    reuse): the same questions the rule base holds, from the cache entry on a warm run."""
    cold = rulebase_load.load_questions()
    assert cold == rulebase_load.load_questions() == rulebase_load.load_rulebase().questions
