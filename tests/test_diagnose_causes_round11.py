"""Issue 21, blind round 11 (21c, a mixed round across projects): the causes its misses showed,
fixed in general and tested on text written here (not the corpus cases): llama.cpp-family runtimes
(llama.cpp/ggml, Ollama, LM Studio, llama-box) and CUTLASS/DeepGEMM-style kernels carrying their own
architectures, Numba's numbered CUDA driver errors, a library built for cuDNN 8 next to cuDNN 9,
torch's CUDA shown working beside a failed nvidia-smi call, Ultralytics' "torch-X+cpu" banner with a
card named by its number, and conda's plan replacing torch's CUDA build with a CPU build."""

from __future__ import annotations

import pytest

from recommender.facts.reports.packages import read as read_packages
from recommender.facts.reports.prose import read as read_prose
from recommender.facts.reports.sessions import read as read_session
from tests.pastes import REFERENCE, block_facts, run

# --- a llama.cpp-family runtime's or a library kernel's own architectures ------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/src/llama.cpp/ggml/src/ggml-cuda/common.cuh:112: ggml was not compiled with any CUDA arch <= 750\n",
        "ggml-cuda.cu:1412: ERROR: CUDA kernel vec_dot_q4_K_q8_1_impl_vmmq has no device code compatible with CUDA arch 600. ggml-cuda.cu was compiled for: 500,600,700,800,900\n",
        'time=2024-02-01T10:00:00 level=INFO source=gpu.go:138 msg="CUDA GPU is too old. Falling back to CPU mode. Compute Capability detected: 3.7"\n',
        'time=2026-08-01 level=INFO msg="skipping CUDA device — compute capability not in compiled architectures" device="Quadro M3000M" cc=520 archs="[750 800 860]"\n',
    ],
)
def test_a_ggml_runtimes_own_build_is_also_the_framework_build(text: str) -> None:
    """llama.cpp and Ollama run on ggml, not torch: their build lacking the GPU's architecture is
    the framework build's (arch-unsupported) as well as the library's own kernels."""
    result = run(text)
    assert {"library-kernels-unsupported", "arch-unsupported"} <= set(result.categories)
    assert result.failed


@pytest.mark.parametrize(
    "text",
    [
        "This kernel only supports sm120.\ncudaErrorLaunchFailure: unspecified launch failure\n",
        "Assertion failed: This kernel only supports sm_90\n",
        "DG_DEVICE_ASSERT failed: This kernel only supports SM100-family GPUs\n",
    ],
)
def test_a_librarys_own_architecture_message_is_library_kernels(text: str) -> None:
    result = run(text)
    assert "library-kernels-unsupported" in result.categories
    assert "arch-unsupported" not in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "text",
    [
        # llama.cpp built for other architectures (its device line and a kernel launch failing)
        "ggml_cuda_init: found 1 CUDA devices:\n  Device 0: NVIDIA GeForce 940MX, compute capability 5.0\n"
        "CUDA error: no kernel image is available for execution on the device\n"
        "  current device: 0, in function ggml_cuda_compute_forward at ggml/src/ggml-cuda/ggml-cuda.cu:2353\n",
        # LM Studio's bundled backend
        "ggml_cuda_compute_forward: RMS_NORM failed\nCUDA error: no kernel image is available for execution on the device\n",
        # llama-cpp-python's older init line
        "ggml_init_cublas: found 1 CUDA devices:\nCUDA error 209 at ggml-cuda.cu:6701: no kernel image is available for execution on the device\n",
    ],
)
def test_no_kernel_image_under_ggml_is_the_runtimes_build(text: str) -> None:
    result = run(text)
    assert "library-kernels-unsupported" in result.categories
    assert "arch-unsupported" not in result.categories


def test_no_kernel_image_under_torch_alone_stays_torchs() -> None:
    # Without a llama.cpp-family runtime or another library in sight, the missing kernel is torch's.
    result = run(
        ">>> import torch\n>>> torch.zeros(1).cuda()\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "arch-unsupported" in result.categories
    assert "library-kernels-unsupported" not in result.categories


def test_the_word_llama_cpp_in_prose_does_not_make_a_missing_kernel_a_librarys() -> None:
    result = run(
        "llama.cpp works fine on this machine, but torch does not:\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "arch-unsupported" in result.categories


# --- Numba's numbered CUDA driver errors -------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "numba.cuda.cudadrv.driver.LinkerError: [222] Call to cuLinkAddData results in UNKNOWN_CUDA_ERROR",
        "CudaAPIError: [222] Call to cuLinkAddData results in CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        "numba.cuda.cudadrv.driver.CudaAPIError: [803] Call to cuInit results in UNKNOWN_CUDA_ERROR",
    ],
)
def test_numbas_driver_error_numbers_are_driver_too_old(line: str) -> None:
    result = run(f"Traceback (most recent call last):\n{line}\n")
    assert "driver-too-old" in result.categories
    assert result.failed


def test_numbas_other_error_numbers_are_not_driver_too_old() -> None:
    # 2 is CUDA_ERROR_OUT_OF_MEMORY: not the driver's age.
    result = run(
        "numba.cuda.cudadrv.driver.CudaAPIError: [2] Call to cuMemAlloc results in CUDA_ERROR_OUT_OF_MEMORY\n"
    )
    assert "driver-too-old" not in result.categories


# --- a library built for cuDNN 8 next to cuDNN 9 -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "pip install torch==2.5.1\nCould not load library libcudnn_ops_infer.so.8. Error: libcudnn_ops_infer.so.8: cannot open shared object file: No such file or directory\n",
        "Could not locate cudnn_ops_infer64_8.dll. Please make sure it is in your library path!\nIn torch\\lib there is cudnn_ops64_9.dll only\n",
        "Could not load library libcudnn_cnn_infer.so.8. Error: libcudnn_cnn_infer.so.8: cannot open shared object file: No such file or directory\nColab now has cuDNN 9\n",
    ],
)
def test_cudnn8_libraries_missing_beside_cudnn9_are_a_version_mismatch(text: str) -> None:
    result = run(text)
    assert "version-mismatch" in result.categories
    assert "missing-library" in result.categories


def test_a_cudnn8_library_missing_without_cudnn9_in_sight_stays_a_missing_library() -> None:
    result = run(
        "Could not load library libcudnn_ops_infer.so.8. Error: libcudnn_ops_infer.so.8: cannot open shared object file: No such file or directory\n"
    )
    assert "missing-library" in result.categories
    assert "version-mismatch" not in result.categories


# --- torch's CUDA shown working beside a failed nvidia-smi ----------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "Torch: CUDA available (torch.cuda.is_available() == True)",
        "torch.cuda.is_available() -> True",
        "and torch.cuda.is_available() returns True",
    ],
)
def test_a_passing_nvidia_smi_failure_beside_working_cuda_is_not_a_fail(said: str) -> None:
    result = run(
        f"GPU: NVIDIA GeForce RTX 4070\n{said}\n"
        'node error: invalid literal for int() with base 10: "NVIDIA-SMI has failed because it '
        "couldn't communicate with the NVIDIA driver.\"\n"
    )
    assert not result.failed
    assert "no-driver" in result.categories  # still said, as a warning


def test_nvidia_smi_failing_without_working_cuda_is_still_no_driver() -> None:
    result = run(
        "$ nvidia-smi\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
        "Make sure that the latest NVIDIA driver is installed and running.\n"
        ">>> torch.cuda.is_available()\nFalse\n"
    )
    assert result.failed
    assert "no-driver" in result.categories


def test_the_inline_equality_form_is_read_as_the_answer() -> None:
    facts = block_facts(read_session(["Torch: CUDA available (torch.cuda.is_available() == True)"]))
    assert facts["frameworks.pytorch.cuda_available"] is True


# --- Ultralytics' banner and a card named by its number -----------------------------------------


@pytest.mark.parametrize(
    ("line", "gpu"),
    [
        ("Video card: 3060ti", "GeForce RTX 3060 Ti"),
        ("my GPU is a 4090", "GeForce RTX 4090"),
        ("graphics card 1660 super", "GeForce GTX 1660 SUPER"),
        ("GPU: 1080 Ti", "GeForce GTX 1080 Ti"),
    ],
)
def test_a_card_named_by_its_number_is_read(line: str, gpu: str) -> None:
    assert block_facts(read_prose([line], REFERENCE.hardware)).get("gpu.0.name") == gpu


@pytest.mark.parametrize(
    "line", ["GPU memory 8192 MiB", "GPU 100% busy", "graphics card drivers from 2019"]
)
def test_other_numbers_after_gpu_are_not_cards(line: str) -> None:
    assert "gpu.0.name" not in block_facts(read_prose([line], REFERENCE.hardware))


def test_ultralytics_banner_with_a_cpu_torch_and_a_card_is_a_cpu_build() -> None:
    result = run(
        "Ultralytics 8.3.2 🚀 Python-3.11.9 torch-2.4.1+cpu CPU (AMD Ryzen 7 5800X)\n"
        "ValueError: Invalid CUDA 'device=0' requested. Use 'device=cpu' or pass valid CUDA device(s)\n"
        "my graphics card is a 4070\n"
    )
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


def test_ultralytics_banner_with_a_cuda_torch_is_healthy() -> None:
    result = run(
        "Ultralytics YOLOv8.0.221 🚀 Python-3.11.6 torch-2.1.1+cu121 CUDA:0 (NVIDIA GeForce GTX 1650 SUPER, 4096MiB)\n"
    )
    assert "cpu-wheel-on-gpu" not in result.categories
    assert not result.failed


# --- conda's plan replacing torch's CUDA build with a CPU build ----------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "  pytorch            pytorch::pytorch-1.12.1-py3.10_cuda11~ --> pkgs/main::pytorch-1.12.1-cpu_py310h9dbd814_1",
        "  pytorch            pytorch::pytorch-2.0.1-py3.9_cuda11.8_cudnn8.7.0_0 --> pytorch::pytorch-2.0.1-py3.9_cpu_0",
    ],
)
def test_a_conda_plan_swapping_torch_for_the_cpu_build_is_read(line: str) -> None:
    text = f"The following packages will be UPDATED:\n\n{line}\n"
    result = run(text)
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed
    facts = block_facts(read_packages(text.splitlines()))
    assert facts.get("frameworks.pytorch.build.flavour") == "cpu"


def test_a_conda_plan_updating_a_cuda_build_to_a_cuda_build_is_not_a_cpu_build() -> None:
    text = (
        "The following packages will be UPDATED:\n\n"
        "  pytorch            pytorch::pytorch-2.0.1-py3.9_cuda11.8_cudnn8.7.0_0 --> "
        "pytorch::pytorch-2.1.0-py3.9_cuda12.1_cudnn8.9.2_0\n"
    )
    result = run(text)
    assert "cpu-wheel-on-gpu" not in result.categories
    facts = block_facts(read_packages(text.splitlines()))
    assert facts.get("frameworks.pytorch.build.flavour") == "cuda"
