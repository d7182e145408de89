"""Issue 21, sixth blind round (engineer 21a: bare error messages, tracebacks, log lines and short
sessions): the causes its misses showed, fixed in general and tested on text written here (not the
corpus cases), several wordings each, with a healthy counterpart that must not fail.

Causes: torchvision/torchaudio without CUDA kernels or built for another CUDA next to a CUDA torch,
a compiled extension built against another torch (``undefined symbol: _ZN3c10...``), jax and
jaxlib at releases that do not go together, Keras needing a newer TensorFlow, out of memory as ROCm,
TensorFlow, XLA and Windows' page file word it, a GPU index the process does not have, CUDA lost
after a suspend, Docker without the NVIDIA runtime, Paddle unable to load a CUDA library, macOS too
old for torch's MPS, a compiler (nvcc, ptxas) older than the GPU (a library's own when Triton's
bundled ptxas is the one), rocBLAS without Tensile kernels for the gfx target, and a CPU without
the instructions TensorFlow was built for."""

from __future__ import annotations

import pytest

from recommender.core.errors import BadInputError
from tests.pastes import run as _run


def _ids(result) -> set[str]:
    return {f.id for f in result.findings}


# --- torchvision / torchaudio that do not match a CUDA torch --------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "NotImplementedError: Could not run 'torchvision::nms' with arguments from the 'CUDA' "
        "backend. This could be because the operator doesn't exist for this backend",
        "RuntimeError: Could not run 'torchvision::roi_align' with arguments from the 'CUDA' backend.",
        "Could not run 'torchaudio::_lfilter' with arguments from the 'CUDA' backend.",
        "RuntimeError: Detected that PyTorch and torchvision were compiled with different CUDA "
        "versions. PyTorch has CUDA Version=11.7 and torchvision has CUDA Version=11.8.",
        "RuntimeError: Detected that PyTorch and torchvision were compiled with different CUDA "
        "major versions. PyTorch has CUDA Version=12.1 and torchvision has CUDA Version=11.8.",
        "RuntimeError: Detected that PyTorch and TorchAudio were compiled with different CUDA "
        "versions. PyTorch has CUDA version 11.8 whereas TorchAudio has CUDA version 12.1.",
    ],
)
def test_a_companion_that_does_not_match_a_cuda_torch_is_a_version_mismatch(line: str) -> None:
    result = _run(f'Traceback (most recent call last):\n  File "x.py", line 3\n{line}\n')
    assert "version-mismatch" in result.categories
    assert result.failed


def test_an_operator_missing_on_the_cpu_backend_is_not_this_message() -> None:
    text = "NotImplementedError: Could not run 'torchvision::nms' with arguments from the 'Meta' backend.\n"
    with pytest.raises(BadInputError):
        # Nothing dlrec knows: the Meta backend says nothing about the environment.
        _run(text)


# --- an extension built against another torch ---------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: /venv/lib/python3.10/site-packages/flash_attn_2_cuda.cpython-310-x86_64-linux-gnu"
        ".so: undefined symbol: _ZN3c104cuda9SetDeviceEi",
        "ImportError: /usr/local/lib/python3.11/dist-packages/sgl_kernel/common_ops.abi3.so: "
        "undefined symbol: _ZN5torch3jit17parseSchemaOrNameERKSsb",
        "OSError: /opt/conda/lib/python3.10/site-packages/vllm/_C.abi3.so: undefined symbol: "
        "_ZN2at4_ops15sum_IntList_out4callERKNS_6TensorE",
    ],
)
def test_an_undefined_torch_symbol_is_a_version_mismatch(line: str) -> None:
    result = _run(f"{line}\n")
    assert "signature:extension-undefined-torch-symbol" in _ids(result)
    assert "version-mismatch" in result.categories


def test_an_undefined_driver_symbol_is_not_read_as_a_torch_build() -> None:
    text = (
        "ImportError: /opt/conda/lib/python3.10/site-packages/sgl_kernel/common_ops.abi3.so: "
        "undefined symbol: cuGreenCtxStreamCreate\n"
        ">>> torch.cuda.is_available()\nTrue\n"
    )
    result = _run(text)
    assert "signature:extension-undefined-torch-symbol" not in _ids(result)


# --- jax and jaxlib; Keras and TensorFlow ---------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ValueError: jaxlib is version 0.1.69, but this version of jax requires version 0.1.74.",
        "RuntimeError: jaxlib is version 0.3.25, but this version of jax requires version >= 0.4.7.",
        "RuntimeError: jaxlib version 0.4.31 is newer than and incompatible with jax version "
        "0.4.20. Please update your jax and/or jaxlib packages.",
    ],
)
def test_jax_and_jaxlib_apart_are_a_version_mismatch(line: str) -> None:
    result = _run(f">>> import jax\nTraceback (most recent call last):\n{line}\n")
    assert "signature:jaxlib-version-incompatible" in _ids(result)
    assert "version-mismatch" in result.categories
    assert result.failed


def test_keras_needing_a_newer_tensorflow_is_a_version_mismatch() -> None:
    text = (
        '  File "/env/lib/python3.7/site-packages/keras/__init__.py", line 6, in <module>\n'
        "ImportError: Keras requires TensorFlow 2.2 or higher. Install TensorFlow via "
        "`pip install tensorflow`\n"
    )
    result = _run(text)
    assert "version-mismatch" in result.categories


# --- out of memory, in other words than torch's CUDA message ------------------------------------


@pytest.mark.parametrize(
    ("line", "sid"),
    [
        (
            "torch.OutOfMemoryError: HIP out of memory. Tried to allocate 3.31 GiB. GPU 0 has a "
            "total capacity of 128.00 GiB of which 780.24 MiB is free.",
            "hip-out-of-memory",
        ),
        (
            "ResourceExhaustedError: OOM when allocating tensor with shape[90,17,17,32]",
            "tf-oom-allocating-tensor",
        ),
        (
            "2019-07-08 18:37:10.194834: W tensorflow/core/framework/op_kernel.cc:1502] "
            "OP_REQUIRES failed at cwise_ops_common.cc:70 : Resource exhausted: OOM when "
            "allocating tensor with shape[2304,384]",
            "tf-oom-allocating-tensor",
        ),
        (
            "jaxlib.xla_extension.XlaRuntimeError: RESOURCE_EXHAUSTED: Out of memory while trying "
            "to allocate 7406166528 bytes.",
            "xla-resource-exhausted",
        ),
        (
            "OSError: [WinError 1455] The paging file is too small for this operation to complete. "
            'Error loading "C:\\env\\lib\\site-packages\\torch\\lib\\cudnn_adv_infer64_8.dll" or '
            "one of its dependencies.",
            "windows-paging-file-too-small",
        ),
        (
            "OSError: The paging file is too small for this operation to complete. (os error 1455)",
            "windows-paging-file-too-small",
        ),
    ],
)
def test_running_out_of_memory_is_reported_without_failing_the_setup(line: str, sid: str) -> None:
    result = _run(f"{line}\n")
    assert f"signature:{sid}" in _ids(result)
    assert "out-of-memory" in result.categories
    assert not result.failed


# --- the process has no such GPU, or lost it -----------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: CUDA error: invalid device ordinal",
        "RuntimeError: cuda runtime error (10) : invalid device ordinal at torch/csrc/cuda/Module.cpp:88",
        "CUDA Error: invalid device ordinal",
        "UserWarning: CUDA initialization: CUDA unknown error - this may be due to an incorrectly "
        "set up environment, e.g. changing env variable CUDA_VISIBLE_DEVICES after program start. "
        "Setting the available devices to be zero.",
        "RuntimeError: CUDA unknown error - this may be due to an incorrectly set up environment, "
        "e.g. changing env variable CUDA_VISIBLE_DEVICES after program start.",
        'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].',
        'Error response from daemon: could not select device driver "nvidia" with capabilities: [[gpu]]',
    ],
)
def test_a_gpu_the_process_cannot_have_is_no_device(line: str) -> None:
    result = _run(f"{line}\n")
    assert "no-device" in result.categories
    assert result.failed


# --- Paddle cannot load a CUDA library -----------------------------------------------------------


@pytest.mark.parametrize("lib", ["cudnn", "cublas", "cudart"])
def test_paddle_unable_to_load_a_cuda_library_is_a_missing_library(lib: str) -> None:
    text = (
        f"RuntimeError: (PreconditionNotMet) Cannot load {lib} shared library. Cannot invoke "
        f"method {lib}GetVersion.\n"
        f"  [Hint: {lib}_dso_handle should not be null.] (at /paddle/paddle/phi/backends/dynload/{lib}.cc:64)\n"
    )
    result = _run(text)
    assert "signature:paddle-cannot-load-library" in _ids(result)
    assert "missing-library" in result.categories


# --- macOS too old for torch's MPS ----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: The MPS backend is supported on MacOS 12.3+.Current OS version can be "
        "queried using `sw_vers`",
        "RuntimeError: The MPS backend is supported on MacOS 13.0+. Current OS version can be "
        "queried using `sw_vers`",
        "RuntimeError: The MPS backend is supported on MacOS 14.0+.",
    ],
)
def test_macos_too_old_for_mps_is_an_mps_issue(line: str) -> None:
    result = _run(f">>> torch.ones(1).to('mps')\nTraceback (most recent call last):\n{line}\n")
    assert "signature:mps-macos-too-old" in _ids(result)
    assert "mps-issue" in result.categories


# --- a compiler older than the GPU; Triton's own ptxas -------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "nvcc fatal   : Unsupported gpu architecture 'compute_89'",
        "nvcc fatal : Unsupported gpu architecture 'compute_120a'",
        "ptxas fatal   : Value 'sm_86' is not defined for option 'gpu-name'",
        "The ptxas error was: ptxas fatal   : Value 'sm_90a' is not defined for option 'gpu-name'",
    ],
)
def test_a_compiler_that_predates_the_gpu_is_arch_unsupported(line: str) -> None:
    result = _run(f"{line}\n")
    assert "arch-unsupported" in result.categories
    assert "library-kernels-unsupported" not in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "context",
    [
        "Repro command: /env/lib/python3.12/site-packages/triton/backends/nvidia/bin/ptxas "
        "-lineinfo -v --gpu-name=sm_121a /tmp/k.ptx -o /tmp/k.ptx.o",
        "triton.runtime.errors.PTXASError: PTXAS error: Internal Triton PTX codegen error",
    ],
)
def test_tritons_own_ptxas_is_the_librarys_kernels(context: str) -> None:
    text = f"{context}\nptxas fatal   : Value 'sm_121a' is not defined for option 'gpu-name'\n"
    result = _run(text)
    assert "library-kernels-unsupported" in result.categories


# --- rocBLAS without kernels for the gfx target -------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "rocBLAS error: Cannot read /opt/rocm/lib/rocblas/library/TensileLibrary.dat: No such file "
        "or directory for GPU arch : gfx1031",
        "rocBLAS error: Cannot read C:\\Program Files\\AMD\\ROCm\\6.1\\bin\\/rocblas/library/"
        "TensileLibrary.dat: No such file or directory for GPU arch : gfx1103",
        "rocBLAS error: Cannot read /opt/rocm/lib/rocblas/library/TensileLibrary.dat: Illegal seek "
        "for GPU arch : gfx1201",
    ],
)
def test_rocblas_without_tensile_kernels_is_a_rocm_issue(line: str) -> None:
    result = _run(f"{line}\n")
    assert "rocm-issue" in result.categories
    assert result.failed


# --- a CPU without the instructions TensorFlow needs ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "2018-01-17 08:21:49.120154: F tensorflow/core/platform/cpu_feature_guard.cc:35] The "
        "TensorFlow library was compiled to use AVX2 instructions, but these aren't available on "
        "your machine.",
        "The TensorFlow library was compiled to use AVX instructions, but these aren\u2019t available "
        "on your machine.",
        "The TensorFlow library was compiled to use SSE4.2 instructions, but these aren't available "
        "on your machine.",
    ],
)
def test_a_cpu_without_the_builds_instructions_is_found(line: str) -> None:
    result = _run(f"{line}\nAborted (core dumped)\n")
    assert "signature:tf-cpu-lacks-instructions" in _ids(result)
    assert result.failed


def test_tensorflows_optional_instructions_notice_is_not_this_failure() -> None:
    text = (
        "2023-05-01 12:17:26.189953: I tensorflow/core/platform/cpu_feature_guard.cc:182] This "
        "TensorFlow binary is optimized to use available CPU instructions in performance-critical "
        "operations.\nTo enable the following instructions: AVX2 FMA, in other operations, rebuild "
        "TensorFlow with the appropriate compiler flags.\n"
        ">>> tf.config.list_physical_devices('GPU')\n"
        "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]\n"
    )
    result = _run(text)
    assert "signature:tf-cpu-lacks-instructions" not in _ids(result)
    assert not result.failed


# --- healthy: a device-side assert is the program's bug, not the environment's -------------------


def test_a_device_side_assert_with_a_working_torch_does_not_fail() -> None:
    text = (
        "RuntimeError: CUDA error: device-side assert triggered\n"
        "/pytorch/aten/src/THCUNN/ClassNLLCriterion.cu:108: cunn_ClassNLLCriterion_updateOutput_kernel: "
        "block: [0,0,0], thread: [31,0,0] Assertion `t >= 0 && t < n_classes` failed.\n"
        ">>> torch.__version__\n'2.0.1+cu117'\n>>> torch.cuda.is_available()\nTrue\n"
    )
    result = _run(text)
    assert not result.failed


# --- onnxruntime's CUDA provider ------------------------------------------------------------------

_GPU_SESSION = ">>> torch.cuda.is_available()\nTrue\n>>> torch.cuda.get_device_name(0)\n'NVIDIA GeForce RTX 3060'\n"


@pytest.mark.parametrize(
    "line",
    [
        "UserWarning: Specified provider 'CUDAExecutionProvider' is not in available provider "
        "names.Available providers: 'AzureExecutionProvider, CPUExecutionProvider'",
        "/home/u/.local/lib/python3.12/site-packages/onnxruntime/capi/onnxruntime_inference_collection"
        ".py:123: UserWarning: Specified provider 'CUDAExecutionProvider' is not in available "
        "provider names.Available providers: 'CPUExecutionProvider'",
    ],
)
def test_onnxruntime_without_a_cuda_provider_is_the_cpu_package(line: str) -> None:
    result = _run(f"{_GPU_SESSION}{line}\n")
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "line",
    [
        "2024-03-05 11:40:14.847815005 [W:onnxruntime:Default, onnxruntime_pybind_state.cc:861 "
        "CreateExecutionProviderInstance] Failed to create CUDAExecutionProvider. Please reference "
        "https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#requirements"
        "to ensure all dependencies are met.",
        "[W:onnxruntime:Default, onnxruntime_pybind_state.cc:965 onnxruntime::python::Create"
        "ExecutionProviderInstance] Failed to create CUDAExecutionProvider. Require cuDNN 9.* and "
        "CUDA 12.*, and the latest MSVC runtime.",
    ],
)
def test_onnxruntime_gpu_unable_to_load_its_provider_is_a_missing_library(line: str) -> None:
    result = _run(f"{_GPU_SESSION}{line}\n")
    assert "missing-library" in result.categories
    assert result.failed


def test_the_onnxruntime_provider_message_without_a_gpu_is_only_a_warning() -> None:
    result = _run(
        "UserWarning: Specified provider 'CUDAExecutionProvider' is not in available provider "
        "names.Available providers: 'CPUExecutionProvider'\n"
    )
    assert "cpu-wheel-on-gpu" in result.categories
    assert not result.failed


# --- second batch (6b): the linker without a CUDA toolkit library; an extension built for another
# --- CUDA major ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lib", ["curand", "cudart", "cublasLt", "nccl"])
def test_the_linker_without_a_cuda_toolkit_library_is_a_missing_library(lib: str) -> None:
    text = (
        f"[1/1] c++ cpu_adam.o cpu_adam_impl.o -shared -l{lib} -L/env/lib/python3.10/site-packages/"
        "torch/lib -lc10 -ltorch_cpu -ltorch -ltorch_python -o cpu_adam.so\n"
        f"/usr/bin/ld: cannot find -l{lib}: No such file or directory\n"
        "collect2: error: ld returned 1 exit status\n"
    )
    result = _run(text)
    assert "signature:linker-no-cuda-toolkit-library" in _ids(result)
    assert "missing-library" in result.categories


def test_the_linker_line_does_not_swallow_a_longer_library_name() -> None:
    result = _run(
        "/usr/bin/ld: cannot find -lcudadevrt_custom\n>>> torch.cuda.is_available()\nTrue\n"
    )
    assert "signature:linker-no-cuda-toolkit-library" not in _ids(result)


@pytest.mark.parametrize(
    "importer",
    [
        "from vllm import cuda_utils",
        '  File "/env/lib/python3.10/site-packages/flash_attn/__init__.py", line 3, in <module>',
        "    import xformers.ops",
    ],
)
def test_a_versioned_cuda_runtime_missing_under_a_librarys_extension_is_also_a_mismatch(
    importer: str,
) -> None:
    text = f"{importer}\nImportError: libcudart.so.12: cannot open shared object file: No such file or directory\n"
    result = _run(text)
    assert "missing-library" in result.categories
    assert "version-mismatch" in result.categories


def test_a_missing_cuda_runtime_under_torch_alone_is_only_a_missing_library() -> None:
    text = (
        '  File "/env/lib/python3.10/site-packages/torch/__init__.py", line 237, in <module>\n'
        "ImportError: libcudart.so.12: cannot open shared object file: No such file or directory\n"
    )
    result = _run(text)
    assert "missing-library" in result.categories
    assert "version-mismatch" not in result.categories
