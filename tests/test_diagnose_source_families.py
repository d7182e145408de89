"""Issue 21a: environment messages taken from the libraries' own sources, not from threads.

Each family below is the wording a library's source prints for one environment cause (torch's
inductor refusing GPUs under compute capability 7.0, vLLM's bfloat16 gate, torch.load finding no
CUDA, PyTorch's documented MPS check, TensorFlow's libcuda diagnostic, bitsandbytes' CUDA setup).
Each is tested in several wordings as a program around it prints them, next to a healthy
counterpart that must not fail."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import run as _run


def _categories(result) -> set[str]:
    """Each finding's category and the other categories its cause belongs to."""
    return {c for f in result.findings for c in (f.category, *f.also)}


def _failed(text: str) -> bool:
    try:
        return _run(text).failed
    except NothingFound:
        return False


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: Found Tesla P100-PCIE-16GB which is too old to be supported by the triton "
        "GPU compiler, which is used as the backend. Triton only supports devices of CUDA "
        "Capability >= 7.0, but your device is of CUDA capability 6.0\n",
        "torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:\n"
        "RuntimeError: Found NVIDIA GeForce GTX 960 which is too old to be supported by the triton"
        " GPU compiler, which is used\nas the backend. Triton only supports devices of CUDA "
        "Capability >= 7.0, but your device is of CUDA capability 5.2\n",
        "torch._inductor.exc.GPUTooOldForTriton: Found Quadro M6000 which is too old to be "
        "supported by the triton GPU compiler\n",
    ],
)
def test_tritons_minimum_compute_capability_is_the_librarys_not_torchs(text: str) -> None:
    result = _run(text)
    assert "library-kernels-unsupported" in result.categories and result.failed


@pytest.mark.parametrize(
    "text",
    [
        "ValueError: Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
        "Your Tesla T4 GPU has compute capability 7.5. You can use float16 instead by explicitly "
        "setting the`dtype` flag in CLI, for example: --dtype=half.\n",
        "ValueError: Bfloat16 is only supported on GPUs with compute capability of at least 8.0.\n"
        "Your b'Tesla T4' GPU has compute capability 7.5.\n",
        "ValueError: Bfloat16 is only supported on GPUs with compute capability of at least 8.0. "
        "Your Quadro RTX 6000 GPU has compute capability 7.5.\n",
    ],
)
def test_vllms_bfloat16_gate_names_an_older_gpu(text: str) -> None:
    # a warning: the GPU works and lacks only bfloat16; --dtype half runs the model there
    result = _run(text)
    assert "library-kernels-unsupported" in result.categories and not result.failed


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: Attempting to deserialize object on a CUDA device but "
        "torch.cuda.is_available() is False. If you are running on a CPU-only machine, please use "
        "torch.load with map_location=torch.device('cpu') to map your storages to the CPU.\n",
        "  RuntimeError: Attempting to deserialize object on a CUDA device but\n"
        "  torch.cuda.is_available() is False. If you are running on a CPU-only machine,\n",
    ],
)
def test_a_gpu_checkpoint_where_torch_sees_no_cuda_is_a_warning(text: str) -> None:
    result = _run(text)
    assert "no-device" in result.categories
    assert not result.failed  # loading on a CPU machine on purpose only needs map_location


@pytest.mark.parametrize(
    "text",
    [
        "MPS not available because the current PyTorch install was not built with MPS enabled.\n",
        "MPS not available because the current MacOS version is not 12.3+ and/or you do not have "
        "an MPS-enabled device on this machine.\n",
        "$ python train.py\nMPS not available because the current MacOS version is not 12.3+ "
        "and/or you do not have an MPS-enabled device on this machine.\nUsing device: cpu\n",
    ],
)
def test_pytorchs_documented_mps_check_is_read(text: str) -> None:
    result = _run(text)
    assert "mps-issue" in result.categories
    assert not result.failed  # programs print it on Linux machines too


LIBCUDA = (
    "I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:200] libcuda reported version is: "
    "Not found: was unable to find libcuda.so DSO loaded into this program\n"
)


def test_tensorflows_libcuda_diagnostic_fails_next_to_a_gpu() -> None:
    result = _run("The machine has an NVIDIA GeForce RTX 3080.\n" + LIBCUDA)
    assert "missing-library" in result.categories and result.failed
    newer = (
        "The machine has an NVIDIA A100-SXM4-40GB.\nlibcuda reported version is: NOT_FOUND: was "
        "unable to find libcuda.so DSO loaded into this program. The library may be missing or "
        "provided via another object.\n"
    )
    assert "missing-library" in _run(newer).categories


def test_tensorflows_libcuda_diagnostic_alone_does_not_fail() -> None:
    assert not _failed(LIBCUDA)  # a CPU machine with a GPU build of TensorFlow prints it too


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError:\n        CUDA Setup failed despite GPU being available. Please run the "
        "following command to get more information:\n\n        python -m bitsandbytes\n",
        "WARNING:bitsandbytes.cextension:\nCUDA Setup failed despite CUDA being available. Please "
        "run the following command to get more information:\n",
        "Could not find the bitsandbytes CUDA binary at PosixPath('/venv/lib/python3.11/"
        "site-packages/bitsandbytes/libbitsandbytes_cuda128.so')\n",
        "CUDA SETUP: Required library version not found: libbitsandbytes_cuda122.so. Maybe you "
        "need to compile it from source?\nCUDA SETUP: Defaulting to libbitsandbytes_cpu.so...\n",
        "CUDA SETUP: CUDA detection failed! Possible reasons:\n1. CUDA driver not installed\n",
    ],
)
def test_bitsandbytes_finding_no_cuda_binary_of_its_own(text: str) -> None:
    result = _run(text)
    assert "library-kernels-unsupported" in _categories(result) and result.failed


@pytest.mark.parametrize(
    "text",
    [
        # bitsandbytes loading its CUDA binary, as 0.41 logs it on a working machine
        "CUDA SETUP: CUDA runtime path found: /usr/local/cuda/lib64/libcudart.so.11.0\n"
        "CUDA SETUP: Highest compute capability among GPUs detected: 8.6\n"
        "CUDA SETUP: Detected CUDA version 118\n"
        "CUDA SETUP: Loading binary /venv/lib/python3.10/site-packages/bitsandbytes/"
        "libbitsandbytes_cuda118.so...\n",
        # a working MPS check and a working torch.compile on a new GPU
        ">>> import torch\n>>> torch.backends.mps.is_available()\nTrue\n",
        ">>> import torch\n>>> torch.cuda.get_device_name(0)\n'NVIDIA GeForce RTX 3090'\n"
        ">>> torch.cuda.is_available()\nTrue\n",
        # vLLM running bfloat16 on an Ampere GPU
        "INFO 05-01 10:00:00 llm_engine.py:100] Initializing an LLM engine with config: "
        "model='Qwen/Qwen2.5-0.5B-Instruct', dtype=torch.bfloat16, device_config=cuda\n",
    ],
)
def test_healthy_counterparts_do_not_fail(text: str) -> None:
    assert not _failed(text)
