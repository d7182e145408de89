"""Session 43 (issue 21): Apple's Metal framework stopping torch's MPS backend on an assertion;
llama.cpp's own build without the GPU's architecture counted as the framework build it is;
programs' logs and sentences that report torch's answer of no GPU, weighed against a driver that
answers; and an AMD GPU in a Mac asked for CUDA or ROCm. Each with a healthy text that must stay
quiet."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fact, fails, read, run, signature_ids

SMI = (
    "+-----------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    "|-------------------------------+----------------------+----------------------+\n"
    "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
    "|   0  NVIDIA GeForce RTX 3090 Off | 00000000:01:00.0  On |                  N/A |\n"
    "+-------------------------------+----------------------+----------------------+\n"
)

MPS_ASSERTIONS = [
    "/AppleInternal/Library/BuildRoots/0032d1ee-80fd-11ee-8227-6aecfccc70fe/Library/Caches/"
    "com.apple.xbs/Sources/MetalPerformanceShaders/MPSCore/Types/MPSNDArray.mm:130: failed "
    "assertion `[MPSNDArrayDescriptor sliceDimension:withSubrange:] error: subRange.start (4) is "
    "not less than length of dimension[0] (4)'",
    "MPSNDArray.mm:788: failed assertion `[MPSNDArray initWithDevice:descriptor:] Error: total "
    "bytes of NDArray > 2**32'",
    "-[MTLDebugComputeCommandEncoder setBuffer:offset:atIndex:]:383: failed assertion `offset(64) "
    "must be < [buffer length](32).'",
    "Assertion failed: (0 <= mpsAxis && mpsAxis < 4), function getKernelAxes, file "
    "GPUReductionOps.mm, line 31.",
]


@pytest.mark.parametrize("line", MPS_ASSERTIONS)
def test_an_assertion_in_apples_metal_frameworks_is_an_mps_issue(line):
    text = f"$ python train.py --device mps\nepoch 1\n{line}\nzsh: abort      python train.py\n"
    assert "mps-issue" in fails(text)
    assert "mps-framework-assertion" in signature_ids(text)


def test_a_python_assertion_on_a_mac_is_not_metals():
    text = (
        "$ python train.py --device mps\n"
        "Assertion failed: (x.shape[0] == 4), function forward, file model.cpp, line 12.\n"
        "AssertionError: shapes differ\n"
    )
    assert "mps-framework-assertion" not in signature_ids(text)


def test_llama_cpp_without_the_gpus_architecture_is_also_arch_unsupported():
    text = (
        "ggml_cuda_init: found 1 CUDA devices:\n"
        "ERROR: CUDA kernel mul_mat_q has no device code compatible with CUDA arch 700. "
        "ggml-cuda.cu was compiled for: 520,610\n"
    )
    assert {"arch-unsupported", "library-kernels-unsupported"} <= fails(text)


PROGRAM_LOGS = [
    "11/02/2024 10:12:01 - WARNING - __main__ - Process rank: 0, device: cpu, n_gpu: 0, "
    "distributed training: False, 16-bits training: False",
    "GPU available: False, used: False\nTPU available: False, using: 0 TPU cores",
]


@pytest.mark.parametrize("log", PROGRAM_LOGS)
def test_a_program_logging_torch_on_the_cpu_next_to_a_working_driver_infers_a_cpu_build(log):
    result = run(f"{log}\n$ nvidia-smi\n{SMI}")
    warned = [f for f in result.findings if f.category == "cpu-wheel-on-gpu"]
    assert warned and all(f.status == "warn" for f in warned)
    assert "inferred" in warned[0].title
    assert fact(result, "frameworks.pytorch.cuda_available") is False


@pytest.mark.parametrize("log", PROGRAM_LOGS)
def test_the_same_log_on_a_machine_without_a_gpu_stays_healthy(log):
    result = run(f"{log}\nTraining started\nloss 0.41\n")
    assert not [f for f in result.findings if f.status in ("fail", "warn")]


def test_a_program_logging_the_gpu_in_use_stays_quiet():
    text = (
        "GPU available: True (cuda), used: True\n"
        "Process rank: 0, device: cuda:0, n_gpu: 1, distributed training: False\n"
        f"$ nvidia-smi\n{SMI}"
    )
    assert "cpu-wheel-on-gpu" not in categories(text)


def test_a_cuda_build_stated_is_not_inferred_to_be_the_cpu_build():
    text = (
        "Process rank: 0, device: cpu, n_gpu: 0, distributed training: False\n"
        "torch.version.cuda: 12.1\n"
        f"$ nvidia-smi\n{SMI}"
    )
    assert "cpu-wheel-on-gpu" not in categories(text)


def test_no_driver_shown_leaves_the_cause_open():
    text = "I have an NVIDIA GPU.\nProcess rank: 0, device: cpu, n_gpu: 0, distributed training: False\n"
    assert "cpu-wheel-on-gpu" not in categories(text)


FALSE_SENTENCES = [
    "Running `python -c 'import torch; print(torch.cuda.is_available())'` returns False.",
    "torch.cuda.is_available() always returns False on this machine",
    "and `torch.cuda.is_available()` prints `False`",
]


@pytest.mark.parametrize("sentence", FALSE_SENTENCES)
def test_torch_answering_false_in_a_sentence_is_its_answer(sentence):
    result = run(f"{sentence}\n{SMI}")
    assert fact(result, "frameworks.pytorch.cuda_available") is False
    assert "cpu-wheel-on-gpu" in categories(f"{sentence}\n{SMI}")


@pytest.mark.parametrize(
    "code",
    [
        "if torch.cuda.is_available() == False:",
        "assert torch.cuda.is_available() is False",
        "device = 'cuda' if torch.cuda.is_available() else 'cpu'",
    ],
)
def test_code_that_tests_the_answer_is_not_the_answer(code):
    result = read(f"{code}\n{SMI}")
    assert result is None or fact(result, "frameworks.pytorch.cuda_available") is None


MAC_AMD = [
    "macOS Ventura 13.4 on a MacBook Pro 16 with an AMD Radeon Pro 5500M",
    "Mac OS Mojave 10.14.5, graphics card: Vega 20",
    "iMac 27 (2019), Radeon Pro 580X, installed torch with the ROCm index url",
]


@pytest.mark.parametrize("machine", MAC_AMD)
def test_an_amd_gpu_in_a_mac_asked_for_cuda_or_rocm_is_a_rocm_issue(machine):
    text = f"{machine}\n`torch.cuda.is_available()` returns False\n"
    assert "rocm-issue" in fails(text)
    assert "platform:amd-gpu-on-macos" in signature_ids(text) | _ids(text)


def _ids(text: str) -> set[str]:
    return {f.id for f in run(text).findings}


@pytest.mark.parametrize(
    "machine",
    [
        "Ubuntu 22.04 with an AMD Radeon RX 7900 XTX",  # Linux: ROCm exists there
        "MacBook Pro M2 Max, macOS 14.1",  # Apple silicon, no AMD GPU
        "macOS 13 on a Mac Pro, AMD Ryzen is not in it; GPU: Intel UHD 630",  # no AMD GPU
    ],
)
def test_other_machines_stay_clear_of_the_mac_amd_finding(machine):
    text = f"{machine}\n`torch.cuda.is_available()` returns False\n"
    result = read(text)
    assert result is None or "platform:amd-gpu-on-macos" not in {f.id for f in result.findings}


# --- a CUDA release and GPUs named in a Chinese sentence, a card named by "Nvidia" and its number --


def test_a_cuda_release_older_than_the_gpu_in_chinese_is_read():
    text = (
        "服务器系统Ubuntu 16.04，CUDA版本10.0，Nvidia驱动版本455.28。\n"
        "安装了两张显卡Nvidia 2070s，Nvidia 3090。\n"
    )
    result = run(text)
    assert fact(result, "toolkit.cuda") == "10.0"
    assert fact(result, "gpu.1.name") == "GeForce RTX 3090"
    assert "arch-unsupported" in categories(text)


def test_a_card_named_by_nvidia_and_its_number_is_read():
    result = run("Two cards: Nvidia 2070s and Nvidia 3090, CUDA 10.0 installed.\n")
    assert fact(result, "gpu.0.name") == "GeForce RTX 2070 SUPER"


@pytest.mark.parametrize(
    "text",
    [
        "服务器系统Ubuntu 22.04，CUDA版本12.4，显卡Nvidia 3090。\n",  # a CUDA that knows the card
        "显卡Nvidia 3090，需要CUDA版本11.1以上\n",  # a requirement, not what is installed
    ],
)
def test_a_cuda_that_fits_or_is_only_required_stays_quiet(text):
    assert "arch-unsupported" not in categories(text)


def test_whisper_falling_back_to_the_cpu_is_torchs_answer():
    text = f"UserWarning: FP16 is not supported on CPU; using FP32 instead\n{SMI}"
    assert "cpu-wheel-on-gpu" in categories(text)


def test_a_container_built_for_a_newer_driver_words_a_driver_too_old():
    text = (
        "ERROR: This container was built for NVIDIA Driver Release 550.54 or later, but\n"
        "       version 525.60.13 was detected and compatibility mode is UNAVAILABLE.\n"
    )
    assert "driver-too-old" in categories(text)


def test_a_program_falling_back_to_the_cpu_on_a_mac_with_an_amd_gpu_is_not_asking_for_cuda():
    text = (
        "UserWarning: FP16 is not supported on CPU; using FP32 instead\n"
        "Mac Pro 2019, macOS 13.5\nAMD Radeon Pro W6800X Duo 32GB\n"
    )
    result = read(text)
    assert result is None or not [f for f in result.findings if f.status == "fail"]
