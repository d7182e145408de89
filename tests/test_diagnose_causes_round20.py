"""Issue 21, blind round 20 (21b, pastes from Windows, macOS, WSL, ROCm, Intel XPU, Jetson and TPU
machines): the causes its misses showed, fixed in general and tested on text written here (not the
corpus cases): torch's MPS kernels that need a newer macOS (the whole "natively starting from
macOS" family, its CPU-fallback warning and the bfloat16 wording), sparse tensors on MPS, macOS's
loader saying a library of Apple's GPU stack was built for a newer macOS (both dyld wordings),
libtpu's "TPU initialization failed", WSL 2's dxcore probe, and torch's "not linked with support
for xpu devices"."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import run as _run
from tests.pastes import status as _status


def _categories(text: str) -> list[str]:
    """dlrec's categories for ``text``; none where it finds nothing it knows."""
    try:
        return list(_run(text).categories)
    except NothingFound:
        return []


# --- torch's MPS operations that need a newer macOS -------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: MPS support binary op with uint8 natively starting from macOS 13.0",
        "RuntimeError: MPS support unary op with uint8 natively starting from macOS 13.0",
        "RuntimeError: MPS: power op with int64 input is supported natively starting from macOS 13.2.",
        "error:  MPS: cumsum op with int64 input is supported natively starting from macOS 13.3",
        "TypeError: MPS BFloat16 is only supported on MacOS 14 or newer",
    ],
)
def test_an_mps_op_that_needs_a_newer_macos_fails_as_mps(line: str) -> None:
    result = _run(line + "\n")
    assert _status(result, "mps-issue") == "fail"
    assert result.failed


@pytest.mark.parametrize(
    "line",
    [
        "UserWarning: MPS: nonzero op is supported natively starting from macOS 14.0. Falling back on CPU. This may have performance implications.",
        "UserWarning: MPS: grid_sampler_2d op is supported natively starting from macOS 13.2. Falling back on CPU. This may have performance implications.",
    ],
)
def test_the_cpu_fallback_for_an_older_macos_is_only_a_warning(line: str) -> None:
    result = _run(line + "\n")
    assert _status(result, "mps-issue") == "warn"
    assert not result.failed


# --- sparse tensors on MPS ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["SparseMPS", "SparseCsrMPS"])
def test_an_op_of_the_sparse_mps_backend_fails_as_mps(key: str) -> None:
    line = (
        "NotImplementedError: Could not run 'aten::_sparse_coo_tensor_with_dims_and_tensors' with "
        f"arguments from the '{key}' backend. This could be because the operator doesn't exist for "
        "this backend\n"
    )
    result = _run(line)
    assert _status(result, "mps-issue") == "fail"
    assert any("sparse" in f.title.lower() for f in result.findings)


def test_the_cuda_sparse_backend_is_not_read_as_mps() -> None:
    line = (
        "NotImplementedError: Could not run 'aten::addmm' with arguments from the 'SparseCUDA' "
        "backend.\n"
    )
    assert "mps-issue" not in _categories(line)


# --- macOS's loader: a library built for a newer macOS ----------------------------------------------

_METAL_OLD_DYLD = """\
python -m pip install tensorflow-metal
tensorflow.python.framework.errors_impl.NotFoundError: dlopen(/Users/me/env/lib/python3.9/site-packages/tensorflow-plugins/libmetal_plugin.dylib, 6): Symbol not found: _OBJC_CLASS_$_MPSGraphExecutable
  Referenced from: /Users/me/env/lib/python3.9/site-packages/tensorflow-plugins/libmetal_plugin.dylib (which was built for Mac OS X 13.0)
  Expected in: /System/Library/Frameworks/MetalPerformanceShadersGraph.framework/Versions/A/MetalPerformanceShadersGraph
"""

_METAL_NEW_DYLD = """\
Apple M2 Pro, jax-metal 0.1.1
ImportError: dlopen(/Users/me/.venv/lib/python3.12/site-packages/jax_plugins/metal_plugin/pjrt_plugin_metal_14.dylib, 0x0002): Symbol not found: _OBJC_CLASS_$_MTLResidencySetDescriptor
  Referenced from: <3C1F...> /Users/me/.venv/lib/python3.12/site-packages/jax_plugins/metal_plugin/pjrt_plugin_metal_14.dylib (built for macOS 15.0 which is newer than running OS)
"""


@pytest.mark.parametrize("text", [_METAL_OLD_DYLD, _METAL_NEW_DYLD])
def test_apples_gpu_stack_built_for_a_newer_macos_fails_as_mps(text: str) -> None:
    result = _run(text)
    assert _status(result, "mps-issue") == "fail"
    # an Objective-C class of Apple's frameworks is the OS's, not a plugin/TensorFlow mismatch
    assert "version-mismatch" not in result.categories


def test_a_tf_c_api_symbol_missing_from_the_metal_plugin_stays_a_version_mismatch() -> None:
    text = (
        "tensorflow.python.framework.errors_impl.NotFoundError: dlopen(/opt/homebrew/lib/python3.11/"
        "site-packages/tensorflow-plugins/libmetal_plugin.dylib, 0x0006): symbol not found in flat "
        "namespace '_TF_GetInputPropertiesList'\n"
    )
    result = _run(text)
    assert "version-mismatch" in result.categories
    assert "mps-issue" not in result.categories


def test_the_loader_line_without_apples_gpu_is_no_failure() -> None:
    text = (
        "dyld: Symbol not found: _ubrk_clone\n"
        "  Referenced from: /usr/local/bin/sometool (which was built for Mac OS X 13.0)\n"
        "  Expected in: /usr/lib/libicucore.A.dylib\n"
    )
    try:
        result = _run(text)
    except NothingFound:  # nothing of Apple's GPU stack in it: not read at all is right too
        return
    assert _status(result, "mps-issue") != "fail"


# --- libtpu: TPU initialization failed ------------------------------------------------------------------

_TPU_ERRORS = [
    "RuntimeError: Bad StatusOr access: UNKNOWN: TPU initialization failed: Invalid --2a886c8_slice_builder_worker_addresses specified. Expected 4 worker addresses, got 1.",
    "jax.errors.JaxRuntimeError: UNKNOWN: TPU initialization failed: open(/dev/accel0): Device or resource busy: Device or resource busy; Couldn't open device: /dev/accel0",
    "RuntimeError: TPU initialization failed: Failed to establish SliceBuilder grpc channel to 10.0.0.2:8471.",
]


@pytest.mark.parametrize("line", _TPU_ERRORS)
@pytest.mark.parametrize(
    "machine",
    [
        "- Flax version (CPU?/GPU?/TPU?): 0.7.4 (tpu)",
        "Running on a Cloud TPU VM (v4-8) with jax[tpu] installed",
        "libtpu-nightly 0.1.dev20231213",
    ],
)
def test_libtpu_refusing_to_start_on_a_tpu_machine_fails_as_tpu(line: str, machine: str) -> None:
    result = _run(line + "\n" + machine + "\n")
    assert _status(result, "tpu-issue") == "fail"


def test_user_code_printing_the_words_on_a_gpu_machine_is_no_tpu_failure() -> None:
    text = (
        "TPU initialization failed: No TPU found, falling back to GPU/CPU\n"
        "Num GPUs Available:  1\n"
        "PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')\n"
    )
    result = _run(text)
    assert _status(result, "tpu-issue") != "fail"


# --- WSL 2: the container runtime cannot load dxcore ----------------------------------------------------

_DXCORE = (
    "I1016 13:14:28.960528 24446 nvc.c:299] attempting to load dxcore to see if we are running "
    "under Windows Subsystem for Linux (WSL)\n"
    "I1016 13:14:28.960625 24446 nvc.c:301] dxcore initialization failed, continuing assuming a "
    "non-WSL environment\n"
)


@pytest.mark.parametrize(
    "wsl",
    [
        "I run Docker inside WSL2 (Ubuntu 20.04) on Windows 10.\n",
        "Linux version 5.10.16.3-microsoft-standard-WSL2 (oe-user@oe-host)\n",
    ],
)
def test_dxcore_failing_under_wsl2_fails_as_wsl(wsl: str) -> None:
    result = _run(wsl + _DXCORE)
    assert _status(result, "wsl-issue") == "fail"


def test_dxcore_probe_on_native_linux_is_no_failure() -> None:
    text = "Linux gpu-node 5.15.0-91-generic #101-Ubuntu SMP x86_64 GNU/Linux\n" + _DXCORE
    result = _run(text)
    assert _status(result, "wsl-issue") != "fail"


# --- torch without an XPU backend ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: PyTorch is not linked with support for xpu devices\n",
        "intel-extension-for-pytorch 1.13.10\n>>> x.to('xpu')\nRuntimeError: PyTorch is not linked with support for xpu devices\n",
    ],
)
def test_torch_not_linked_with_xpu_warns_of_a_build_without_xpu(text: str) -> None:
    result = _run(text)
    finding = next(f for f in result.findings if f.category == "cpu-wheel-on-gpu")
    assert finding.status == "warn"
    assert "intel_extension_for_pytorch" in (finding.fix or "")
    # the message alone cannot tell a CPU build from a missing import: no failure
    assert not result.failed


# --- Windows: the loader's other wordings of a DLL that will not load ------------------------------


@pytest.mark.parametrize(
    "line",
    [
        'OSError: [WinError 1114] A dynamic link library (DLL) initialization routine failed. Error loading "C:\\Python312\\Lib\\site-packages\\torch\\lib\\c10.dll" or one of its dependencies.',
        'OSError: [WinError 1114] 动态链接库(DLL)初始化例程失败。 Error loading "D:\\env\\lib\\site-packages\\torch\\lib\\c10.dll" or one of its dependencies.',
        "ImportError: DLL load failed while importing _C: The specified module could not be found.",
        "ImportError: DLL load failed: The specified module could not be found.",
        "ImportError: DLL load failed while importing _pywrap_tensorflow_internal: A dynamic link library (DLL) initialization routine failed.",
    ],
)
def test_a_windows_dll_that_will_not_load_fails_as_missing_library(line: str) -> None:
    result = _run(line + "\n")
    assert _status(result, "missing-library") == "fail"
    fixes = " ".join(f.fix or "" for f in result.findings)
    assert "Visual C++ Redistributable" in fixes


def test_a_32_bit_python_loading_a_64_bit_dll_is_not_a_missing_library() -> None:
    line = "ImportError: DLL load failed while importing _C: %1 is not a valid Win32 application.\n"
    assert "missing-library" not in _categories(line)


# --- Intel XPU: torch's XPU build without a usable Intel GPU ----------------------------------------


def test_xpu_build_without_an_intel_driver_fails_as_no_driver() -> None:
    text = (
        ">>> torch.xpu.is_available()\n"
        "/venv/lib/python3.10/site-packages/torch/xpu/__init__.py:60: UserWarning: Failed to "
        "initialize XPU devices. The driver may not be installed, installed incorrectly, or "
        "incompatible with the current setup. Please refer to the guideline "
        "(https://github.com/pytorch/pytorch?tab=readme-ov-file#intel-gpu-support) for proper "
        "installation and configuration. (Triggered internally at /pytorch/c10/xpu/XPUFunctions.cpp:109.)\n"
        "False\n"
    )
    assert _status(_run(text), "no-driver") == "fail"


def test_xpu_backend_with_no_device_fails_as_no_device() -> None:
    text = "    torch._C._xpu_init()\nRuntimeError: No XPU devices are available.\n"
    assert _status(_run(text), "no-device") == "fail"


def test_a_working_xpu_session_is_no_driver_or_device_failure() -> None:
    text = (
        ">>> import torch\n>>> torch.__version__\n'2.7.1+xpu'\n"
        ">>> torch.xpu.is_available()\nTrue\n"
        ">>> torch.xpu.get_device_name(0)\n'Intel(R) Arc(TM) A770 Graphics'\n"
    )
    categories = _categories(text)
    assert "no-driver" not in categories and "no-device" not in categories


# --- Apple's GPU: no float64; the older "Support has been added in macOS" wording ---------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: MPS does not support cumsum op with int64 input. Support has been added in macOS 13.3",
        "RuntimeError: MPS does not support cumprod op with int64 input. Support has been added in macOS 13.3",
    ],
)
def test_what_apples_gpu_cannot_run_fails_as_mps(line: str) -> None:
    assert _status(_run(line + "\n"), "mps-issue") == "fail"


@pytest.mark.parametrize(
    "line",
    [
        "TypeError: Cannot convert a MPS Tensor to float64 dtype as the MPS framework doesn't support float64. Please use float32 instead.",
        "TypeError: Cannot convert a float64 Tensor to MPS as the MPS framework doesn't support float64. Please use float32 instead.",
    ],
)
def test_float64_which_no_macos_adds_is_a_warning_for_the_program(line: str) -> None:
    """Session 45: no macOS release gives MPS float64, so the fix is the program's (float32)."""
    assert _status(_run(line + "\n"), "mps-issue") == "warn"


def test_the_int32_casting_note_is_no_mps_failure() -> None:
    line = (
        "UserWarning: MPS: no support for int64 repeats mask, casting it to int32. Support has been "
        "added in macOS 13.3\n"
    )
    try:
        result = _run(line)
    except NothingFound:
        return
    assert _status(result, "mps-issue") != "fail"


def test_an_operand_left_on_the_cpu_is_the_programs_fault_not_the_environment() -> None:
    text = (
        "Python platform: macOS-14.4-arm64-arm-64bit\n"
        "RuntimeError: Placeholder storage has not been allocated on MPS device!\n"
    )
    result = _run(text)
    assert not result.failed
    assert "mps-issue" not in result.categories


# --- TensorFlow's TPU resolver without a TPU --------------------------------------------------------


def test_tf_finding_no_tpu_to_connect_to_fails_as_tpu() -> None:
    text = (
        "resolver = tf.distribute.cluster_resolver.TPUClusterResolver()\n"
        "ValueError: Please provide a TPU Name to connect to.\n"
    )
    assert _status(_run(text), "tpu-issue") == "fail"


def test_the_resolver_message_on_a_gpu_machine_is_no_tpu_failure() -> None:
    text = (
        "ValueError: Please provide a TPU Name to connect to.\n"
        "| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    )
    assert _status(_run(text), "tpu-issue") != "fail"


# --- TensorFlow's template: a lone cuDNN version under "CUDA/cuDNN version" ----------------------------


def _tf_template(libs: str) -> str:
    return (
        "### Tensorflow Version\n\nv2.10.0-76-gfdfc646704c 2.10.1\n\n"
        "### OS Platform and Distribution\n\nWindows 10\n\n"
        f"### CUDA/cuDNN version\n\n{libs}\n\n"
        "### GPU model and memory\n\nRTX 3060\n"
    )


@pytest.mark.parametrize("libs", ["8.1", "8.6"])
def test_a_lone_version_no_cuda_release_had_is_read_as_cudnn(libs: str) -> None:
    result = _run(_tf_template(libs))
    assert not any(f"CUDA {libs}" in f.detail for f in result.findings)
    assert "version-mismatch" not in result.categories  # TensorFlow 2.10 loads cuDNN 8


def test_a_lone_cudnn_7_next_to_tf_2_10_is_cudnn_s_mismatch_not_cuda_s() -> None:
    result = _run(_tf_template("7.6.5"))
    assert any("cuDNN 7.6.5" in f.detail for f in result.findings)
    assert not any("CUDA 7.6" in f.detail for f in result.findings)


def test_a_lone_cuda_release_stays_cuda() -> None:
    result = _run(_tf_template("9.0"))
    assert any("CUDA 9.0" in f.detail for f in result.findings)
