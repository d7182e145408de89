"""Issue 21, after the second held-back set was scored (cases 700-739): two message families its
misses showed, tested on text written here, each with a counterpart that must not fail: nvidia-smi
missing as Python's subprocess and Windows' shells word it, and DeepSpeed's own check that its
prebuilt ops were compiled against the running torch (and its CUDA/HIP)."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import diagnosed


def _fails(text: str) -> dict[str, str]:
    try:
        result = diagnosed(text, "paste.txt")
    except NothingFound:  # nothing dlrec knows in it: exit 2, no finding at all
        return {}
    return {f.category: f.id for f in result.findings if f.status == "fail"}


@pytest.mark.parametrize(
    "line",
    [
        "FileNotFoundError: [Errno 2] No such file or directory: 'nvidia-smi'",
        "FileNotFoundError: [Errno 2] No such file or directory: 'nvidia-smi': 'nvidia-smi'",
        "'nvidia-smi' is not recognized as an internal or external command,",
        "nvidia-smi : The term 'nvidia-smi' is not recognized as the name of a cmdlet, function, script file, or operable program.",
    ],
)
def test_nvidia_smi_missing_in_any_shell_wording_is_no_driver(line: str) -> None:
    text = f'Traceback (most recent call last):\n  File "gpu.py", line 3, in <module>\n{line}\n'
    assert "no-driver" in _fails(text)


@pytest.mark.parametrize(
    "line",
    [
        "FileNotFoundError: [Errno 2] No such file or directory: 'nvidia-smi-report.txt'",
        "'nvidia-smi-wrapper' is not recognized as an internal or external command,",
        "FileNotFoundError: [Errno 2] No such file or directory: 'config.yaml'",
    ],
)
def test_other_missing_files_are_not_a_missing_driver(line: str) -> None:
    assert "no-driver" not in _fails(f"Traceback (most recent call last):\n{line}\n")


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: PyTorch version mismatch! DeepSpeed ops were compiled and installed with a different "
        "version than what is being used at runtime. Please re-install DeepSpeed or switch torch versions. "
        "Install torch version=2.2, Runtime torch version=2.1",
        "Install torch version=2.3, Runtime torch version=2.5",
        "RuntimeError: CUDA version mismatch! DeepSpeed ops were compiled and installed with a different "
        "version than what is being used at runtime. Install CUDA version=11.8, Runtime CUDA version=12.1",
        "Install HIP version=6.0, Runtime HIP version=6.2",
    ],
)
def test_deepspeed_ops_built_for_another_torch_is_a_version_mismatch(line: str) -> None:
    assert _fails(line).get("version-mismatch") == "signature:deepspeed-ops-built-for-another-torch"


def test_a_deepspeed_report_that_pairs_its_ops_with_torch_does_not_fail() -> None:
    text = (
        "DeepSpeed general environment info:\n"
        "torch version .................... 2.1.0+cu121\n"
        "deepspeed install path ........... ['/opt/venv/lib/python3.10/site-packages/deepspeed']\n"
        "deepspeed info ................... 0.12.6, unknown, unknown\n"
        "torch cuda version ............... 12.1\n"
        "deepspeed wheel compiled w. ...... torch 2.1, cuda 12.1\n"
    )
    assert "version-mismatch" not in _fails(text)
