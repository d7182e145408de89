"""The ranking's semantics on small hand-built values (no rule files, no smoke runs)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from types import SimpleNamespace

from rich.console import Console

from recommender.decide.ranking.rank import (
    INSTALLABLE,
    MEASURED,
    NOT_FEASIBLE,
    RECOMMENDED,
    RECOMMENDED_UNVERIFIED,
    RULES_ONLY,
    WORKS_HERE,
    rank,
)
from recommender.engine.derived import Derived
from recommender.facts.document import Facts
from recommender.report.ranking import (
    ranking_to_json,
    render_ranking,
    score_bar,
    smoke_figure,
    why_not,
)
from recommender.rulebase.tiers import TierTable
from recommender.rulebase.wheels.load import load_wheels


@dataclass(frozen=True)
class R:  # a Reason
    rule: str
    delta: float
    why: str = "because"
    sources: tuple = ("CLAIM-1",)
    note: str | None = None


@dataclass(frozen=True)
class B:  # a Blocker
    rule: str
    why: str = "blocked"
    sources: tuple = ()
    fix: str | None = None


@dataclass(frozen=True)
class FS:  # a FrameworkScore
    framework: str
    score: float
    reasons: tuple = ()
    blockers: tuple = ()
    warnings: tuple = ()


@dataclass(frozen=True)
class Smoke:
    framework: str
    ok: bool
    device: str = "cpu"
    backend: str | None = None
    model: str = "mlp"
    error: dict | None = None
    loss_first: float | None = 0.69
    loss_last: float | None = 0.08
    samples_per_s: float | None = 12400.0
    accuracy: float | None = 0.97
    converged: bool = True
    cached: bool = False

    def to_dict(self):
        return {
            "framework": self.framework,
            "backend": self.backend,
            "device": self.device,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class Ev:
    scores: dict
    keras_backend_scores: dict = field(default_factory=dict)
    warnings: tuple = ()
    trace: tuple = ()
    stale: tuple = ()
    answers: dict = field(default_factory=dict)
    derived: Derived = field(default_factory=lambda: Derived(answer_accelerator="cpu"))


MATRIX = load_wheels()
RB = SimpleNamespace(settings={"smoke_bonus": 2.0}, frameworks={}, wheels=MATRIX, tiers=TierTable())


def facts(*installed: str, system: str = "Linux") -> Facts:
    fws = {fw: {"installed": fw in installed} for fw in ("tensorflow", "pytorch", "keras", "jax")}
    machine = "arm64" if system == "Darwin" else "x86_64"
    doc = {
        "os": {
            "system": system,
            "machine": machine,
            "version": "14.5" if system == "Darwin" else "",
        },
        "python": {"version": "3.12.3", "executable": "/usr/bin/python3"},
        "frameworks": fws,
    }
    return Facts.from_dict(doc, origin="test.json")


def ev(tf=0.0, pt=0.0, ks=0.0, **kw) -> Ev:
    return Ev(
        scores={
            "tensorflow": FS("tensorflow", tf, kw.pop("tf_reasons", ())),
            "pytorch": FS("pytorch", pt, kw.pop("pt_reasons", ()), kw.pop("pt_blockers", ())),
            "keras": FS("keras", ks),
        },
        **kw,
    )


def test_feasible_above_infeasible_and_score_orders():
    ranking = rank(ev(tf=1, pt=9, ks=3, pt_blockers=(B("no-avx"),)), (), facts(), RB)
    assert [e.framework for e in ranking.entries] == ["keras", "tensorflow", "pytorch"]
    assert ranking.entry("pytorch").verdict == NOT_FEASIBLE
    assert ranking.entry("pytorch").blockers[0].rule == "no-avx"
    assert ranking.winner.framework == "keras"


def test_smoke_bonus_and_confidence():
    f = facts("tensorflow", "pytorch")
    ranking = rank(ev(tf=3, pt=4), (Smoke("tensorflow", True),), f, RB)
    tf = ranking.entry("tensorflow")
    assert (
        tf.score == 5.0 and tf.confidence == MEASURED and tf.rank == 1 and tf.verdict == RECOMMENDED
    )
    pt = ranking.entry("pytorch")
    assert pt.confidence == RULES_ONLY and pt.score == 4.0


def test_failed_smoke_on_installed_framework_is_infeasible_with_cause():
    run = Smoke(
        "pytorch",
        False,
        error={"kind": "sigill", "message": "illegal instruction", "fix": "use a CPU with AVX"},
    )
    ranking = rank(ev(tf=1, pt=9), (run,), facts("tensorflow", "pytorch"), RB)
    pt = ranking.entry("pytorch")
    assert not pt.feasible and pt.verdict == NOT_FEASIBLE
    assert pt.blockers[-1].rule == "smoke:sigill" and "illegal instruction" in pt.blockers[-1].why
    assert ranking.winner.framework == "tensorflow"


def test_failed_gpu_run_counts_when_gpu_answered_passed_cpu_does_not_rescue():
    runs = (
        Smoke("pytorch", True, device="cpu"),
        Smoke(
            "pytorch",
            False,
            device="cuda",
            error={"kind": "device_unusable", "message": "no kernel image"},
        ),
    )
    e = ev(tf=1, pt=9, derived=Derived(answer_accelerator="nvidia"))
    ranking = rank(e, runs, facts("pytorch"), RB)
    assert ranking.device == "cuda"
    assert ranking.entry("pytorch").blockers[-1].rule == "smoke:device_unusable"


def test_gpu_answer_without_gpu_runs_falls_back_to_cpu_runs():
    e = ev(pt=1, derived=Derived(answer_accelerator="nvidia"))
    ranking = rank(e, (Smoke("pytorch", True, device="cpu"),), facts("pytorch"), RB)
    assert ranking.entry("pytorch").confidence == MEASURED


def test_not_installed_can_win_with_the_planners_install_command():
    ranking = rank(ev(tf=5, pt=1), (), facts(system="Darwin"), RB)
    tf = ranking.entries[0]
    assert tf.framework == "tensorflow" and tf.verdict == RECOMMENDED_UNVERIFIED
    assert tf.install == "/usr/bin/python3 -m pip install 'tensorflow==2.21.*'"
    assert tf.install_plan["kind"] == "install" and tf.install_plan["no_build"] is False
    assert ranking.entry("pytorch").verdict == INSTALLABLE
    linux = rank(ev(tf=5), (), facts(), RB).entries[0]
    assert linux.install == "/usr/bin/python3 -m pip install 'tensorflow-cpu==2.21.*'"


def test_installed_build_that_fits_has_no_install_but_keeps_its_plan():
    tf = rank(ev(tf=5), (), facts("tensorflow"), RB).entry("tensorflow")
    assert tf.install is None and tf.install_plan["kind"] == "install"


def test_no_build_is_a_blocker_with_the_ways_out():
    f = Facts.from_dict(
        {"os": {"system": "Plan9", "machine": "mips"}, "frameworks": {}}, origin="test.json"
    )
    tf = rank(ev(tf=5), (), f, RB).entry("tensorflow")
    assert not tf.feasible and tf.install is None and tf.install_plan["no_build"] is True
    assert tf.blockers[-1].rule == "plan:no-build"


def test_ties_break_verified_then_installed_then_fixed_order():
    assert [e.framework for e in rank(ev(), (), facts(), RB).entries] == [
        "tensorflow",
        "pytorch",
        "keras",
    ]
    ranking = rank(ev(), (), facts("keras"), RB)
    assert ranking.entries[0].framework == "keras"
    # a smoke pass adds the bonus, which breaks the tie by score
    ranking = rank(ev(tf=2, pt=0), (Smoke("pytorch", True),), facts("tensorflow", "pytorch"), RB)
    assert [e.framework for e in ranking.entries][:2] == ["pytorch", "tensorflow"]
    assert ranking.entry("tensorflow").verdict == "installed, not verified"


def test_zero_bonus_tie_prefers_verified():
    rb = SimpleNamespace(
        settings={"smoke_bonus": 0}, frameworks={}, wheels=MATRIX, tiers=TierTable()
    )
    ranking = rank(ev(tf=2, pt=2), (Smoke("pytorch", True),), facts("tensorflow", "pytorch"), rb)
    assert ranking.entries[0].framework == "pytorch"
    assert ranking.entries[1].verdict == "installed, not verified"


def test_keras_backend_by_fit_installed_only_breaks_a_tie():
    e = ev(ks=5, keras_backend_scores={"tensorflow": 1.0, "torch": 0.5, "jax": 3.0})
    # nothing installed: the rules' backend scores decide
    assert rank(e, (), facts(), RB).entry("keras").backend == "jax"
    # installed and verified is not a reason: jax still fits best by the rules
    f = facts("keras", "pytorch", "tensorflow")
    runs = (Smoke("keras", True, backend="torch"),)
    assert rank(e, runs, f, RB).entry("keras").backend == "jax"
    # ... but it breaks a tie of fit and score
    even = ev(ks=5, keras_backend_scores={"tensorflow": 1.0, "torch": 1.0, "jax": 1.0})
    keras = rank(even, runs, f, RB).entry("keras")
    assert keras.backend == "torch" and keras.confidence == MEASURED and keras.score == 7.0
    # a blocked backend framework comes last even with the best score
    blocked = ev(ks=5, pt_blockers=(B("x"),), keras_backend_scores={"torch": 9})
    assert (
        rank(blocked, (), facts("pytorch", "tensorflow", "keras"), RB).entry("keras").backend
        == "tensorflow"
    )


def test_keras_backend_failed_run_is_avoided_when_another_passes():
    f = facts("keras", "pytorch", "tensorflow")
    runs = (
        Smoke("keras", False, backend="tensorflow", error={"kind": "timeout", "message": "t"}),
        Smoke("keras", True, backend="torch"),
    )
    e = ev(ks=5, keras_backend_scores={"tensorflow": 5.0})
    keras = rank(e, runs, f, RB).entry("keras")
    assert keras.backend == "torch" and keras.feasible


def test_keras_install_is_its_chosen_backends_plan():
    e = ev(ks=9, keras_backend_scores={"torch": 2.0})
    keras = rank(e, (), facts(), RB).entry("keras")
    assert keras.backend == "torch" and keras.backends[0].backend == "torch"
    assert keras.install == (
        "/usr/bin/python3 -m pip install 'torch==2.15.*' --index-url "
        "https://download.pytorch.org/whl/cpu && /usr/bin/python3 -m pip install 'keras==3.15.*'"
    )
    assert keras.install == keras.backends[0].install


def test_smoke_figure_and_bar():
    assert (
        smoke_figure(Smoke("pytorch", True)) == "trained: loss 0.69 -> 0.08, 12k samples/s on cpu"
    )
    assert (
        smoke_figure(Smoke("pytorch", False, error={"kind": "timeout"})) == "failed on cpu: timeout"
    )
    assert smoke_figure(None) == "not run"
    assert score_bar(5, 10).strip() == "███" and score_bar(-1, 10).strip() == ""


def test_why_not_names_the_biggest_gap_and_blockers():
    e = ev(
        tf=5,
        pt=2,
        tf_reasons=(R("mobile", 3, "LiteRT", ("TF-LITE",)), R("small", 1)),
        pt_reasons=(R("small", 1),),
        pt_blockers=(),
    )
    ranking = rank(e, (), facts(), RB)
    line = why_not(ranking.entry("pytorch"), ranking.winner)
    assert line == "Why not PyTorch: 2 vs 5 for TensorFlow; the difference: mobile (+3)"
    blocked = rank(ev(tf=5, pt_blockers=(B("no-avx", "this CPU lacks AVX"),)), (), facts(), RB)
    assert (
        why_not(blocked.entry("pytorch"), blocked.winner)
        == "Why not PyTorch: this CPU lacks AVX (no-avx)"
    )


def test_render_and_json_shape():
    e = ev(
        tf=5,
        tf_reasons=(
            R("a", 2, "why a", ("C-1", "url:x")),
            R("b", 3, "why b"),
            R("c", 1),
            R("d", 0.5),
        ),
    )
    f = facts("tensorflow")
    ranking = rank(e, (Smoke("tensorflow", True),), f, RB, smoke_note="note")
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(render_ranking(ranking))
    text = out.getvalue()
    assert "why b [CLAIM-1]" in text and "why a [C-1]" in text and "+0.5" not in text
    assert "0.69 -> 0.08" in text and "Why not PyTorch" in text
    doc = ranking_to_json(ranking, answers={"goal": "research"}, facts=f)
    assert list(doc) == ["schema_version", "ranking", "answers", "facts", "smoke", "warnings"]
    top = doc["ranking"][0]
    assert list(top) == [
        "framework",
        "backend",
        "rank",
        "score",
        "feasible",
        "ready",
        "confidence",
        "verdict",
        "tied",
        "tier",
        "reasons",
        "blockers",
        "smoke",
        "install",
        "install_plan",
    ]
    keras = next(r for r in doc["ranking"] if r["framework"] == "keras")
    assert [b["backend"] for b in keras["backends"]] == ["tensorflow", "torch", "jax"]
    assert set(keras["backends"][0]) == {
        "backend", "feasible", "score", "install", "install_plan", "blockers"
    }  # fmt: skip
    assert (
        top["framework"] == "tensorflow"
        and top["confidence"] == MEASURED
        and top["verdict"] == RECOMMENDED
    )
    assert doc["warnings"][0]["why"] == "note"
    assert (
        doc["ranking"][1]["verdict"] == INSTALLABLE
        and "'torch==" in doc["ranking"][1]["install"]
        and doc["ranking"][1]["install_plan"]["kind"] == "install"
    )
    assert WORKS_HERE not in [r["verdict"] for r in doc["ranking"]]


def test_rule_text_is_never_read_as_markup():
    e = ev(tf=5, tf_reasons=(R("a", 2, "Topic: use [bold]x[/bold] and [red] here", ("C-1",)),))
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(
        render_ranking(rank(e, (), facts("tensorflow"), RB))
    )
    assert "use [bold]x[/bold] and [red] here [C-1]" in out.getvalue()


def test_smoke_bonus_is_explained_as_a_reason():
    """Every point of the score is explained: the smoke bonus shows up as its own reason."""
    f = facts("tensorflow", "pytorch")
    ranking = rank(ev(tf=3, pt=4, tf_reasons=(R("r1", 3.0),)), (Smoke("tensorflow", True),), f, RB)
    tf = ranking.entry("tensorflow")
    assert sum(r.delta for r in tf.reasons) == tf.score == 5.0
    smoke = [r for r in tf.reasons if r.rule == "smoke:passed"]
    assert smoke and smoke[0].delta == 2.0 and "loss 0.69 -> 0.08" in smoke[0].why
    assert not any(r.rule == "smoke:passed" for r in ranking.entry("pytorch").reasons)


def test_keras_backend_requirement_follows_the_accelerator():
    """On an NVIDIA Linux box Keras's backend is installed with its CUDA build, not a CPU one."""
    import json as _json
    from pathlib import Path

    from recommender.decide.install.plans import plan_for

    matrix = MATRIX
    machine = Path(__file__).parent / "fixtures" / "personas5" / "machines" / "a100-cuda-full.json"
    doc = _json.loads(machine.read_text("utf-8"))
    doc["frameworks"] = {
        fw: {"installed": False} for fw in ("tensorflow", "pytorch", "keras", "jax")
    }
    gpu = Facts.from_dict(doc)
    for accel, backend, needle in (
        ("nvidia", "tensorflow", "tensorflow[and-cuda]"),
        ("nvidia", "torch", "download.pytorch.org/whl/cu"),
        ("cpu", "tensorflow", "tensorflow-cpu"),
        ("cpu", "torch", "whl/cpu"),
    ):
        line = plan_for("keras", gpu, accel, backend=backend, matrix=matrix).command_line
        assert needle in line and "keras==" in line, (accel, backend, line)


def test_top_reasons_show_a_big_penalty_before_small_gains():
    from recommender.report.ranking import top_reasons

    f = facts("pytorch")
    reasons = (R("a", 1.0), R("b", 1.0), R("c", 1.0), R("driver-too-old", -3.0), R("d", 0.5))
    entry = rank(ev(pt=0.5, pt_reasons=reasons), (), f, RB).entry("pytorch")
    assert [r.rule for r in top_reasons(entry)] == ["driver-too-old", "a", "b"]
