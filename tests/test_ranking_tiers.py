"""Hardware fit before taste (issue 23): properties of the tiered ranking.

* no set of preference answers (team_stack and moving_away excluded) lifts a framework above a
  feasible one a tier higher on the answered devices;
* the order does not depend on which frameworks are installed, except inside a tie;
* permuting the catalog changes nothing but the order inside a tie.

They run the real engine and ranking (``evaluate`` + ``rank``) on the persona machines, without
smoke runs (foreign facts: installed is then only a tie-break).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.decide.ranking import rank as ranking_module
from recommender.decide.ranking.rank import fit_key, rank
from recommender.engine.answers import Answers
from recommender.engine.evaluate import evaluate
from recommender.facts.document import Facts
from recommender.rulebase.load import load_rulebase

ROOT = Path(__file__).resolve().parent.parent
MACHINES = {
    p.stem: json.loads(p.read_text())
    for folder in (
        ROOT / "tests/fixtures/personas5/machines",
        ROOT / "benchmarks/personas/machines",
    )
    for p in sorted(folder.glob("*.json"))
}
RB = load_rulebase()
QUESTIONS = {q.key: q.values for q in RB.questions}
PREFERENCES = ("goal", "experience", "domain", "scale", "workload")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ranking(doc, values, rulebase=RB):
    facts = Facts.from_dict(doc, origin="persona.json")
    answers = Answers(values=values, source={k: "file" for k in values})
    return rank(evaluate(facts, answers, rulebase), (), facts, rulebase)


def _groups(ranking):
    """The rows as a list of groups of equals: rows with the same feasibility, tier and score
    form one set (the top tie among them), every other row its own."""
    out: list[tuple[tuple, set[tuple[str, str | None]]]] = []
    for e in ranking.entries:
        key = (e.feasible, fit_key(e), e.score)
        if out and out[-1][0] == key:
            out[-1][1].add((e.framework, e.backend))
        else:
            out.append((key, {(e.framework, e.backend)}))
    return [frozenset(members) for _, members in out]


def _preferences():
    return st.fixed_dictionaries(
        {},
        optional={k: st.sampled_from(QUESTIONS[k]) for k in PREFERENCES},
    )


@SETTINGS
@given(
    machine=st.sampled_from(sorted(MACHINES)),
    accelerator=st.sampled_from(QUESTIONS["accelerator"]),
    deploy=st.sampled_from((None, *QUESTIONS["deploy"])),
    prefs=_preferences(),
)
def test_no_preference_lifts_a_row_above_a_better_tier(machine, accelerator, deploy, prefs):
    values = {**prefs, "accelerator": accelerator, **({"deploy": deploy} if deploy else {})}
    entries = _ranking(MACHINES[machine], values).entries
    for i, upper in enumerate(entries):
        for lower in entries[i + 1 :]:
            if upper.feasible and lower.feasible:
                assert fit_key(upper) >= fit_key(lower), (upper, lower)
            assert upper.feasible or not lower.feasible


@SETTINGS
@given(
    team=st.sampled_from(("tensorflow", "pytorch", "keras", "jax")),
    machine=st.sampled_from(sorted(MACHINES)),
    accelerator=st.sampled_from(QUESTIONS["accelerator"]),
    prefs=_preferences(),
)
def test_team_stack_crosses_and_says_so(team, machine, accelerator, prefs):
    ranking = _ranking(MACHINES[machine], {**prefs, "team_stack": team, "accelerator": accelerator})
    feasible = [e for e in ranking.entries if e.feasible]
    if any(e.framework == team for e in feasible):
        assert feasible[0].framework == team
        crossed = feasible[0].placement
        assert crossed is not None and crossed.crossing == "team_stack"


def _installed(doc, which):
    """The machine with exactly ``which`` installed (current CPU builds, nothing else changed)."""
    out = copy.deepcopy(doc)
    builds = {
        "tensorflow": {"installed": True, "version": "2.21.0", "distribution": "tensorflow-cpu"},
        "pytorch": {
            "installed": True,
            "version": "2.13.0+cpu",
            "distribution": "torch",
            "build": {"flavour": "cpu", "cuda": None, "rocm": None, "xpu": None},
        },
        "keras": {"installed": True, "version": "3.15.1", "major": 3, "backend": "tensorflow"},
        "jax": {"installed": True, "version": "0.10.2", "jaxlib": "0.10.2"},
    }
    out["frameworks"] = {fw: builds[fw] if fw in which else {"installed": False} for fw in builds}
    return out


@SETTINGS
@given(
    which=st.sets(st.sampled_from(("tensorflow", "pytorch", "keras", "jax"))),
    machine=st.sampled_from(("bare", "linux-cpu-all", "laptop-tf")),
    prefs=_preferences(),
    deploy=st.sampled_from((None, *QUESTIONS["deploy"])),
)
def test_order_does_not_depend_on_what_is_installed(which, machine, prefs, deploy):
    values = {**prefs, "accelerator": "cpu", **({"deploy": deploy} if deploy else {})}
    bare = _ranking(_installed(MACHINES[machine], set()), values)
    some = _ranking(_installed(MACHINES[machine], which), values)
    assert [e.feasible for e in bare.entries] == [e.feasible for e in some.entries]
    frameworks = [{fw for fw, _ in g} for g in _groups(bare)]
    assert frameworks == [{fw for fw, _ in g} for g in _groups(some)]


@SETTINGS
@given(
    order=st.permutations(("tensorflow", "pytorch", "keras", "jax")),
    machine=st.sampled_from(sorted(MACHINES)),
    accelerator=st.sampled_from(QUESTIONS["accelerator"]),
    prefs=_preferences(),
)
def test_catalog_order_only_orders_a_tie(order, machine, accelerator, prefs):
    values = {**prefs, "accelerator": accelerator}
    before = _ranking(MACHINES[machine], values)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ranking_module, "FRAMEWORK_ORDER", tuple(order))
        after = _ranking(MACHINES[machine], values)
    assert _groups(before) == _groups(after)


def test_an_answered_accelerator_absent_here_runs_no_smoke(runner):
    """--accelerator nvidia on this CPU box is a plan for another machine: no smoke child runs,
    and no framework (Keras included) is judged by a run here."""
    from recommender.cli.main import cli

    probed = json.loads(runner.invoke(cli, ["probe", "--json"]).stdout)
    if any(a.get("kind") == "cuda" for a in probed.get("accelerators") or ()):
        pytest.skip("this machine has an NVIDIA GPU")
    result = runner.invoke(cli, ["recommend", "--json", "--accelerator", "nvidia"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["smoke"] == []
    assert doc["warnings"][0]["rule"] == "smoke:skipped"
    assert "not on this machine" in doc["warnings"][0]["why"]
    assert all(e["confidence"] == "rules-only" for e in doc["ranking"])
    assert not any(b["rule"].startswith("smoke:") for e in doc["ranking"] for b in e["blockers"])


BARE = str(ROOT / "tests/fixtures/personas5/machines/bare.json")


def test_a_tie_is_stated_above_the_table_and_nobody_is_recommended(runner, tmp_path):
    from recommender.cli.main import cli

    empty = tmp_path / "answers.yaml"
    empty.write_text("{}\n")
    args = ["recommend", "--no-smoke", "--facts", BARE, "--answers", str(empty)]
    text = runner.invoke(cli, args)
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    tie = next(i for i, line in enumerate(lines) if line.startswith("Tie: "))
    table = next(i for i, line in enumerate(lines) if line.startswith("Recommendation"))
    assert tie < table and "dlrec ask" in text.stdout and "--goal" in text.stdout
    doc = json.loads(runner.invoke(cli, [*args, "--json"]).stdout)
    tied = [e for e in doc["ranking"] if e["tied"]]
    assert len(tied) >= 2 and not any(e["verdict"].startswith("recommended") for e in tied)
    # Keras inherits its backend's CPU-build reason (accel-cpu-only-*): it ties as well.
    assert {e["framework"] for e in tied} == {"tensorflow", "pytorch", "keras", "jax"}


def test_why_not_names_only_rules_that_differ_and_reasons_add_up():
    from recommender.report.ranking import more_reasons, top_reasons
    from recommender.report.why import why_not_line

    ranking = _ranking(MACHINES["linux-cpu-all"], {"goal": "research", "domain": "nlp"})
    winner = ranking.entries[0]
    for entry in ranking.entries:
        shown = top_reasons(entry)
        more = more_reasons(entry, shown)
        total = sum(float(r.delta) for r in shown)
        if more is not None:
            total += float(more.split(" ", 1)[0])
        assert total == pytest.approx(entry.score), (entry.framework, shown, more)
    tf = ranking.entry("tensorflow")
    line = why_not_line(tf, winner)
    # TensorFlow's own "CPU only" +0.5 cancels PyTorch's: it is not named as a difference
    assert "accel-cpu-only-builds" not in line and "goal-research-dynamic-graphs (+4)" in line


def test_why_not_names_the_tier_when_the_tier_decides():
    from recommender.report.why import why_not_line

    ranking = _ranking(
        MACHINES["tpu-vm"], {"goal": "research", "domain": "nlp", "accelerator": "tpu"}
    )
    assert ranking.entries[0].framework == "jax"
    line = why_not_line(ranking.entry("pytorch"), ranking.entries[0])
    assert "on tpu it is supported, JAX first-class" in line
