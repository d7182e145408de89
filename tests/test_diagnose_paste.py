"""Issue 21: `dlrec diagnose` reads any paste and judges it by what the text proves.

Goldens (text, Markdown, JSON) for three pastes, regenerated with ``pytest --update-goldens``;
exit codes; standard input; the one-line refusal of unplaceable text; Markdown that a paste
cannot inject into; GitHub event payloads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from recommender.cli.main import cli

HERE = Path(__file__).parent
PASTES = HERE / "fixtures" / "pastes"
EVENTS = HERE / "fixtures" / "github_events"
GOLDEN = HERE / "golden" / "diagnose"
CASES = ("vllm_p100", "wsl_cpu_build", "healthy_session")
EXT = {"text": "txt", "markdown": "md", "json": "json"}


def _run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, ["diagnose", *args], input=stdin)


@pytest.mark.parametrize("fmt", sorted(EXT))
@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, fmt: str, update_goldens: bool) -> None:
    result = _run("--format", fmt, str(PASTES / f"{case}.txt"))
    assert result.exit_code == (0 if case.startswith("healthy") else 1), result.output
    text = result.stdout.replace(str(PASTES) + "/", "")
    golden = GOLDEN / f"{case}.{EXT[fmt]}"
    if update_goldens:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), f"{golden.name} changed (--update-goldens)"


def test_each_finding_quotes_its_lines_with_numbers() -> None:
    doc = json.loads(_run("--json", str(PASTES / "wsl_cpu_build.txt")).stdout)
    (finding,) = [f for f in doc["findings"] if f["status"] == "fail"]
    assert finding["category"] == "cpu-wheel-on-gpu"
    lines = {q["line"]: q["text"] for q in finding["lines"]}
    assert "Torch not compiled with CUDA enabled" in lines[9]
    assert "--index-url https://download.pytorch.org/whl/cu" in finding["fix"]
    assert "+cpu" not in finding["fix"]  # never proposes what is installed


def test_standard_input_and_dash() -> None:
    text = (PASTES / "vllm_p100.txt").read_text()
    assert _run(stdin=text).exit_code == 1
    assert _run("-", stdin=text).exit_code == 1


def test_unplaceable_text_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Hello, the model trains slowly. Any idea?\n")
    result = _run(str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"no environment report or known error message found in {path}" in lines[0]
    assert "(looked for: collect_env" in lines[0]


def test_a_terminal_on_stdin_gets_the_usage(monkeypatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

        def read(self) -> str:  # pragma: no cover - must never be called
            raise AssertionError("waited on a terminal")

    from recommender.cli import diagnose as command

    monkeypatch.setattr(command, "_stdin", Tty)
    result = _run()
    assert result.exit_code == 2
    assert "Usage:" in result.stderr and "standard input is a terminal" in result.stderr


def test_markdown_cannot_be_injected_by_the_paste() -> None:
    md = _run("--format", "markdown", str(PASTES / "wsl_cpu_build.txt")).stdout
    body = md.split("```")
    outside = "".join(body[0::2])  # text outside code fences
    assert "<img" not in outside and "](" not in outside.replace("\\](", "")
    assert "@maintainer" not in outside


@pytest.mark.parametrize(
    ("payload", "code", "needle"),
    [
        ("issues.json", 1, "cpu-wheel-on-gpu"),
        ("issue_comment.json", 0, "Nothing in this environment explains a failure"),
    ],
)
def test_github_event_payloads(payload: str, code: int, needle: str) -> None:
    result = _run("--github-event", str(EVENTS / payload))
    assert result.exit_code == code, result.output
    assert result.stdout.startswith("## dlrec diagnose")
    assert needle in result.stdout


def test_a_payload_without_a_body_is_refused() -> None:
    result = _run("--github-event", str(EVENTS / "pull_request.json"))
    assert result.exit_code == 2
    assert "issue.body" in result.stderr


def test_pypi_0_is_pips_package_not_a_second_torch(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text(
        "PyTorch version: 2.4.0+cu121\nIs debug build: False\nCUDA used to build PyTorch: 12.1\n"
        "Is CUDA available: True\nGPU models and configuration: GPU 0: NVIDIA GeForce RTX 4090\n"
        "Nvidia driver version: 550.54.14\n\nVersions of relevant libraries:\n[pip3] torch==2.4.0\n"
        "[conda] torch                     2.4.0                    pypi_0    pypi\n"
    )
    result = CliRunner().invoke(
        cli, ["checklist", "--no-smoke", "--format", "json", "--facts", str(report)]
    )
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    assert "conda-and-pip" not in items or items["conda-and-pip"]["status"] == "ok"


def test_a_cpu_label_proves_a_cpu_build_in_a_facts_document(tmp_path: Path) -> None:
    gpu = {"kind": "cuda", "vendor": "nvidia", "name": "NVIDIA A100-SXM4-80GB"}
    gpu |= {"compute_capability": "8.0", "driver_version": "535.104.05", "max_cuda": "12.2"}
    doc = {
        "schema_version": 1,
        "os": {"system": "Linux", "machine": "x86_64"},
        "accelerators": [gpu, gpu],
        "frameworks": {"pytorch": {"installed": True, "version": "2.13.0+cpu"}},
    }
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc))
    args = ["checklist", "--no-smoke", "--format", "json", "--framework", "pytorch"]
    result = CliRunner().invoke(cli, [*args, "--facts", str(path)])
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    assert items["build"]["status"] == "fail", items["build"]
    assert "CPU-only" in items["build"]["detail"]


def test_every_facts_option_reads_any_paste() -> None:
    args = ["checklist", "--no-smoke", "--format", "json", "--facts"]
    result = CliRunner().invoke(cli, [*args, str(PASTES / "wsl_cpu_build.txt")])
    assert result.exit_code == 1, result.output
    items = {i["id"]: i for i in json.loads(result.stdout)["items"]}
    assert items["build"]["status"] == "fail"
    result = CliRunner().invoke(cli, ["probe", "--import", str(PASTES / "vllm_p100.txt"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["accelerators"][0]["name"] == "Tesla P100-PCIE-16GB"


def test_two_blocks_that_disagree_are_a_conflict_and_direct_evidence_wins() -> None:
    """nvidia-smi on the host says 535, collect_env in the container says 470 with a cu121
    build and CUDA available: the disagreement is reported, and the report's own "Is CUDA
    available: True" proves the driver runs the build (no driver-too-old from the table)."""
    doc = json.loads(_run("--json", str(PASTES / "two_drivers.txt")).stdout)
    conflicts = [f for f in doc["findings"] if f["id"].startswith("conflict:")]
    assert [c["id"] for c in conflicts] == ["conflict:driver.version"]
    assert {q["line"] for q in conflicts[0]["lines"]} == {2, 11}
    assert "driver-too-old" not in doc["categories"]
    assert doc["healthy"] is True


def test_a_library_without_published_capabilities_is_said_to_be_outside_torchs_check(
    tmp_path: Path,
) -> None:
    paste = tmp_path / "bnb.txt"
    paste.write_text(
        ">>> torch.cuda.is_available()\nTrue\n>>> torch.__version__\n'2.4.0+cu121'\n"
        "bitsandbytes              0.43.1\n"
    )
    doc = json.loads(_run("--json", str(paste)).stdout)
    (note,) = [f for f in doc["findings"] if f["id"] == "library:bitsandbytes"]
    assert note["status"] == "ok" and "does not cover it" in note["detail"]


def test_wsl2_is_remarked_on_even_when_nothing_fails_there() -> None:
    doc = json.loads(_run("--json", str(PASTES / "wsl_cpu_build.txt")).stdout)
    (note,) = [f for f in doc["findings"] if f["id"] == "platform:wsl2"]
    assert note["status"] == "ok" and "Windows NVIDIA driver" in note["detail"]
    assert "microsoft-standard-WSL2" in note["lines"][0]["text"]
