"""Issue 21: the composite action's own scripts, run on sample payloads with no network.

The steps of action.yml that diagnose and reply are executed as GitHub would run them (bash,
with GITHUB_EVENT_PATH, GITHUB_OUTPUT and RUNNER_TEMP set), `dlrec` from this environment on
PATH and a stand-in `gh` that records what it was asked to post.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EVENTS = Path(__file__).parent / "fixtures" / "github_events"
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = {s.get("id") or s.get("name"): s for s in ACTION["runs"]["steps"]}


def _bin(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    dlrec = shutil.which("dlrec", path=str(Path(sys.executable).parent))
    assert dlrec, "dlrec is not installed next to this Python"
    (folder / "dlrec").symlink_to(dlrec)
    gh = folder / "gh"
    gh.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$GH_LOG"\n', encoding="utf-8")
    gh.chmod(0o755)
    return folder


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("payload", "code"),
    [("issues.json", "1"), ("issue_comment.json", "0"), ("pull_request.json", "2")],
)
def test_the_action_diagnoses_and_replies(tmp_path: Path, payload: str, code: str) -> None:
    output = tmp_path / "github_output"
    env = {
        **os.environ,
        "PATH": f"{_bin(tmp_path)}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_EVENT_PATH": str(EVENTS / payload),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(tmp_path),
        "GH_LOG": str(tmp_path / "gh.log"),
    }
    result = _run(STEPS["diagnose"]["run"], env)
    assert result.returncode == 0, result.stderr
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["exit-code"] == code
    reply = Path(outputs["reply-file"])
    if code == "2":
        assert "nothing to diagnose" in result.stdout
        return
    assert reply.read_text().startswith("## dlrec diagnose")
    reply_env = {**env, "ISSUE": "7", "GH_REPO": "o/r", "REPLY": str(reply), "GH_TOKEN": "x"}
    posted = _run(STEPS["Reply on the issue"]["run"], reply_env)
    assert posted.returncode == 0, posted.stderr
    assert (tmp_path / "gh.log").read_text().split() == [
        "issue",
        "comment",
        "7",
        "--repo",
        "o/r",
        "--body-file",
        str(reply),
    ]


def test_the_reply_step_runs_only_when_there_is_a_reply() -> None:
    condition = STEPS["Reply on the issue"]["if"]
    assert "exit-code == '0'" in condition and "exit-code == '1'" in condition


def test_the_example_workflow_uses_the_action_and_skips_bots() -> None:
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "dlrec-diagnose.yml").read_text())
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads "on" as true
    assert set(triggers) == {"issues", "issue_comment"}
    job = flow["jobs"]["diagnose"]
    assert "Bot" in job["if"]
    assert any(step.get("uses") == "./" for step in job["steps"])
