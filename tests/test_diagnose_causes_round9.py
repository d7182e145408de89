"""Issue 21, blind round 9 (21g, a mixed round in the proportions people paste): the causes its
misses showed, fixed in general and tested on text written here (not the corpus cases): a CUDA
library of another release loaded in place of the build's (the dynamic loader's versioned-symbol
messages), XLA finding no CUDA platform (a CPU-only jaxlib or TensorFlow), libcuda missing where
nothing shows a driver, detectron2's environment table (its arch flags against the GPU), a torch
CPU build stated as a bare "2.0.0+cpu", and GTX 16-series / GTX 1050 Ti cards named in prose."""

from __future__ import annotations

import pytest

from recommender.facts.reports.detectron2_env import arches
from recommender.facts.reports.detectron2_env import read as read_detectron2
from recommender.facts.reports.gpus import compute_capability, load_gpu_table
from tests.pastes import run

# --- a CUDA library of another release (versioned symbols) ---------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: /venv/lib/python3.11/site-packages/torch/lib/../../nvidia/cusparse/lib/libcusparse.so.12: undefined symbol: __nvJitLinkAddData_12_1, version libnvJitLink.so.12",
        "OSError: /opt/conda/lib/python3.10/site-packages/torch/lib/libtorch_cuda.so: undefined symbol: cublasLtGetStatusString, version libcublasLt.so.11",
        "ImportError: libcudnn_cnn_infer.so.8: undefined symbol: _ZN5cudnn3cnn5infer22queryClusterPropertiesERPhS3_, version libcudnn_ops_infer.so.8",
        "ImportError: /x/torch/lib/libtorch_cuda_cu.so: symbol cusparseSpSM_analysis, version libcusparse.so.11 not defined in file libcusparse.so.11 with link time reference",
        "symbol cublasLtHSHMatmulAlgoInit version libcublasLt.so.11 not defined in file libcublasLt.so.11 with link time reference",
    ],
)
def test_a_cuda_library_of_another_release_is_a_version_mismatch(line: str) -> None:
    result = run(f">>> import torch\nTraceback (most recent call last):\n{line}\n")
    assert "version-mismatch" in result.categories
    assert result.failed


def test_an_undefined_symbol_of_a_non_cuda_library_is_not_read_as_one() -> None:
    # glibc's own symbol versions are not a CUDA release mismatch.
    result = run(
        ">>> import torch\n>>> torch.cuda.is_available()\nTrue\n"
        "./app: symbol lookup error: ./libfoo.so: undefined symbol: foo, version GLIBC_2.2.5\n"
    )
    assert "version-mismatch" not in result.categories


# --- XLA without a CUDA platform ----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: Backend 'gpu' failed to initialize: NOT_FOUND: Could not find registered platform with name: \"cuda\". Available platform names are: Host Interpreter",
        "RuntimeError: Unable to initialize backend 'cuda': NOT_FOUND: Could not find registered platform with name: \"cuda\". Available platform names are: Interpreter Host",
        'jaxlib.xla_extension.XlaRuntimeError: NOT_FOUND: could not find registered platform with name: "gpu"',
    ],
)
def test_xla_without_a_cuda_platform_is_a_cpu_build(line: str) -> None:
    result = run(f"I have an RTX 3090\n{line}\n")
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


def test_xla_without_a_cuda_platform_and_no_gpu_is_only_a_warning() -> None:
    result = run(
        'Could not find registered platform with name: "cuda". Available platform names are: Host\n'
    )
    assert not result.failed


# --- libcuda without a driver -------------------------------------------------------------------

_LIBCUDA = (
    "2022-01-01 11:38:54.601786: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] "
    "Could not load dynamic library 'libcuda.so.1'; dlerror: libcuda.so.1: cannot open shared "
    "object file: No such file or directory\n"
    "2022-01-01 11:38:54.601803: W tensorflow/stream_executor/cuda/cuda_driver.cc:269] failed call "
    "to cuInit: UNKNOWN ERROR (303)\n"
)


@pytest.mark.parametrize(
    "gpu", ["my pc has an Nvidia GTX 1650.", "GPU: GeForce GTX 1660 SUPER", "on a GTX 1050 Ti"]
)
def test_libcuda_missing_with_no_driver_shown_is_no_driver(gpu: str) -> None:
    result = run(f"{gpu}\n{_LIBCUDA}")
    assert "no-driver" in result.categories
    assert result.failed


def test_libcuda_missing_next_to_a_loaded_kernel_module_is_the_library_path() -> None:
    text = (
        "my pc has an RTX 3060\n"
        + _LIBCUDA.splitlines(keepends=True)[0]
        + "2022-01-01 11:38:54.601900: I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:204] "
        "kernel reported version is: 460.91.3\n"
    )
    result = run(text)
    assert "missing-library" in result.categories
    assert "no-driver" not in result.categories


def test_a_cuda_runtime_library_missing_is_not_read_as_no_driver() -> None:
    result = run(
        "my pc has an RTX 3060\n"
        "W dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: "
        "libcudart.so.11.0: cannot open shared object file: No such file or directory\n"
    )
    assert "no-driver" not in result.categories


# --- GTX 16 series and the GTX 1050 Ti ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("NVIDIA GeForce GTX 1650", "7.5"),
        ("GeForce GTX 1660 SUPER", "7.5"),
        ("NVIDIA GeForce GTX 1660", "7.5"),
        ("GeForce GTX 1050 Ti", "6.1"),
    ],
)
def test_the_gpu_table_knows_gtx_16_and_1050_ti(name: str, cc: str) -> None:
    assert compute_capability(name, load_gpu_table()) == cc


# --- detectron2's environment table ---------------------------------------------------------------

_D2 = """\
----------------------  ---------------------------------------------------------------
sys.platform            linux
Python                  3.8.10 (default, Jun  2 2021, 10:49:15) [GCC 9.4.0]
numpy                   1.21.2
detectron2              0.6 @/home/u/detectron2/detectron2
Compiler                GCC 9.4
CUDA compiler           CUDA 11.3
detectron2 arch flags   {flags}
DETECTRON2_ENV_MODULE   <not set>
PyTorch                 1.10.0+cu113 @/home/u/.venv/lib/python3.8/site-packages/torch
PyTorch debug build     False
GPU available           True
GPU 0,1                 {gpu}
CUDA_HOME               /usr/local/cuda
Pillow                  8.4.0
torchvision             0.11.1+cu113 @/home/u/.venv/lib/python3.8/site-packages/torchvision
torchvision arch flags  3.5, 5.0, 6.0, 7.0, 7.5, 8.0, 8.6
----------------------  ---------------------------------------------------------------
"""


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("sm_70", ["7.0"]),
        ("3.5, 5.0, 6.0, 7.0, 7.5", ["3.5", "5.0", "6.0", "7.0", "7.5"]),
        ("sm_61, sm_75", ["6.1", "7.5"]),
        ("8.6", ["8.6"]),
        ("/x/detectron2/_C.so; cannot find cuobjdump", []),
    ],
)
def test_arch_flags_are_read(flags: str, expected: list[str]) -> None:
    assert arches(flags) == expected


@pytest.mark.parametrize(
    ("flags", "gpu"),
    [
        ("7.5", "GeForce GTX TITAN X (arch=5.2)"),
        ("sm_37", "Tesla V100-SXM2-16GB"),
        ("6.0, 7.0", "NVIDIA GeForce RTX 3090 (arch=8.6)"),
    ],
)
def test_detectron2_built_without_the_gpus_arch_is_its_own_kernels(flags: str, gpu: str) -> None:
    result = run(_D2.format(flags=flags, gpu=gpu))
    assert "library-kernels-unsupported" in result.categories
    assert result.failed
    assert "detectron2-env" in result.formats


@pytest.mark.parametrize(
    ("flags", "gpu"),
    [
        ("7.5, 8.6", "NVIDIA GeForce RTX 3090 (arch=8.6)"),
        ("sm_70", "Tesla V100-SXM2-16GB"),
        # SASS runs on a GPU of the same major and a higher minor (8.0 code on an 8.6 GPU).
        ("8.0", "NVIDIA A10 (arch=8.6)"),
    ],
)
def test_detectron2_built_for_the_gpu_is_healthy(flags: str, gpu: str) -> None:
    result = run(_D2.format(flags=flags, gpu=gpu))
    assert "library-kernels-unsupported" not in result.categories
    assert not result.failed


def test_an_aligned_table_without_detectron2_rows_is_not_read_as_one() -> None:
    assert read_detectron2(["PyTorch                 2.1.0", "GPU 0                   A100"]) == []


def test_a_no_kernel_image_through_detectron2_is_its_own_kernels() -> None:
    result = run(
        'File "/usr/lib/python3/site-packages/detectron2/layers/roi_align.py", line 20, in forward\n'
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "library-kernels-unsupported" in result.categories


# --- a bare "+cpu" torch release ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        'I have an RTX2060 6Gb but the System Info section says "2.0.0+cpu Autocast half"',
        "my RTX 3080 is idle, the UI shows version 2.1.2+cpu",
    ],
)
def test_a_bare_cpu_release_with_a_gpu_is_a_cpu_build(line: str) -> None:
    result = run(line + "\n")
    assert "cpu-wheel-on-gpu" in result.categories


@pytest.mark.parametrize(
    "line",
    [
        "I have an RTX 3080 and torchvision 0.16.2+cpu",  # torchvision's 0.x: not torch's release
        "I have an RTX 3080, torch 2.1.2+cu121 works",
        "I have an RTX 3080 and the build id is 12.2.0+cpuinfo",
    ],
)
def test_no_bare_cpu_release_no_cpu_build(line: str) -> None:
    result = run(line + "\n>>> torch.cuda.is_available()\nTrue\n")
    assert "cpu-wheel-on-gpu" not in result.categories
