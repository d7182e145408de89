"""Issue 21, blind round 22 (21b, bare errors, tracebacks and sessions of torch, TensorFlow, jax and
Keras' backends): the causes its misses showed, fixed in general and tested on text written here
(not the corpus cases): XLA's ptxas that does not know the GPU's compute capability (both of
XLA's wordings), XLA's check of an old ptxas version, jax's TPU backend that was asked for and did
not start (three jax generations' wordings), and pip installing a release without the accelerator
extra that was asked for."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import run as _run
from tests.pastes import status as _status


def _fails(text: str) -> list[str]:
    """The categories of dlrec's failing findings for ``text``; none where it finds nothing."""
    try:
        result = _run(text)
    except NothingFound:
        return []
    return [f.category for f in result.findings if f.status == "fail"]


# --- XLA's ptxas older than the GPU ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2023-09-26 23:49:25.317379: W external/xla/xla/stream_executor/gpu/asm_compiler.cc:231] "
        "Falling back to the CUDA driver for PTX compilation; ptxas does not support CC 9.0\n",
        "W0317 subprocess_compilation.cc:238] Falling back to the CUDA driver for PTX compilation; "
        "ptxas does not support CC 12.0\n",
        "jaxlib.xla_extension.XlaRuntimeError: UNIMPLEMENTED: /usr/local/cuda/bin/ptxas ptxas too old. "
        "Falling back to the driver to compile.\n",
        "2023-11-16 16:39:03.216511: W tensorflow/compiler/xla/stream_executor/gpu/redzone_allocator.cc:317] "
        "UNIMPLEMENTED: ptxas ptxas too old. Falling back to the driver to compile.\n"
        "Relying on driver to perform ptx compilation.\n",
    ],
)
def test_xla_ptxas_that_does_not_know_the_gpu_fails_as_a_missing_architecture(text: str) -> None:
    result = _run(text)
    assert _status(result, "arch-unsupported") == "fail"
    assert any("ptxas" in f.title for f in result.findings)


@pytest.mark.parametrize(
    "text",
    [
        "ptxas info    : Used 32 registers, 380 bytes cmem[0]\n",
        "ptxas warning : Registers are spilled to local memory in function 'fusion_12', 8 bytes spill stores\n",
        "W external/xla/xla/stream_executor/gpu/asm_compiler.cc:234] Used ptxas at /usr/local/cuda/bin/ptxas\n",
    ],
)
def test_other_ptxas_lines_are_no_missing_architecture(text: str) -> None:
    assert "arch-unsupported" not in _fails(text)


# --- XLA's check of the ptxas version ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "W external/org_tensorflow/tensorflow/stream_executor/gpu/asm_compiler.cc:111] *** WARNING *** "
        "You are using ptxas 9.2.148, which is older than 11.1. ptxas before 11.1 is known to miscompile "
        "XLA code, leading to incorrect results or invalid-address errors.\n",
        "2021-01-05 10:00:00.000000: W tensorflow/stream_executor/gpu/asm_compiler.cc:63] *** WARNING *** "
        "You are using ptxas 10.1.243, which is older than 11.1.\n",
        "E tensorflow/stream_executor/gpu/asm_compiler.cc:60] You are using ptxas 8.x, but TF requires "
        "ptxas 9.x (and strongly prefers >= 11.1).  Compilation of XLA kernels below will likely fail.\n",
    ],
)
def test_an_old_ptxas_version_fails_as_a_version_mismatch(text: str) -> None:
    result = _run(text)
    assert _status(result, "version-mismatch") == "fail"


def test_ptxas_own_version_banner_is_no_mismatch() -> None:
    text = (
        "$ ptxas --version\n"
        "ptxas: NVIDIA (R) Ptx optimizing assembler\n"
        "Cuda compilation tools, release 12.4, V12.4.131\n"
    )
    assert "version-mismatch" not in _fails(text)


# --- jax's TPU backend that was asked for --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: Requested backend tpu_driver, but it failed to initialize: DEADLINE_EXCEEDED: "
        "Failed to connect to remote server at address: grpc://10.0.0.2:8470\n",
        "RuntimeError: Requested backend tpu, but it failed to initialize: NOT_FOUND: No TPU Platform "
        "available\n",
        "RuntimeError: Backend 'tpu' failed to initialize: INTERNAL: Failed to open libtpu.so: libtpu.so: "
        "cannot open shared object file: No such file or directory\n",
        "RuntimeError: Unable to initialize backend 'tpu': ABORTED: The TPU is already in use by a process. "
        "(set JAX_PLATFORMS='' to automatically choose an available backend)\n",
    ],
)
def test_a_requested_tpu_backend_that_did_not_start_fails_as_tpu(text: str) -> None:
    result = _run(text)
    assert _status(result, "tpu-issue") == "fail"


def test_jax_probing_the_tpu_on_a_gpu_machine_is_no_tpu_failure() -> None:
    # jax logs every backend it tries at INFO; on a GPU machine the TPU probe fails harmlessly
    text = (
        "I0503 09:29:04.720219 xla_bridge.py:353] Unable to initialize backend 'tpu_driver': NOT_FOUND: "
        "Unable to find driver in registry given worker: \n"
        "I0503 09:29:04.952596 xla_bridge.py:353] Unable to initialize backend 'tpu': INTERNAL: Failed to "
        "open libtpu.so: libtpu.so: cannot open shared object file: No such file or directory\n"
        ">>> jax.devices()\n"
        "[cuda(id=0)]\n"
    )
    assert "tpu-issue" not in _fails(text)


def test_a_failed_cuda_backend_is_no_tpu_failure() -> None:
    text = (
        "RuntimeError: Backend 'cuda' failed to initialize: Unable to use CUDA because of the following "
        "issues with CUDA components:\n"
    )
    assert "tpu-issue" not in _fails(text)


# --- pip without the accelerator extra ------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "WARNING: jax 0.4.13 does not provide the extra 'cuda12_pip'",
        "WARNING: jax 0.4.30 does not provide the extra 'cuda12'",
        "WARNING: tensorflow 2.10.1 does not provide the extra 'and-cuda'",
        "WARNING: jax 0.3.25 does not provide the extra 'tpu'",
        "WARNING: paddlepaddle 2.6.1 does not provide the extra 'gpu'",
    ],
)
def test_pip_without_the_accelerator_extra_fails_as_no_matching_wheel(line: str) -> None:
    result = _run("Collecting jax\n" + line + "\nSuccessfully installed jax\n")
    assert _status(result, "no-matching-wheel") == "fail"


@pytest.mark.parametrize(
    "line",
    [
        "WARNING: mypkg 1.0.0 does not provide the extra 'dev'",
        "WARNING: bbook-maker 1.2.1 does not provide the extra 'pdf'",
        "WARNING: huggingface-hub 1.0.1 does not provide the extra 'inference'",
    ],
)
def test_pip_without_another_extra_is_no_missing_wheel(line: str) -> None:
    assert "no-matching-wheel" not in _fails(line + "\n")


# --- message families of the core frameworks found unread while sweeping their sources -------------
# (no corpus case holds them; each written here in several wordings with a counterpart)


@pytest.mark.parametrize(
    "text",
    [
        "ModuleNotFoundError: No module named 'keras.src.engine'\n",
        "    from keras.src.engine import keras_tensor\nModuleNotFoundError: No module named 'keras.src.engine'\n",
        "ModuleNotFoundError: No module named 'keras.engine'\n",
        "ModuleNotFoundError: No module named 'keras.__internal__'\n",
    ],
)
def test_keras2_code_under_another_keras_fails_as_a_version_mismatch(text: str) -> None:
    result = _run(text)
    assert _status(result, "version-mismatch") == "fail"
    assert any("Keras" in f.title for f in result.findings)


def test_keras_not_installed_is_no_keras_generation_mismatch() -> None:
    result_fails = _fails("ModuleNotFoundError: No module named 'keras'\n")
    assert "version-mismatch" not in result_fails


@pytest.mark.parametrize(
    "text",
    [
        "TypeError: Descriptors cannot not be created directly.\n"
        "If this call came from a _pb2.py file, your generated code is out of date and must be regenerated "
        "with protoc >= 3.19.0.\n",
        "TypeError: Descriptors cannot be created directly.\n",
        "ImportError: cannot import name 'builder' from 'google.protobuf.internal' "
        "(/usr/lib/python3/dist-packages/google/protobuf/internal/__init__.py)\n",
        "ImportError: cannot import name 'runtime_version' from 'google.protobuf' "
        "(/opt/venv/lib/python3.10/site-packages/google/protobuf/__init__.py)\n",
        "google.protobuf.runtime_version.VersionError: Detected incompatible Protobuf Gencode/Runtime versions "
        "when loading grpc_health/v1/health.proto: gencode 5.29.0 runtime 4.25.3. Runtime version cannot be "
        "older than the linked gencode version.\n",
    ],
)
def test_protobuf_and_generated_code_apart_fail_as_a_version_mismatch(text: str) -> None:
    result = _run(text)
    assert _status(result, "version-mismatch") == "fail"
    assert any("protobuf" in f.title for f in result.findings)


def test_protobufs_one_major_older_gencode_warning_is_no_failure() -> None:
    text = (
        "UserWarning: Protobuf gencode version 5.27.2 is exactly one major version older than the runtime "
        "version 6.31.1 at tensorboard/compat/proto/types.proto. Please update the gencode to avoid "
        "compatibility violations in the next runtime release.\n"
    )
    assert not any(f.title.startswith("The installed protobuf") for f in _findings_or_none(text))


def _findings_or_none(text: str) -> list:
    try:
        return list(_run(text).findings)
    except NothingFound:
        return []


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: Backend 'cuda' failed to initialize: FAILED_PRECONDITION: No visible GPU devices.",
        "RuntimeError: Backend 'cuda' failed to initialize: INTERNAL: no supported devices found for platform CUDA.",
        "CUDA backend failed to initialize: FAILED_PRECONDITION: No visible GPU devices. (Set TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)",
    ],
)
def test_newer_jax_wording_of_no_visible_gpu_fails_as_no_device(line: str) -> None:
    result = _run(line + "\n")
    assert _status(result, "no-device") == "fail"


@pytest.mark.parametrize(
    "text",
    [
        "A module that was compiled using NumPy 1.x cannot be run in\n"
        "NumPy 2.0.2 as it may crash. To support both 1.x and 2.x\n"
        "versions of NumPy, modules must be compiled with NumPy 2.0.\n",
        "UserWarning: Failed to initialize NumPy: _ARRAY_API not found (Triggered internally at "
        "../torch/csrc/utils/tensor_numpy.cpp:84.)\n",
        "AttributeError: _ARRAY_API not found\n",
        "RuntimeError: module compiled against API version 0x10 but this version of numpy is 0xe\n",
        "RuntimeError: module compiled against ABI version 0x1000009 but this version of numpy is 0x2000000\n",
        "ValueError: numpy.dtype size changed, may indicate binary incompatibility. Expected 96 from C "
        "header, got 88 from PyObject\n",
        "ImportError: numpy.core.multiarray failed to import\n",
    ],
)
def test_a_module_built_for_another_numpy_fails_as_a_version_mismatch(text: str) -> None:
    result = _run(text)
    assert _status(result, "version-mismatch") == "fail"
    assert any("NumPy" in f.title for f in result.findings)


def test_numpy_absent_is_no_numpy_abi_mismatch() -> None:
    text = "UserWarning: Failed to initialize NumPy: No module named 'numpy'\n"
    assert not any("NumPy" in f.title for f in _findings_or_none(text))


@pytest.mark.parametrize(
    "text",
    [
        "Could not locate zlibwapi.dll. Please make sure it is in your library path!\n",
        "[2025/03/31 03:19:20] ppocr WARNING: The first GPU is used for inference by default, GPU ID: 0\n"
        "Could not locate zlibwapi.dll. Please make sure it is in your library path!\n",
    ],
)
def test_cudnn_without_zlib_on_windows_fails_as_missing_library(text: str) -> None:
    result = _run(text)
    assert _status(result, "missing-library") == "fail"
    assert any("zlib" in f.title for f in result.findings)


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: [enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough memory: "
        "you tried to allocate 1073741824 bytes.\n",
        "RuntimeError: [enforce fail at alloc_cpu.cpp:83] err == 0. DefaultCPUAllocator: can't allocate "
        "memory: you tried to allocate 37984010240 bytes. Error code 12 (Cannot allocate memory)\n",
    ],
)
def test_the_host_out_of_memory_is_a_warning_not_a_failure(text: str) -> None:
    result = _run(text)
    assert _status(result, "out-of-memory") == "warn"
    assert not result.failed


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: Windows not yet supported for torch.compile",
        "RuntimeError: Python 3.12+ not yet supported for torch.compile",
        "RuntimeError: Python 3.13+ not yet supported for torch.compile",
    ],
)
def test_torch_compile_unsupported_on_this_python_or_platform_fails_as_a_version_mismatch(
    line: str,
) -> None:
    result = _run(line + "\n")
    assert _status(result, "version-mismatch") == "fail"
    assert any("torch.compile" in f.title for f in result.findings)
