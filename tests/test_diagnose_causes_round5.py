"""Issue 21, fifth blind round: the causes its misses showed, fixed in general and tested on text
written here (not the corpus cases): the HIP runtime finding no AMD GPU ("No HIP GPUs are
available", hipErrorNoDevice, torch's "Unexpected error from hipGetDeviceCount()"), the gfx target
in its ISA form (``amdgcn-amd-amdhsa--gfx1031``), libtpu finding no TPU chip or another process
holding it (both wordings), MPS built but not available on a Mac, a session retyped as
``expression => value``, and DeepSpeed's CUDA_HOME / nvcc checks."""

from __future__ import annotations

import re

import pytest

from recommender.facts.reports.rocm_smi import read as read_rocm
from recommender.facts.reports.sessions import read as read_sessions
from tests.pastes import run as _run

# --- HIP finds no GPU ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: No HIP GPUs are available",
        "RuntimeError: HIP error: hipErrorNoDevice",
        "hipGetDeviceCount: Returned hipErrorNoDevice :",
    ],
)
def test_hip_without_a_device_is_a_rocm_issue(line: str) -> None:
    result = _run(f">>> x = torch.ones(2).to('cuda')\nTraceback (most recent call last):\n{line}\n")
    assert "rocm-issue" in result.categories
    assert result.failed


def test_hip_device_count_warning_is_a_rocm_warning_not_a_cuda_one() -> None:
    text = (
        "/venv/lib/python3.10/site-packages/torch/cuda/__init__.py:88: UserWarning: HIP "
        "initialization: Unexpected error from hipGetDeviceCount(). Did you run some cuda "
        "functions before calling NumHipDevices() that might have already set an error? Error 101: "
        "hipErrorInvalidDevice (Triggered internally at ../c10/hip/HIPFunctions.cpp:110.)\n"
        "  return torch._C._cuda_getDeviceCount() > 0\n"
    )
    result = _run(text)
    ids = {f.id for f in result.findings}
    assert "signature:hip-getdevicecount-unexpected" in ids
    assert "signature:cuda-getdevicecount-unexpected" not in ids
    assert "rocm-issue" in result.categories


# --- the gfx target in its ISA form --------------------------------------------------------------


def test_the_isa_name_gives_the_gfx_target_once_per_agent() -> None:
    lines = [
        "*******",
        "Agent 2",
        "*******",
        "  Name:                    gfx1031",
        "  Marketing Name:          AMD Radeon RX 6700 XT",
        "  ISA Info:",
        "    ISA 1",
        "      Name:                    amdgcn-amd-amdhsa--gfx1031",
    ]
    facts = [f for block in read_rocm(lines) for f in block.facts]
    assert [(f.path, f.value) for f in facts if f.path.endswith(".gfx")] == [
        ("gpu.0.gfx", "gfx1031")
    ]


def test_an_isa_name_alone_in_prose_names_a_target_without_kernels() -> None:
    text = (
        "### GPU\n\n"
        "Marketing Name:          AMD Radeon RX 6700 XT       Name:      amdgcn-amd-amdhsa--gfx1031\n\n"
        "torch.cuda.is_available() gives False\n"
    )
    result = _run(text)
    assert "rocm-issue" in result.categories


# --- TPU --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "TPU platform initialization failed: NOT_FOUND: No ba16c7433 device found.",
        "jaxlib.xla_extension.XlaRuntimeError: NOT_FOUND: No ba16c7433 device found.",
        "libtpu.so already in used by another process. Not attempting to load libtpu.so in this process.",
        "libtpu.so already in use by another process. Not attempting to load libtpu.so in this process.",
    ],
)
def test_tpu_runtime_messages_are_tpu_issues(line: str) -> None:
    result = _run(f">>> import jax\n>>> jax.devices()\n{line}\n")
    assert "tpu-issue" in result.categories


# --- MPS built but not available, and a session retyped inline ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "- torch.backends.mps.is_built() => True\n- torch.backends.mps.is_available() => False\n",
        "`torch.backends.mps.is_built()` -> `True`\n`torch.backends.mps.is_available()` -> `False`\n",
        "torch.backends.mps.is_built() == True\ntorch.backends.mps.is_available() == False\n",
    ],
)
def test_mps_built_but_unavailable_is_an_mps_issue(text: str) -> None:
    result = _run(text)
    assert "mps-issue" in result.categories
    finding = next(f for f in result.findings if f.id == "platform:mps-unavailable")
    assert finding.status == "warn"


def test_mps_available_gives_no_mps_finding() -> None:
    result = _run(
        "torch.backends.mps.is_built() => True\ntorch.backends.mps.is_available() => True\n"
    )
    assert "mps-issue" not in result.categories


def test_an_inline_value_is_read_only_for_known_expressions() -> None:
    blocks = read_sessions(
        [
            "Note: this is not a session line",
            "torch.cuda.is_available(): False",
            "my.own.function() => True",
        ]
    )
    facts = [(f.path, f.value, f.line) for b in blocks for f in b.facts]
    assert facts == [("frameworks.pytorch.cuda_available", False, 2)]


def test_an_inline_line_is_not_taken_as_the_output_of_a_pending_statement() -> None:
    blocks = read_sessions([">>> torch.__version__", "'2.3.1+cu121'"])
    facts = {f.path: f.value for b in blocks for f in b.facts}
    assert facts["frameworks.pytorch.version"] == "2.3.1+cu121"


# --- DeepSpeed's toolkit checks -------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "OSError: CUDA_HOME does not exist, unable to compile CUDA op(s)",
        "FileNotFoundError: [Errno 2] No such file or directory: '/opt/conda/envs/ds/bin/nvcc'",
        "FileNotFoundError: [Errno 2] No such file or directory: ':/usr/local/cuda/bin/nvcc'",
    ],
)
def test_a_missing_cuda_toolkit_is_a_missing_library(line: str) -> None:
    result = _run(f"$ ds_report\nTraceback (most recent call last):\n{line}\n")
    assert "missing-library" in result.categories
    assert result.failed


def test_another_missing_file_is_not_a_missing_toolkit() -> None:
    result = _run(
        "FileNotFoundError: [Errno 2] No such file or directory: '/data/train.csv'\n"
        "RuntimeError: No HIP GPUs are available\n"
    )
    assert not any(re.search("nvcc|cuda-home", f.id) for f in result.findings)
    assert "missing-library" not in result.categories


# --- a framework version and Windows stated in a sentence ------------------------------------------


def test_tensorflow_on_native_windows_stated_in_prose_is_a_cpu_build() -> None:
    text = (
        "print(tf.config.list_physical_devices('GPU'))\n"
        "[]\n"
        "I am on Windows 10 Pro. My OS is Windows 10 and my TensorFlow version is 2.15.1, "
        "the GPU is an RTX 3080.\n"
    )
    result = _run(text)
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


def test_a_version_in_prose_does_not_override_a_block() -> None:
    text = (
        ">>> import tensorflow as tf\n>>> tf.__version__\n'2.10.1'\n"
        "pip says my tensorflow version is 2.12.0. My system is Windows 11.\n"
    )
    result = _run(text)
    assert "cpu-wheel-on-gpu" not in result.categories


def test_windows_named_in_passing_is_not_the_platform() -> None:
    text = "It worked on Windows 11 last week.\nMy tensorflow version is 2.12.0, RTX 3060.\n"
    result = _run(text)
    assert "cpu-wheel-on-gpu" not in result.categories
