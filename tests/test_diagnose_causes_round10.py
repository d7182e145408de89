"""Issue 21, blind round 10 (21i, bare messages and short sessions from TensorFlow, TensorRT, jax,
Lightning, detectron2, mmcv, bitsandbytes): the causes its misses showed, fixed in general and
tested on text written here (not the corpus cases): TensorRT run with other libraries than it was
built with (TF-TRT's check, Myelin's, an engine serialized by another release), a library's own ops
built without CUDA, a missing kernel raised inside a library's own ops, cuInit's unknown error, and
Lightning's accelerator check."""

from __future__ import annotations

import pytest

from tests.pastes import run as _run
from tests.pastes import statuses

#: An nvidia-smi header and GPU row: the paste shows a GPU.
SMI = (
    "| NVIDIA-SMI 535.54.03              Driver Version: 535.54.03    CUDA Version: 12.2     |\n"
    "|   0  NVIDIA A100-PCIE-40GB          Off | 00000000:3F:00.0 Off |                    0 |\n"
)


# --- TensorRT and the libraries it was built with ---------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "WARNING:tensorflow:TensorRT mismatch. Compiled against version 3.0.4, but loaded 4.0.1. Things may not work",
        "W0810 tensorflow/contrib/tensorrt: TensorRT mismatch. Compiled against version 7.1.3, but loaded 8.0.1. Things may not work.",
    ],
)
def test_tf_trt_built_against_another_tensorrt_is_a_version_mismatch(line: str) -> None:
    result = _run(line + "\n")
    assert "version-mismatch" in result.categories


@pytest.mark.parametrize(
    "line",
    [
        "[TensorRT] ERROR: 1: [graphContext.h::MyelinGraphContext::24] Error Code 1: Myelin (myelinVersionMismatch : Compiled against cuBLAS 11.6.3.0 but running against cuBLAS 11.5.1.0.",
        "[E] [TRT] Myelin: Compiled against cuDNN 8.9.0.0 but running against cuDNN 8.6.0.0",
    ],
)
def test_myelin_refusing_the_loaded_cuda_libraries_is_a_version_mismatch(line: str) -> None:
    result = _run(line + "\n")
    assert "version-mismatch" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "line",
    [
        "[05/27/2023-19:14:07] [TRT] [W] TensorRT was linked against cuDNN 8.9.0 but loaded cuDNN 8.7.0",
        "[TensorRT] WARNING: TensorRT was linked against cuBLAS/cuBLAS LT 11.6.3 but loaded cuBLAS/cuBLAS LT 11.3.0",
        "[06/13/2022-09:44:48] [TRT] [W] TensorRT was linked against cuBLAS/cuBLASLt 11.6.3 but loaded cuBLAS/cuBLASLt 11.5.1",
    ],
)
def test_tensorrts_linked_against_notice_alone_is_not_a_failure(line: str) -> None:
    result = _run(line + "\n[I] [TRT] Engine built in 12.3 seconds.\n")
    assert not result.failed
    assert "version-mismatch" not in result.categories


@pytest.mark.parametrize(
    "line",
    [
        "[TensorRT] ERROR: coreReadArchive.cpp (41) - Serialization Error in verifyHeader: 0 (Version tag does not match. Note: Current Version: 96, Serialized Engine Version: 97)",
        "[stdArchiveReader.cpp::StdArchiveReader::42] Error Code 1: Serialization (Serialization assertion stdVersionRead == serializationVersion failed.Version tag does not match. Note: Current Version: 232, Serialized Engine Version: 237)",
        "E0530 logging.cc:43] The engine plan file is not compatible with this version of TensorRT, expecting library version 5.1.2 got 5.1.5, please rebuild.",
        "[TRT] [E] 6: The engine plan file is not compatible with this version of TensorRT, expecting library version 10.0.1.6 got 10.3.0.26, please rebuild.",
    ],
)
def test_an_engine_from_another_tensorrt_release_is_a_version_mismatch(line: str) -> None:
    result = _run(line + "\n")
    assert "version-mismatch" in result.categories
    assert result.failed


# --- a library's own ops built without CUDA ---------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: Not compiled with GPU support (ROIAlign_forward at /home/u/detectron2/detectron2/layers/csrc/ROIAlign/ROIAlign.h:73)",
        "RuntimeError: Detectron2 is not compiled with GPU support!",
        "RuntimeError: DeformConv is not compiled with GPU support",
        "RuntimeError: nms_impl is not compiled with GPU support",
        "RuntimeError: Not compiled with CUDA support",
        "ValueError: This CTranslate2 package was not compiled with CUDA support",
    ],
)
def test_a_librarys_ops_built_without_cuda_are_library_kernels(line: str) -> None:
    result = _run("Traceback (most recent call last):\n" + line + "\n")
    assert "library-kernels-unsupported" in result.categories
    assert result.failed


def test_torch_itself_without_cuda_is_not_a_librarys_build() -> None:
    result = _run("Warning: PyTorch was not compiled with CUDA support.\n" + SMI)
    assert "library-kernels-unsupported" not in result.categories
    cpu = _run("AssertionError: Torch not compiled with CUDA enabled\n" + SMI)
    assert "cpu-wheel-on-gpu" in cpu.categories
    assert "library-kernels-unsupported" not in cpu.categories


# --- a missing kernel raised inside a library's own ops ----------------------------------------------


@pytest.mark.parametrize(
    "frames",
    [
        "RuntimeError: CUDA error: no kernel image is available for execution on the device (NMSCUDAKernelLauncher at ./mmcv/ops/csrc/pytorch/nms_cuda.cu:50)\n",
        '  File "/opt/mmcv/mmcv/ops/roi_align.py", line 80, in forward\n'
        "    ext_module.roi_align_forward(\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n",
        '  File "/home/u/gs/submodules/diff_gaussian_rasterization/__init__.py", line 92, in forward\n'
        "    num_rendered, color = _C.rasterize_gaussians(*args)\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n",
        '  File "C:\\env\\Lib\\site-packages\\torch_scatter\\scatter.py", line 21, in scatter_sum\n'
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n",
    ],
)
def test_a_missing_kernel_in_a_librarys_own_ops_is_that_librarys(frames: str) -> None:
    result = _run("Traceback (most recent call last):\n" + frames)
    assert "library-kernels-unsupported" in result.categories


def test_a_missing_kernel_in_torchs_own_frames_stays_torchs() -> None:
    result = _run(
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3/site-packages/torch/nn/modules/conv.py", line 456, in _conv_forward\n'
        "    return F.conv2d(input, weight, bias, self.stride,\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "arch-unsupported" in result.categories
    assert "library-kernels-unsupported" not in result.categories


# --- cuInit's unknown error ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "E external/xla/xla/stream_executor/cuda/cuda_driver.cc:268] failed call to cuInit: CUDA_ERROR_UNKNOWN: unknown error\n"
        "No GPU/TPU found, falling back to CPU. (Set TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)\n",
        "2020-06-28 08:13:08.936714: E tensorflow/stream_executor/cuda/cuda_driver.cc:300] failed call to cuInit: CUDA_ERROR_UNKNOWN: unknown error\n",
    ],
)
def test_cuinit_unknown_error_is_a_device_cuda_cannot_start(text: str) -> None:
    result = _run(text + SMI)
    assert "no-device" in result.categories
    assert result.failed
    # jax falling back to the CPU is the consequence: its CUDA backend called cuInit
    assert "cpu-wheel-on-gpu" not in result.categories


def test_a_cuinit_failure_on_a_machine_without_a_gpu_is_harmless() -> None:
    result = _run(
        "E tensorflow/stream_executor/cuda/cuda_driver.cc:313] failed call to cuInit: UNKNOWN ERROR (303)\n"
        "E tensorflow/stream_executor/cuda/cuda_driver.cc:318] failed call to cuInit: CUDA_ERROR_UNKNOWN: unknown error\n"
        " - OS: CentOS 7, a CPU-only node\n"
    )
    assert not result.failed


def test_jax_falling_back_to_the_cpu_alone_is_still_its_cpu_build() -> None:
    result = _run("WARNING:absl:No GPU/TPU found, falling back to CPU.\n" + SMI)
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


# --- Lightning's accelerator check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "MisconfigurationException: GPUAccelerator can not run on your system since the accelerator is not available. The following accelerator(s) is available and can be passed into `accelerator` argument of `Trainer`: ['cpu'].",
        "lightning_fabric.utilities.exceptions.MisconfigurationException: `CUDAAccelerator` can not run on your system since the accelerator is not available. The following accelerator(s) is available and can be passed into `accelerator` argument of `Trainer`: ['cpu'].",
        "pytorch_lightning.utilities.exceptions.MisconfigurationException: No supported gpu backend found!",
    ],
)
def test_lightning_finding_no_cuda_points_at_torchs_build(line: str) -> None:
    with_gpu = _run(line + "\n" + SMI)
    assert "cpu-wheel-on-gpu" in with_gpu.categories
    assert with_gpu.failed
    alone = _run(line + "\n")
    assert statuses(alone, "cpu-wheel-on-gpu") == {"warn"}
    assert not alone.failed


def test_lightnings_mps_check_is_an_mps_problem_not_a_cuda_build() -> None:
    result = _run(
        "MisconfigurationException: `MPSAccelerator` can not run on your system since the accelerator is not available.\n"
    )
    assert "mps-issue" in result.categories
    assert "cpu-wheel-on-gpu" not in result.categories
    # Lightning's verdict is its own check (torch's and the processor's name), not torch's: a
    # warning that says how to tell the two apart, never a failure by itself.
    assert statuses(result, "mps-issue") == {"warn"}
    assert not result.failed


def test_lightning_using_the_gpu_is_healthy() -> None:
    result = _run(
        "GPU available: True (cuda), used: True\nTPU available: False, using: 0 TPU cores\n" + SMI
    )
    assert not result.failed
