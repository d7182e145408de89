"""Issue 21 (21a, last session): the causes behind the third held-back set's misses, fixed in general
and tested on text written here (not the corpus cases): xFormers' operator capability reasons (and
bitsandbytes' slow int8 path), serving stacks refusing to start for want of KV-cache memory, conda
plans inside a CI log's timestamp column, CUDA_ERROR_INVALID_PTX (no kernels for the GPU and a
failed PTX JIT), a CUDA runtime library of another release than the one the paste states, and a
person's "X was not compiled with CUDA support" not read as a library's own message."""

from __future__ import annotations

import pytest

from tests.pastes import failing_categories, run

# --- a library's operator refusing the GPU's compute capability -----------------------------


@pytest.mark.parametrize(
    "reason",
    [
        "requires device with capability > (8, 0) but your GPU has capability (7, 5) (too old)",
        "requires device with capability >= (8, 0) but your GPU has capability (6, 1) (too old)",
        "requires device with capability <= (9, 0) but your GPU has capability (12, 0) (too new)",
        "requires device with capability == (9, 0) but your GPU has capability (8, 6)",
        "requires a GPU with compute capability > 7.5",
        "requires a GPU with compute capability 8.0 (A100) or 9.0 (H100) for 'query.shape[-1] > 64'",
    ],
)
def test_an_xformers_operator_capability_reason_is_its_own_kernels(reason: str) -> None:
    result = run(
        "NotImplementedError: No operator found for `memory_efficient_attention_forward` "
        "with inputs:\n     query       : shape=(1, 4096, 8, 64) (torch.float16)\n"
        f"`fa2F@2.5.6` is not supported because:\n    {reason}\n"
    )
    assert "library-kernels-unsupported" in failing_categories(result)
    assert "arch-unsupported" not in {f.category for f in result.findings}


def test_an_xformers_reason_without_capability_is_not_a_kernel_gap() -> None:
    result = run(
        ">>> torch.cuda.is_available()\nTrue\n"
        "NotImplementedError: No operator found for `memory_efficient_attention_forward`\n"
        "`cutlassF` is not supported because:\n    dtype=torch.float64 (supported: {torch.float16})\n"
    )
    assert "library-kernels-unsupported" not in result.categories


def test_bitsandbytes_slow_int8_path_is_a_warning_not_a_failure() -> None:
    result = run(
        "UserWarning: WARNING: Compute capability < 7.5 detected! Only slow 8-bit matmul is "
        "supported for your GPU!\n"
    )
    assert "library-kernels-unsupported" in result.categories
    assert not result.failed


# --- serving engines without memory for their KV cache ---------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ValueError: No available memory for the cache blocks. Try increasing "
        "`gpu_memory_utilization` when initializing the engine.",
        "ValueError: The model's max seq len (32768) is larger than the maximum number of tokens "
        "that can be stored in KV cache (20064). Try increasing `gpu_memory_utilization`",
        "ValueError: To serve at least one request with the models's max seq len (131072), (16.00 "
        "GiB KV cache is needed, which is larger than the available KV cache memory (4.21 GiB).",
        "RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.",
        "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 9216.00 MiB on device 0: "
        "cudaMalloc failed: out of memory",
        "llama_init_from_model: failed to initialize the context: failed to allocate buffer for kv cache",
        "llama_model_load: error loading model: unable to allocate CUDA0 buffer",
    ],
)
def test_a_serving_engine_short_of_kv_cache_memory_is_out_of_memory(line: str) -> None:
    result = run(f"INFO: loading model weights\n{line}\n")
    assert "out-of-memory" in result.categories
    assert not result.failed  # the environment works: a warning, as other out-of-memory messages


def test_a_kv_cache_size_report_is_not_out_of_memory() -> None:
    result = run(
        ">>> torch.cuda.is_available()\nTrue\n"
        "INFO 06-26 09:27:15 [kv_cache_utils.py:634] GPU KV cache size: 66,446 tokens\n"
        "INFO 06-26 09:27:15 [kv_cache_utils.py:637] Maximum concurrency for 8,192 tokens per "
        "request: 8.11x\n"
    )
    assert "out-of-memory" not in result.categories


# --- conda's plan inside a CI log ------------------------------------------------------------


@pytest.mark.parametrize(
    "stamp",
    ["2022-12-16T16:39:38.3607708Z ", "2024-03-01T08:00:01Z ", ""],
)
def test_a_conda_download_table_in_a_ci_log_is_read(stamp: str) -> None:
    text = (
        f"{stamp}The following packages will be downloaded:\n"
        f"{stamp}    package                    |            build\n"
        f"{stamp}    pytorch-2.0.0.dev20221216  |      py3.8_cpu_0        84.2 MB  pytorch-nightly\n"
        f"{stamp}    pytorch-mutex-1.0          |              cpu           3 KB  pytorch-nightly\n"
    )
    result = run(text)
    assert "cpu-wheel-on-gpu" in result.categories
    assert any(f.path == "frameworks.pytorch.build.flavour" for f in result.facts)


def test_the_pytorch_channels_nightly_package_in_a_plan_is_read() -> None:
    result = run(
        "The following NEW packages will be INSTALLED:\n\n"
        "  pytorch-nightly    pytorch/linux-64::pytorch-nightly-1.2.0.dev20190805-py3.7_cpu_0\n"
    )
    assert "cpu-wheel-on-gpu" in result.categories
    cuda = run(
        "The following NEW packages will be INSTALLED:\n\n  pytorch-nightly    "
        "pytorch/linux-64::pytorch-nightly-1.2.0.dev20190805-py3.7_cuda10.0.130_cudnn7.5.1_0\n"
    )
    assert "cpu-wheel-on-gpu" not in cuda.categories


def test_a_cuda_build_in_a_ci_log_plan_is_not_a_cpu_build() -> None:
    result = run(
        "2022-12-16T16:39:38.3607708Z     pytorch-1.13.1             |py3.9_cuda11.7_cudnn8.5.0_0"
        "    1.2 GB  pytorch\n"
        "2022-12-16T16:39:38.3608191Z     pytorch-mutex-1.0          |             cuda           3 KB  pytorch\n"
    )
    assert "cpu-wheel-on-gpu" not in result.categories


# --- CUDA_ERROR_INVALID_PTX ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "W tensorflow/compiler/mlir/tools/kernel_gen/tf_gpu_runtime_wrappers.cc:40] "
        "'cuModuleLoadData(&module, data)' failed with 'CUDA_ERROR_INVALID_PTX'",
        "CUDA platform error: CUDA_ERROR_INVALID_PTX",
        "ManagedCuda.CudaException: ErrorInvalidPtx: This indicates that a PTX JIT compilation failed.",
        "RuntimeError: CUDA error: a PTX JIT compilation failed",
        "cudaErrorInvalidPtx",
    ],
)
def test_an_invalid_ptx_is_a_build_without_the_gpus_kernels(line: str) -> None:
    result = run(f"GPU: NVIDIA GeForce RTX 5080 (Compute Capability 12.0)\n{line}\n")
    assert "arch-unsupported" in failing_categories(result)


def test_an_invalid_ptx_without_a_gpu_in_sight_is_only_a_warning() -> None:
    # a kernel generator's own PTX that does not compile fails the same way (TVM's codegen)
    result = run(
        "TVMError: src/runtime/cuda/cuda_module.cc:93: CUDAError: cuModuleLoadData(&(module_[0]), "
        "data_.c_str()) failed with error: CUDA_ERROR_INVALID_PTX\n"
    )
    assert "arch-unsupported" in result.categories
    assert not result.failed


def test_an_unsupported_ptx_version_stays_a_driver_too_old() -> None:
    result = run(
        "RuntimeError: CUDA error: the provided PTX was compiled with an unsupported toolchain.\n"
    )
    fails = {f.category for f in result.findings if f.status == "fail"}
    assert fails == {"driver-too-old"}


# --- a CUDA runtime library of another release than the paste's --------------------------------


@pytest.mark.parametrize(
    "stated",
    [
        "My system: ubuntu20.04 + nvidia530 + cuda12.1",
        "I have CUDA 11.8 installed",
        "CUDA version: 12.4",
        "installed cuda-12.2 toolkit",
        "torch.__version__ is '1.1.0',cuda is '9.0.176',and it's available",
    ],
)
def test_a_runtime_library_of_another_cuda_release_is_a_build_mismatch(stated: str) -> None:
    result = run(
        f"{stated}\nImportError: libcudart.so.10.1: cannot open shared object file: "
        "No such file or directory\n"
    )
    assert "version-mismatch" in result.categories
    assert "missing-library" in result.categories


@pytest.mark.parametrize(
    "text",
    [
        # the paste states the same CUDA release the library belongs to: a library path matter
        "I installed CUDA 10.1\nImportError: libcudart.so.10.1: cannot open shared object file\n",
        # cuFFT numbers its own releases: libcufft.so.11 is CUDA 12's, not "CUDA 11"
        "CUDA 12.1\nImportError: libcufft.so.11: cannot open shared object file\n",
        # nvidia-smi's header is the driver's newest CUDA, not an installed toolkit
        "| NVIDIA-SMI 535.86.10    Driver Version: 535.86.10    CUDA Version: 12.2     |\n"
        "ImportError: libcudart.so.11.0: cannot open shared object file\n",
    ],
)
def test_a_runtime_library_of_the_stated_release_is_only_missing(text: str) -> None:
    result = run(text)
    assert "missing-library" in result.categories
    assert "version-mismatch" not in result.categories


# --- "X was not compiled with CUDA support", retold ----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "it seems like the pytorch i installed was not compiled with cuda support",
        "I think torch was not compiled with CUDA support",
        "my pytorch is not compiled with CUDA support?",
    ],
)
def test_a_person_retelling_a_cpu_torch_is_not_a_library_without_cuda(line: str) -> None:
    result = run(f"{line}\n>>> import torch\n>>> torch.__version__\n'2.1.0+cpu'\n")
    assert "library-kernels-unsupported" not in result.categories
    assert "cpu-wheel-on-gpu" in result.categories


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: Not compiled with GPU support",
        "AssertionError: Detectron2 is not compiled with GPU support!",
        "RuntimeError: Not compiled with CUDA support",
    ],
)
def test_a_library_saying_it_lacks_cuda_is_still_read(line: str) -> None:
    result = run(f"{line}\n")
    assert "library-kernels-unsupported" in result.categories


# --- a missing kernel image where the CUDA in use is newer than the driver ------------------------


@pytest.mark.parametrize(
    "stated",
    [
        "jax does not work with `cuda-11.6.2` and nvidia driver version 470",
        "Cuda compilation tools, release 11.7, V11.7.64\nNVIDIA driver 470.82.01",
        "I installed CUDA 12.4 and my driver is 525.60.13",
    ],
)
def test_no_kernel_image_with_a_cuda_newer_than_the_driver_names_the_driver(stated: str) -> None:
    result = run(
        f"{stated}\nRuntimeError: Unknown: no kernel image is available for execution on the device\n"
    )
    assert "driver-too-old" in failing_categories(result)


@pytest.mark.parametrize(
    "stated",
    [
        "I use CUDA 11.8 and nvidia driver 535.104.05",
        "| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |",
    ],
)
def test_no_kernel_image_with_a_driver_for_the_cuda_in_use_is_not_the_driver(stated: str) -> None:
    result = run(
        f"{stated}\nRuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "driver-too-old" not in result.categories
    assert "arch-unsupported" in result.categories
