"""Issue 21, blind round 8 (21c, the least covered formats and platforms): the causes its misses
showed, fixed in general and tested on text written here (not the corpus cases): Windows failing
to load a DLL (WinError 126, torch's "Error loading ... or one of its dependencies"), pip refusing
a wheel built for another Python or platform, jax on Colab's legacy TPU Node runtime, jax-metal
older than jax, "no driver" under WSL 2, a Jetson running a build without CUDA, a boolean check
retold inside a sentence, and TensorFlow on Apple silicon without its Metal plugin."""

from __future__ import annotations

import pytest

from recommender.facts.reports.sessions import read as read_sessions
from tests.pastes import run as _run

# --- Windows DLL loading ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'OSError: [WinError 126] The specified module could not be found. Error loading "C:\\venv\\Lib\\site-packages\\torch\\lib\\c10.dll" or one of its dependencies.',
        "ERROR    Could not load torch: [WinError 126] Das angegebene Modul wurde nicht gefunden. Error loading\n"
        '         "P:\\ai\\venv\\lib\\site-packages\\torch\\lib\\shm.dll" or one of its dependencies.',
    ],
)
def test_a_dll_windows_cannot_load_is_a_missing_library(text: str) -> None:
    result = _run(text + "\n")
    assert "missing-library" in result.categories
    assert result.failed


def test_a_dll_named_in_prose_is_not_a_failure() -> None:
    result = _run(
        "torch ships c10.dll and fbgemm.dll in its lib folder\n>>> torch.cuda.is_available()\nTrue\n"
    )
    assert not result.failed


# --- pip refuses a wheel --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ERROR: tensorflow-2.3.1-cp36-cp36m-linux_aarch64.whl is not a supported wheel on this platform.",
        "ERROR: torch-2.0.0a0+8aa34602.nv23.03-cp38-cp38-linux_aarch64.whl is not a supported wheel on this platform.",
        "torch-1.13.1-cp311-cp311-win_amd64.whl is not a supported wheel on this platform",
    ],
)
def test_a_wheel_for_another_python_or_platform_is_no_matching_wheel(line: str) -> None:
    result = _run(f"$ pip install ./x.whl\n{line}\n")
    assert "no-matching-wheel" in result.categories


# --- jax on Colab's legacy TPU runtime -------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "As of JAX 0.4.0, JAX only supports TPU VMs, not the older Colab TPUs.",
        "AttributeError: module 'jaxlib.xla_extension' has no attribute 'get_tpu_client'",
        "2023-02-01 17:25:55,710 Unable to initialize backend 'tpu': module 'jaxlib.xla_extension' has no attribute 'get_tpu_client'",
    ],
)
def test_jax_on_the_legacy_colab_tpu_is_a_tpu_issue(line: str) -> None:
    result = _run(f">>> jax.devices()\n{line}\n")
    assert "tpu-issue" in result.categories
    assert result.failed


# --- jax-metal older than jax ------------------------------------------------------------------------


def test_jax_metal_memory_space_is_a_version_mismatch() -> None:
    result = _run(
        ">>> key = jax.random.key(0)\nXlaRuntimeError: UNIMPLEMENTED: default_memory_space is not supported.\n"
    )
    assert "version-mismatch" in result.categories


# --- no driver under WSL 2 -------------------------------------------------------------------------


WSL2_KERNEL = "Linux version 5.15.90.1-microsoft-standard-WSL2 (oe-user@oe-host) #1 SMP\n"
NO_DRIVER = "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n"


@pytest.mark.parametrize("platform", [WSL2_KERNEL, "I'm on WSL2 with Ubuntu 22.04\n"])
def test_no_driver_under_wsl2_is_a_wsl_issue(platform: str) -> None:
    result = _run(platform + "$ nvidia-smi\n" + NO_DRIVER)
    assert "wsl-issue" in result.categories
    assert "no-driver" in result.categories


def test_no_driver_on_plain_linux_is_not_a_wsl_issue() -> None:
    result = _run("Linux gpu01 5.15.0-91-generic x86_64\n$ nvidia-smi\n" + NO_DRIVER)
    assert "no-driver" in result.categories
    assert "wsl-issue" not in result.categories


# --- a boolean check retold inside a sentence --------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "path", "value"),
    [
        (
            "I installed it, but cuda.is_available() returns false",
            "frameworks.pytorch.cuda_available",
            False,
        ),
        (
            "on my box torch.cuda.is_available() gives True now",
            "frameworks.pytorch.cuda_available",
            True,
        ),
        ("and tf.test.is_built_with_cuda() returned False.", "tf.built_with_cuda", False),
        ("torch.backends.mps.is_available() prints `False`", "mps.available", False),
    ],
)
def test_a_check_retold_in_a_sentence_is_read(line: str, path: str, value: bool) -> None:
    facts = {f.path: f.value for b in read_sessions([line]) for f in b.facts}
    assert facts.get(path) is value


def test_a_sentence_about_a_check_without_its_answer_states_nothing() -> None:
    assert read_sessions(["I call cuda.is_available() is the first thing I run"]) == []


# --- a Jetson running a build without CUDA ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I installed torch on my Jetson Nano (JetPack 4.6) but cuda.is_available() returns false\n",
        "Board: NVIDIA Jetson AGX Orin\n>>> torch.cuda.is_available()\nFalse\n",
        "Python platform: Linux-5.15.136-tegra-aarch64-with-glibc2.35\n>>> import torch\n>>> torch.cuda.is_available()\nFalse\n",
    ],
)
def test_torch_without_cuda_on_a_jetson_is_a_cpu_build(text: str) -> None:
    result = _run(text)
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    ("text", "failed"),
    [
        ("Mobile device: NVIDIA Jetson AGX Orin\n>>> tf.test.is_built_with_cuda()\nFalse\n", True),
        ("JetPack 5.1 on a Jetson Xavier NX\n>>> tf.__version__\n'2.13.1'\n", False),
    ],
)
def test_tensorflow_without_cuda_on_a_jetson_is_a_cpu_build(text: str, failed: bool) -> None:
    result = _run(text)
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed is failed


def test_nvidias_jetson_builds_are_not_flagged() -> None:
    result = _run(
        "Jetson AGX Orin, JetPack 5.1\n>>> torch.cuda.is_available()\nTrue\n>>> tf.__version__\n'2.12.0+nv23.06'\n"
    )
    assert "cpu-wheel-on-gpu" not in result.categories
    assert not result.failed


# --- TensorFlow on Apple silicon without tensorflow-metal -----------------------------------------------


def test_tensorflow_on_apple_silicon_without_a_gpu_lacks_the_metal_plugin() -> None:
    result = _run(
        "pip install tensorflow-2.16.1-cp311-cp311-macosx_14_0_arm64.whl\n"
        ">>> tf.config.list_physical_devices('GPU')\n[]\n"
    )
    assert "mps-issue" in result.categories
    assert not result.failed  # a warning: the plugin is the likely cause, not a proven one


def test_tensorflow_on_apple_silicon_with_a_gpu_is_fine() -> None:
    result = _run(
        "pip install tensorflow-2.16.1-cp311-cp311-macosx_14_0_arm64.whl\n"
        ">>> tf.config.list_physical_devices('GPU')\n"
        "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]\n"
    )
    assert "mps-issue" not in result.categories


# --- batch 8b: glibc builds on musl (Alpine), torch without XPU, runtime libraries a build links ---


@pytest.mark.parametrize(
    "line",
    [
        "OSError: Error relocating /usr/local/lib/python3.11/site-packages/torch/lib/libgomp-a34b3233.so.1: pthread_attr_setaffinity_np: symbol not found",
        "ImportError: Error relocating /usr/lib/python3.9/site-packages/tensorflow/libtensorflow_framework.so.2: __memcpy_chk: symbol not found",
        "ImportError: Error loading shared library ld-linux-x86-64.so.2: No such file or directory (needed by /usr/lib/python3.10/site-packages/jaxlib/xla_extension.so)",
    ],
)
def test_a_glibc_build_on_musl_is_no_matching_wheel(line: str) -> None:
    result = _run(f">>> import torch\nTraceback (most recent call last):\n{line}\n")
    assert "no-matching-wheel" in result.categories
    assert result.failed


def test_glibcs_own_undefined_symbol_is_not_read_as_musl() -> None:
    result = _run(
        ">>> import torch\nImportError: /x/torch/lib/libtorch_python.so: undefined symbol: PyThread_tss_alloc\n"
        ">>> torch.cuda.is_available()\nTrue\n"
    )
    assert "no-matching-wheel" not in result.categories


@pytest.mark.parametrize(
    "text",
    [
        "AssertionError: Torch not compiled with XPU enabled\nGPU : Intel Arc A750 8GB\n",
        '    raise AssertionError("Torch not compiled with XPU enabled")\nAssertionError: Torch not compiled with XPU enabled\n',
    ],
)
def test_torch_without_xpu_is_a_cpu_build(text: str) -> None:
    result = _run(text)
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "line",
    [
        "OSError: libmpi_cxx.so.40: cannot open shared object file: No such file or directory",
        "ImportError: libmpi.so.40: cannot open shared object file: No such file or directory",
        "ImportError: libiomp5.so: cannot open shared object file: No such file or directory",
    ],
)
def test_a_runtime_library_a_build_links_is_missing(line: str) -> None:
    result = _run(f">>> import torch\nTraceback (most recent call last):\n{line}\n")
    assert "missing-library" in result.categories
    assert result.failed


def test_an_xpu_report_that_sees_its_gpu_is_healthy() -> None:
    result = _run(
        "PyTorch version: 2.8.0+xpu\nIs debug build: False\nCUDA used to build PyTorch: None\n"
        "ROCM used to build PyTorch: N/A\nIs CUDA available: False\nCUDA runtime version: No CUDA\n"
        "GPU models and configuration: No CUDA\nNvidia driver version: No CUDA\nIs XPU available: True\n"
    )
    assert not result.failed


# --- a check quoted on its own line, its answer retold on the next (generalisation check 399) --------


@pytest.mark.parametrize(
    ("lines", "value"),
    [
        (["when running", "   torch.cuda.is_available()", "i get false"], False),
        (["torch.cuda.is_available()", "it returns True"], True),
        (["tf.test.is_built_with_cuda()", "False"], False),
    ],
)
def test_a_check_on_its_own_line_is_read_with_the_answer_after_it(
    lines: list[str], value: bool
) -> None:
    facts = {f.path: f.value for b in read_sessions(lines) for f in b.facts}
    assert value in facts.values()


@pytest.mark.parametrize(
    "lines",
    [
        ["torch.cuda.is_available()", "x = torch.zeros(3)"],
        ["torch.cuda.is_available()", "I get that this is false advertising"],
    ],
)
def test_a_check_followed_by_anything_else_states_nothing(lines: list[str]) -> None:
    assert read_sessions(lines) == []
