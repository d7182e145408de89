"""Persona scenarios: facts from machines we don't have plus answers -> the expected ranking.

Each persona runs the real CLI (`recommend --json --facts F --answers A --no-smoke`) with the
bundled rule base; tests/fixtures/personas5/expected.yaml says what must come out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from recommender.cli.main import cli
from recommender.core.catalog import ACCELERATOR_KINDS

HERE = Path(__file__).resolve().parent / "fixtures" / "personas5"
EXPECTED = yaml.safe_load((HERE / "expected.yaml").read_text())


def recommend(runner, persona: str) -> dict:
    spec = EXPECTED[persona]
    result = runner.invoke(
        cli,
        [
            "recommend",
            "--json",
            "--no-smoke",
            "--facts",
            str(HERE / "machines" / f"{spec['machine']}.json"),
            "--answers",
            str(HERE / f"{persona}.answers.yaml"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_persona(runner, persona):
    spec = EXPECTED[persona]
    doc = recommend(runner, persona)
    by_fw = {e["framework"]: e for e in doc["ranking"]}
    top = doc["ranking"][0]
    assert top["framework"] == spec["top"], [(e["framework"], e["score"]) for e in doc["ranking"]]
    assert top["feasible"] and top["rank"] == 1
    if "backend" in spec:
        assert top["backend"] == spec["backend"]
    assert top["verdict"] == spec.get("verdict", "recommended")
    fired = [r["rule"] for r in top["reasons"]]
    for rule in spec["reasons"]:
        assert rule in fired, (rule, fired)
    cited = {s for r in top["reasons"] if r["rule"] in spec["reasons"] for s in r["sources"]}
    assert set(spec["claims"]) <= cited, (spec["claims"], cited)
    if "install" in spec:
        assert spec["install"] in (top["install"] or ""), top["install"]
    else:
        assert top["install"] is None  # installed: nothing to install
    for fw, rule in (spec.get("blocked") or {}).items():
        assert not by_fw[fw]["feasible"] and by_fw[fw]["verdict"] == "not feasible"
        assert rule in [b["rule"] for b in by_fw[fw]["blockers"]]
        feasible = [e["rank"] for e in doc["ranking"] if e["feasible"]]
        assert by_fw[fw]["rank"] > max(feasible, default=0)  # infeasible ranks last
    for fw, rule in (spec.get("penalised") or {}).items():
        assert any(r["rule"] == rule and r["delta"] < 0 for r in by_fw[fw]["reasons"]), by_fw[fw][
            "reasons"
        ]
    for fw, piece in (spec.get("others_install") or {}).items():
        assert piece in (by_fw[fw]["install"] or ""), by_fw[fw]["install"]
    if "second" in spec:
        second = doc["ranking"][1]
        assert (second["framework"], second["backend"]) == (
            spec["second"]["framework"],
            spec["second"]["backend"],
        )
    warned = [w["rule"] for w in doc["warnings"]]
    for rule in spec.get("warnings") or ():
        assert rule in warned, (rule, warned)
    # foreign facts: no smoke, and the output says so
    assert doc["smoke"] == [] and warned[0] == "smoke:skipped"
    assert all(e["confidence"] == "rules-only" for e in doc["ranking"])
    # ranking invariants: feasible first, then the tier on the answered devices, then the score
    keys = [
        (not e["feasible"], *(-k for k in e["tier"]["order"]), -e["score"]) for e in doc["ranking"]
    ]
    assert keys == sorted(keys)
    tied = [e for e in doc["ranking"] if e["tied"]]
    assert len(tied) != 1 and all(e["verdict"] != "recommended" for e in tied)


def test_personas_cover_every_answer_value_and_accelerator_kind():
    from recommender.rulebase.load import load_rulebase

    seen: dict[str, set] = {}
    kinds: set[str] = set()
    for persona, spec in EXPECTED.items():
        answers = yaml.safe_load((HERE / f"{persona}.answers.yaml").read_text())
        for key, value in answers.items():
            seen.setdefault(key, set()).add(value)
        facts = json.loads((HERE / "machines" / f"{spec['machine']}.json").read_text())
        kinds |= {a["kind"] for a in facts.get("accelerators") or ()} or {"cpu"}
    for question in load_rulebase().questions:
        assert set(question.values) <= seen.get(question.key, set()), question.key
    assert set(ACCELERATOR_KINDS) | {"cpu"} <= kinds
    assert len(EXPECTED) >= 15
    machines = {spec["machine"] for spec in EXPECTED.values()}
    assert {"a100-cpu-torch", "m2-mac", "tpu-vm", "windows-rtx", "no-avx", "bare"} <= machines
