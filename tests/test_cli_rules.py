"""`dlrec rules check|list|explain`, and hostile rule files refused fast with nothing executed."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from recommender.cli.main import cli
from tests.conftest import dlrec_argv

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rules"
ROOT = Path(__file__).resolve().parent.parent


def _check(
    *files: str, bundled: Path | None = FIXTURE
) -> tuple[subprocess.CompletedProcess, float]:
    args = ["rules", *(["--bundled", str(bundled)] if bundled else []), "check", *files]
    start = time.monotonic()
    proc = subprocess.run(dlrec_argv(*args), capture_output=True, text=True, timeout=60, cwd=ROOT)
    return proc, time.monotonic() - start


def _hostile(tmp_path: Path, name: str) -> tuple[Path, Path]:
    marker = tmp_path / "pwned"
    path = tmp_path / f"{name}.yaml"
    if name == "python-object":
        path.write_text(f'rules: !!python/object/apply:os.system ["touch {marker}"]\n')
    elif name == "python-object-nested":
        path.write_text(
            f"rules:\n  - id: x\n    why: !!python/object/apply:subprocess.call [[touch, '{marker}']]\n"
        )
    elif name == "billion-laughs":
        lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        for prev, cur in zip("abcdefgh", "bcdefghi"):
            lines.append(
                f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]"
            )
        lines.append("rules: *i")
        path.write_text("\n".join(lines) + "\n")
    elif name == "nested-brackets":
        path.write_text("rules: " + "[" * 10_000 + "]" * 10_000 + "\n")
    elif name == "fifty-megabytes":
        with open(path, "wb") as fh:
            line = b"# " + b"x" * 97 + b"\n"
            fh.write(line * (50 * 1024 * 1024 // len(line) + 1))
    elif name == "duplicate-keys":
        path.write_text(
            "rules:\n  - id: a\n    why: x\n    why: y\n    sources: [TF-LITE]\n    warn: [all]\n"
        )
    elif name == "framework-no":
        path.write_text("rules:\n  - id: a\n    sources: [TF-LITE]\n    why: x\n    block: [no]\n")
    elif name == "invalid-utf8":
        path.write_bytes(b"rules: [\xff\xfe]\n")
    return path, marker


HOSTILE = {
    "python-object": "YAML tags such as 'tag:yaml.org,2002:python/object/apply:os.system' are not allowed",
    "python-object-nested": "YAML tags",
    "billion-laughs": "YAML anchors and aliases (&, *) are not allowed",
    "nested-brackets": "nest",  # libyaml: "exceeded maximum nesting depth"; ours: "nested deeper than 32"
    "fifty-megabytes": "the limit is 2,097,152",
    "duplicate-keys": "duplicate key 'why' (first at line 3)",
    "framework-no": "rule 'a': block: 'no' is not a framework id (allowed: tensorflow, pytorch, keras, jax)",
    "invalid-utf8": "not valid UTF-8",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_rule_file_is_refused_fast_in_one_line(tmp_path, name):
    path, marker = _hostile(tmp_path, name)
    proc, seconds = _check(str(path))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"dlrec: error: {path}")
    assert HOSTILE[name] in lines[0]
    assert "Traceback" not in proc.stderr
    assert not marker.exists()  # nothing was executed
    # Includes interpreter start-up; the refusal itself is milliseconds (see the in-process test).
    assert seconds < 5, seconds


def test_hostile_files_are_refused_in_process_well_under_a_second(tmp_path):
    from recommender.rulebase.load import RuleError, load_rulebase

    load_rulebase(bundled=FIXTURE)  # warm the bundled cache: only the hostile file is timed
    for name in HOSTILE:
        path, marker = _hostile(tmp_path, name)
        start = time.monotonic()
        with pytest.raises(RuleError):
            load_rulebase([path], bundled=FIXTURE)
        assert time.monotonic() - start < 1.0, name
        assert not marker.exists()


def test_fifo_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "rules.yaml"
    os.mkfifo(fifo)
    proc, seconds = _check(str(fifo))
    assert proc.returncode == 2 and "not a regular file" in proc.stderr and seconds < 5


def test_check_ok_on_fixture_and_with_overlay(runner, tmp_path):
    result = runner.invoke(cli, ["rules", "--bundled", str(FIXTURE), "check"])
    assert result.exit_code == 0, result.output
    from recommender.facts.reports import load_signatures

    signatures = len(load_signatures())  # the bundled table (the fixture has none of its own)
    assert result.stdout.strip() == (
        f"ok: 8 rules, 5 questions, 4 claims, 2 urls, 53 wheel rows, {signatures} signatures"
    )
    overlay = tmp_path / "o.yaml"
    overlay.write_text("rules:\n  - {id: extra, sources: [TF-LITE], why: x, warn: [all]}\n")
    result = runner.invoke(cli, ["rules", "--bundled", str(FIXTURE), "check", str(overlay)])
    assert result.exit_code == 0
    assert result.stdout.startswith("ok: 9 rules")


def test_check_bad_overlay_exits_2_with_one_line(runner, tmp_path):
    overlay = tmp_path / "o.yaml"
    overlay.write_text(
        "rules:\n  - id: bar\n    sources: [TF-LITE]\n    wehn: {}\n    why: x\n    warn: [all]\n"
    )
    result = runner.invoke(cli, ["rules", "--bundled", str(FIXTURE), "check", str(overlay)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"dlrec: error: {overlay}:4: rule 'bar': unknown key 'wehn' (allowed: id, sources, "
        "when, score, block, warn, why, note, verified, fix, block_device, keras_backends, "
        "keras_reach)\n"
    )


def test_list_json_and_table(runner):
    result = runner.invoke(cli, ["rules", "--bundled", str(FIXTURE), "list", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["id"] for r in data][:2] == ["deploy-mobile-litert", "research-pytorch"]
    avx = next(r for r in data if r["id"] == "tf-needs-avx")
    assert avx["effect"] == "block" and avx["sources"] == ["HW-ACCEL", "url:tf-pip"]
    assert avx["file"] == "rules/compat.yaml" and avx["verified"] == "2026-11"
    table = runner.invoke(cli, ["rules", "--bundled", str(FIXTURE), "list"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "tf-needs-avx" in table.stdout and "block tensorflow, keras" in table.stdout


def test_explain_prints_rule_and_cited_sources(runner):
    result = runner.invoke(cli, ["rules", "--bundled", str(FIXTURE), "explain", "tf-needs-avx"])
    assert result.exit_code == 0
    out = result.stdout
    assert "id: tf-needs-avx" in out and "contains:" in out and "fact: cpu.flags" in out
    assert "https://www.tensorflow.org/install/pip" in out and "HW-ACCEL (article sidebar)" in out


def test_explain_unknown_id_lists_close_matches(runner):
    result = runner.invoke(cli, ["rules", "--bundled", str(FIXTURE), "explain", "tf-needs-ax"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == "dlrec: error: no rule 'tf-needs-ax' (did you mean: tf-needs-avx, tf-windows-native-gpu?)\n"
    )


def test_rules_check_never_imports_a_framework():
    code = (
        "import sys; from recommender.cli.main import main\n"
        "try:\n    main(['rules', '--bundled', %r, 'check'])\nexcept SystemExit: pass\n"
        "bad = [m for m in ('tensorflow', 'torch', 'keras', 'jax') if m in sys.modules]\n"
        "print(bad)"
    ) % str(FIXTURE)
    proc = subprocess.run(
        [*dlrec_argv()[:1], "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert proc.stdout.strip().endswith("[]"), proc.stdout + proc.stderr


def test_check_passes_on_the_bundled_rules():
    proc, seconds = _check(bundled=None)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: ") and proc.stderr == ""


def test_list_and_the_trace_never_fold_a_rule_id_on_80_columns(runner):
    """A rule id is copied into `dlrec rules explain ID`; at 80 columns both tables folded it
    ("team-stack-tensor" / "flow", "rules/tradeoffs.y" / "aml:22")."""
    from recommender.rulebase.load import load_rulebase

    rules = load_rulebase(()).rules
    listed = runner.invoke(cli, ["rules", "list"], env={"COLUMNS": "80"})
    assert listed.exit_code == 0
    for r in rules:
        assert r.id in listed.stdout and f"{r.file}:{r.line}" in listed.stdout, r.id
    facts = str(
        Path(__file__).resolve().parent
        / "fixtures"
        / "personas5"
        / "machines"
        / "linux-cpu-all.json"
    )
    traced = runner.invoke(
        cli,
        ["recommend", "--no-smoke", "--facts", facts, "--explain", "all"],
        env={"COLUMNS": "80"},
    )
    assert traced.exit_code == 0
    trace = traced.stdout.split("Rule trace", 1)[1]
    for r in rules:
        assert f"  {r.id} " in trace, r.id
