"""Issue 21, precision: dlrec fails only what the text proves. A symptom yields to the finding that
quotes the same line together with the facts that explain it; a bare "no kernel image" where a
library's own kernels are at work is the library's, not torch's; where both problems are real,
both stay. Texts written here, not taken from the corpus."""

from __future__ import annotations

import pytest

from tests.pastes import diagnosed


def _fails(text: str) -> set[str]:
    result = diagnosed(text, "paste.txt")
    return {c for f in result.findings if f.status == "fail" for c in (f.category, *f.also)}


_SMI = "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"


# TensorFlow 2.3 is built for cuDNN 7; cuDNN 8 is installed, so libcudnn.so.7 does not load.
_TF_CUDNN = [
    (
        "- TensorFlow version (use command below): 2.3.0\n"
        "- CUDA/cuDNN version: 10.1, 8.0.2\n"
        "2020-08-10 10:00:00.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:59]"
        " Could not load dynamic library 'libcudnn.so.7'; dlerror: libcudnn.so.7: cannot open "
        "shared object file: No such file or directory\n"
    ),
    (
        "TensorFlow version: 2.3.1\n"
        "CUDA/cuDNN version: 10.1/8.0.4\n"
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic "
        "library 'libcudnn.so.7'; dlerror: libcudnn.so.7: cannot open shared object file\n"
    ),
]


@pytest.mark.parametrize("text", _TF_CUDNN)
def test_a_missing_library_explained_by_a_version_mismatch_yields_to_it(text: str) -> None:
    result = diagnosed(_SMI + text, "paste.txt")
    failing = {f.category: f.also for f in result.findings if f.status == "fail"}
    assert "version-mismatch" in failing
    # the symptom is no fail of its own; since round 2 it is noted under its cause
    assert "missing-library" not in failing
    assert "missing-library" in failing["version-mismatch"]


def test_a_missing_library_alone_stays() -> None:
    text = _SMI + (
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic "
        "library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file\n"
    )
    assert "missing-library" in _fails(text)


_LIBRARY_KERNELS = [
    (
        "detectron2 arch flags   sm_37\n"
        "GPU 0                   Tesla V100-SXM2-16GB (arch=7.0)\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device "
        "(ROIAlign_forward_cuda at detectron2/layers/csrc/ROIAlign/ROIAlign_cuda.cu:360)\n"
    ),
    (
        '  File "/opt/venv/lib/python3.11/site-packages/triton/backends/nvidia/compiler.py", '
        "line 300, in make_cubin\n"
        "ptxas fatal   : Value 'sm_121a' is not defined for option 'gpu-name'\n"
    ),
]


@pytest.mark.parametrize("text", _LIBRARY_KERNELS)
def test_a_bare_kernel_message_where_a_library_builds_its_own_is_the_library_s(text: str) -> None:
    fails = _fails(text)
    assert "library-kernels-unsupported" in fails
    assert "arch-unsupported" not in fails


def test_torch_s_own_warning_keeps_torch_s_arch_and_the_library_s_too() -> None:
    """Both real: torch names the GPU it lacks kernels for, in a vLLM paste."""
    text = (
        "vLLM Version: 0.7.2\n"
        "NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current "
        "PyTorch installation.\n"
        "The current PyTorch install supports CUDA capabilities sm_50 sm_60 sm_70 sm_75 sm_80 "
        "sm_86 sm_90.\n"
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "arch-unsupported" in _fails(text)


def test_a_bare_kernel_message_alone_is_the_architecture() -> None:
    text = "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    assert "arch-unsupported" in _fails(text)


def test_two_real_problems_on_different_lines_both_stay() -> None:
    """A driver too old and, elsewhere, a library that is missing: neither explains the other."""
    text = _SMI + (
        "RuntimeError: The NVIDIA driver on your system is too old (found version 10020).\n"
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic "
        "library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file\n"
    )
    fails = _fails(text)
    assert {"driver-too-old", "missing-library"} <= fails
