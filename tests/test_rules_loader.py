"""The rule loader refuses every off-contract file with one line naming file, line and rule id."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from recommender.core.errors import BadInputError
from recommender.rulebase.load import RuleError, load_rulebase

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rules"
ROOT = Path(__file__).resolve().parent.parent


def _base(extra=()):
    return load_rulebase(extra, bundled=FIXTURE)


def _overlay(tmp_path, text: str, name: str = "overlay.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _rule(body: str) -> str:
    """An overlay with one rule; ``body`` is the rule's lines after ``- id: bad``."""
    return "rules:\n  - id: bad\n" + textwrap.indent(textwrap.dedent(body), "    ")


def test_fixture_rulebase_loads_with_its_parts():
    rb = _base()
    assert [r.id for r in rb.rules][:2] == ["deploy-mobile-litert", "research-pytorch"]
    assert rb.rule("tf-needs-avx").block == ("tensorflow", "keras")
    assert rb.rule("tf-needs-avx").reads == ("cpu.arch", "cpu.flags")
    assert rb.settings["device_block_penalty"] == 1.5
    assert rb.newest_known["tensorflow"] == "2.21"
    assert rb.question("accelerator").prefill == "derived.answer_accelerator"
    assert rb.claims["TF-LITE"].section == "2.2.2"
    assert rb.urls["tf-pip"].url.startswith("https://")
    assert set(rb.frameworks) == {"tensorflow", "pytorch", "keras"}
    assert (
        rb.rule("tf-windows-native-gpu").verified == "2026-11"
    )  # quoted and bare both read as strings
    assert rb.rule("tf-needs-avx").verified == "2026-11"
    with pytest.raises(KeyError):
        rb.rule("nope")


BAD_RULES = [
    (
        "unknown-key",
        "sources: [TF-LITE]\nwehn: {}\nwhy: x\nscore: {tensorflow: 1}\n",
        4,
        "rule 'bad': unknown key 'wehn' (allowed: id, sources, when, score, block, warn, why, note, verified, fix, block_device, keras_backends, keras_reach)",
    ),
    (
        "unknown-operator",
        "sources: [TF-LITE]\nwhen: {eval: 'os.system(1)'}\nwhy: x\nscore: {tensorflow: 1}\n",
        4,
        "unknown operator 'eval'",
    ),
    (
        "unknown-fact",
        "sources: [TF-LITE]\nwhen: {eq: {fact: cpu.flagz, value: avx}}\nwhy: x\nscore: {tensorflow: 1}\n",
        4,
        "unknown fact path 'cpu.flagz'",
    ),
    (
        "unknown-answer-key",
        "sources: [TF-LITE]\nwhen: {answer: {budget: low}}\nwhy: x\nscore: {tensorflow: 1}\n",
        4,
        "unknown answer key 'budget'",
    ),
    (
        "bad-answer-value",
        "sources: [TF-LITE]\nwhen:\n  answer: {deploy: {in: [mobile, fridge]}}\nwhy: x\nscore: {tensorflow: 1}\n",
        5,
        "answer 'deploy' has no value 'fridge' (allowed: browser, desktop, edge, mobile, server, undecided)",
    ),
    (
        "yaml11-bool-answer",
        "sources: [TF-LITE]\nwhen: {answer: {team_stack: no}}\nwhy: x\nscore: {tensorflow: 1}\n",
        4,
        "answer 'team_stack' has no value 'no'",
    ),
    (
        "no-effect",
        "sources: [TF-LITE]\nwhy: x\n",
        2,
        "exactly one effect: score, block or warn (found: none)",
    ),
    (
        "two-effects",
        "sources: [TF-LITE]\nwhy: x\nscore: {tensorflow: 1}\nwarn: [all]\n",
        2,
        "exactly one effect: score, block or warn (found: score, warn)",
    ),
    ("missing-why", "sources: [TF-LITE]\nscore: {tensorflow: 1}\n", 2, "missing key 'why'"),
    ("missing-sources", "why: x\nscore: {tensorflow: 1}\n", 2, "missing key 'sources'"),
    (
        "unknown-claim",
        "sources: [TF-LTIE]\nwhy: x\nscore: {tensorflow: 1}\n",
        3,
        "unknown claim 'TF-LTIE'",
    ),
    (
        "unknown-url",
        "sources: ['url:nowhere']\nwhy: x\nscore: {tensorflow: 1}\n",
        3,
        "unknown url source 'url:nowhere'",
    ),
    (
        "framework-no-block",
        "sources: [TF-LITE]\nwhy: x\nblock: [no]\n",
        5,
        "block: 'no' is not a framework id",
    ),
    (
        "framework-no-score",
        "sources: [TF-LITE]\nwhy: x\nscore: {no: 1}\n",
        5,
        "score: 'no' is not a framework id",
    ),
    (
        "framework-no-warn",
        "sources: [TF-LITE]\nwhy: x\nwarn: [no]\n",
        5,
        "warn: 'no' is not a framework id",
    ),
    (
        "score-not-number",
        "sources: [TF-LITE]\nwhy: x\nscore: {tensorflow: yes}\n",
        5,
        "score: tensorflow must be a number, got 'yes'",
    ),
    (
        "unquoted-version",
        "sources: [TF-LITE]\nwhen: {eq: {fact: python.version, value: 3.10}}\nwhy: x\nscore: {keras: 1}\n",
        4,
        "'eq' on python.version needs a string (quote it), got 3.1",
    ),
    (
        "bad-spec",
        "sources: [TF-LITE]\nwhen: {version: {fact: frameworks.pytorch.version, spec: 'newer than 2'}}\nwhy: x\nwarn: [all]\n",
        4,
        "is not a PEP 440 specifier",
    ),
    (
        "numeric-on-str",
        "sources: [TF-LITE]\nwhen: {gte: {fact: os.system, value: 3}}\nwhy: x\nwarn: [all]\n",
        4,
        "'gte' needs a numeric fact",
    ),
    (
        "eq-on-list",
        "sources: [TF-LITE]\nwhen: {eq: {fact: cpu.flags, value: avx}}\nwhy: x\nwarn: [all]\n",
        4,
        "cpu.flags is a list; use 'contains'",
    ),
    (
        "two-operators",
        "sources: [TF-LITE]\nwhen: {eq: {fact: os.system, value: Linux}, not: {exists: {fact: cpu.flags}}}\nwhy: x\nwarn: [all]\n",
        4,
        "exactly one operator",
    ),
    (
        "empty-all",
        "sources: [TF-LITE]\nwhen: {all: []}\nwhy: x\nwarn: [all]\n",
        4,
        "'all' takes a non-empty list",
    ),
    (
        "block-device-alone",
        "sources: [TF-LITE]\nwhy: x\nwarn: [all]\nblock_device: cuda\n",
        6,
        "'block_device' goes with 'block'",
    ),
    (
        "bad-device",
        "sources: [TF-LITE]\nwhy: x\nblock: [pytorch]\nblock_device: gpu\n",
        6,
        "block_device 'gpu' is not a device",
    ),
    (
        "bad-verified",
        "sources: [TF-LITE]\nwhy: x\nwarn: [all]\nverified: 2026-13\n",
        6,
        "'verified' must be YYYY-MM",
    ),
    (
        "keras-reach-not-bool",
        "sources: [TF-LITE]\nwhy: x\nscore: {tensorflow: 1}\nkeras_reach: {reaches: maybe, why: y}\n",
        6,
        "keras_reach.reaches must be true or false",
    ),
    (
        "keras-reach-uncited",
        "sources: [TF-LITE]\nwhy: x\nscore: {tensorflow: 1}\nkeras_reach: {reaches: true, why: y}\n",
        6,
        "keras_reach with reaches: true cites its sources",
    ),
    (
        "keras-reach-without-backend-score",
        "sources: [TF-LITE]\nwhy: x\nscore: {keras: 1}\nkeras_reach: {reaches: false, why: y}\n",
        6,
        "'keras_reach' goes with a score for tensorflow, pytorch or jax",
    ),
    (
        "keras-reach-counted-twice",
        "sources: [TF-LITE]\nwhy: x\nscore: {tensorflow: 1, keras: 1}\n"
        "keras_reach: {reaches: true, why: y, sources: [TF-LITE]}\n",
        6,
        "counts it twice",
    ),
]


@pytest.mark.parametrize("name,body,line,message", BAD_RULES, ids=[b[0] for b in BAD_RULES])
def test_bad_rule_is_refused_with_file_line_and_rule_id(tmp_path, name, body, line, message):
    path = _overlay(tmp_path, _rule(body))
    with pytest.raises(RuleError) as info:
        _base([path])
    err = info.value
    assert isinstance(err, BadInputError) and err.exit_code == 2
    assert err.where == f"{path}:{line}", err.format_message()
    assert message in err.format_message()
    assert "rule 'bad'" in err.format_message()
    assert "\n" not in err.format_message()


def test_exact_error_format(tmp_path):
    path = _overlay(tmp_path, _rule(BAD_RULES[0][1]))
    with pytest.raises(RuleError) as info:
        _base([path])
    assert info.value.format_message() == f"{path}:4: {BAD_RULES[0][3]}"


def test_duplicate_ids_in_one_overlay(tmp_path):
    path = _overlay(
        tmp_path,
        """\
        rules:
          - {id: twice, sources: [TF-LITE], why: x, warn: [all]}
          - {id: twice, sources: [TF-LITE], why: y, warn: [all]}
        """,
    )
    with pytest.raises(
        RuleError, match=r"rule 'twice': duplicate rule id \(first at .*overlay.yaml:2\)"
    ):
        _base([path])


@pytest.mark.parametrize(
    "text,message",
    [
        ("rules: []\nextra: 1\n", "unknown key 'extra' (allowed: rules, settings)"),
        ("- id: x\n", "expected a mapping with keys rules, settings"),
        ("settings: {smoke_bonsu: 3}\n", "unknown setting 'smoke_bonsu'"),
        ("settings: {smoke_bonus: lots}\n", "setting 'smoke_bonus' must be a number"),
        ("rules: {id: x}\n", "'rules' must be a list"),
        (
            "rules:\n  - {id: x, sources: [TF-LITE], why: x, warn: [all]}\n  - {id: x, sources: [TF-LITE], why: x, warn: [all], a: 1}\n",
            "unknown key 'a'",
        ),
        (
            "rules:\n  - {id: Bad_Id, sources: [TF-LITE], why: x, warn: [all]}\n",
            "rule id must match",
        ),
    ],
)
def test_bad_overlay_shapes(tmp_path, text, message):
    with pytest.raises(RuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _base([_overlay(tmp_path, text)])


def _copy_fixture(tmp_path) -> Path:
    target = tmp_path / "bundled"
    shutil.copytree(FIXTURE, target)
    return target


def test_compat_rule_without_verified_is_refused(tmp_path):
    d = _copy_fixture(tmp_path)
    compat = (d / "compat.yaml").read_text().replace("    verified: 2026-11\n", "", 1)
    (d / "compat.yaml").write_text(compat)
    with pytest.raises(
        RuleError, match=r"rule 'tf-needs-avx': compat.yaml rules need 'verified: YYYY-MM'"
    ) as info:
        load_rulebase(bundled=d)
    assert info.value.where.startswith("rules/compat.yaml:")


def test_duplicate_ids_across_bundled_files(tmp_path):
    d = _copy_fixture(tmp_path)
    trade = (d / "tradeoffs.yaml").read_text().replace("id: gpu-bonus", "id: tf-needs-avx")
    (d / "tradeoffs.yaml").write_text(trade)
    with pytest.raises(
        RuleError, match=r"duplicate rule id \(first at rules/tradeoffs.yaml:\d+\)"
    ) as info:
        load_rulebase(bundled=d)
    assert info.value.where.startswith("rules/compat.yaml:")


def test_duplicate_yaml_key_and_alias_are_refused(tmp_path):
    dup = _overlay(tmp_path, "rules: []\nrules: []\n", "dup.yaml")
    with pytest.raises(RuleError, match=r"duplicate key 'rules' \(first at line 1\)") as info:
        _base([dup])
    assert info.value.where == f"{dup}:2"
    alias = _overlay(tmp_path, "settings: &a {smoke_bonus: 1}\nrules: *a\n", "alias.yaml")
    with pytest.raises(RuleError, match="anchors and aliases"):
        _base([alias])


def test_bad_question_default_and_unknown_question_key(tmp_path):
    d = _copy_fixture(tmp_path)
    q = (d / "questions.yaml").read_text()
    (d / "questions.yaml").write_text(q.replace('default: "undecided"', 'default: "moon"'))
    with pytest.raises(RuleError, match=r"question 'deploy': default 'moon' is not a choice"):
        load_rulebase(bundled=d)
    (d / "questions.yaml").write_text(q.replace('help: "The deployment target."', 'hlep: "x"'))
    with pytest.raises(RuleError, match=r"question 'deploy': unknown key 'hlep'"):
        load_rulebase(bundled=d)


def test_newest_known_must_be_quoted_versions(tmp_path):
    d = _copy_fixture(tmp_path)
    c = (d / "compat.yaml").read_text()
    (d / "compat.yaml").write_text(c.replace('pytorch: "2.13"', "pytorch: 2.13"))
    with pytest.raises(RuleError, match=r"newest_known.pytorch must be a quoted version string"):
        load_rulebase(bundled=d)


def test_overlay_replaces_by_id_in_place_and_adds_new(tmp_path):
    path = _overlay(
        tmp_path,
        """\
        settings: {smoke_bonus: 5}
        rules:
          - id: research-pytorch
            sources: [PT-RESEARCH]
            when: {answer: {goal: research}}
            score: {pytorch: 10}
            why: "Replaced by the overlay."
          - id: my-team-keras
            sources: [KERAS-EASY]
            when: {answer: {team_stack: keras}}
            score: {keras: 4}
            why: "The team already writes Keras."
        """,
    )
    base = _base()
    rb = _base([path])
    ids = [r.id for r in rb.rules]
    assert ids == [*[r.id for r in base.rules], "my-team-keras"]
    assert ids.index("research-pytorch") == [r.id for r in base.rules].index("research-pytorch")
    assert rb.rule("research-pytorch").score["pytorch"] == 10
    assert rb.rule("research-pytorch").file == str(path)
    assert rb.settings["smoke_bonus"] == 5 and rb.settings["device_block_penalty"] == 1.5
    assert rb.files[-1] == str(path)
    assert base.rule("research-pytorch").score["pytorch"] == 3  # the bundled base is untouched


def test_json_overlay_is_validated_the_same(tmp_path):
    path = tmp_path / "o.json"
    path.write_text('{"rules": [{"id": "j", "sources": ["TF-LITE"], "why": "x", "block": ["no"]}]}')
    with pytest.raises(RuleError, match=r"rule 'j': block: 'no' is not a framework id"):
        _base([path])
    path.write_text(
        '{"rules": [{"id": "j", "sources": ["TF-LITE"], "why": "x", "warn": ["all"],'
        ' "when": {"eq": {"fact": "os.system", "value": "Linux"}}}]}'
    )
    assert _base([path]).rule("j").reads == ("os.system",)


def test_missing_overlay_file_is_one_line(tmp_path):
    with pytest.raises(RuleError, match="no such file"):
        _base([tmp_path / "absent.yaml"])


# --- the bundled rule base (rules/*.yaml) ----------------------------------------------------

MINIMUM_ANSWERS = {
    "goal": {"research", "production", "learning", "prototyping"},
    "deploy": {"server", "mobile", "browser", "edge", "desktop", "undecided"},
    "experience": {"beginner", "intermediate", "expert"},
    "domain": {
        "vision",
        "nlp",
        "audio",
        "tabular",
        "timeseries",
        "reinforcement",
        "generative",
        "other",
    },
    "scale": {"single", "multi-gpu", "multi-node"},
    "team_stack": {"none", "tensorflow", "pytorch", "keras", "jax"},
    "accelerator": {"auto", "cpu", "nvidia", "amd", "apple", "tpu"},
}


def test_bundled_rulebase_loads_and_keeps_the_answer_contract():
    rb = load_rulebase()
    assert len(rb.rules) > 20
    for key, values in MINIMUM_ANSWERS.items():
        assert values <= set(rb.question(key).values), key
    assert {"tensorflow", "pytorch", "keras"} <= set(rb.newest_known)
    assert all(r.verified for r in rb.rules if r.file == "rules/compat.yaml")
    assert {"smoke_bonus", "device_block_penalty"} <= set(rb.settings)
    assert {"tensorflow", "pytorch", "keras"} <= set(rb.frameworks)


def test_bundled_rulebase_evaluates_on_this_machine_deterministically():
    import json

    from recommender.engine.answers import resolve_answers
    from recommender.engine.evaluate import evaluate
    from recommender.facts.collect import collect_facts

    rb = load_rulebase()
    facts = collect_facts()
    a = resolve_answers(rb.questions, flags={"goal": "research"})
    one = json.dumps(evaluate(facts, a, rb).to_dict())
    assert one == json.dumps(evaluate(facts, a, load_rulebase()).to_dict())
    assert len(json.loads(one)["trace"]) == len(rb.rules)


# Install commands moved from frameworks.yaml to the cited wheel matrix (rules/wheels.yaml); its
# loader's refusals (unknown keys, bad specifiers, bad dates, with file:line) are tested in
# tests/test_wheels_loader.py.


def test_a_frameworks_entry_with_an_install_command_is_refused_not_ignored(tmp_path):
    """Install commands are the planner's (rules/wheels.yaml): one in frameworks.yaml would be
    silently ignored, so it is refused, naming the file, line and key."""
    d = _copy_fixture(tmp_path)
    text = (d / "frameworks.yaml").read_text()
    spoiled = text.replace(
        '    name: "PyTorch"\n', '    name: "PyTorch"\n    install: "pip install torch"\n'
    )
    assert spoiled != text
    (d / "frameworks.yaml").write_text(spoiled)
    with pytest.raises(RuleError, match=r"unknown key 'install'") as info:
        load_rulebase(bundled=d)
    assert info.value.where.startswith("rules/frameworks.yaml:")
