"""Issue 21, second blind round: the causes its misses showed, fixed in general and tested on text
written here (not the corpus cases): jax's CUDA plugin failing to load a CUDA library, WSL 2's
libcuda copies that ldconfig rejects, and a CUDA build that sees no GPU in a report that names no
GPU at all (a warning, not a fail: pip's default Linux wheel is a CUDA build on any machine)."""

from __future__ import annotations

import pytest

from tests.pastes import diagnosed


@pytest.mark.parametrize("lib", ["cuDNN", "CUDA", "cuBLAS", "cuSPARSE"])
def test_jax_unable_to_load_a_cuda_library_is_a_missing_library(lib: str) -> None:
    text = (
        "An NVIDIA GPU may be present on this machine\n"
        f"CUDA backend failed to initialize: Unable to load {lib}. Is it installed? "
        "(Set TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)\n"
    )
    result = diagnosed(text, "paste.txt")
    assert "missing-library" in result.categories
    assert result.failed


def test_jax_load_message_needs_the_exact_wording() -> None:
    # "Unable to load" of something that is not a CUDA library is not this message.
    with pytest.raises(Exception):  # noqa: B017 - unread text exits 2 (BadInputError)
        diagnosed("Unable to load config. Is it installed?\n", "paste.txt")


def test_wsl_libcuda_copies_are_a_wsl_warning() -> None:
    text = (
        "$ sudo apt install htop\n"
        "Processing triggers for libc-bin (2.35-0ubuntu3.8) ...\n"
        "/sbin/ldconfig.real: /usr/lib/wsl/lib/libcuda.so.1 is not a symbolic link\n"
    )
    result = diagnosed(text, "paste.txt")
    assert "wsl-issue" in result.categories
    assert not result.failed


def test_cuda_build_without_gpu_and_without_gpu_evidence_is_a_warning() -> None:
    text = (
        "- `accelerate` version: 0.20.0\n"
        "- Platform: Linux-5.15.0-76-generic-x86_64-with-glibc2.35\n"
        "- Python version: 3.10.12\n"
        "- Numpy version: 1.24.3\n"
        "- PyTorch version (GPU?): 2.0.1+cu117 (False)\n"
    )
    result = diagnosed(text, "paste.txt")
    assert "no-driver" in result.categories
    assert not result.failed


def test_cuda_build_without_gpu_where_nvidia_smi_shows_none_still_fails() -> None:
    text = "- PyTorch version (GPU?): 2.0.1+cu117 (False)\n\n$ nvidia-smi\nNo devices were found\n"
    result = diagnosed(text, "paste.txt")
    assert result.failed


def test_cuda_build_with_the_no_driver_warning_still_fails() -> None:
    text = (
        ">>> import torch\n"
        ">>> torch.__version__\n"
        "'2.0.1+cu117'\n"
        ">>> torch.cuda.is_available()\n"
        "/usr/lib/python3/site-packages/torch/cuda/__init__.py:107: UserWarning: CUDA "
        "initialization: Found no NVIDIA driver on your system. Please check that you have an "
        "NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx\n"
        "False\n"
    )
    result = diagnosed(text, "paste.txt")
    assert "no-driver" in result.categories
    assert result.failed


def test_conda_plan_line_reads_the_build_it_is_about_to_install() -> None:
    text = (
        "$ conda install pytorch torchvision cudatoolkit=11.8 -c pytorch\n"
        "The following NEW packages will be INSTALLED:\n"
        "\n"
        "  pytorch            pytorch/linux-64::pytorch-2.0.1-py3.10_cpu_0\n"
        "  torchvision        pytorch/linux-64::torchvision-0.15.2-py310_cpu\n"
    )
    result = diagnosed(text, "paste.txt")
    assert "cpu-wheel-on-gpu" in result.categories
    facts = {f.path: f.value for f in result.facts}
    assert facts["frameworks.pytorch.version"] == "2.0.1"
    assert facts["frameworks.pytorch.build.flavour"] == "cpu"


def test_conda_plan_line_with_a_cuda_build_is_not_cpu() -> None:
    text = (
        "The following NEW packages will be INSTALLED:\n"
        "  pytorch            pytorch/linux-64::pytorch-2.0.1-py3.10_cuda11.8_cudnn8.7.0_0\n"
        "  pytorch-cuda       pytorch/linux-64::pytorch-cuda-11.8-h7e8668a_5\n"
    )
    result = diagnosed(text, "paste.txt")
    facts = {f.path: f.value for f in result.facts}
    assert facts["frameworks.pytorch.build.flavour"] == "cuda"
    assert facts["frameworks.pytorch.build.cuda"] == "11.8"
    assert "cpu-wheel-on-gpu" not in result.categories


def test_a_conda_plan_line_whose_names_differ_is_not_read() -> None:
    # "name  channel::other-1.0-build": not conda's plan layout, so not a fact about pytorch.
    text = (
        "pytorch   conda-forge/linux-64::numpy-1.26.0-py310_cpu_0\nnvidia-smi: command not found\n"
    )
    facts = {f.path for f in diagnosed(text, "paste.txt").facts}
    assert "frameworks.pytorch.version" not in facts


_WSL_TEMPLATE = (
    "### WSL Version\n"
    "\n"
    "- [{two}] WSL 2\n"
    "- [{one}] WSL 1\n"
    "\n"
    "### Repro Steps\n"
    ">>> import ctypes; ctypes.CDLL('libcuda.so')\n"
    "OSError: libcuda.so: cannot open shared object file: No such file or directory\n"
)


def test_libcuda_missing_on_wsl2_is_a_wsl_problem() -> None:
    result = diagnosed(_WSL_TEMPLATE.format(two="X", one=" "), "paste.txt")
    assert "wsl-issue" in result.categories
    assert "missing-library" in result.categories


def test_libcuda_missing_outside_wsl2_is_not_blamed_on_wsl() -> None:
    assert (
        "wsl-issue" not in diagnosed(_WSL_TEMPLATE.format(two=" ", one="x"), "paste.txt").categories
    )
    plain = "OSError: libcuda.so: cannot open shared object file: No such file or directory\n"
    assert "wsl-issue" not in diagnosed(plain, "paste.txt").categories


def test_a_toolkit_library_missing_on_wsl2_stays_a_missing_library() -> None:
    text = _WSL_TEMPLATE.format(two="x", one=" ").replace("libcuda.so", "libcudart.so.12")
    result = diagnosed(text, "paste.txt")
    assert "missing-library" in result.categories
    assert "wsl-issue" not in result.categories


_NO_KERNEL = "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"


@pytest.mark.parametrize(
    "line",
    [
        ">>> from flash_attn import flash_attn_func",
        "import xformers.ops as xops",
        "from bitsandbytes.nn import Linear8bitLt",
        ">>> import mamba_ssm",
    ],
)
def test_an_import_of_a_library_with_its_own_kernels_makes_a_missing_kernel_its(line: str) -> None:
    result = diagnosed(f">>> import torch\n{line}\n{_NO_KERNEL}", "paste.txt")
    assert "library-kernels-unsupported" in result.categories
    assert "python-session" in result.formats


def test_imports_of_torch_alone_leave_a_missing_kernel_torch_s() -> None:
    text = f">>> import torch\n>>> from torch import nn\nimport numpy as np\n{_NO_KERNEL}"
    result = diagnosed(text, "paste.txt")
    assert "arch-unsupported" in result.categories
    assert "library-kernels-unsupported" not in result.categories
