"""Persona scenarios: the article's trade-offs at work on the bundled rule base.

Each persona is a machine (tests/fixtures/personas/*.json, a ``dlrec probe --json`` document)
plus answers. We assert the top-scored feasible framework and that its reasons cite the claim
the persona is about, so a persona that comes out right for the wrong reason fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.decide.ranking.rank import rank
from recommender.engine.answers import resolve_answers
from recommender.engine.evaluate import evaluate
from recommender.facts.document import Facts
from recommender.rulebase.load import load_rulebase

PERSONAS = Path(__file__).resolve().parent / "fixtures" / "personas"


@pytest.fixture(scope="module")
def rb():
    return load_rulebase()


def run(rb, machine: str, **answers):
    doc = json.loads((PERSONAS / f"{machine}.json").read_text("utf-8"))
    facts = Facts.from_dict(doc, origin=f"{machine}.json")
    return evaluate(facts, resolve_answers(rb.questions, flags=answers, facts=facts), rb)


def top(ev) -> str:
    feasible = [(s.score, -i, fw) for i, (fw, s) in enumerate(ev.scores.items()) if not s.blockers]
    return max(feasible)[2]


def cites(ev, framework: str, claim: str) -> bool:
    return any(claim in r.sources and r.delta > 0 for r in ev.scores[framework].reasons)


def backend(ev) -> str:
    return max(ev.keras_backend_scores.items(), key=lambda kv: kv[1])[0]


# (id, machine, answers, expected top (one or a set), claim the winner's reasons cite)
PERSONA_TABLE = [
    (
        "mobile-production",
        "linux-cpu-bare",
        dict(goal="production", deploy="mobile", domain="vision"),
        {"tensorflow", "keras"},
        "TF-LITE",
    ),
    (
        "edge-beginner",
        "linux-cpu-bare",
        dict(goal="prototyping", deploy="edge", experience="beginner"),
        {"tensorflow", "keras"},
        "url:litert",  # TF's and Keras's own mobile rules both cite LiteRT (TF-LITE is TF's alone)
    ),
    ("browser", "linux-cpu-bare", dict(goal="production", deploy="browser"), "tensorflow", "TF-JS"),
    (
        "research-dynamic",
        "linux-cpu-bare",
        dict(goal="research", experience="expert", domain="nlp"),
        "pytorch",
        "PT-RESEARCH",
    ),
    (
        "research-dynamic-graph",
        "pascal-cuda12",
        dict(goal="research", domain="vision"),
        "pytorch",
        "PT-DYNAMIC",
    ),
    (
        "beginner-prototyping",
        "linux-cpu-bare",
        dict(goal="prototyping", experience="beginner"),
        "keras",
        "KERAS-EASY",
    ),
    (
        "learner-high-level",
        "linux-cpu-bare",
        dict(goal="learning", experience="beginner", domain="tabular"),
        "keras",
        "TF-HIGHLEVEL",
    ),
    (
        "multi-node-production",
        "a100-cpu-torch",
        dict(goal="production", deploy="server", scale="multi-node", experience="expert"),
        "pytorch",
        "url:pytorch-ddp",  # PyTorch's multi-node reason cites DDP, no longer TF-DISTRIBUTED
    ),
    ("team-tensorflow", "linux-cpu-bare", dict(team_stack="tensorflow"), "tensorflow", "OVERVIEW"),
    (
        "team-pytorch",
        "linux-cpu-bare",
        dict(team_stack="pytorch", domain="audio"),
        "pytorch",
        "OVERVIEW",
    ),
    (
        "team-keras",
        "linux-cpu-bare",
        dict(team_stack="keras", domain="timeseries"),
        "keras",
        "KERAS-EASY",
    ),
    (
        "amd-reinforcement",
        "amd-mi210",
        dict(goal="research", domain="reinforcement"),
        "pytorch",
        "HW-ACCEL",
    ),
    (
        "generative-multi-gpu",
        "linux-cpu-bare",
        dict(domain="generative", scale="multi-gpu"),
        "pytorch",
        "PT-RESEARCH",
    ),
    # Keras's TPU reason cites the accelerator claim; TF-DATAFLOW backs TensorFlow's own TPU rule.
    ("tpu-vm", "tpu-vm", dict(goal="prototyping"), "keras", "HW-ACCEL"),
    ("no-avx-learner", "linux-no-avx", dict(goal="learning"), "keras", "KERAS-EASY"),
]


@pytest.mark.parametrize(
    "machine, answers, expected, claim",
    [p[1:] for p in PERSONA_TABLE],
    ids=[p[0] for p in PERSONA_TABLE],
)
def test_persona_top_pick_and_reason(rb, machine, answers, expected, claim):
    ev = run(rb, machine, **answers)
    winner = top(ev)
    allowed = expected if isinstance(expected, set) else {expected}
    assert winner in allowed, {fw: s.score for fw, s in ev.scores.items()}
    assert cites(ev, winner, claim), [(r.rule, r.sources) for r in ev.scores[winner].reasons]


def test_browser_beats_keras_for_tensorflow_js(rb):
    ev = run(rb, "linux-cpu-bare", goal="production", deploy="browser")
    assert ev.scores["tensorflow"].score > ev.scores["keras"].score > ev.scores["pytorch"].score


def test_outdated_claims_show_their_note(rb):
    ev = run(rb, "linux-cpu-bare", goal="production", deploy="mobile")
    lite = [r for r in ev.scores["tensorflow"].reasons if "TF-LITE" in r.sources]
    assert lite and "LiteRT" in lite[0].note
    ev = run(rb, "linux-cpu-bare", domain="nlp")
    nlp = [r for r in ev.scores["pytorch"].reasons if r.rule == "domain-nlp-huggingface"]
    assert nlp and "TorchText" in nlp[0].note


def test_no_avx_blocks_tensorflow(rb):
    ev = run(rb, "linux-no-avx", goal="production", deploy="mobile")
    assert [b.rule for b in ev.scores["tensorflow"].blockers] == ["tf-needs-avx"]
    assert "AVX" in ev.scores["tensorflow"].blockers[0].why
    assert top(ev) != "tensorflow"
    # Keras is recommended off the TensorFlow backend only through the ranking's backend tiers;
    # the rule base itself still knows Keras is feasible (on torch or jax).
    assert not ev.scores["keras"].blockers


def test_unknown_cpu_flags_do_not_block(rb):
    doc = json.loads((PERSONAS / "linux-no-avx.json").read_text("utf-8"))
    doc["cpu"]["flags"] = None
    facts = Facts.from_dict(doc)
    ev = evaluate(facts, resolve_answers(rb.questions, facts=facts), rb)
    assert not ev.scores["tensorflow"].blockers
    trace = {t.rule: t for t in ev.trace}
    assert (
        trace["tf-needs-avx"].outcome == "unknown" and "cpu.flags" in trace["tf-needs-avx"].unknown
    )


def test_windows_nvidia_warns_tensorflow_needs_wsl2(rb):
    ev = run(rb, "windows-rtx", goal="production", deploy="desktop")
    tf = ev.scores["tensorflow"]
    assert not tf.blockers  # still runs on the CPU
    assert any("WSL2" in w for w in tf.warnings), tf.warnings
    penalty = [r for r in tf.reasons if r.rule == "tf-windows-native-gpu"]
    assert penalty and penalty[0].delta == -rb.settings["device_block_penalty"]
    assert rb.rule("tf-windows-native-gpu").fix and "WSL2" in rb.rule("tf-windows-native-gpu").fix
    assert top(ev) == "pytorch"


def test_cpu_only_torch_on_a100_warns(rb):
    ev = run(rb, "a100-cpu-torch")
    warned = {w.rule for w in ev.warnings}
    assert "torch-cpu-build-with-nvidia-gpu" in warned
    # The fix is the planner's command (a template the ranking fills): a CUDA reinstall.
    assert rb.rule("torch-cpu-build-with-nvidia-gpu").fix == "{install_pytorch}"
    doc = json.loads((PERSONAS / "a100-cpu-torch.json").read_text("utf-8"))
    facts = Facts.from_dict(doc, origin="a100-cpu-torch.json")
    ranking = rank(ev, (), facts, rb)
    notice = next(n for n in ranking.warnings if n.rule == "torch-cpu-build-with-nvidia-gpu")
    assert "download.pytorch.org/whl/cu" in (notice.fix or ""), notice.fix


def test_pascal_gpu_on_cuda12_driver_gets_torch_ceiling_warnings(rb):
    ev = run(rb, "pascal-cuda12")
    warned = {w.rule for w in ev.warnings}
    assert {"nvidia-cc-pre-turing-torch", "nvidia-driver-cuda12-torch-ceiling"} <= warned
    assert not ev.scores["tensorflow"].blockers  # CC 6.1 meets TensorFlow's 6.0 floor


def test_intel_mac_on_new_python_blocks_both_wheels(rb):
    ev = run(rb, "mac-intel-py313")
    assert [b.rule for b in ev.scores["tensorflow"].blockers] == ["tf-macos-intel-no-wheel"]
    assert [b.rule for b in ev.scores["pytorch"].blockers] == ["torch-macos-intel-no-wheel"]


def test_apple_silicon_prefers_mps_and_warns_about_metal_plugin(rb):
    ev = run(rb, "mac-m2", goal="research")
    assert top(ev) == "pytorch"
    assert any(r.rule == "accel-apple-mps" for r in ev.scores["pytorch"].reasons)
    assert "tensorflow-metal-plugin" in {w.rule for w in ev.warnings}


@pytest.mark.parametrize(
    "answers, expected",
    [
        (dict(team_stack="pytorch"), "torch"),
        (dict(team_stack="jax"), "jax"),
        (dict(deploy="mobile"), "tensorflow"),
        (dict(deploy="browser"), "tensorflow"),
        (dict(goal="research"), "torch"),
    ],
)
def test_keras_backend_steering(rb, answers, expected):
    assert backend(run(rb, "linux-cpu-bare", **answers)) == expected


def test_tpu_with_a_jax_team_picks_jax_steers_keras_to_jax_and_warns_torch_xla(rb):
    ev = run(rb, "tpu-vm", team_stack="jax")
    assert top(ev) == "jax"
    assert ev.keras_backend_scores["jax"] == max(ev.keras_backend_scores.values())
    assert {"torch-xla-version-match", "tensorflow-tpu-build"} <= {w.rule for w in ev.warnings}


def test_team_stack_wins_over_default_answers(rb):
    for stack, fw in (
        ("tensorflow", "tensorflow"),
        ("pytorch", "pytorch"),
        ("keras", "keras"),
        ("jax", "jax"),
    ):
        assert top(run(rb, "linux-cpu-bare", team_stack=stack)) == fw, stack


def test_evaluation_is_deterministic(rb):
    a = run(rb, "windows-rtx", goal="research", domain="vision").to_dict()
    b = run(rb, "windows-rtx", goal="research", domain="vision").to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _with_keras(doc: dict, **keras) -> Facts:
    doc = json.loads(json.dumps(doc))
    doc.setdefault("frameworks", {})["keras"] = {
        "installed": True,
        "version": "3.15.1",
        "major": 3,
        "backend": "tensorflow",
        **keras,
    }
    doc["frameworks"]["tensorflow"] = {
        "installed": True,
        "version": "2.21.0",
        "distribution": "tensorflow-cpu",
    }
    return Facts.from_dict(doc)


@pytest.mark.parametrize("legacy, fires", [(None, True), ("0", True), ("1", False)])
def test_tf_keras_beside_keras3_warns_unless_legacy_is_set(rb, legacy, fires):
    """TF_USE_LEGACY_KERAS unset is reported as null; the rule must still fire then."""
    base = json.loads((PERSONAS / "linux-cpu-bare.json").read_text("utf-8"))
    facts = _with_keras(base, tf_keras="2.21.0", legacy_keras_env=legacy)
    ev = evaluate(facts, resolve_answers(rb.questions, facts=facts), rb)
    assert any(w.rule == "tf-216-keras3-default" for w in ev.warnings) is fires


def test_device_block_on_tensorflow_also_weighs_on_keras_tensorflow_backend(rb):
    """Native Windows + RTX: TF cannot use the GPU, so Keras should not default to the TF backend."""
    ev = run(rb, "windows-rtx", goal="production", deploy="desktop")
    penalty = rb.settings["device_block_penalty"]
    assert any(
        r.rule == "tf-windows-native-gpu" and r.delta == -penalty
        for r in ev.keras_backend_reasons["tensorflow"]
    )
    assert ev.keras_backend_scores["torch"] > ev.keras_backend_scores["tensorflow"]


@pytest.mark.parametrize(
    "machine, accelerator, warned",
    [
        ("linux-cpu-bare", "nvidia", True),
        ("linux-cpu-bare", "amd", True),
        ("linux-cpu-bare", "tpu", True),
        ("a100-cpu-torch", "nvidia", False),
        ("linux-cpu-bare", "cpu", False),
        ("linux-cpu-bare", "auto", False),
    ],
)
def test_an_answered_accelerator_the_machine_lacks_is_said(rb, machine, accelerator, warned):
    """`--accelerator nvidia` on a CPU box said only "An NVIDIA GPU is present but ... CPU-only
    build", and the table showed "device: cuda": nothing said no NVIDIA GPU was found."""
    ev = run(rb, machine, accelerator=accelerator)
    assert ("accel-answer-not-found" in {w.rule for w in ev.warnings}) is warned
