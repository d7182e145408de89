"""Keras through its backend (issue 23): Keras on X inherits X's reasons that reach a Keras user.

Each bundled rule that scores TensorFlow, PyTorch or JAX says in ``keras_reach`` whether that
reason reaches Keras on that backend (cited when it does); the Keras row's reasons and score
include the ones that do, worded "AMD GPU (via torch): ...", and it lists the ones that do
not, with why. Runs the real rule base, engine and ranking on persona machines (no smoke)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.core.catalog import BACKEND_FRAMEWORK
from recommender.decide.ranking.inherit import UNSAID, inherited, is_inherited
from recommender.decide.ranking.rank import rank
from recommender.engine.answers import Answers
from recommender.engine.evaluate import evaluate
from recommender.facts.document import Facts
from recommender.report.document import entry_to_dict
from recommender.rulebase.load import load_rulebase

ROOT = Path(__file__).resolve().parent.parent
MI300X = json.loads((ROOT / "benchmarks/personas/machines/mi300x.json").read_text())
RTX = json.loads((ROOT / "tests/fixtures/personas5/machines/rtx3090-linux.json").read_text())
RB = load_rulebase()
BACKEND_FWS = set(BACKEND_FRAMEWORK.values())


def _ranking(doc, values, rulebase=RB):
    facts = Facts.from_dict(doc, origin="persona.json")
    answers = Answers(values=values, source={k: "file" for k in values})
    return rank(evaluate(facts, answers, rulebase), (), facts, rulebase)


def test_every_bundled_rule_scoring_a_backend_says_whether_it_reaches_keras():
    for rule in RB.rules:
        if BACKEND_FWS & set(rule.score):
            assert rule.keras_reach is not None, rule.id
            assert rule.keras_reach.why.strip(), rule.id
            if rule.keras_reach.reaches:
                assert rule.keras_reach.sources, rule.id
                assert "keras" not in rule.score, rule.id  # would count the reason twice


def test_keras_on_torch_on_an_mi300x_inherits_the_rocm_reason_and_not_the_nlp_one():
    ranking = _ranking(
        MI300X, {"team_stack": "keras", "goal": "production", "domain": "nlp", "accelerator": "amd"}
    )
    keras, torch = ranking.entry("keras"), ranking.entry("pytorch")
    assert keras.backend == "torch"
    got = {r.rule: r for r in keras.reasons}
    assert "accel-amd-rocm-wheels" in got
    assert got["accel-amd-rocm-wheels"].why.startswith("AMD GPU (via torch): ")
    assert (
        got["accel-amd-rocm-wheels"].delta
        == {r.rule: r for r in torch.reasons}["accel-amd-rocm-wheels"].delta
    )
    missing = {n.rule: n for n in keras.not_inherited}
    assert "domain-nlp-huggingface" in missing and missing["domain-nlp-huggingface"].delta == 3
    assert all(n.framework == "pytorch" and n.why for n in missing.values())
    # Explanations add up: the reasons shown sum to the score.
    assert sum(r.delta for r in keras.reasons) == pytest.approx(keras.score)
    doc = entry_to_dict(keras)
    assert {n["rule"] for n in doc["not_inherited"]} == set(missing)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    goal=st.sampled_from([None, "research", "production", "learning"]),
    domain=st.sampled_from([None, "vision", "nlp", "audio", "tabular"]),
    accelerator=st.sampled_from(["nvidia", "cpu"]),
)
def test_keras_score_is_its_own_plus_exactly_the_reaching_backend_reasons(
    goal, domain, accelerator
):
    values = {k: v for k, v in (("goal", goal), ("domain", domain)) if v}
    ranking = _ranking(RTX, {**values, "accelerator": accelerator})
    keras = ranking.entry("keras")
    backend_fw = BACKEND_FRAMEWORK[keras.backend]
    reaching = {
        r.rule
        for r in ranking.entry(backend_fw).reasons
        if (rule := RB.rule(str(r.rule))).keras_reach is not None and rule.keras_reach.reaches
    }
    inherited_rules = {r.rule for r in keras.reasons if is_inherited(r.why)}
    assert inherited_rules == reaching
    assert sum(r.delta for r in keras.reasons) == pytest.approx(keras.score)
    for n in keras.not_inherited:
        assert not RB.rule(n.rule).keras_reach.reaches


def test_a_rule_without_keras_reach_is_not_inherited_and_says_so(tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text(
        "rules:\n  - id: user-likes-torch\n    sources: [PT-RESEARCH]\n"
        '    score: {pytorch: 5}\n    why: "We like PyTorch."\n'
    )
    rulebase = load_rulebase(extra=[overlay])
    ranking = _ranking(RTX, {"accelerator": "nvidia"}, rulebase)
    kept, dropped = inherited(ranking.evaluation, "torch", rulebase)
    assert "user-likes-torch" not in {r.rule for r in kept}
    assert {n.rule: n.why for n in dropped}["user-likes-torch"] == UNSAID
