"""The engine: three-valued conditions, effects, derived facts, staleness, determinism."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from recommender.core.documents import parse_yaml
from recommender.engine.answers import resolve_answers
from recommender.engine.derived import derived_facts
from recommender.engine.evaluate import evaluate
from recommender.facts.document import Facts
from recommender.rulebase.conditions import (
    FALSE,
    OPERATORS,
    TRUE,
    UNKNOWN,
    CompileContext,
    compile_condition,
    register,
)
from recommender.rulebase.load import load_rulebase

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rules"
QUESTIONS = {
    "goal": frozenset({"research", "production"}),
    "deploy": frozenset({"mobile", "server"}),
}


def cond(text: str):
    node = parse_yaml(textwrap.dedent(text), "t.yaml")
    return compile_condition(node, CompileContext(file="t.yaml", rule="t", questions=QUESTIONS))


T = "{exists: {fact: os.system}}"  # true when os.system is set
F = "{not: {exists: {fact: os.system}}}"  # false then
U = "{eq: {fact: cpu.model, value: x}}"  # unknown while cpu.model is missing
ENV = {"os.system": "Linux"}


@pytest.mark.parametrize(
    "op,parts,expected",
    [
        ("all", [T, T], TRUE),
        ("all", [T, F], FALSE),
        ("all", [T, U], UNKNOWN),
        ("all", [U, F], FALSE),
        ("any", [F, F], FALSE),
        ("any", [F, T], TRUE),
        ("any", [F, U], UNKNOWN),
        ("any", [U, T], TRUE),
    ],
)
def test_kleene_connectives(op, parts, expected):
    assert cond(f"{op}: [{', '.join(parts)}]")(ENV) is expected


def test_not_unknown_is_unknown_and_exists_is_never_unknown():
    assert cond(f"not: {U}")(ENV) is UNKNOWN
    assert cond(f"not: {T}")(ENV) is FALSE
    assert cond("exists: {fact: cpu.model}")(ENV) is FALSE
    assert cond("exists: {fact: cpu.model}")({"cpu.model": "EPYC"}) is TRUE


def test_leaf_operators_on_known_and_unknown_facts():
    contains = cond("contains: {fact: cpu.flags, value: avx}")
    assert contains({"cpu.flags": ("avx", "avx2")}) is TRUE
    assert contains({"cpu.flags": ("sse",)}) is FALSE
    assert contains({"cpu.flags": None}) is UNKNOWN
    assert contains({}) is UNKNOWN
    gte = cond("gte: {fact: memory.total_bytes, value: 8000000000}")
    assert gte({"memory.total_bytes": 16_000_000_000}) is TRUE
    assert gte({"memory.total_bytes": 4_000_000_000}) is FALSE
    assert gte({"memory.total_bytes": None}) is UNKNOWN
    in_ = cond("in: {fact: os.system, values: [Linux, Darwin]}")
    assert in_({"os.system": "Darwin"}) is TRUE and in_({"os.system": "Windows"}) is FALSE
    # true is not 1: a bool fact never equals a number, and the loader refuses the mix anyway
    assert cond("eq: {fact: cpu.rosetta, value: true}")({"cpu.rosetta": True}) is TRUE
    assert cond("eq: {fact: python.bits, value: 1}")({"python.bits": True}) is FALSE


def test_version_operator_handles_local_versions_prereleases_and_garbage():
    v = cond("version: {fact: frameworks.pytorch.version, spec: '>=2.6,<2.14'}")
    assert v({"frameworks.pytorch.version": "2.13.0+cpu"}) is TRUE
    assert v({"frameworks.pytorch.version": "2.14.0rc1"}) is FALSE
    assert v({"frameworks.pytorch.version": "2.5.1"}) is FALSE
    assert v({"frameworks.pytorch.version": "not a version"}) is UNKNOWN
    assert v({"frameworks.pytorch.version": None}) is UNKNOWN


def test_list_paths_match_any_element_and_unknown_elements_stay_unknown():
    eq = cond("eq: {fact: 'accelerators[].kind', value: cuda}")
    assert eq({"accelerators[].kind": ("rocm", "cuda")}) is TRUE
    assert eq({"accelerators[].kind": ("rocm",)}) is FALSE
    assert eq({"accelerators[].kind": ()}) is FALSE  # known: no accelerator at all
    assert eq({"accelerators[].kind": ("rocm", None)}) is UNKNOWN
    assert eq({"accelerators[].kind": None}) is UNKNOWN  # the probe could not tell
    cc = cond("version: {fact: 'accelerators[].compute_capability', spec: '<7.5'}")
    assert cc({"accelerators[].compute_capability": ("8.0", "7.0")}) is TRUE


def test_answer_operator():
    a = cond("answer: {goal: research, deploy: {in: [mobile]}}")
    assert a({"answer.goal": "research", "answer.deploy": "mobile"}) is TRUE
    assert a({"answer.goal": "research", "answer.deploy": "server"}) is FALSE
    assert a({"answer.deploy": "mobile"}) is UNKNOWN


def test_registry_refuses_duplicates_and_lists_builtins():
    assert {
        "all",
        "any",
        "not",
        "answer",
        "eq",
        "in",
        "contains",
        "exists",
        "gte",
        "lte",
        "gt",
        "lt",
        "version",
    } <= set(OPERATORS)
    with pytest.raises(ValueError, match="already registered"):
        register("eq", OPERATORS["eq"])


# --- the engine on the fixture rule base ---------------------------------------------------

RB = load_rulebase(bundled=FIXTURE)


def facts(**over) -> Facts:
    doc = {
        "os": {"system": "Linux", "machine": "x86_64"},
        "cpu": {"arch": "x86_64", "flags": ["avx", "avx2", "fma"]},
        "accelerators": [],
        "frameworks": {
            "tensorflow": {"installed": True, "version": "2.21.0"},
            "pytorch": {"installed": True, "version": "2.13.0+cpu"},
            "keras": {"installed": True, "version": "3.15.1"},
        },
    }
    for key, value in over.items():
        section, _, field = key.partition("__")
        if field:
            doc.setdefault(section, {})[field] = value
        else:
            doc[section] = value
    return Facts.from_dict(doc)


def answers(**flags):
    return resolve_answers(RB.questions, flags=flags)


def trace(ev, rule):
    return next(t for t in ev.trace if t.rule == rule)


def test_scores_reasons_and_backend_scores():
    ev = evaluate(facts(), answers(goal="research", deploy="mobile"), RB)
    assert ev.scores["pytorch"].score == 4.0
    assert [r.rule for r in ev.scores["pytorch"].reasons] == [
        "research-pytorch",
        "deploy-mobile-litert",
    ]
    assert ev.scores["tensorflow"].score == 3.0
    assert ev.scores["tensorflow"].reasons[0].sources == ("TF-LITE", "url:tf-pip")
    assert ev.scores["tensorflow"].reasons[0].note == "Renamed LiteRT in 2024."
    assert ev.keras_backend_scores == {"tensorflow": 0.0, "torch": 1.0, "jax": 0.0}
    assert trace(ev, "research-pytorch").reads == ("answer.goal",)
    assert trace(ev, "beginner-keras").outcome == "false"


def test_no_avx_blocks_tensorflow_and_keras():
    ev = evaluate(facts(cpu__flags=["sse4_2"]), answers(), RB)
    assert [b.rule for b in ev.scores["tensorflow"].blockers] == ["tf-needs-avx"]
    assert ev.scores["tensorflow"].blockers[0].fix.startswith("Use PyTorch")
    assert not ev.scores["keras"].feasible and ev.scores["pytorch"].feasible


def test_unknown_cpu_flags_decide_nothing_and_the_trace_says_so():
    ev = evaluate(facts(cpu__flags=None), answers(), RB)
    assert ev.scores["tensorflow"].feasible
    entry = trace(ev, "tf-needs-avx")
    assert entry.outcome == "unknown" and entry.unknown == ("cpu.flags",)
    assert entry.reads == ("cpu.arch", "cpu.flags")
    # a different arch makes it false even with flags unknown: all(false, unknown) is false
    ev = evaluate(facts(cpu__flags=None, cpu__arch="aarch64"), answers(), RB)
    assert trace(ev, "tf-needs-avx").outcome == "false"


def test_block_device_is_a_warning_and_a_penalty_not_a_blocker():
    gpu = [
        {
            "kind": "cuda",
            "vendor": "nvidia",
            "compute_capability": "8.6",
            "max_cuda": "12.8",
            "visible": True,
        }
    ]
    ev = evaluate(facts(os__system="Windows", accelerators=gpu), answers(), RB)
    tf = ev.scores["tensorflow"]
    assert tf.feasible
    assert tf.warnings[0].startswith("cuda: TensorFlow on native Windows")
    penalty = [r for r in tf.reasons if r.rule == "tf-windows-native-gpu"]
    assert penalty[0].delta == -1.5
    assert tf.score == 0.5 - 1.5  # gpu-bonus minus the device penalty


def test_warn_all_reaches_every_framework():
    ev = evaluate(facts(), answers(), RB)
    assert [w.rule for w in ev.warnings] == ["tf-version-new"]
    assert ev.warnings[0].frameworks == ("tensorflow", "pytorch", "keras", "jax")
    assert all("TF 2.16+" in ev.scores[fw].warnings[0] for fw in ev.scores)


def test_derived_facts():
    gpus = [
        {"kind": "cuda", "compute_capability": "8.0", "max_cuda": "12.8", "visible": True},
        {"kind": "cuda", "compute_capability": "7.5", "max_cuda": "12.8", "visible": True},
        {"kind": "cuda", "compute_capability": "6.1", "max_cuda": "12.8", "visible": False},
    ]
    d = derived_facts(facts(accelerators=gpus), "auto")
    assert d.accelerator_kinds == ("cuda",)
    assert d.has_visible_gpu is True
    assert d.nvidia_min_cc == "7.5"  # the hidden 6.1 is not used
    assert d.nvidia_max_cuda == "12.8"
    assert d.answer_accelerator == "nvidia"
    assert (
        derived_facts(facts(accelerators=[{"kind": "mps"}]), "auto").answer_accelerator == "apple"
    )
    cpu_only = derived_facts(facts(), "auto")
    assert cpu_only.answer_accelerator == "cpu" and cpu_only.has_visible_gpu is False
    assert cpu_only.nvidia_min_cc is None
    unknown = derived_facts(facts(accelerators=None), "auto")
    assert unknown.answer_accelerator is None and unknown.accelerator_kinds is None
    assert derived_facts(facts(accelerators=None), "tpu").answer_accelerator == "tpu"


def test_gpu_probe_that_could_not_tell_is_not_a_cpu_only_machine():
    """A hung nvidia-smi next to /dev/nvidia0 leaves no accelerator listed and the nvidia probe
    unknown: auto must resolve to unknown, not to "cpu" (and so never to CPU-only wheels)."""
    probes = {
        "nvidia": {"status": "unknown", "reason": "nvidia-smi did not answer"},
        "rocm": {"status": "absent"},
        "tpu": {"status": "absent"},
    }
    d = derived_facts(facts(probes=probes), "auto")
    assert d.answer_accelerator is None
    assert d.has_visible_gpu is None and d.accelerator_kinds is None
    assert derived_facts(facts(probes=probes), "cpu").answer_accelerator == "cpu"
    # a kind found earlier in auto's order still decides; a later unsure kind does not matter
    found = derived_facts(
        facts(
            probes={"rocm": {"status": "unknown"}}, accelerators=[{"kind": "cuda", "visible": True}]
        ),
        "auto",
    )
    assert found.answer_accelerator == "nvidia" and found.has_visible_gpu is True
    absent = derived_facts(facts(probes={"nvidia": {"status": "absent"}}), "auto")
    assert absent.answer_accelerator == "cpu" and absent.has_visible_gpu is False


def test_old_gpu_rule_reads_derived_min_cc():
    gpu = [{"kind": "cuda", "compute_capability": "3.5", "visible": True}]
    ev = evaluate(facts(accelerators=gpu), answers(), RB)
    assert trace(ev, "torch-old-gpu").outcome == "fired"
    assert ev.scores["pytorch"].warnings[0].startswith("This GPU is older")
    ev = evaluate(facts(), answers(), RB)  # no NVIDIA GPU: all(false, unknown) is false
    assert trace(ev, "torch-old-gpu").outcome == "false"
    assert trace(ev, "torch-old-gpu").unknown == ("derived.nvidia_min_cc",)


def test_staleness_warning():
    ev = evaluate(
        facts(
            frameworks={"tensorflow": {"version": "2.23.0"}, "pytorch": {"version": "2.13.1+cu126"}}
        ),
        answers(),
        RB,
    )
    assert [w.why for w in ev.stale] == [
        "the rule base was verified up to TF 2.21; you have 2.23.0"
    ]
    assert ev.stale[0].frameworks == ("tensorflow",)
    assert evaluate(facts(), answers(), RB).stale == ()


def test_deterministic_json_and_pure():
    f = facts(
        cpu__flags=None,
        accelerators=[{"kind": "cuda", "compute_capability": "8.6", "visible": True}],
    )
    a = answers(goal="research", deploy="edge")
    before = f.to_json()
    one = json.dumps(evaluate(f, a, RB).to_dict(), sort_keys=False)
    two = json.dumps(evaluate(f, a, load_rulebase(bundled=FIXTURE)).to_dict(), sort_keys=False)
    assert one == two
    assert f.to_json() == before
    data = json.loads(one)
    assert list(data) == [
        "scores",
        "keras_backend_scores",
        "keras_backend_reasons",
        "warnings",
        "stale",
        "derived",
        "trace",
    ]
    assert [t["rule"] for t in data["trace"]] == [r.id for r in RB.rules]
    deltas = [abs(r["delta"]) for r in data["scores"]["pytorch"]["reasons"]]
    assert deltas == sorted(deltas, reverse=True)


def test_overlay_rules_take_effect(tmp_path):
    path = tmp_path / "o.yaml"
    path.write_text(
        textwrap.dedent("""\
        rules:
          - id: research-pytorch
            sources: [PT-RESEARCH]
            when: {answer: {goal: research}}
            score: {pytorch: -2}
            why: "Overlay says otherwise."
          - id: team-keras
            sources: [KERAS-EASY]
            when: {answer: {team_stack: keras}}
            score: {keras: 4}
            why: "The team writes Keras."
        """)
    )
    rb = load_rulebase([path], bundled=FIXTURE)
    ev = evaluate(facts(), answers(goal="research", team_stack="keras"), rb)
    assert ev.scores["pytorch"].score == -2.0
    assert ev.scores["keras"].score == 4.0
