"""Evidence that means what it says (docs/RULES.md, "Evidence").

A reason given to a framework cites only sources that speak about that framework, and its why
names it; rules/subjects.yaml says which frameworks each claim and URL source is about. The
behaviours issue #13 found wrong each keep a test: TF-GRAPH's TF1 penalty on TensorFlow 2, a
gloo-on-CPU run counted for a multi-GPU answer, a poor scaling efficiency scored as a bonus,
PyTorch's mobile reason without ExecuTorch, Keras's browser reason without its export step.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from recommender.core.catalog import BACKEND_FRAMEWORK, FRAMEWORK_IDS
from recommender.engine.answers import resolve_answers
from recommender.engine.evaluate import evaluate
from recommender.facts import evidence
from recommender.facts.document import Facts
from recommender.rulebase.load import load_rulebase
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
#: Read raw: the rule loader refuses unknown keys in sources.yaml, so the subjects live beside it.
SUBJECTS = yaml.safe_load((ROOT / "rules" / "subjects.yaml").read_text("utf-8"))
#: The subject a claim ID's prefix names (CLAIMS.md); OVERVIEW and HW-* are about every framework.
PREFIX = {"TF-": "tensorflow", "PT-": "pytorch", "KERAS-": "keras"}
EVERY = frozenset(FRAMEWORK_IDS)
#: How a why names each framework.
NAMES = {"tensorflow": "TensorFlow", "pytorch": "PyTorch", "keras": "Keras", "jax": "JAX"}


@pytest.fixture(scope="module")
def rb():
    return load_rulebase()


def speaks_about(source: str) -> frozenset[str]:
    if source.startswith("url:"):
        return frozenset(SUBJECTS["urls"][source[4:]])
    return frozenset(SUBJECTS["claims"][source])


def needs(key: str) -> frozenset[str]:
    """The frameworks a score key is about: ``keras.<backend>`` is Keras and the backend's one."""
    if key.startswith("keras."):
        return frozenset({"keras", BACKEND_FRAMEWORK[key.split(".", 1)[1]]})
    return frozenset({key})


def effects(rule) -> dict[str, float]:
    """Score keys with their deltas; blocked or warned frameworks (not ``all``) as 0."""
    if rule.score:
        return dict(rule.score)
    return {fw: 0.0 for fw in (*rule.block, *rule.warn) if fw != "all"}


# --- the data ------------------------------------------------------------------------------------


def test_subjects_list_every_source_once(rb):
    assert sorted(SUBJECTS) == ["claims", "urls"]
    assert sorted(SUBJECTS["claims"]) == sorted(rb.claims)
    assert sorted(SUBJECTS["urls"]) == sorted(rb.urls)
    for kind in ("claims", "urls"):
        for sid, frameworks in SUBJECTS[kind].items():
            assert frameworks and set(frameworks) <= EVERY, (sid, frameworks)
            assert len(frameworks) == len(set(frameworks)), sid


def test_claim_subjects_follow_their_id():
    for cid, frameworks in SUBJECTS["claims"].items():
        prefix = next((p for p in PREFIX if cid.startswith(p)), None)
        if prefix is None:  # OVERVIEW, HW-ACCEL: the whole comparison, every framework
            assert set(frameworks) == EVERY, cid
        else:
            assert PREFIX[prefix] in frameworks, (cid, frameworks)
            assert set(frameworks) != EVERY, cid  # a framework's claim is not about everyone


# --- the general rule ----------------------------------------------------------------------------


def test_every_framework_a_rule_moves_is_supported_by_its_sources(rb):
    """Coverage: each score key (a keras.<backend> key counts as Keras and the backend's framework),
    blocked or warned framework is spoken about by at least one of the rule's sources."""
    missing = []
    for rule in rb.rules:
        covered = frozenset().union(*(speaks_about(s) for s in rule.sources))
        for key in effects(rule):
            if not needs(key) <= covered:
                missing.append((rule.id, key, sorted(needs(key) - covered)))
    assert missing == []


def test_every_source_of_a_reason_speaks_about_its_framework(rb):
    """Relevance: a reason shows all of its rule's sources, so each must speak about the framework
    (or, for a keras.<backend> key, about Keras or that backend). A rule that scores several
    frameworks for different reasons is split into one rule per framework."""
    wrong = []
    for rule in rb.rules:
        for key in rule.score:
            for source in rule.sources:
                if not speaks_about(source) & needs(key):
                    wrong.append((rule.id, key, source))
    assert wrong == []


def test_every_why_names_the_frameworks_it_scores(rb):
    silent = []
    for rule in rb.rules:
        for key, delta in rule.score.items():
            if delta and not all(NAMES[fw] in rule.why for fw in needs(key)):
                silent.append((rule.id, key))
    assert silent == []


def test_every_rule_cites_a_source_and_outdated_claims_keep_their_note(rb):
    for rule in rb.rules:
        assert rule.sources, rule.id
    notes = {r.id: r.note or "" for r in rb.rules}
    assert "tf.compat.v1" in notes["graph-first-debugging-cost"]
    assert "LiteRT" in notes["deploy-mobile-edge-litert"]
    assert "TorchX" in notes["domain-vision-torchvision"]


# --- the behaviours issue #13 found --------------------------------------------------------------


def run(rb, doc: dict, **answers):
    facts = Facts.from_dict(doc)
    ev = evaluate(facts, resolve_answers(rb.questions, flags=answers, facts=facts), rb)
    return evidence.with_figures(ev, facts)


def by_rule(ev, fw: str) -> dict:
    return {r.rule: r for r in ev.scores[fw].reasons}


def machine(**frameworks) -> dict:
    doc = json.loads((FIXTURES / "facts" / "cpu_box_linux.json").read_text("utf-8"))
    doc["frameworks"] = {fw: dict(installed=True, **v) for fw, v in frameworks.items()}
    return doc


@pytest.mark.parametrize("answers", [dict(goal="research"), dict(experience="beginner")])
def test_tf_graph_penalty_only_for_tensorflow_1(rb, answers):
    assert "graph-first-debugging-cost" not in by_rule(
        run(rb, machine(tensorflow={"version": "2.21.0"}), **answers), "tensorflow"
    )
    assert "graph-first-debugging-cost" not in by_rule(run(rb, machine(), **answers), "tensorflow")
    tf1 = by_rule(run(rb, machine(tensorflow={"version": "1.15.5"}), **answers), "tensorflow")
    assert tf1["graph-first-debugging-cost"].delta < 0
    assert "TensorFlow 1" in tf1["graph-first-debugging-cost"].why


def distributed(device: str, efficiency: float | None, ok: bool = True, fw: str = "pytorch"):
    doc = machine()
    doc["distributed"] = [
        {
            "framework": fw,
            "engine": "ddp" if fw == "pytorch" else "mwms",
            "processes": 2,
            "device": device,
            "ok": ok,
            "synchronized": ok,
            "scaling_efficiency": efficiency,
        }
    ]
    return doc


def measured(ev, fw: str) -> dict[str, float]:
    return {r.rule: r.delta for r in ev.scores[fw].reasons if r.rule.startswith("distributed-")}


@pytest.mark.parametrize("fw", ["pytorch", "tensorflow"])
@pytest.mark.parametrize("efficiency", [0.91, 0.5, 0.09, None])
def test_a_cpu_run_never_counts_for_multi_gpu(rb, fw, efficiency):
    for accelerator in ("nvidia", "cpu", "auto"):
        ev = run(
            rb, distributed("cpu", efficiency, fw=fw), scale="multi-gpu", accelerator=accelerator
        )
        assert measured(ev, fw) == {}, accelerator
        assert f"distributed-cpu-run-{fw}" in {w.rule for w in ev.warnings}
    failed = run(rb, distributed("cpu", None, ok=False, fw=fw), scale="multi-gpu")
    assert measured(failed, fw) == {}


def test_a_cpu_run_counts_only_for_a_cpu_multi_node_answer(rb):
    cpu = run(rb, distributed("cpu", 0.91), scale="multi-node", accelerator="cpu")
    assert measured(cpu, "pytorch") == {"distributed-evidence-pytorch": 1.5}
    gpu = run(rb, distributed("cpu", 0.91), scale="multi-node", accelerator="nvidia")
    assert measured(gpu, "pytorch") == {}
    assert "distributed-cpu-run-pytorch" in {w.rule for w in gpu.warnings}


def test_a_gpu_run_counts_for_multi_gpu_and_says_where_it_ran(rb):
    ev = run(rb, distributed("cuda", 0.91), scale="multi-gpu")
    assert measured(ev, "pytorch") == {
        "distributed-evidence-pytorch": 1.5,
        "distributed-scaling-good-pytorch": 0.5,
    }
    why = by_rule(ev, "pytorch")["distributed-evidence-pytorch"].why
    assert why.endswith("on the GPUs (nccl) with 91% scaling efficiency, replicas in sync.")


@pytest.mark.parametrize("fw", ["pytorch", "tensorflow"])
@pytest.mark.parametrize("device", ["cuda", "cpu"])
@pytest.mark.parametrize("scale", ["multi-gpu", "multi-node"])
@pytest.mark.parametrize("accelerator", ["nvidia", "cpu"])
def test_low_scaling_efficiency_is_never_a_bonus(rb, fw, device, scale, accelerator):
    ev = run(rb, distributed(device, 0.09, fw=fw), scale=scale, accelerator=accelerator)
    assert all(delta <= 0 for delta in measured(ev, fw).values()), measured(ev, fw)
    # A run that would count gets the poor-scaling caveat; a CPU run that does not count says so.
    counts = device == "cuda" or (scale == "multi-node" and accelerator == "cpu")
    caveat = f"distributed-scaling-poor-{fw}" if counts else f"distributed-cpu-run-{fw}"
    (warning,) = [w for w in ev.warnings if w.rule.startswith("distributed-")]
    assert warning.rule == caveat and "9% scaling efficiency" in warning.why
    assert warning.why in ev.scores[fw].warnings  # the framework's own list carries the figures


def test_pytorch_mobile_reason_is_executorch(rb):
    reasons = run(rb, machine(), deploy="mobile").scores["pytorch"].reasons
    mobile = [r for r in reasons if r.rule.startswith("deploy-mobile")]
    assert [r.rule for r in mobile] == ["deploy-mobile-edge-executorch"]
    assert "ExecuTorch" in mobile[0].why and "url:executorch" in mobile[0].sources
    assert not {"TF-LITE", "KERAS-ON-TF", "url:litert"} & set(mobile[0].sources)
    assert "executorch" in load_rulebase().urls["executorch"].url


def test_keras_browser_reason_names_the_export_step(rb):
    ev = run(rb, machine(), deploy="browser")
    (browser,) = [r for r in ev.scores["keras"].reasons if r.rule.startswith("deploy-browser")]
    assert re.search(r"\bexport step\b", browser.why) and "tensorflowjs_converter" in browser.why
    assert "url:tfjs-import-keras" in browser.sources and "TF-JS" not in browser.sources


def test_prototyping_and_multi_gpu_reasons_cite_their_own_framework(rb):
    ev = run(rb, machine(), goal="prototyping", scale="multi-gpu")
    for fw, foreign in (
        ("keras", {"PT-DYNAMIC", "TF-BIGDATA", "TF-DISTRIBUTED"}),
        ("jax", {"TF-BIGDATA", "TF-DISTRIBUTED"}),
        ("pytorch", {"TF-BIGDATA", "TF-DISTRIBUTED"}),
    ):
        cited = {s for r in ev.scores[fw].reasons for s in r.sources}
        assert not cited & foreign, (fw, cited & foreign)
    tf = by_rule(run(rb, machine(), scale="multi-node"), "tensorflow")
    assert "TF-DISTRIBUTED" in tf["scale-multi-node-distributed"].sources
