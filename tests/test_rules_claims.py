"""The bundled rule base covers the article: every claim cited, IDs equal to CLAIMS.md, sources
resolve, compat rules cite URLs and say when they were verified, every answer value has an effect."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from recommender.core.catalog import ACCELERATOR_ANSWERS
from recommender.core.frozen import thaw
from recommender.rulebase.load import load_rulebase
from tests.conftest import skip_unless_ci

ROOT = Path(__file__).resolve().parent.parent
CLAIMS_MD = ROOT.parent / "shared" / "seed" / "CLAIMS.md"


@pytest.fixture(scope="module")
def rb():
    return load_rulebase()


def _claims_md_ids() -> list[str]:
    if not CLAIMS_MD.is_file():
        skip_unless_ci(f"{CLAIMS_MD} not found (CI lays shared/ beside the clone)")
    ids = []
    for line in CLAIMS_MD.read_text("utf-8").splitlines():
        match = re.match(r"^\|\s*([A-Z][A-Z0-9-]+)\s*\|", line)
        if match and match.group(1) != "ID":
            ids.append(match.group(1))
    return ids


def test_claim_ids_match_claims_md(rb):
    md = _claims_md_ids()
    assert len(md) == len(set(md)) and md, md
    assert sorted(rb.claims) == sorted(md)


def test_every_claim_is_cited_by_a_rule(rb):
    cited = {s for r in rb.rules for s in r.sources if not s.startswith("url:")}
    assert sorted(set(rb.claims) - cited) == []


def test_every_url_source_resolves_and_is_https(rb):
    for rule in rb.rules:
        for source in rule.sources:
            if source.startswith("url:"):
                assert source[4:] in rb.urls, (rule.id, source)
    for url in rb.urls.values():
        assert url.url.startswith("https://"), url
        assert url.title.strip(), url


def test_compat_rules_cite_urls_and_are_verified(rb):
    compat = [r for r in rb.rules if r.file.endswith("compat.yaml")]
    assert len(compat) >= 20
    for rule in compat:
        assert any(s.startswith("url:") for s in rule.sources), rule.id
        assert rule.verified and re.fullmatch(r"\d{4}-\d{2}", rule.verified), rule.id
        assert rule.effect in ("block", "warn"), rule.id


def test_outdated_claims_carry_a_note(rb):
    """Where the article is out of date, a rule citing the claim says today's state."""
    for claim, word in (
        ("TF-GRAPH", "tf.Session"),
        ("TF-LITE", "LiteRT"),
        ("PT-ECOSYSTEM", "TorchText"),
        ("PT-ECOSYSTEM", "TorchX"),
        ("PT-DYNAMIC", "torch.compile"),
        ("TF-DISTRIBUTED", "PyTorch"),
        ("KERAS-EASY", "Keras 3"),
    ):
        notes = [r.note or "" for r in rb.rules if claim in r.sources]
        texts = notes + [rb.claims[claim].today]
        assert any(word in n for n in notes) or word in rb.claims[claim].today, (claim, word, texts)


def _answers_in(node) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "answer":
                for q, want in value.items():
                    values = want["in"] if isinstance(want, Mapping) else [want]
                    for v in values:
                        yield q, v
            else:
                yield from _answers_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _answers_in(item)


def test_every_answer_value_has_a_scoring_effect(rb):
    covered = set()
    for rule in rb.rules:
        if rule.score and rule.when is not None:
            covered.update(_answers_in(thaw(rule.when)))
            if "derived.answer_accelerator" in rule.reads:
                text = repr(thaw(rule.when))
                covered.update(("accelerator", v) for v in ACCELERATOR_ANSWERS if f"'{v}'" in text)
    # moving_away acts through the tiers (decide/ranking/tiers.py): it crosses a tier, it scores nothing.
    wanted = {
        (q.key, c.value)
        for q in rb.questions
        for c in q.choices
        if not (q.key == "accelerator" and c.value == "auto") and q.key != "moving_away"
    }
    assert sorted(wanted - covered) == []


def test_questions_minimum_contract(rb):
    contract = {
        "goal": ["research", "production", "learning", "prototyping"],
        "deploy": ["server", "mobile", "browser", "edge", "desktop", "undecided"],
        "experience": ["beginner", "intermediate", "expert"],
        "domain": [
            "vision",
            "nlp",
            "audio",
            "tabular",
            "timeseries",
            "reinforcement",
            "generative",
            "other",
        ],
        "scale": ["single", "multi-gpu", "multi-node"],
        "team_stack": ["none", "tensorflow", "pytorch", "keras", "jax"],
        "accelerator": ["auto", "cpu", "nvidia", "amd", "apple", "tpu"],
    }
    got = {q.key: list(q.values) for q in rb.questions}
    for key, values in contract.items():
        assert got[key][: len(values)] == values or set(values) <= set(got[key]), key
    assert rb.question("accelerator").default == "auto"
    assert rb.question("accelerator").prefill == "derived.answer_accelerator"


def test_settings_and_tables(rb):
    assert rb.settings["smoke_bonus"] > 0 and rb.settings["device_block_penalty"] > 0
    assert dict(rb.newest_known) == {
        "tensorflow": "2.21",
        "pytorch": "2.15",
        "keras": "3.15",
        "jax": "0.10",
    }
    builds = rb.tables["torch_cuda_builds"]
    assert builds["cu126"]["min_cc"] == "5.0" and builds["cu130"]["min_cc"] == "7.5"
    assert rb.tables["cuda_min_driver"]["13.0"] == "580.65.06"


def test_install_commands_come_from_the_planner_not_frameworks_yaml(rb):
    # rules/wheels.yaml (through decide/install/plan.py) is the only place an install is decided.
    for fw in ("tensorflow", "pytorch", "keras", "jax"):
        assert "install" not in rb.frameworks[fw] and "backends" not in rb.frameworks[fw], fw
    assert "tensorflow-cpu" in rb.frameworks["tensorflow"]["pip"]
