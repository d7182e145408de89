"""Issue 21, fourth blind round: the causes its misses showed, fixed in general and tested on text
written here (not the corpus cases): cuDNN's Windows DLLs not found, NVML blocked under WSL 2,
CUDA's "device kernel image is invalid" and TensorFlow's "not built with CUDA kernel binaries"
(no kernels for the GPU), xFormers built for another torch, vLLM falling back from FlashAttention-2
on Volta/Turing, and torch's "Unexpected error from cudaGetDeviceCount()" (and, under WSL 2, the
Windows driver's library path behind it)."""

from __future__ import annotations

import pytest

from tests.pastes import run as _run

# --- cuDNN on Windows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Could not locate cudnn_adv_infer64_8.dll. Please make sure it is in your library path!",
        "Could not load library cudnn_cnn_train64_8.dll. Error code 193",
        "Could not locate cudnn_graph64_9.dll. Please make sure it is in your library path!",
    ],
)
def test_a_missing_cudnn_dll_is_a_missing_library(line: str) -> None:
    result = _run(f"Loading model...\n{line}\nPress any key to continue . . .\n")
    assert "missing-library" in result.categories
    assert result.failed


def test_the_linux_cudnn_message_is_not_read_as_a_windows_dll() -> None:
    # The Linux wording has its own signature; the DLL one must not claim it.
    result = _run(
        "Could not load library libcudnn_cnn_infer.so.8. Error: libnvrtc.so: cannot open\n"
    )
    ids = {f.id for f in result.findings}
    assert "signature:cudnn-windows-dll-missing" not in ids
    assert "signature:cudnn-could-not-load-library" in ids


# --- WSL 2: NVML blocked -----------------------------------------------------------------------


def test_nvml_blocked_by_the_operating_system_is_a_wsl_issue() -> None:
    text = (
        "$ nvidia-smi\n"
        "Failed to initialize NVML: GPU access blocked by the operating system\n"
        "Failed to properly shut down NVML: GPU access blocked by the operating system\n"
    )
    result = _run(text)
    assert "wsl-issue" in result.categories
    assert result.failed


# --- no kernels for the GPU ----------------------------------------------------------------------


def test_an_invalid_kernel_image_is_arch_unsupported() -> None:
    text = (
        ">>> tf.ones((2, 2))\n"
        "tensorflow.python.framework.errors_impl.InternalError: CUDA runtime implicit "
        "initialization on GPU:0 failed. Status: device kernel image is invalid\n"
    )
    result = _run(text)
    assert "arch-unsupported" in result.categories
    assert result.failed


def test_tensorflow_without_kernels_for_the_capability_is_a_warning() -> None:
    text = (
        "W0000 00:00:1755000000.000000   101 gpu_device.cc:2447] TensorFlow was not built with "
        "CUDA kernel binaries compatible with compute capability 12.0. CUDA kernels will be "
        "jit-compiled from PTX, which could take 30 minutes or longer.\n"
    )
    result = _run(text)
    assert "arch-unsupported" in result.categories
    assert not result.failed


# --- a library's own kernels ---------------------------------------------------------------------


def test_xformers_built_for_another_torch_is_a_version_mismatch() -> None:
    text = (
        "WARNING[XFORMERS]: xFormers can't load C++/CUDA extensions. xFormers was built for:\n"
        "    PyTorch 2.5.1+cu124 with CUDA 1204 (you have 2.6.0+cu126)\n"
        "    Python  3.12.7 (you have 3.12.7)\n"
    )
    result = _run(text)
    assert "version-mismatch" in result.categories
    # A warning: callers (diffusers, transformers) fall back to other attention.
    assert not result.failed


def test_vllm_falling_back_from_flash_attention_2_is_a_library_kernel_warning() -> None:
    text = (
        "INFO 01-02 10:00:00 [cuda.py:240] Cannot use FlashAttention-2 backend for Volta and "
        "Turing GPUs.\n"
        "INFO 01-02 10:00:00 [cuda.py:289] Using XFormers backend.\n"
    )
    result = _run(text)
    assert "library-kernels-unsupported" in result.categories
    assert not result.failed


# --- torch's CUDA initialisation -------------------------------------------------------------------


_INIT = (
    "/opt/venv/lib/python3.11/site-packages/torch/cuda/__init__.py:129: UserWarning: CUDA "
    "initialization: Unexpected error from cudaGetDeviceCount(). Did you run some cuda functions "
    "before calling NumCudaDevices() that might have already set an error? Error {code} "
    "(Triggered internally at ../c10/cuda/CUDAFunctions.cpp:108.)\n"
    "  return torch._C._cuda_getDeviceCount() > 0\n"
)


def test_an_unexpected_cudagetdevicecount_error_is_read() -> None:
    result = _run(_INIT.format(code="802: system not yet initialized"))
    assert "no-device" in result.categories
    assert "wsl-issue" not in result.categories


def test_the_specific_error_still_names_its_own_cause() -> None:
    result = _run(_INIT.format(code="804: forward compatibility was attempted on non supported HW"))
    assert "driver-too-old" in result.categories
    assert result.failed


def test_under_wsl2_the_failed_initialisation_points_at_the_wsl_library_path() -> None:
    text = _INIT.format(code="2: out of memory") + (
        "$ sudo ldconfig\n"
        "/sbin/ldconfig.real: /usr/lib/wsl/lib/libcuda.so.1 is not a symbolic link\n"
    )
    result = _run(text)
    assert "wsl-issue" in result.categories


def test_a_wsl_library_path_alone_proves_wsl2() -> None:
    text = _INIT.format(code="100: no CUDA-capable device is detected") + (
        "LD_LIBRARY_PATH=/usr/lib/wsl/lib/:/usr/local/cuda/lib64\n"
    )
    result = _run(text)
    # the no-device finding (torch's warning, or CUDA's own "no CUDA-capable device" status on
    # the same line, which leads it as a fail) carries the WSL library path (since round 12 a
    # signature's no-device under WSL 2 leads with wsl-issue and keeps no-device beside it)
    init = [f for f in result.findings if "no-device" in (f.category, *f.also)]
    assert init and "wsl-issue" in (init[0].category, *init[0].also)
