"""Issue 21d: the error table derived from the libraries' own sources, not from cases.

Each family is one signature whose alternation lists a library's wordings of one cause: the CUDA
runtime's and driver's names, strings and numbers (cudaError_t / CUresult), the CUDA libraries'
statuses (cuDNN, cuBLAS, cuSOLVER, cuSPARSE, cuRAND), HIP's and the HSA runtime's, and the
frameworks' own check messages (torch, TensorFlow/XLA, jax, NCCL). Each test below takes several
real wordings of a family (as the library prints them, inside the line a program around it adds)
and a healthy counterpart that must not fail. Messages that prove the program's own fault (an
illegal address, a device-side assertion) must not blame the environment."""

from __future__ import annotations

import pytest

from recommender.facts.reports import load_signatures, read_paste
from recommender.facts.reports.linear import check_pattern
from recommender.facts.reports.lines import Text, paste_lines
from recommender.facts.reports.signatures import SignatureError
from tests.pastes import run as _run


def _ids(result) -> set[str]:
    return {f.id for f in result.findings}


def _hits(text: str) -> set[str]:
    """The signatures that match (a finding of the same category may carry another's id)."""
    return {h.signature for h in read_paste(text, origin="paste.txt").hits}


#: (family id, category it proves, wordings as printed by the library and the code around it)
FAMILIES = [
    (
        "cuda-status-driver-too-old",
        "driver-too-old",
        [
            "code=222( cudaErrorUnsupportedPtxVersion ) cudaStreamCreateWithFlags(&stream, 0)",
            "Error: DriverError(CUDA_ERROR_UNSUPPORTED_PTX_VERSION) when loading cast_u32_f32",
            "RuntimeError: CUDA error: API call is not supported in the installed CUDA driver",
            "what(): cudaErrorCallRequiresNewerDriver at src/init.cu:12",
            "[ERROR]: cudaErrorCompatNotSupportedOnDevice: forward compatibility",
            "cuda init failed: CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
            "ggml_cuda_init: failed to initialize CUDA: CUDA error 35",
            "CUDA failure 804 in file main.cu line 40",
        ],
    ),
    (
        # error 803: libcuda and the kernel module of two releases (blind round 38)
        "cuda-error-803-code",
        "driver-mismatch",
        ["CUresult CUDA_ERROR_SYSTEM_DRIVER_MISMATCH from cuInit"],
    ),
    (
        "cuda-status-no-device",
        "no-device",
        [
            "RuntimeError: cuda runtime error (100) : no CUDA-capable device is detected at x.cpp:50",
            'CUDA error at helper_cuda.h:791 code=100(cudaErrorNoDevice) "cudaGetDeviceCount(&n)"',
            "CUDA Error CUDA_ERROR_NO_DEVICE: while calling init (cuInit)",
            "ggml_cuda_init: failed to initialize CUDA: CUDA error 100",
        ],
    ),
    (
        "cuda-status-device-unavailable",
        "no-device",
        [
            "RuntimeError: CUDA error: CUDA-capable device(s) is/are busy or unavailable",
            "Check failed: error == cudaSuccess (46 vs. 0)  all CUDA-capable devices are busy or unavailable",
            "RuntimeError: CUDA error: invalid device ordinal",
            "cudaSetDevice failed: cudaErrorInvalidDevice",
            "cuDeviceGet returned CUDA_ERROR_INVALID_DEVICE",
        ],
    ),
    (
        "cuda-status-driver-library",
        "missing-library",
        [
            "NCCL WARN Cuda failure 'CUDA driver is a stub library'",
            "cudaSetDevice(0) -> 34 cudaErrorStubLibrary",
            "cuInit returned CUDA_ERROR_STUB_LIBRARY",
            "W cuda_driver.cc:269] failed call to cuInit: UNKNOWN ERROR (34)",
            "RuntimeError: CUDA error: PTX JIT compiler library not found",
            "jit failed: CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
        ],
    ),
    (
        "cuda-status-no-kernel-image",
        "arch-unsupported",
        [
            "what(): parallel_for failed: cudaErrorNoKernelImageForDevice: no kernel image",
            "cuModuleLoadData failed: CUDA_ERROR_NO_BINARY_FOR_GPU",
            "RuntimeError: CUDA error: invalid device function",
            # (a ggml frame would make it llama.cpp's own build: round 11, library-kernels)
            "my_kernel_launch: CUDA error 209 at kernel.cu:1234",
            'CUDA error at LargeKernelParameter.cu:125 code=209(cudaErrorNoKernelImageForDevice) "x"',
        ],
    ),
    (
        "cuda-library-arch-mismatch",
        "arch-unsupported",
        [
            "Check failed: status == CUDNN_STATUS_SUCCESS (6 vs. 0)  CUDNN_STATUS_ARCH_MISMATCH",
            "libcudnn.cudnnStatusArchMismatch",
            "what():  [FT][ERROR] CUDA runtime error: CUBLAS_STATUS_ARCH_MISMATCH open_attention.h:171",
            "cusolverDnCreate failed: CUSOLVER_STATUS_ARCH_MISMATCH",
            "cusparseCreate returned CUSPARSE_STATUS_ARCH_MISMATCH",
            "curandCreateGenerator: CURAND_STATUS_ARCH_MISMATCH",
        ],
    ),
    (
        "torch-build-lacks-gpu",
        "arch-unsupported",
        [
            "Your installed torch==2.9.0+cu126 does not include kernels for this GPU. Reinstall the "
            "same version against a CUDA build that does, e.g.:",
            "No published PyTorch CUDA builds for release 2.9.0+cu126 support this GPU. Visit "
            "https://pytorch.org/get-started/locally/ to find a compatible release.",
            "RuntimeError: cuDNN version 91002 is not compatible with devices with SM < 7.5. "
            "Please install a version of PyTorch with a compatible cuDNN version.",
        ],
    ),
    (
        "tf-ignoring-gpu-below-minimum",
        "arch-unsupported",
        [
            "I gpu_device.cc:1721] Ignoring visible gpu device (device: 0, name: GeForce GTX 670MX, "
            "pci bus id: 0000:01:00.0, compute capability: 3.0) with Cuda compute capability 3.0. "
            "The minimum required Cuda capability is 3.5.",
            "I gpu_device.cc:611] Ignoring gpu device (device: 1, name: GeForce GTX 470, pci bus id: "
            "0000:02:00.0) with Cuda compute capability 2.0. The minimum required Cuda capability is 3.5.",
        ],
    ),
    (
        "hip-status-environment",
        "rocm-issue",
        [
            "RuntimeError: HIP error: hipErrorInvalidDeviceFunction",
            "hipInit failed: hipErrorInsufficientDriver",
            "error: 'no ROCm-capable device is detected'(100) at main.cpp:12",
            "hsa api call failure at: rocminfo.cc:1306 Call returned HSA_STATUS_ERROR_OUT_OF_RESOURCES",
            "Unable to open /dev/kfd read-write: Permission denied",
            "code object load failed: HSA_STATUS_ERROR_INVALID_ISA",
        ],
    ),
    (
        "cudnn-status-version",
        "version-mismatch",
        [
            "RuntimeError: cuDNN version incompatibility: PyTorch was compiled  against (8, 9, 2) but "
            "found runtime version (8, 5, 0).",
            "Could not create cudnn handle: CUDNN_STATUS_VERSION_MISMATCH",
            "cudnnCreate failed: CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH",
        ],
    ),
    (
        "jaxlib-version-incompatible",
        "version-mismatch",
        [
            "RuntimeError: jaxlib version 0.4.14 is newer than and incompatible with jax version "
            "0.4.6. Please update your jax and/or jaxlib packages.",
            "RuntimeError: jaxlib is version 0.3.25, but this version of jax requires version >= 0.4.6.",
            "RuntimeError: This version of jax requires jaxlib version >= 0.4.30.",
        ],
    ),
    (
        "jax-unable-to-load-cuda-library",
        "missing-library",
        [
            "WARNING:jax._src.xla_bridge:CUDA backend failed to initialize: Unable to load CUDA. "
            "(Set TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)",
            "RuntimeError: Unable to load cuDNN. Is it installed?",
            "Unable to load cuSPARSE. Is it installed?",
        ],
    ),
    (
        "jax-cuda-backend-no-device",
        "no-device",
        [
            "Unable to initialize backend 'cuda': FAILED_PRECONDITION: No visible GPU devices.",
            "CUDA backend failed to initialize: INTERNAL: no supported devices found for platform CUDA.",
        ],
    ),
]


@pytest.mark.parametrize(
    ("sid", "category", "line"),
    [(sid, cat, line) for sid, cat, lines in FAMILIES for line in lines],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else None,
)
def test_each_wording_of_a_family_proves_its_cause(sid: str, category: str, line: str) -> None:
    text = f'Traceback (most recent call last):\n  File "run.py", line 3\n{line}\n'
    assert sid in _hits(text), line
    result = _run(text)
    assert category in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "text",
    [
        # the same words, not as a status: longer numbers, longer names
        "CUDA error 2090 was fixed upstream\nall tests passed\n",
        "code=3500 in the log is our own counter\n",
        "the docs list cudaErrorNoDeviceFound as a made-up name\n",
        "Unable to load CUDAExtension from setup.py: wrong import\n",
    ],
)
def test_near_misses_are_not_read_as_statuses(text: str) -> None:
    try:
        result = _run(text)
    except Exception:  # nothing recognisable at all: exit 2, not a finding
        return
    assert not result.failed, [f.id for f in result.findings]


# --- the program's own fault, never the environment's -------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: CUDA error: an illegal memory access was encountered",
        "CUDA error: device-side assert triggered",
        "cudaErrorIllegalAddress at kernel.cu:88",
        "hipErrorIllegalAddress",
        "RuntimeError: CUDA error: misaligned address",
        "RuntimeError: Cannot re-initialize CUDA in forked subprocess. To use CUDA with "
        "multiprocessing, you must use the 'spawn' start method",
        "../aten/src/ATen/native/cuda/IndexKernel.cu:92: operator(): block: [0,0,0], thread: "
        '[3,0,0] Assertion `index >= -sizes[i] && index < sizes[i] && "index out of bounds"` failed.',
        "/pytorch/aten/src/THCUNN/ClassNLLCriterion.cu:108: block: [0,0,0], thread: [1,0,0] "
        "Assertion `t >= 0 && t < n_classes` failed.",
    ],
)
def test_a_program_fault_is_said_and_blames_nothing(line: str) -> None:
    result = _run(f"{line}\nCUDA kernel errors might be asynchronously reported\n")
    assert not result.failed
    assert "signature:gpu-program-fault" in _ids(result)
    fault = next(f for f in result.findings if f.id == "signature:gpu-program-fault")
    assert fault.status == "ok" and "not at the installation" in fault.title


def test_a_program_fault_does_not_hide_an_environment_cause() -> None:
    text = (
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
        "CUDA error: device-side assert triggered\n"
    )
    result = _run(text)
    assert result.failed and "arch-unsupported" in result.categories


def test_tensorflow_startup_noise_is_harmless() -> None:
    text = (
        "2024-01-05 14:04:56.743208: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] "
        "TF-TRT Warning: Could not find TensorRT\n"
        "E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:9261] Unable to register cuDNN "
        "factory: Attempting to register factory for plugin cuDNN when one has already been registered\n"
    )
    result = _run(text)
    assert not result.failed
    assert "signature:tf-harmless-startup" in _ids(result)


# --- allocation failures: out of memory, the environment works -----------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: CUDA error: out of memory",
        "RuntimeError: CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`",
        "cuDNN error: CUDNN_STATUS_ALLOC_FAILED",
        "torch.OutOfMemoryError: HIP out of memory. Tried to allocate 2.00 GiB",
        "jaxlib.xla_extension.XlaRuntimeError: RESOURCE_EXHAUSTED: Out of memory while trying to "
        "allocate 17179869184 bytes.",
        "ResourceExhaustedError: OOM when allocating tensor with shape[64,3,224,224]",
    ],
)
def test_allocation_failures_are_out_of_memory_and_never_fail(line: str) -> None:
    result = _run(line + "\n")
    assert "out-of-memory" in result.categories
    assert not result.failed


# --- needs a GPU: TensorFlow's driver probes are harmless on a CPU machine ------------------------

_TF_NO_DRIVER = (
    "W tensorflow/stream_executor/cuda/cuda_driver.cc:269] failed call to cuInit: UNKNOWN ERROR (303)\n"
    "I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:156] kernel driver does not appear to be "
    "running on this host (devel): /proc/driver/nvidia/version does not exist\n"
)


def test_tensorflow_without_a_driver_fails_only_next_to_a_gpu() -> None:
    assert not _run(_TF_NO_DRIVER).failed  # a CPU machine prints the same lines
    result = _run("My machine has an NVIDIA GeForce RTX 3090.\n" + _TF_NO_DRIVER)
    assert "no-driver" in result.categories and result.failed


def test_the_cudart_stub_message_needs_a_gpu() -> None:
    line = "I tensorflow/tsl/cuda/cudart_stub.cc:28] Could not find cuda drivers on your machine, GPU will not be used.\n"
    assert not _run(line).failed
    result = _run("I have an NVIDIA GeForce RTX 4090.\n" + line)
    assert "missing-library" in result.categories and result.failed


def test_a_container_without_the_device_node_is_no_device() -> None:
    line = (
        "I cuda_diagnostics.cc:160] no NVIDIA GPU device is present: /dev/nvidia0 does not exist\n"
    )
    assert "no-device" in _run(line).categories


# --- facts a status message carries --------------------------------------------------------------


def test_nccls_driver_version_is_read_as_the_drivers_cuda() -> None:
    text = (
        "host:1:1 [0] NCCL INFO cudaDriverVersion 11040\n"
        "host:1:1 [0] NCCL INFO Bootstrap : Using eth0:10.0.0.2<0>\n"
        "RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version\n"
    )
    result = _run(text)
    facts = {f.path: f.value for f in result.facts}
    assert facts.get("driver.max_cuda") == "11.4"
    assert "driver-too-old" in result.categories


def test_jaxs_version_check_states_both_versions() -> None:
    result = _run(
        "RuntimeError: jaxlib version 0.4.31 is newer than and incompatible with jax version "
        "0.4.20. Please update your jax and/or jaxlib packages.\n"
    )
    facts = {f.path: f.value for f in result.facts}
    assert facts.get("frameworks.jax.version") == "0.4.20"
    assert facts.get("frameworks.jax.jaxlib") == "0.4.31"


# --- the loader: families are alternations, each alternative anchored --------------------------


def test_a_family_is_found_by_each_of_its_anchors_once_per_line() -> None:
    _, anchors = check_pattern(
        "no CUDA-capable device is detected|cudaErrorNoDevice|CUDA (?:error|failure) 100"
    )
    assert anchors == (
        "no CUDA-capable device is detected",
        "cudaErrorNoDevice",
        "CUDA error",
        "CUDA failure",
    )
    sig = next(s for s in load_signatures() if s.id == "cuda-status-no-device")
    assert "no-driver" in sig.also  # the same status when the driver's kernel module is not loaded
    text = Text(
        paste_lines(
            "x\ncode=100(cudaErrorNoDevice) no CUDA-capable device is detected\ny\nCUDA error 100\n"
        )
    )
    assert [h.line for h in sig.find(text)] == [2, 4]


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("abcdef|xy", "every alternative"),
        ("(?:ab|cdefg)hij", "every alternative"),
        ("|".join(f"word{i:02d}" for i in range(40)), "at most 32"),
        ("abcd(?:x+|y)+", "quantified group inside a quantified group"),
    ],
)
def test_the_loader_refuses_unanchored_or_unbounded_families(pattern: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        check_pattern(pattern)


def test_status_ok_goes_only_with_healthy(tmp_path) -> None:
    bad = tmp_path / "signatures.yaml"
    bad.write_text(
        "schema: 1\nsignatures:\n  - id: x\n    pattern: 'abcd'\n    status: ok\n"
        "    diagnosis: no-device\n    title: t\n    source: https://example.org/x\n"
        "    verified: 2026-12-05\n",
        encoding="utf-8",
    )
    with pytest.raises(SignatureError, match="status ok goes with diagnosis healthy"):
        load_signatures(bad)
