"""GPU, driver and CUDA releases of different eras, judged wherever the paste states them (a
sentence, a table row, tool output): a CUDA release older than the GPU's architecture, a driver
older than the GPU, a CUDA release newer than the driver runs. Text written here, other GPUs and
versions than any corpus case; each with a healthy counterpart (versions that go together) that
stays quiet. Every such inference is a warning, never a fail."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fact, fails, read, run, signature_ids, status, statuses

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


# --- versions named in a sentence feed the same checks as a block's ----------------------------------


def test_a_framework_and_cuda_named_in_a_sentence_are_read() -> None:
    result = run("We are on PyTorch 1.5.1 and CUDA 10.1 with cuDNN 7.6.3 on a Quadro RTX 6000.")
    assert fact(result, "frameworks.pytorch.version") == "1.5.1"
    assert fact(result, "toolkit.cuda") == "10.1"
    assert fact(result, "toolkit.cudnn") == "7.6.3"


def test_tensorflows_tested_cuda_judges_a_sentences_cuda() -> None:
    text = (
        "My setup is tf 2.2.0 with CUDA 10.0 and cudnn 7.4.\n"
        "Could not load dynamic library 'libcudart.so.10.1'; dlerror: libcudart.so.10.1: cannot "
        "open shared object file: No such file or directory\n"
    )
    result = run(text)
    assert fact(result, "frameworks.tensorflow.version") == "2.2.0"
    assert status(result, "version-mismatch") == "fail"  # the load failure shows it


def test_tensorflows_tested_cuda_in_a_sentence_stays_quiet() -> None:
    text = "My setup is tf 2.2.0 with CUDA 10.1 and cudnn 7.6, and model.fit is slow.\n"
    assert "version-mismatch" not in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "This project requires torch 2.1 or later and CUDA 12.1 on a Tesla T4.",
        "Should I upgrade to tensorflow 2.12 and CUDA 11.8 on my Tesla T4?",
        "flash-attn was built for CUDA 12.4 and torch 2.3 on a Tesla T4.",
    ],
)
def test_a_version_asked_for_is_not_read_as_installed(text: str) -> None:
    result = read(text)
    if result is None:
        return
    assert fact(result, "toolkit.cuda") is None
    assert fact(result, "frameworks.pytorch.version") is None
    assert fact(result, "frameworks.tensorflow.version") is None


def test_a_list_of_versions_in_one_line_is_read_and_judged() -> None:
    result = run("tensorflow-gpu 2.3.0, CUDA 11.0, cuDNN 8.0.4\n")
    assert status(result, "version-mismatch") == "warn"  # no load failure shown: a warning


def test_a_list_of_matching_versions_stays_quiet() -> None:
    result = run("tensorflow-gpu 2.3.0, CUDA 10.1, cuDNN 7.6.5\n")
    assert fact(result, "toolkit.cuda") == "10.1"
    assert not result.failed
    assert "version-mismatch" not in result.categories


def test_a_version_said_in_passing_is_not_the_environment() -> None:
    assert read("I think torch 2.0 works for this, not sure about cuda 11.8\n") is None


# --- a pair stated in a sentence is a warning; the same pair in tool output stays a fail -------------


@pytest.mark.parametrize(
    "text",
    [
        "I run tensorflow 2.16.1 on a Tesla P100 with nvidia driver 460.106.00.",
        "My tensorflow version is 2.17.0. Driver: 455.45.01",
        "tensorflow==2.16.1\nThe nvidia driver is 460.106.00",
    ],
)
def test_a_driver_told_in_a_sentence_makes_tensorflows_driver_check_warn(text: str) -> None:
    result = run(text)
    assert statuses(result, "driver-too-old") == {"warn"}


def test_a_tensorflow_release_the_driver_runs_stays_quiet() -> None:
    result = run("I run tensorflow 2.11.0 on a Tesla P100 with nvidia driver 460.106.00.")
    assert "driver-too-old" not in result.categories
