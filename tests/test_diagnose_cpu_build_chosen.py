"""A CPU build chosen on purpose and shown by the set-up, not said: a shell prompt whose active
environment is named for the CPU, vLLM's CPU backend selected at build time or its CPU build's
version label. A CPU torch next to an NVIDIA GPU is then the intended install: a warning, not a
failure. Without such a sign the same report still fails. Texts written here."""

from __future__ import annotations

import pytest

from tests.pastes import fails, run, status

_REPORT = (
    "PyTorch version: 2.5.1+cpu\n"
    "Is debug build: False\n"
    "CUDA used to build PyTorch: None\n"
    "Is CUDA available: False\n"
    "GPU models and configuration: GPU 0: NVIDIA GeForce RTX 4080\n"
    "Nvidia driver version: 560.35.03\n"
)


def test_the_same_report_without_a_sign_fails() -> None:
    assert "cpu-wheel-on-gpu" in fails("$ python -m torch.utils.collect_env\n" + _REPORT)


@pytest.mark.parametrize(
    "setup",
    [
        "(llm-cpu) dev@workstation:~/src$ python -m torch.utils.collect_env\n",
        "(cpu) C:\\Users\\me> python -m torch.utils.collect_env\n",
        "(bench_cpu) me@box:~$ python collect_env.py\n",
        "$ export VLLM_TARGET_DEVICE=cpu && pip install -e .\n",
        "vLLM Version: 0.7.2+cpu\n",
    ],
)
def test_a_cpu_build_chosen_on_purpose_is_a_warning(setup: str) -> None:
    result = run(setup + _REPORT)
    assert "cpu-wheel-on-gpu" not in fails(setup + _REPORT)
    assert status(result, "cpu-wheel-on-gpu") == "warn"


@pytest.mark.parametrize(
    "setup",
    [
        "(gpu) dev@workstation:~$ python -m torch.utils.collect_env\n",
        "(cpu-test) dev@box:~$ python -m torch.utils.collect_env\n",
        "vLLM Version: 0.7.2\n",
        "I set VLLM_TARGET_DEVICE=cuda\n",
    ],
)
def test_other_environments_and_gpu_builds_still_fail(setup: str) -> None:
    assert "cpu-wheel-on-gpu" in fails(setup + _REPORT)
