"""Issue 21, blind round 19 (21e, bare errors and sessions from companion libraries and serving
stacks): the causes its misses showed, fixed in general and tested on text written here (not the
corpus cases), each with a counterpart that must not fail:

- Triton's "device kernel image is invalid" is not a missing architecture (Triton compiles for the
  GPU it runs on): a failure, driver too old, only next to a driver before CUDA 12 (Triton's
  bundled ptxas is a CUDA 12 one); elsewhere a warning (a kernel cache from another GPU);
- a CUDA driver API function missing from libcuda (undefined symbol cuGreenCtxDestroy, Windows'
  "procedure entry point ... nvcuda.dll") is a driver older than the library's CUDA;
- bitsandbytes without a binary for the detected CUDA, in both generations' words;
- transformers turning its PyTorch backend off next to a too old torch;
- ptxas older than the PTX it is given ("Unsupported .version 7.3; current version is '7.2'");
- xFormers' "built for" lines without their header;
- DeepSpeed's CUDA check: refused (a fail), accepted (not a problem), skipped (a warning)."""

from __future__ import annotations

import pytest

from recommender.core.errors import BadInputError
from recommender.facts.reports.signatures import SignatureError, load_signatures
from tests.pastes import run


def _fails(text: str) -> set[str]:
    return {f.category for f in run(text).findings if f.status == "fail"}


def _ids(text: str) -> set[str]:
    """The ids of the findings, none where nothing in the text is read (exit 2)."""
    try:
        return {f.id for f in run(text).findings}
    except BadInputError:
        return set()


# --- Triton's invalid kernel image ------------------------------------------------------------------

TRITON = "RuntimeError: Triton Error [CUDA]: device kernel image is invalid\n"


@pytest.mark.parametrize(
    "driver",
    [
        "NVIDIA-SMI 470.182.03   Driver Version: 470.182.03   CUDA Version: 11.4\n",
        "| NVIDIA-SMI 460.32.03    Driver Version: 460.32.03    CUDA Version: 11.2     |\n",
        "Nvidia driver version: 470.57.02\n",
    ],
)
def test_triton_invalid_image_next_to_a_pre_cuda12_driver_is_the_driver(driver: str) -> None:
    result = run(driver + TRITON)
    fails = {f.category for f in result.findings if f.status == "fail"}
    assert fails == {"driver-too-old"}
    assert "signature:triton-invalid-kernel-image" in {f.id for f in result.findings}


@pytest.mark.parametrize(
    "context",
    [
        "",
        "Having this on A100 but not V100 with the same code\n",
        "NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2\n",
        "Nvidia driver version: 550.54.14\n",
    ],
)
def test_triton_invalid_image_without_an_old_driver_is_only_a_warning(context: str) -> None:
    result = run(context + TRITON)
    assert not result.failed
    found = {f.id: f for f in result.findings}
    assert found["signature:triton-invalid-kernel-image"].status == "warn"
    assert "arch-unsupported" not in result.categories


def test_another_frameworks_invalid_image_is_still_its_missing_architecture() -> None:
    text = (
        "2020-08-01 I tensorflow/core/common_runtime/gpu/gpu_device.cc:1716] Found device 0 with "
        "properties: GeForce MX130 computeCapability: 5.0\n"
        "InternalError: CUDA runtime implicit initialization on GPU:0 failed. Status: device "
        "kernel image is invalid\n"
    )
    assert "arch-unsupported" in _fails(text)
    assert "signature:triton-invalid-kernel-image" not in _ids(text)


# --- a CUDA driver API function missing from libcuda ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: /usr/local/lib/python3.10/dist-packages/sgl_kernel/common_ops.abi3.so: "
        "undefined symbol: cuGreenCtxDestroy",
        "ImportError: common_ops.abi3.so: undefined symbol: cuGreenCtxStreamCreate",
        "thread 'main' panicked: libcuda.so.1: undefined symbol: cuCtxCreate_v4",
        "OSError: /opt/lib/libfoo.so: undefined symbol: cuTensorMapEncodeTiled",
        "The procedure entry point cuDevicePrimaryCtxReset_v2 could not be located in the dynamic "
        "link library nvcuda.dll",
        "undefined symbol: cuLaunchKernelEx",
    ],
)
def test_a_missing_driver_api_function_is_a_driver_too_old(line: str) -> None:
    assert "driver-too-old" in _fails(line + "\n")


@pytest.mark.parametrize(
    "line",
    [
        # the CUDA libraries' own symbols: another release of the library, not the driver
        "ImportError: libtorch_cuda.so: undefined symbol: cublasLtHSHMatmulAlgoInit, version "
        "libcublasLt.so.11",
        "OSError: libcudnn_ops.so: undefined symbol: cudnnCreate",
        "undefined symbol: cufftPlanMany",
        "undefined symbol: cudaGraphInstantiateWithFlags",
        "undefined symbol: cusparseSpSM_analysis",
        "undefined symbol: curandCreateGenerator",
    ],
)
def test_a_cuda_librarys_missing_symbol_is_not_the_driver(line: str) -> None:
    assert "signature:driver-api-symbol-missing" not in _ids(line + "\n")


# --- bitsandbytes without a binary for the detected CUDA ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "CUDA SETUP: Detected CUDA version 122\n"
        "CUDA SETUP: Required library version not found: libbitsandbytes_cuda122.so. Maybe you "
        "need to compile it from source?\n"
        "CUDA SETUP: Defaulting to libbitsandbytes_cpu.so...\n",
        "CUDA SETUP: Required library version not found: libbitsandbytes_cuda117_nocublaslt.so. "
        "Maybe you need to compile it from source?\n",
        "Could not find the bitsandbytes CUDA binary at PosixPath('/venv/lib/python3.11/"
        "site-packages/bitsandbytes/libbitsandbytes_cuda128.so')\n",
        "WARNING: Could not find the bitsandbytes CUDA binary at libbitsandbytes_cuda130.so\n",
        "bitsandbytes library load error: Configured CUDA binary not found at "
        "/usr/local/lib/python3.12/dist-packages/bitsandbytes/libbitsandbytes_cuda129.so\n",
        "RuntimeError: Configured CUDA binary not found at C:\\venv\\Lib\\site-packages\\"
        "bitsandbytes\\libbitsandbytes_cuda132.dll\n",
    ],
)
def test_bitsandbytes_without_a_binary_for_this_cuda_is_a_version_mismatch(text: str) -> None:
    assert "version-mismatch" in _fails(text)


def test_bitsandbytes_loading_its_cuda_binary_is_not_a_mismatch() -> None:
    text = (
        "CUDA SETUP: CUDA runtime path found: /usr/local/cuda/lib64/libcudart.so\n"
        "CUDA SETUP: Detected CUDA version 118\n"
        "CUDA SETUP: Loading binary /venv/lib/python3.10/site-packages/bitsandbytes/"
        "libbitsandbytes_cuda118.so...\n"
    )
    assert "signature:bitsandbytes-no-binary-for-cuda" not in _ids(text)


# --- transformers turning torch off ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Disabling PyTorch because PyTorch >= 2.1 is required but found 2.0.1",
        "[transformers] Disabling PyTorch because PyTorch >= 2.4 is required but found 2.1.2+cu118",
        "UserWarning: Disabling PyTorch because PyTorch >= 2.1 is required but found "
        "2.1.0a0+41361538.nv23.06",
        "Disabling PyTorch because PyTorch >= 2.5 is required but found 2.4.1+cu124",
    ],
)
def test_transformers_disabling_torch_is_a_version_mismatch(line: str) -> None:
    assert "version-mismatch" in _fails(line + "\n")


def test_transformers_finding_torch_is_not_a_mismatch() -> None:
    text = "PyTorch version 2.5.1+cu124 available.\nTensorFlow version 2.18.0 available.\n"
    assert "signature:transformers-torch-too-old" not in _ids(text)


# --- ptxas older than the PTX -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ptxas /tmp/triton_k_90kFja, line 5; fatal   : Unsupported .version 7.3; current version "
        "is '7.2'",
        "ptxas application ptx input, line 9; fatal   : Unsupported .version 8.4; current version "
        "is '8.3'",
        "ptxas fatal   : Unsupported .version 8.7; current version is '8.5'",
    ],
)
def test_ptxas_older_than_the_ptx_is_a_version_mismatch(line: str) -> None:
    assert "version-mismatch" in _fails(line + "\n")


def test_ptxas_printing_its_version_is_not_a_mismatch() -> None:
    text = "ptxas: NVIDIA (R) Ptx optimizing assembler\nCuda compilation tools, release 12.4, V12.4.131\n"
    assert "signature:ptxas-older-than-ptx" not in _ids(text)


# --- xFormers' "built for" lines --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        " PyTorch 2.9.0+cu128 with CUDA 1208 (you have 2.10.0+cu128)\n"
        "    Python  3.10.11 (you have 3.13.12)\n",
        "    PyTorch 2.1.2+cu121 with CUDA 1201 (you have 2.0.1+cu118)\n",
        "xFormers can't load C++/CUDA extensions. xFormers was built for a different version of "
        "PyTorch or Python.\n",
        "WARNING[XFORMERS]: xFormers can't load C++/CUDA extensions. xFormers was built for:\n"
        "    PyTorch 2.5.1+cu121 with CUDA 1201 (you have 2.7.1+cu126)\n"
        "    Python  3.10.15 (you have 3.10.12)\n",
    ],
)
def test_xformers_built_for_another_torch_is_read_from_any_of_its_lines(text: str) -> None:
    result = run(text)
    found = [f for f in result.findings if f.id == "signature:xformers-built-for-other-torch"]
    assert len(found) == 1 and found[0].category == "version-mismatch"


def test_a_torch_version_with_its_cuda_in_prose_is_not_xformers() -> None:
    text = "I have PyTorch 2.1.0 with CUDA 12.1 installed\n"
    assert "signature:xformers-built-for-other-torch" not in _ids(text)


# --- DeepSpeed's CUDA check, three outcomes -------------------------------------------------------

_DS = "Installed CUDA version {sys} does not match the version torch was compiled with {torch}"


@pytest.mark.parametrize(("sys_cuda", "torch_cuda"), [("12.0", "11.8"), ("12.2", "11.7")])
def test_deepspeed_refusing_the_pair_is_a_version_mismatch(sys_cuda: str, torch_cuda: str) -> None:
    line = (
        "Exception: >- DeepSpeed Op Builder: "
        + _DS.format(sys=sys_cuda, torch=torch_cuda)
        + ", unable to compile cuda/cpp extensions without a matching cuda version.\n"
    )
    assert "version-mismatch" in _fails(line)


@pytest.mark.parametrize(("sys_cuda", "torch_cuda"), [("11.8", "11.7"), ("11.3", "11.8")])
def test_deepspeed_accepting_the_pair_is_not_a_problem(sys_cuda: str, torch_cuda: str) -> None:
    line = (
        _DS.format(sys=sys_cuda, torch=torch_cuda)
        + " but since the APIs are compatible, accepting this combination\n"
    )
    result = run(line * 3)
    assert not result.failed
    assert "signature:deepspeed-cuda-mismatch" not in {f.id for f in result.findings}
    assert "signature:deepspeed-cuda-mismatch-accepted" in {f.id for f in result.findings}


def test_deepspeed_accepting_the_pair_leaves_an_out_of_memory_alone() -> None:
    text = (
        _DS.format(sys="11.8", torch="11.7")
        + " but since the APIs are compatible, accepting this combination\n"
        "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 324.00 MiB (GPU 6; "
        "31.75 GiB total capacity; 31.08 GiB already allocated; 216.50 MiB free)\n"
    )
    result = run(text)
    assert "out-of-memory" in result.categories
    assert "version-mismatch" not in result.categories


def test_deepspeed_told_to_skip_its_check_is_a_warning() -> None:
    line = (
        " [WARNING]  DeepSpeed Op Builder: "
        + _DS.format(sys="12.1", torch="11.8")
        + ".Detected `DS_SKIP_CUDA_CHECK=1`: Allowing this combination of CUDA, but it may result "
        "in unexpected behavior.\n"
    )
    result = run(line)
    assert not result.failed
    found = {f.id: f for f in result.findings}
    assert found["signature:deepspeed-cuda-check-skipped"].status == "warn"
    assert "signature:deepspeed-cuda-mismatch" not in found


# --- the loader holds driver_below to a CUDA release ----------------------------------------------


@pytest.mark.parametrize("value", ["12", "twelve", "12.0.1", 12])
def test_driver_below_must_be_a_cuda_release(tmp_path, value) -> None:
    path = tmp_path / "signatures.yaml"
    path.write_text(
        "schema: 1\nsignatures:\n"
        "  - id: x-test\n"
        "    pattern: 'Some message text'\n"
        "    status: fail\n"
        f"    driver_below: {value!r}\n"
        "    diagnosis: driver-too-old\n"
        "    title: t\n"
        "    source: https://example.org/x\n"
        "    verified: 2026-12-05\n",
        encoding="utf-8",
    )
    with pytest.raises(SignatureError, match="driver_below"):
        load_signatures(path)
