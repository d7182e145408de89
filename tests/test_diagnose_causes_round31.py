"""Issue 21, blind round 31 (JAX and the run-time compilers): the causes behind its misses, tested
on text written here (other versions, other GPUs, other wordings), each with a counterpart that must
stay quiet or keep its own reading."""

from __future__ import annotations

import pytest

from tests.pastes import categories, failing_with_also, fails, run, signature_ids, status

# --- NVRTC's builtins library, in every wording NVRTC has used ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: nvrtc: error: failed to open libnvrtc-builtins.so.12.4.\n"
        "  Make sure that libnvrtc-builtins.so.12.4 is installed correctly.\n"
        "nvrtc compilation failed:",
        "  Make sure that libnvrtc-builtins.so.13.0 is installed correctly.",
        "cupy_backends.cuda.libs.nvrtc.NVRTCError: nvrtc: error: failed to open "
        "nvrtc-builtins64_121.dll.",
        "cupy.cuda.compiler.CompileException: nvrtc: error: failed to load builtins",
        "numba.cuda.cudadrv.error.NvrtcError:\n"
        "  Failed to call nvrtcCompileProgram: NVRTC_ERROR_BUILTIN_OPERATION_FAILURE",
    ],
)
def test_nvrtc_builtins_not_loaded_is_a_missing_library(text: str) -> None:
    assert "missing-library" in fails(text)
    assert "nvrtc-builtins-not-loaded" in signature_ids(text)


def test_nvrtc_builtins_present_in_a_listing_stays_quiet() -> None:
    text = (
        "$ ls /usr/local/cuda-12.4/lib64 | grep nvrtc\n"
        "libnvrtc-builtins.so.12.4\n"
        "libnvrtc-builtins.so.12.4.127\n"
        "libnvrtc.so.12\n"
        ">>> import torch\n"
        ">>> torch.cuda.is_available()\n"
        "True\n"
    )
    assert "missing-library" not in fails(text)
    assert "nvrtc-builtins-not-loaded" not in signature_ids(text)


# --- a CUDA library of another release lacking its own API function -----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "OSError: /opt/cuda-11.0/lib64/libcublasLt.so.11: undefined symbol: "
        "cublasLtMatmulAlgoGetIds",
        "ImportError: /usr/lib/x86_64-linux-gnu/libcusparse.so.11: undefined symbol: "
        "cusparseSpSM_analysis",
        "Could not load library libcudnn_ops_infer.so.8. Error: /usr/local/cuda-10.2/lib64/"
        "libnvrtc.so: undefined symbol: nvrtcGetCUBINSize",
    ],
)
def test_cuda_library_missing_its_own_api_symbol_is_a_version_pair(text: str) -> None:
    found = failing_with_also(text)
    assert "version-mismatch" in found
    assert "missing-library" not in found  # the unloadable file is the pair's symptom


@pytest.mark.parametrize(
    "text",
    [
        # the driver's own API (cu + family): the driver is old, another cause
        "ImportError: /usr/lib/libsgl_kernel.so: undefined symbol: cuGreenCtxCreate",
        # torch's own C++ names: an extension built for another torch
        "ImportError: /site-packages/xformers/_C.so: undefined symbol: _ZN3c104cuda9SetDeviceEi",
    ],
)
def test_other_undefined_symbols_keep_their_own_reading(text: str) -> None:
    assert "cuda-library-api-symbol-undefined" not in signature_ids(text)


# --- nvcc refusing an architecture: which side is old follows from its number -------------------


@pytest.mark.parametrize(
    "arch", ["compute_86", "compute_89", "compute_90a", "compute_100a", "compute_120", "compute_75"]
)
def test_nvcc_refusing_a_newer_architecture_is_a_toolkit_too_old(arch: str) -> None:
    text = f"nvcc fatal   : Unsupported gpu architecture '{arch}'\nninja: build stopped"
    found = failing_with_also(text)
    assert "version-mismatch" in found
    assert "arch-unsupported" in found["version-mismatch"]


@pytest.mark.parametrize("arch", ["compute_30", "compute_35", "compute_37", "compute_20"])
def test_nvcc_refusing_an_old_architecture_is_a_dropped_gpu(arch: str) -> None:
    text = f"nvcc fatal   : Unsupported gpu architecture '{arch}'"
    found = failing_with_also(text)
    assert "arch-unsupported" in found
    assert "version-mismatch" not in found


# --- ptxas refusing the sm_ name: whose ptxas --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "torch._inductor.exc.InductorError: PTXASError: PTXAS error: Internal Triton PTX "
        "codegen error\n`ptxas` stderr:\nptxas fatal   : Value 'sm_100a' is not defined for "
        "option 'gpu-name'",
        "E0101 10:00:00.000000 42 site-packages/torch/_inductor/runtime/triton_heuristics.py:"
        "533] ptxas fatal   : Value 'sm_121a' is not defined for option 'gpu-name'",
        "torch.compile dies with: ptxas fatal : Value 'sm_90a' is not defined for option "
        "'gpu-name' (eager mode works on the H100)",
    ],
)
def test_ptxas_refusal_under_torch_is_the_compiler_library_s(text: str) -> None:
    assert "library-kernels-unsupported" in failing_with_also(text)


def test_ptxas_refusal_under_xla_stays_the_framework_s() -> None:
    text = (
        "jaxlib.xla_extension.XlaRuntimeError: INTERNAL: ptxas exited with non-zero error code "
        "65280, output: ptxas fatal   : Value 'sm_90a' is not defined for option 'gpu-name'"
    )
    found = failing_with_also(text)
    assert "arch-unsupported" in found
    assert "library-kernels-unsupported" not in found


# --- the C compiler Triton and inductor need at run time ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: Failed to find C compiler. Please specify via CC environment variable "
        "or set triton.knobs.build.impl.",
        "torch._inductor.exc.InvalidCxxCompiler: No working C++ compiler found in "
        "torch._inductor.config.cpp.cxx: (None, 'g++')",
        "/tmp/tmpx1y2z3/cuda_utils.c:6:10: fatal error: Python.h: No such file or directory",
    ],
)
def test_no_compiler_at_run_time_is_reported(text: str) -> None:
    assert "other" in fails(text)


def test_a_compiler_present_stays_quiet() -> None:
    text = (
        "PyTorch version: 2.5.1+cu124\n"
        "Is debug build: False\n"
        "CUDA used to build PyTorch: 12.4\n"
        "GCC version: (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0\n"
        "Is CUDA available: True\n"
    )
    assert "other" not in fails(text)
    assert not {"jit-no-c-compiler", "python-headers-missing"} & signature_ids(text)


# --- XLA's PTX compiler version check (nvbug 4826023) ------------------------------------------


@pytest.mark.parametrize("tool", ["ptxas", "nvJitLink", "nvPtxCompiler"])
def test_xla_old_ptx_compiler_is_a_version_warning(tool: str) -> None:
    text = (
        "E0000 00:00:1758870517.195873 3168446 ptx_compiler_helpers.cc:88] *** WARNING *** "
        f"Invoking {tool} with version 12.3.107, which corresponds to a CUDA version <=12.6.2. "
        "CUDA versions 12.x.y up to and including 12.6.2 miscompile certain edge cases around "
        "clamping.\nPlease upgrade to CUDA 12.6.3 or newer."
    )
    result = run(text)
    assert status(result, "version-mismatch") == "warn"  # a warning: the run goes on


def test_xla_new_ptx_compiler_log_stays_quiet() -> None:
    text = (
        "I0000 00:00:1758870513.492262 3168038 cuda_dnn.cc:473] Loaded cuDNN version 91300\n"
        "jax:    0.5.3\njaxlib: 0.5.3\nnumpy:  2.2.4\n"
        "jax.devices (1 total, 1 local): [CudaDevice(id=0)]\n"
    )
    assert "version-mismatch" not in categories(text)


# --- jax's CPU fallback after its CUDA plugin failed to start ----------------------------------


@pytest.mark.parametrize("sep", ["/", "\\"])
def test_fallback_after_the_plugin_s_own_failure_is_not_a_cpu_wheel(sep: str) -> None:
    frame = sep.join(["site-packages", "jax_plugins", "xla_cuda12", "__init__.py"])
    text = (
        "Traceback (most recent call last):\n"
        f'  File "/home/u/venv/lib/python3.12/{frame}", line 201, in _version_check\n'
        "    version = get_version()\n"
        "RuntimeError: Unable to load cuFFT. Is it installed?\n"
        "WARNING:2025-09-01 10:00:00,000:jax._src.xla_bridge:794: An NVIDIA GPU may be present "
        "on this machine, but a CUDA-enabled jaxlib is not installed. Falling back to cpu.\n"
    )
    found = fails(text)
    assert "missing-library" in found
    assert "cpu-wheel-on-gpu" not in found


def test_fallback_alone_is_still_the_cpu_jaxlib() -> None:
    text = (
        ">>> import jax\n"
        ">>> jax.devices()\n"
        "An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not "
        "installed. Falling back to cpu.\n"
        "[CpuDevice(id=0)]\n"
    )
    assert "cpu-wheel-on-gpu" in fails(text)
