"""Issue 21, blind round 13 (21e, TensorFlow, jax and Keras pastes): the causes its misses showed,
fixed in general and tested on text written here (not the corpus cases): XLA without the CUDA
toolkit's libdevice or PTX assembler, a tensorflow-metal plugin built for another TensorFlow, an op
the Metal plugin lacks, jax's CPU fallback on a TPU machine, TensorFlow-ROCm's older minimum-ISA
wording, a line whose one letter lowers to two (Turkish "İ"), and jax's own printout of jax and
jaxlib (its import-time check already passed)."""

from __future__ import annotations

import pytest

from tests.pastes import run as _run
from tests.pastes import statuses

#: An nvidia-smi header and GPU row: the paste shows a GPU.
SMI = (
    "| NVIDIA-SMI 535.54.03              Driver Version: 535.54.03    CUDA Version: 12.2     |\n"
    "|   0  NVIDIA A100-PCIE-40GB          Off | 00000000:3F:00.0 Off |                    0 |\n"
)


# --- XLA without the CUDA toolkit's compiler parts --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-08 21:30:47.213628: W external/local_xla/xla/service/gpu/llvm_gpu_backend/gpu_backend_lib.cc:504] Can't find libdevice directory ${CUDA_DIR}/nvvm/libdevice. This may result in compilation or runtime failures, if the program we try to run uses routines from libdevice.\n",
        "error: Can't find libdevice directory ${CUDA_DIR}/nvvm/libdevice\nerror: Can't find libdevice directory ${CUDA_DIR}/nvvm/libdevice\n",
        "2023-05-24 17:19:20.800561: W tensorflow/core/framework/op_kernel.cc:1830] OP_REQUIRES failed at xla_ops.cc:362 : INTERNAL: libdevice not found at ./libdevice.10.bc\n",
        "W tensorflow/compiler/xla/service/gpu/llvm_gpu_backend/gpu_backend_lib.cc:274] libdevice is required by this HLO module but was not found at ./libdevice.10.bc\n",
        "InternalError: libdevice not found at /usr/local/cuda/nvvm/libdevice/libdevice.10.bc [Op:__inference_train_function_1234]\n",
    ],
)
def test_xla_without_libdevice_is_a_missing_library(text: str) -> None:
    result = _run(text)
    assert "missing-library" in result.categories
    assert "fail" in statuses(result, "missing-library")


@pytest.mark.parametrize(
    "text",
    [
        "W tensorflow/core/framework/op_kernel.cc:1855] OP_REQUIRES failed at xla_ops.cc:590 : UNAVAILABLE: No PTX compilation provider is available. Neither ptxas/nvlink nor nvjtlink is available.\n",
        "jaxlib.xla_extension.XlaRuntimeError: UNAVAILABLE: No PTX compilation provider is available. Neither ptxas/nvlink nor nvjtlink is available. As a fallback you can enable JIT compilation in the CUDA driver\n",
        "2019-12-30 12:52:15.338250: W tensorflow/core/framework/op_kernel.cc:1655] OP_REQUIRES failed at xla_compile_on_demand_op.cc:220 : Not found: ./bin/ptxas not found\n",
        "  (0) Not found: ./bin/ptxas not found\n",
        "W tensorflow/stream_executor/gpu/asm_compiler.cc:80] Couldn't invoke ptxas --version\n",
    ],
)
def test_xla_without_a_ptx_assembler_is_a_missing_library(text: str) -> None:
    result = _run(SMI + text)
    assert "fail" in statuses(result, "missing-library")


def test_xla_falling_back_to_the_driver_for_ptx_is_not_a_missing_library() -> None:
    """XLA's own words: without ptxas it uses the driver, "This is OK so long as..."."""
    text = (
        SMI
        + "W tensorflow/compiler/xla/service/gpu/nvptx_compiler.cc:70] Can't find ptxas binary in "
        "${CUDA_DIR}/bin.  Will back to the GPU driver for PTX -> sass compilation.  This is OK so "
        "long as you don't see a warning below about an out-of-date driver version.\n"
        "I tensorflow/core/common_runtime/gpu/gpu_device.cc:1418] Created TensorFlow device "
        "(/job:localhost/replica:0/task:0/device:GPU:0 with 38000 MB memory) -> physical GPU\n"
    )
    assert "fail" not in statuses(_run(text), "missing-library")


# --- Apple's tensorflow-metal --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "tensorflow.python.framework.errors_impl.NotFoundError: dlopen(/Users/me/venv/lib/python3.8/site-packages/tensorflow-plugins/libmetal_plugin.dylib, 6): Symbol not found: _TF_AssignUpdateVariable\n",
        "tensorflow.python.framework.errors_impl.NotFoundError: dlopen(/opt/homebrew/lib/python3.11/site-packages/tensorflow-plugins/libmetal_plugin.dylib, 0x0006): symbol not found in flat namespace '_TF_GetInputPropertiesList'\n",
    ],
)
def test_a_metal_plugin_missing_a_tensorflow_symbol_is_a_version_mismatch(text: str) -> None:
    result = _run(text)
    assert "fail" in statuses(result, "version-mismatch")


def test_the_metal_plugin_starting_is_not_a_mismatch() -> None:
    text = (
        "Metal device set to: Apple M2 Max\n"
        "I tensorflow/core/common_runtime/pluggable_device/pluggable_device_factory.cc:272] Created "
        "TensorFlow device (/job:localhost/replica:0/task:0/device:GPU:0 with 0 MB memory) -> "
        "physical PluggableDevice (device: 0, name: METAL, pci bus id: <undefined>)\n"
    )
    assert "fail" not in statuses(_run(text), "version-mismatch")


@pytest.mark.parametrize(
    "context",
    ["Metal device set to: Apple M1 Pro\n", "pip install tensorflow-macos tensorflow-metal\n"],
)
def test_an_op_the_metal_plugin_lacks_is_an_apple_gpu_issue(context: str) -> None:
    text = context + (
        "NotFoundError: No registered 'StatelessRandomUniformV2' OpKernel for 'GPU' devices "
        "compatible with node {{node StatelessRandomUniformV2}}\n"
    )
    assert "fail" in statuses(_run(text), "mps-issue")


def test_an_op_without_a_gpu_kernel_on_a_cuda_machine_is_not_apples() -> None:
    text = SMI + (
        "NotFoundError: No registered 'MyCustomOp' OpKernel for 'GPU' devices compatible with node "
        "{{node MyCustomOp}}\n"
    )
    assert "fail" not in statuses(_run(text), "mps-issue")


# --- jax's CPU fallback on a TPU machine ----------------------------------------------------------


@pytest.mark.parametrize(
    "context",
    [
        "I created a TPU v4-8 VM and installed jax.\n",
        'pip install "jax[tpu]" -f https://storage.googleapis.com/jax-releases/libtpu_releases.html\n',
        "### Which accelerator(s) are you using?\n\nTPU\n",
    ],
)
def test_jax_falling_back_to_the_cpu_on_a_tpu_machine_is_a_tpu_issue(context: str) -> None:
    text = (
        context
        + "WARNING:absl:No GPU/TPU found, falling back to CPU. (Set TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)\n"
    )
    result = _run(text)
    assert "fail" in statuses(result, "tpu-issue")
    assert "fail" not in statuses(result, "cpu-wheel-on-gpu")


def test_jax_falling_back_on_a_gpu_machine_is_not_a_tpu_issue() -> None:
    text = SMI + "import jax\nWARNING:absl:No GPU/TPU found, falling back to CPU.\n"
    result = _run(text)
    assert "fail" not in statuses(result, "tpu-issue")
    assert "fail" in statuses(result, "cpu-wheel-on-gpu")


def test_the_fallback_alone_names_no_tpu() -> None:
    result = _run("WARNING:absl:No GPU/TPU found, falling back to CPU.\n")
    assert "fail" not in statuses(result, "tpu-issue")


# --- TensorFlow-ROCm's gfx check, and a line with a letter that lowers to two -----------------------


@pytest.mark.parametrize("gfx", ["gfx701", "gfx702"])
def test_tensorflow_rocm_below_its_minimum_isa_is_a_rocm_issue(gfx: str) -> None:
    text = (
        "I tensorflow/core/common_runtime/gpu/gpu_device.cc:1458] Ignoring visible gpu device "
        f"(device: 0, name: Device 67b0, pci bus id: 0000:03:00.0) with AMDGPU ISA {gfx}. The "
        "minimum required AMDGPU ISA is gfx803.\n"
    )
    assert "fail" in statuses(_run(text), "rocm-issue")


@pytest.mark.parametrize(
    ("line", "category"),
    [
        (
            'I installed Lİnux and tf-rocm says "The supported AMDGPU versions are gfx1030, gfx1100, gfx900"',
            "rocm-issue",
        ),
        (
            "İSTANBUL lab box: cuda driver version is insufficient for cuda runtime version",
            "driver-too-old",
        ),
    ],
)
def test_a_letter_that_lowers_to_two_does_not_hide_the_message(line: str, category: str) -> None:
    assert "fail" in statuses(_run(line + "\n"), category)


# --- jax's own printout of jax and jaxlib ---------------------------------------------------------

JAX_ENV = (
    "jax:    {jax}\n"
    "jaxlib: {jaxlib}\n"
    "numpy:  2.2.5\n"
    "python: 3.11.10 (main, Oct 16 2024, 04:38:48) [Clang 18.1.8 ]\n"
    'device info: NVIDIA GeForce RTX 3050 Ti Laptop GPU-1, 1 local devices"\n'
    "process_count: 1\n"
)


@pytest.mark.parametrize(
    ("jax", "jaxlib"), [("0.6.1.dev20250428+7ff68f9de", "0.6.0"), ("0.4.31.dev20240701", "0.4.30")]
)
def test_jax_printing_its_own_environment_has_passed_its_jaxlib_check(
    jax: str, jaxlib: str
) -> None:
    result = _run(JAX_ENV.format(jax=jax, jaxlib=jaxlib))
    assert "fail" not in statuses(result, "version-mismatch")


def test_a_package_list_with_a_jaxlib_too_old_is_still_a_mismatch() -> None:
    text = "Package    Version\n---------- -------\njax        0.4.30\njaxlib     0.4.20\nnumpy      1.26.4\n"
    assert "fail" in statuses(_run(text), "version-mismatch")
