"""`dlrec recommend` and `dlrec ask` through click's runner and real subprocesses."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from recommender.cli.main import cli
from recommender.core.catalog import FRAMEWORK_IDS, KERAS_BACKENDS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "personas5"
MACHINES = FIXTURES / "machines"
GOLDEN = Path(__file__).resolve().parent / "golden"
LAPTOP = str(MACHINES / "linux-cpu-all.json")


def invoke(runner, *args, input=None):
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def one_line_error(result, *needles):
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# --------------------------------------------------------------------------- bad input


def test_unknown_flag_value_lists_allowed_values():
    from tests.conftest import dlrec_argv

    proc = subprocess.run(
        dlrec_argv("recommend", "--facts", LAPTOP, "--no-smoke", "--deploy", "moon"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    for needle in ("--deploy", "'moon'", "server", "mobile", "browser", "edge", "desktop"):
        assert needle in line, line
    assert "dlrec recommend --help" in line


def test_answer_flags_are_case_insensitive_and_suggest_on_a_typo(runner):
    r = invoke(runner, "recommend", "--facts", LAPTOP, "--no-smoke", "--json", "--goal", "Research")
    assert r.exit_code == 0 and json.loads(r.stdout)["answers"]["goal"] == "research"
    r = invoke(runner, "recommend", "--facts", LAPTOP, "--no-smoke", "--goal", "reserch")
    assert r.exit_code == 2 and "did you mean 'research'?" in r.stderr


def test_bare_commands_print_help_and_exit_0():
    from tests.conftest import dlrec_argv

    for args in ((), ("rules",)):
        proc = subprocess.run(dlrec_argv(*args), capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout.startswith("Usage:"), proc.stderr
        assert proc.stderr == ""


def test_a_missing_option_value_names_the_subcommands_help():
    from tests.conftest import dlrec_argv

    proc = subprocess.run(
        dlrec_argv("recommend", "--goal"), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and "(see 'dlrec recommend --help')" in proc.stderr


def test_a_bare_recommend_ties_say_so_and_name_the_question_that_would_break_it(runner):
    """Issue 13: with no answers, the machine decides; a tie is reported with its breaker."""
    data = run_json(runner, "--facts", LAPTOP)
    assert all(v is None for k, v in data["answers"].items() if k != "accelerator")
    assert set(data["answer_sources"].values()) <= {"unanswered", "probe"}
    top = [e for e in data["ranking"] if e["score"] == data["ranking"][0]["score"]]
    ties = [w for w in data["warnings"] if w["rule"] == "ranking:tie"]
    if len(top) > 1:
        assert ties and "--" in ties[0]["fix"]
    else:
        assert not ties


def test_answers_file_unknown_key_names_file_line_and_allowed(runner, tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("goal: research\ncolour: blue\n")
    r = invoke(runner, "recommend", "--facts", LAPTOP, "--no-smoke", "--answers", str(f))
    one_line_error(r, f"{f}:2", "colour", "goal", "team_stack")


def test_answers_file_bad_value_and_yaml_boolean_trap(runner, tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("team_stack: no\n")
    r = invoke(runner, "recommend", "--facts", LAPTOP, "--no-smoke", "--answers", str(f))
    one_line_error(r, f"{f}:1", "team_stack", "'no'", "none, tensorflow, pytorch, keras, jax")


def test_answers_file_syntax_error_names_line(runner, tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("goal: research\ndeploy: [server\n")
    r = invoke(runner, "recommend", "--facts", LAPTOP, "--no-smoke", "--answers", str(f))
    one_line_error(r, str(f), "invalid YAML")


@pytest.mark.parametrize("option", ["--answers", "--facts", "--rules"])
def test_nonexistent_file(runner, tmp_path, option):
    missing = str(tmp_path / "nope.yaml")
    args = ["recommend", "--no-smoke", option, missing]
    if option != "--facts":
        args += ["--facts", LAPTOP]
    one_line_error(invoke(runner, *args), missing, "no such file")


def test_facts_file_wrong_type_names_key(runner, tmp_path):
    doc = json.loads(Path(LAPTOP).read_text())
    doc["cpu"]["flags"] = "avx2"
    f = tmp_path / "facts.json"
    f.write_text(json.dumps(doc))
    one_line_error(
        invoke(runner, "recommend", "--no-smoke", "--facts", str(f)),
        str(f),
        "cpu.flags",
        "list[str]",
    )


def test_facts_file_invalid_json_names_line(runner, tmp_path):
    f = tmp_path / "facts.json"
    f.write_text('{\n  "cpu": {\n    "flags": [,]\n}')
    one_line_error(
        invoke(runner, "recommend", "--no-smoke", "--facts", str(f)), f"{f}:3", "invalid JSON"
    )


def test_bad_rules_overlay(runner, tmp_path):
    f = tmp_path / "extra.yaml"
    f.write_text(
        "rules:\n  - id: mine\n    sources: [NOPE-1]\n    score: {pytorch: 1}\n    why: x\n"
    )
    one_line_error(
        invoke(runner, "recommend", "--no-smoke", "--facts", LAPTOP, "--rules", str(f)),
        str(f),
        "mine",
        "NOPE-1",
    )


# --------------------------------------------------------------------------- the contract


def run_json(runner, *args) -> dict:
    r = invoke(runner, "recommend", "--json", "--no-smoke", *args)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    return json.loads(r.stdout)


def test_json_contract_shape(runner):
    doc = run_json(runner, "--facts", LAPTOP, "--goal", "research")
    assert list(doc) == [
        "schema_version",
        "ranking",
        "answers",
        "facts",
        "smoke",
        "warnings",
        "answer_sources",
    ]
    assert doc["schema_version"] == 1 and doc["smoke"] == []
    assert doc["facts"] == json.loads(Path(LAPTOP).read_text())  # echoed as loaded
    assert doc["answers"]["goal"] == "research"
    assert [e["rank"] for e in doc["ranking"]] == [1, 2, 3, 4]
    assert {e["framework"] for e in doc["ranking"]} == set(FRAMEWORK_IDS)
    for entry in doc["ranking"]:
        assert list(entry) == [
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
            *(["backends", "not_inherited"] if entry["framework"] == "keras" else []),
        ]
        assert entry["confidence"] == "rules-only" and entry["smoke"] is None
        assert (entry["backend"] is None) == (entry["framework"] != "keras")
        for reason in entry["reasons"]:
            assert list(reason) == ["rule", "delta", "why", "sources"] and reason["sources"]
    assert doc["ranking"][0]["verdict"] == "recommended"
    assert any("another machine" in w["why"] for w in doc["warnings"])


def test_gpu_probe_unknown_never_recommends_cpu_only_wheels(runner, tmp_path):
    """An NVIDIA GPU is evident but nvidia-smi hung: the answer stays auto, no CPU-only wheel is
    recommended on that guess, and a warning says how to settle it."""
    doc = json.loads((MACHINES / "bare.json").read_text())
    doc.setdefault("probes", {})["nvidia"] = {
        "status": "unknown",
        "seconds": 3.0,
        "reason": "/dev/nvidia0 is present but cannot be queried",
    }
    doc["accelerators"] = []
    f = tmp_path / "facts.json"
    f.write_text(json.dumps(doc))
    out = run_json(runner, "--facts", str(f))
    assert out["answers"]["accelerator"] is None  # unanswered: the probe could not tell
    installs = {e["framework"]: e["install"] for e in out["ranking"]}
    # The planner's plan is CPU-only and says so in its unknowns; no command is offered on it.
    assert installs["pytorch"] is None and installs["tensorflow"] is None
    plan = next(e["install_plan"] for e in out["ranking"] if e["framework"] == "pytorch")
    assert any("accelerator not answered" in u for u in plan["unknowns"])
    assert any(
        w["rule"] == "accel-unknown" and "--accelerator" in w["fix"] for w in out["warnings"]
    )


def test_flags_win_over_answers_file(runner, tmp_path):
    f = tmp_path / "a.json"
    f.write_text(json.dumps({"goal": "learning", "deploy": "mobile"}))
    doc = run_json(runner, "--facts", LAPTOP, "--answers", str(f), "--goal", "research")
    assert doc["answers"]["goal"] == "research" and doc["answers"]["deploy"] == "mobile"


def test_deterministic_bytes(runner, tmp_path):
    answers = FIXTURES / "mobile-beginner.answers.yaml"
    args = [
        "recommend",
        "--json",
        "--no-smoke",
        "--facts",
        str(MACHINES / "a100-cpu-torch.json"),
        "--answers",
        str(answers),
    ]
    first, second = invoke(runner, *args), invoke(runner, *args)
    assert first.exit_code == 0 and first.stdout_bytes == second.stdout_bytes
    # and across processes (hash seeds, import order)
    outs = [
        subprocess.run(
            [sys.executable, "-m", "recommender", *args],
            capture_output=True,
            timeout=60,
            env={**_env(), "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert outs[0] == outs[1] == first.stdout_bytes


def _env():
    import os

    return dict(os.environ)


def test_never_imports_a_framework(tmp_path):
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['dlrec', 'recommend', '--no-smoke', '--facts', {LAPTOP!r}]\n"
        "try:\n    runpy.run_module('recommender', run_name='__main__')\n"
        "except SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        "print('IMPORTED', sorted(m for m in ('tensorflow', 'torch', 'keras', 'jax') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "IMPORTED []" in out.stdout, out.stdout + out.stderr


def test_explain_prints_the_trace(runner):
    r = invoke(runner, "recommend", "--no-smoke", "--facts", LAPTOP, "--explain")
    assert r.exit_code == 0
    assert (
        "Rule trace" in r.stdout and "fired" in r.stdout and "Keras backend, best first" in r.stdout
    )


def test_golden_table(update_goldens, monkeypatch):
    """The rendered table for fixed facts and answers, no smoke (regenerate: --update-goldens)."""
    from recommender.pipeline import Request
    from recommender.pipeline import recommend as recommend_pipeline
    from recommender.report.ranking import render_ranking

    monkeypatch.chdir(MACHINES)  # the facts file's name is in the output: keep it short and fixed
    request = Request(
        facts_file="rtx3090-linux.json",
        answers_file=str(FIXTURES / "research-expert-multigpu.answers.yaml"),
        flags={},
        smoke=False,
    )
    outcome = recommend_pipeline(request)
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(
        render_ranking(outcome.ranking), crop=False
    )  # as the CLI prints it
    text = out.getvalue()
    golden = GOLDEN / "recommend_table.txt"
    if update_goldens:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- ask without a TTY


def test_ask_numbered_prompts_then_replayable_answers(runner, tmp_path):
    saved = tmp_path / "answers.yaml"
    # goal=1 (research), deploy: back to goal, choose 2 (production), then defaults, then confirm
    lines = "1\nb\n2\n\n\n\n\n\n\n\n\n\n"
    r = invoke(
        runner,
        "ask",
        "--no-smoke",
        "--facts",
        LAPTOP,
        "--save-answers",
        str(saved),
        "--json",
        input=lines,
    )
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["answers"]["goal"] == "production"
    assert "[1/8] What is the main goal" in r.stderr and "Your answers:" in r.stderr
    replay = run_json(runner, "--facts", LAPTOP, "--answers", str(saved))
    assert replay["answers"] == doc["answers"] and replay["ranking"] == doc["ranking"]


def test_ask_rejects_bad_line_then_accepts_value(runner):
    r = invoke(
        runner, "ask", "--no-smoke", "--facts", LAPTOP, "--json", input="9\nlearning\n" + "\n" * 9
    )
    assert r.exit_code == 0, r.stderr
    assert "not a choice: '9'" in r.stderr
    assert json.loads(r.stdout)["answers"]["goal"] == "learning"


def test_ask_eof_exits_2_pointing_to_answers(runner, tmp_path):
    saved = tmp_path / "answers.yaml"
    r = invoke(
        runner, "ask", "--no-smoke", "--facts", LAPTOP, "--save-answers", str(saved), input="1\n2\n"
    )
    line = one_line_error(r, "input ended", "dlrec recommend --answers")
    assert "'experience'" in line
    assert not saved.exists() and list(tmp_path.iterdir()) == []


def test_ask_save_answers_folder_must_exist(runner, tmp_path):
    r = invoke(
        runner,
        "ask",
        "--no-smoke",
        "--facts",
        LAPTOP,
        "--save-answers",
        str(tmp_path / "no" / "a.yaml"),
        input="",
    )
    one_line_error(r, "does not exist")


def test_save_answers_is_atomic_on_interrupt(tmp_path, monkeypatch):
    from recommender.cli import questionnaire

    target = tmp_path / "a.yaml"
    target.write_text("goal: research\n")

    def boom(*a):
        raise KeyboardInterrupt

    from recommender.core import atomic

    monkeypatch.setattr(atomic.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        questionnaire.save_answers(target, {"goal": "learning"})
    assert target.read_text() == "goal: research\n" and [p.name for p in tmp_path.iterdir()] == [
        "a.yaml"
    ]


# --------------------------------------------------------------------------- the real thing


@pytest.mark.slow
def test_real_recommend_measures_installed_frameworks(runner):
    """On this machine (all four frameworks installed) smoke runs verify each of them, and Keras
    is smoke-trained on every installed backend, one child each."""
    r = invoke(runner, "recommend", "--json", "--fresh")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    installed = [fw for fw in FRAMEWORK_IDS if doc["facts"]["frameworks"][fw]["installed"]]
    assert installed == list(FRAMEWORK_IDS)
    keras_backends = {s["backend"] for s in doc["smoke"] if s["framework"] == "keras"}
    assert keras_backends == set(KERAS_BACKENDS)
    by_fw = {e["framework"]: e for e in doc["ranking"]}
    for fw in installed:
        assert by_fw[fw]["confidence"] == "measured", by_fw[fw]
        assert by_fw[fw]["smoke"]["ok"] and by_fw[fw]["smoke"]["converged"]
    # no answers: the frameworks may tie here, and a tied row is never "recommended"
    top = doc["ranking"][0]
    assert top["verdict"] == ("works here" if top["tied"] else "recommended")
    assert doc["smoke"] and all(s["ok"] for s in doc["smoke"])


def test_winner_install_command_is_printed_whole_on_a_narrow_terminal(runner, monkeypatch):
    """A machine with no frameworks: the winner's install command is copyable, never cut by '…'."""
    monkeypatch.setenv("COLUMNS", "80")
    data = run_json(runner, "--facts", str(MACHINES / "bare.json"))
    command = data["ranking"][0]["install"]
    assert command
    result = invoke(runner, "recommend", "--no-smoke", "--facts", str(MACHINES / "bare.json"))
    assert result.exit_code == 0, result.stderr
    assert f"Install it: {command}" in result.stdout.splitlines() or any(
        line.rstrip() == f"Install it: {command}" for line in result.stdout.splitlines()
    )
    assert "…" not in result.stdout


@pytest.mark.parametrize("columns", ["80", "100", "120"])
def test_a_long_venv_path_is_never_folded_inside_the_table(runner, monkeypatch, tmp_path, columns):
    from recommender.report.ranking import NARROW

    """The README's first command in a fresh clone printed "/tmp/x/.venv/bin/pyt" and "hon3 -m
    pip install" on two lines of the table: a word wider than the reasons column was folded. Such
    a command now stands whole under the table, one line each; a short one stays in its cell."""
    doc = json.loads((MACHINES / "bare.json").read_text())
    doc["python"]["executable"] = "/home/someone/projects/a-long-project-name/.venv/bin/python3"
    facts = tmp_path / "long.json"
    facts.write_text(json.dumps(doc))
    monkeypatch.setenv("COLUMNS", columns)
    data = run_json(runner, "--facts", str(facts))
    commands = {e["framework"]: e["install"] for e in data["ranking"] if e["install"]}
    assert len(commands) >= 2
    result = invoke(runner, "recommend", "--no-smoke", "--facts", str(facts))
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    for command in commands.values():
        assert any(line.endswith(command) for line in lines), command
    assert not any(line.endswith("/home/someone/projects/") for line in lines)
    if int(columns) >= NARROW:  # narrower, the reasons (and commands) are under the table
        assert "install: the command is" in result.stdout  # (the cell wraps the rest)


def test_the_reasons_header_keeps_its_claims_label_at_every_width():
    """rich read "[claims]" in the header as markup and dropped it: "top reasons , smoke"."""
    from recommender.pipeline import Request
    from recommender.pipeline import recommend as recommend_pipeline
    from recommender.report.ranking import NARROW, render_ranking

    outcome = recommend_pipeline(
        Request(facts_file=str(MACHINES / "rtx3090-linux.json"), flags={}, smoke=False)
    )
    for width, header in ((100, "top reasons [claims] "), (NARROW, "top reasons [claims],")):
        out = io.StringIO()
        Console(file=out, width=width, color_system=None).print(
            render_ranking(outcome.ranking, width=width)
        )
        assert header in out.getvalue() and "top reasons ," not in out.getvalue()


@pytest.mark.parametrize("version", [0, 2, "1"])
def test_facts_file_with_an_unsupported_schema_version_is_refused(runner, tmp_path, version):
    doc = json.loads(Path(LAPTOP).read_text("utf-8"))
    doc["schema_version"] = version
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc), "utf-8")
    result = invoke(runner, "recommend", "--no-smoke", "--facts", str(path))
    one_line_error(result, "schema_version", "allowed: 1")


def test_warning_fixes_are_printed_whole_on_a_narrow_terminal(runner, monkeypatch):
    """A fix is a command to paste: never wrapped or cropped by rich, whatever the width."""
    from recommender.rulebase.load import load_rulebase

    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.chdir(MACHINES)
    result = invoke(
        runner,
        "recommend",
        "--no-smoke",
        "--facts",
        "rtx3090-linux.json",
        "--answers",
        str(FIXTURES / "research-expert-multigpu.answers.yaml"),
    )
    assert result.exit_code == 0, result.stderr
    # The rule's pip command is replaced by the planner's (the ranking's) for that machine.
    rule_fix = load_rulebase().rule("nvidia-driver-cuda12-torch-ceiling").fix
    tail = rule_fix.partition(", or ")[2]
    fix = next(line for line in result.stdout.splitlines() if "whl/cu126" in line)
    assert fix.startswith("  fix: ") and "-m pip install 'torch==2.14.*'" in fix
    assert fix.endswith(f", or {tail}")


# --------------------------------------------------------------- issue 13: feasibility flows through


def test_an_accelerator_this_machine_lacks_is_a_plan_for_another_machine(runner):
    """--accelerator nvidia on a CPU box with CPU builds: every row is unverified here, no smoke
    bonus counts, the CPU builds need a reinstall, and accel-answer-not-found heads the warnings."""
    data = run_json(runner, "--facts", LAPTOP, "--accelerator", "nvidia")
    rules = [w["rule"] for w in data["warnings"] if w["rule"] != "smoke:skipped"]
    assert rules[0] == "accel-answer-not-found" and rules.count("accel-answer-not-found") == 1
    for row in data["ranking"]:
        assert row["ready"] is False and row["confidence"] == "rules-only", row["framework"]
        assert not any(r["rule"] == "smoke:passed" for r in row["reasons"])
        assert row["verdict"] in (
            "recommended: needs install",
            "recommended: needs reinstall",
            "needs install",
            "needs reinstall",
            "not feasible",
        ), row["verdict"]
    top = data["ranking"][0]
    assert "reinstall" in top["verdict"] or "install" in top["verdict"]
    assert top["install"] and "cpu" not in (top["install_plan"].get("build") or {}).get(
        "flavour", ""
    )


def test_keras_never_wins_on_a_backend_that_cannot_run(runner, tmp_path):
    """Keras's row is feasible only when its chosen backend is: a blocked backend blocks it."""
    doc = json.loads(Path(LAPTOP).read_text("utf-8"))
    doc["cpu"]["flags"] = [f for f in doc["cpu"]["flags"] if not f.startswith("avx")]
    path = tmp_path / "noavx.json"
    path.write_text(json.dumps(doc), "utf-8")
    data = run_json(runner, "--facts", str(path), "--team-stack", "keras")
    keras = next(e for e in data["ranking"] if e["framework"] == "keras")
    by_backend = {b["backend"]: b for b in keras["backends"]}
    assert keras["backend"] != "tensorflow" or not keras["feasible"]
    assert set(by_backend) == set(KERAS_BACKENDS)
    if keras["feasible"]:
        assert by_backend[keras["backend"]]["feasible"]


def test_verdicts_are_the_documented_closed_set(runner):
    from recommender.decide.ranking.rank import VERDICTS

    for args in ((), ("--accelerator", "nvidia"), ("--accelerator", "tpu"), ("--goal", "research")):
        data = run_json(runner, "--facts", LAPTOP, *args)
        assert {e["verdict"] for e in data["ranking"]} <= set(VERDICTS)


def test_why_explains_a_framework_and_a_keras_backend_against_the_winner(runner):
    for target, title in (("pytorch", "Why PyTorch"), ("keras:torch", "Why Keras on torch")):
        r = invoke(
            runner,
            "recommend",
            "--facts",
            LAPTOP,
            "--no-smoke",
            "--goal",
            "research",
            "--why",
            target,
        )
        assert r.exit_code == 0 and title in r.stdout, r.stderr
    r = invoke(runner, "recommend", "--facts", LAPTOP, "--no-smoke", "--why", "mxnet")
    assert r.exit_code == 2 and "--why" in r.stderr


def test_explain_is_compact_and_json_explain_keeps_the_trace(runner, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    args = ("recommend", "--facts", LAPTOP, "--no-smoke", "--goal", "research")
    short = invoke(runner, *args, "--explain")
    full = invoke(runner, *args, "--explain", "all")
    assert short.exit_code == full.exit_code == 0
    assert len(short.stdout.splitlines()) < len(full.stdout.splitlines())
    assert "--explain all lists them" in short.stdout
    doc = json.loads(invoke(runner, *args, "--json", "--explain").stdout)
    assert doc["trace"] and {"rule", "outcome", "reads", "unknown", "effect"} <= set(
        doc["trace"][0]
    )


def test_why_not_lines_name_rules_never_a_cut_sentence(runner):
    r = invoke(runner, "recommend", "--facts", LAPTOP, "--no-smoke", "--goal", "research")
    lines = [ln for ln in r.stdout.split("Why not ")[1:]]
    assert lines and all("…" not in ln for ln in lines)
