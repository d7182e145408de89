"""Issue 21, session 41, engineer C (CUDA libraries of one major asked for where another is
installed): the causes of the session's development misses, tested on text written here (other
packages, other CUDA releases, other loaders' wordings, Windows DLLs), each with a counterpart
that must stay quiet.

1. A CUDA library asked for by a name of one release (libcudart.so.13, libcublasLt.so.11,
   cublas64_12.dll, cudart64_110.dll) where the paste states the environment's CUDA as another
   (nvcc, a torch +cuXYZ build, an image tag, "CUDA SDK 12.0", the library present at another
   release) is a package built for another CUDA: version-mismatch (asked_cuda.py).
2. The loaders' own wordings no rule read: CPython's ImportError carrying the soname alone,
   CTranslate2's "Library X is not found or cannot be loaded", Paddle's "third-party dynamic
   library (X) ... is not configured correctly".
"""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, read, signature_ids

# --- 1. the release a missing library's name belongs to --------------------------------------


def test_a_cuda_13_library_in_a_cuda_12_torch_environment_is_a_version_mismatch() -> None:
    text = (
        "pip list shows torch 2.7.1+cu126 and the new release of my-kernels.\n"
        "ImportError: libcudart.so.13: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" in categories(text)
    assert "missing-library" in categories(text)


def test_an_onnxruntime_provider_of_cuda_12_next_to_nvcc_11_is_a_version_mismatch() -> None:
    text = (
        "nvcc: NVIDIA (R) Cuda compiler driver\n"
        "Cuda compilation tools, release 11.8, V11.8.89\n"
        "[E:onnxruntime:Default, provider_bridge_ort.cc:1548 TryGetProviderInfo_CUDA] Failed to load "
        "library libonnxruntime_providers_cuda.so with error: libcublasLt.so.12: cannot open shared "
        "object file: No such file or directory\n"
    )
    assert "version-mismatch" in categories(text)


def test_a_ctranslate2_dll_of_cuda_12_with_cuda_11_installed() -> None:
    text = (
        "I have CUDA 11.7 installed on Windows 10 with an RTX 3060.\n"
        "RuntimeError: Library cublas64_12.dll is not found or cannot be loaded\n"
    )
    assert "missing-library" in fails(text)
    assert "version-mismatch" in categories(text)
    assert "ctranslate2-library-not-loaded" in signature_ids(text)


def test_an_image_tag_states_the_environment() -> None:
    text = (
        "FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\n"
        "Traceback (most recent call last):\n"
        "ImportError: libcudart.so.11.0: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" in categories(text)


def test_the_library_present_at_another_release_states_the_environment() -> None:
    text = (
        "$ ls /usr/local/cuda/lib64 | grep cublas\n"
        "libcublas.so.12.1.3.1\n"
        "OSError: libcublas.so.11: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" in categories(text)


def test_a_sentence_naming_the_sdk_states_the_environment() -> None:
    text = (
        "After I upgraded to the CUDA SDK 13.0 the app stops at start-up with\n"
        "error while loading shared libraries: libcublasLt.so.12: cannot open shared object file: "
        "No such file or directory\n"
    )
    assert "version-mismatch" in categories(text)


def test_a_library_of_the_environments_own_release_is_no_version_mismatch() -> None:
    text = (
        "torch 2.4.0+cu121\n"
        "ImportError: libcudart.so.12: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" not in categories(text)
    assert "missing-library" in categories(text)


def test_nvidia_smis_cuda_version_is_not_an_installed_cuda() -> None:
    text = (
        "| NVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4     |\n"
        "ImportError: libcudart.so.11.0: cannot open shared object file: No such file or directory\n"
    )
    assert "inferred:library-cuda-release" not in signature_ids(text)


def test_the_packages_own_cuda_is_not_the_environments() -> None:
    text = (
        "The wheel was built against CUDA 13 and requires CUDA 13.0 at run time.\n"
        "ImportError: libcudart.so.13: cannot open shared object file: No such file or directory\n"
    )
    assert "inferred:library-cuda-release" not in signature_ids(text)


def test_a_library_opened_is_not_a_library_asked_for() -> None:
    text = (
        "2023-05-01 I tensorflow/compiler/xla/stream_executor/platform/default/dso_loader.cc:53] "
        "Successfully opened dynamic library libcudart.so.11.0\n"
        "CUDA 12.1 is installed, nvcc says release 12.1\n"
        "2023-05-01 I tensorflow/core/common_runtime/gpu/gpu_device.cc] Created device GPU:0\n"
    )
    result = read(text)
    assert result is None or "version-mismatch" not in set(result.categories)


def test_a_torch_device_index_is_not_a_cuda_release() -> None:
    text = (
        "x = torch.ones(2, device='cuda:9')\n"
        "ImportError: libcudart.so.12: cannot open shared object file: No such file or directory\n"
    )
    assert "inferred:library-cuda-release" not in signature_ids(text)


# --- 2. the loaders' wordings ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: libcublasLt.so.12",
        "ImportError: libcudnn.so.9: cannot open shared object file: No such file or directory",
    ],
)
def test_an_importerror_naming_a_cuda_library_is_a_missing_library(line: str) -> None:
    text = f"GPU 0: NVIDIA A100-SXM4-80GB\n{line}\n"
    assert "missing-library" in fails(text)


def test_ctranslate2_on_linux_is_a_missing_library() -> None:
    text = (
        "faster-whisper on an RTX 4090:\n"
        "RuntimeError: Library libcublas.so.12 is not found or cannot be loaded\n"
    )
    assert "missing-library" in fails(text)


def test_paddles_loader_is_a_missing_library() -> None:
    text = (
        "paddle.utils.run_check() on Windows 11 prints\n"
        "RuntimeError: (PreconditionNotMet) The third-party dynamic library (cublas64_11.dll) that "
        "Paddle depends on is not configured correctly. (error code is 126)\n"
    )
    assert "missing-library" in fails(text)


def test_ctranslate2_loading_its_library_stays_quiet() -> None:
    text = (
        "[ctranslate2] [thread 1] [info] Loaded cuBLAS library version 12.1.3\n"
        "GPU 0: NVIDIA GeForce RTX 3090\n"
    )
    assert "missing-library" not in categories(text)


def test_ctypes_not_finding_a_cuda_dll_is_a_missing_library() -> None:
    text = (
        "FileNotFoundError: Could not find module 'C:\\Program Files\\NVIDIA GPU Computing Toolkit"
        "\\CUDA\\v11.8\\bin\\cublasLt64_11.dll' (or one of its dependencies). Try using the full "
        "path with constructor syntax.\n"
    )
    assert "missing-library" in fails(text)


def test_ctypes_not_finding_another_dll_is_not_read_as_cuda() -> None:
    text = (
        "FileNotFoundError: Could not find module 'D:\\app\\exiv2.dll' (or one of its "
        "dependencies). Try using the full path with constructor syntax.\n"
    )
    assert "ctypes-cuda-dll-not-found" not in signature_ids(text)


def test_a_cuda_12_dll_loaded_by_ctypes_with_cuda_11_installed_is_a_version_mismatch() -> None:
    text = (
        "nvcc --version says Cuda compilation tools, release 11.8, V11.8.89\n"
        "FileNotFoundError: Could not find module 'cudart64_12.dll' (or one of its dependencies). "
        "Try using the full path with constructor syntax.\n"
    )
    assert "version-mismatch" in categories(text)


def test_onnxruntimes_windows_provider_bridge_is_a_missing_library() -> None:
    text = (
        "GPU: NVIDIA GeForce RTX 4070\n"
        "[E:onnxruntime:Default, provider_bridge_ort.cc:1862 onnxruntime::TryGetProviderInfo_CUDA] "
        "D:\\a\\_work\\1\\s\\onnxruntime\\core\\session\\provider_bridge_ort.cc:1539 "
        "onnxruntime::ProviderLibrary::Get [ONNXRuntimeError] : 1 : FAIL : LoadLibrary failed with "
        'error 126 "" when trying to load "C:\\venv\\Lib\\site-packages\\onnxruntime\\capi\\'
        'onnxruntime_providers_cuda.dll"\n'
    )
    assert "missing-library" in fails(text)
    assert "onnxruntime-provider-dll-not-found" in signature_ids(text)
