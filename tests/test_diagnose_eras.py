"""GPU, driver and CUDA releases of different eras, judged wherever the paste states them (a
sentence, a table row, tool output): a CUDA release older than the GPU's architecture, a driver
older than the GPU, a CUDA release newer than the driver runs. Text written here, other GPUs and
versions than any corpus case; each with a healthy counterpart (versions that go together) that
stays quiet. Every such inference is a warning, never a fail."""

from __future__ import annotations

import pytest

from tests.pastes import fails, run, signature_ids

# --- a CUDA release older than the GPU's architecture -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I have CUDA 10.2 installed and a GeForce RTX 3060, and training crashes at the first step.",
        "Setup: Tesla A100, cuda-11.0 is fine? no: we run CUDA 10.1 on it.",
        "Ubuntu 20.04, CUDA toolkit 11.7, my card is an RTX 4070 Ti.",
        "| GPU | NVIDIA H100 |\n| CUDA (nvcc) | 11.6 |",
        "Running on an RTX 5080 with CUDA 12.6.",
    ],
)
def test_a_cuda_release_older_than_the_gpu_warns(text: str) -> None:
    result = run(text)
    era = [f for f in result.findings if f.id == "era:cuda-before-gpu"]
    assert era, [f.id for f in result.findings]
    assert era[0].status == "warn"
    assert era[0].category == "arch-unsupported"
    assert "inferred" in era[0].detail
    assert "arch-unsupported" not in fails(text)


@pytest.mark.parametrize(
    "text",
    [
        "I have CUDA 11.3 installed and a GeForce RTX 3060, and training crashes at the first step.",
        "Ubuntu 20.04, CUDA toolkit 11.8, my card is an RTX 4070 Ti.",
        "Running on an RTX 5080 with CUDA 12.8.",
        "Running on a GTX 1080 with CUDA 9.0.",  # Pascal, long before the table's first row
        "Tesla V100 with cuda 9.2",
    ],
)
def test_a_cuda_release_of_the_gpus_era_stays_quiet(text: str) -> None:
    assert "era:cuda-before-gpu" not in signature_ids(text)


def test_the_gpu_and_cuda_retold_apart_still_meet() -> None:
    text = (
        "Hi, my environment:\n"
        "OS: Ubuntu 18.04\n"
        "cuda version: 10.0\n"
        "GPU: GeForce RTX 3090\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    result = run(text)
    era = next(f for f in result.findings if f.category == "arch-unsupported")
    assert era.status == "fail"  # the error shows it; the era inference merges into it
    assert {q.line for q in era.quotes} >= {5}


# --- a driver older than the GPU ---------------------------------------------------------------------


def test_a_driver_branch_older_than_the_gpu_warns() -> None:
    result = run("My RTX 3070 does not show up, nvidia driver 450.80.02 is installed.")
    era = next(f for f in result.findings if f.id == "era:driver-before-gpu")
    assert era.status == "warn"
    assert era.category == "driver-too-old"
    assert "11.1" in era.detail


def test_a_driver_of_the_gpus_era_stays_quiet() -> None:
    ids = signature_ids("My RTX 3070 does not show up, nvidia driver 470.82.01 is installed.")
    assert "era:driver-before-gpu" not in ids


# --- a CUDA release newer than the driver ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I installed CUDA 11.6 but the driver is 460.32.03.",
        "My CUDA version is 12.4.1, and nvidia driver 535.183 is what the cloud image ships.",
        "| CUDA toolkit (conda) | 13.0.2 |\n| NVIDIA driver | 560.35.03 |",
    ],
)
def test_a_cuda_release_newer_than_the_driver_warns(text: str) -> None:
    result = run(text)
    era = next(f for f in result.findings if f.id == "era:cuda-after-driver")
    assert era.status == "warn"
    assert era.category == "driver-too-old"
    assert "driver-too-old" not in fails(text)


@pytest.mark.parametrize(
    "text",
    [
        "I installed CUDA 11.2 and the driver is 460.32.03.",
        "My CUDA version is 12.2.2, and nvidia driver 535.183 is what the cloud image ships.",
        "| CUDA toolkit (conda) | 12.6.3 |\n| NVIDIA driver | 560.35.03 |",
    ],
)
def test_a_cuda_release_the_driver_runs_stays_quiet(text: str) -> None:
    assert "era:cuda-after-driver" not in signature_ids(text)


def test_nvidia_smis_own_cuda_is_the_driver_not_an_install() -> None:
    text = (
        "+-----------------------------------------------------------------------------+\n"
        "| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |\n"
        "|-------------------------------+----------------------+----------------------+\n"
        "|   0  NVIDIA GeForce ...  Off  | 00000000:01:00.0  On |                  N/A |\n"
        "+-------------------------------+----------------------+----------------------+\n"
    )
    ids = signature_ids(text)
    assert not {i for i in ids if i.startswith("era:")}
