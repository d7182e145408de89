"""GPU too old or too new, as whole families (issue 21, session 47).

Three families, each tested by members the corpus does not hold, each with a quiet counterpart:

- a library's own kernels refusing the GPU in that library's words, in every release's wording
  (flash-attn's backward head-dim check in 1.x, 2.0-2.5.4 and 2.5.5+, FlashAttention-3's
  Hopper-only check, flash-attn 1.x's bare device check, Triton's FP8 e4m3 type in 2.x and 3.x,
  TensorRT's target-SM check for a GPU too old or too new; DeepSpeed's inference kernels and
  torch's SDPA flash kernel as warnings, since both fall back);
- the framework build against a GPU named only by its marketing name: the names NVIDIA's tables
  (and Wikipedia's copy of them) give a compute capability that the GPU table lacked, and torch's
  build stated as a dependency dump's key and value (InvokeAI's JSON, "torch: 2.6.0+cu124");
- the driver as ``nvidia-smi --query-gpu`` states it with one field or without a header.
"""

from __future__ import annotations

import pytest

from recommender.facts.reports.gpus import compute_capability, load_gpu_table
from tests.pastes import fact, fails, read, signature_ids, statuses

TABLE = load_gpu_table()
LIBRARY = "library-kernels-unsupported"
ARCH = "arch-unsupported"


@pytest.mark.parametrize(
    "message",
    [
        # flash-attn 1.x
        "RuntimeError: FlashAttention backward for head dim > 64 requires A100 or H100 GPUs as "
        "the implementation needs a large amount of shared memory.",
        # flash-attn 2.0 - 2.5.4
        "RuntimeError: FlashAttention backward for head dim > 192 requires A100/A800 or H100/H800",
        # flash-attn 2.5.5 and later
        "RuntimeError: FlashAttention backward for head dim 256 with dropout, or head dim 224 "
        "with/without dropout requires A100/A800 or H100/H800",
    ],
)
def test_flash_attn_backward_head_dim_refusal_is_the_library_kernels(message: str) -> None:
    text = f"Training on a GeForce RTX 3090 with flash_attn 2.3.3\n{message}\n"
    assert LIBRARY in fails(text)
    assert "flash-attn-backward-head-dim-needs-sm80" in signature_ids(text)


def test_flash_attn_training_log_on_an_a100_stays_quiet() -> None:
    text = (
        "GPU: NVIDIA A100-SXM4-80GB\n"
        "flash_attn 2.5.8 loaded, head dim 128, dropout 0.0\n"
        "step 10 | loss 2.314 | backward ok\n"
    )
    assert LIBRARY not in fails(text)


@pytest.mark.parametrize(
    "message",
    [
        "RuntimeError: FlashAttention-3 only supports Hopper GPUs.",
        "RuntimeError: FlashAttention-3 only supports Hopper GPUs or newer.",
    ],
)
def test_flash_attention_3_off_hopper_is_the_library_kernels(message: str) -> None:
    assert LIBRARY in fails(f"from flash_attn_interface import flash_attn_func\n{message}\n")


@pytest.mark.parametrize(
    "message",
    [
        "RuntimeError: Expected dprops->major == 8 && dprops->minor >= 0 to be true, but got false.",
        "RuntimeError: Expected (dprops->major == 8 && dprops->minor >= 0) || is_sm75 to be true, "
        "but got false.  (Could this error message be improved?  If so, please report an "
        "enhancement request to PyTorch.)",
    ],
)
def test_flash_attn_1_bare_device_check_is_the_library_kernels(message: str) -> None:
    assert LIBRARY in fails(f'  File "flash_attn/flash_attn_interface.py", line 42\n{message}\n')


def test_another_failed_torch_check_is_not_the_flash_attn_device_check() -> None:
    text = "RuntimeError: Expected q.dtype() == torch::kFloat16 to be true, but got false.\n"
    assert "flash-attn-1-device-check" not in signature_ids(text)


@pytest.mark.parametrize(
    "message",
    [
        # Triton 3.x
        'ValueError("type fp8e4nv not supported in this architecture. The supported fp8 dtypes '
        "are ('fp8e4b15', 'fp8e5')\")",
        # Triton 2.x
        "AssertionError: fp8e4nv data type is not supported on CUDA arch < 89",
    ],
)
def test_triton_fp8e4nv_on_an_older_gpu_is_the_library_kernels(message: str) -> None:
    text = f"vllm serve ./Qwen2.5-7B-FP8 --kv-cache-dtype fp8 on 2x RTX 3090\n{message}\n"
    assert LIBRARY in fails(text)


def test_fp8_e5m2_kv_cache_log_stays_quiet() -> None:
    text = (
        "INFO 06-10 10:12:02 Using fp8 data type to store kv cache (fp8e5)\n"
        "INFO 06-10 10:12:09 Maximum concurrency for 32768 tokens per request: 4.2x\n"
    )
    assert LIBRARY not in fails(text)


@pytest.mark.parametrize("sm", ["61", "70", "120"])
def test_tensorrt_target_sm_refusal_is_its_own_build(sm: str) -> None:
    text = (
        "[12/01/2025-10:00:00] [TRT] [E] IBuilder::buildSerializedNetwork: Error Code 9: API "
        f"Usage Error (Target GPU SM {sm} is not supported by this TensorRT release.)\n"
    )
    assert {LIBRARY, ARCH} <= fails(text)


def test_a_tensorrt_build_that_passes_stays_quiet() -> None:
    text = (
        "[12/01/2025-10:00:00] [I] [TRT] Loaded engine size: 48 MiB\n"
        "&&&& PASSED TensorRT.trtexec [TensorRT v100800] # trtexec --onnx=model.onnx\n"
    )
    assert not fails(text) & {LIBRARY, ARCH}


def test_deepspeed_inference_kernels_on_an_old_gpu_are_a_warning() -> None:
    text = "[WARNING]  NVIDIA Inference is only supported on Pascal and newer architectures\n"
    result = read(text)
    assert result is not None
    assert statuses(result, LIBRARY) == {"warn"}


def test_torch_sdpa_flash_kernel_range_is_a_warning() -> None:
    text = (
        "UserWarning: Flash attention only supports gpu architectures in the range [sm80, sm90]. "
        "Attempting to run on a sm 7.5 gpu. (Triggered internally at ../aten/src/ATen/native/"
        "transformers/cuda/sdp_utils.cpp:201.)\n"
    )
    result = read(text)
    assert result is not None
    assert statuses(result, LIBRARY) == {"warn"}
    assert LIBRARY not in fails(text)


# --- GPU names -> compute capability ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("NVIDIA GeForce MX150", "6.1"),
        ("NVIDIA GeForce MX250", "6.1"),
        ("NVIDIA GeForce MX350", "6.1"),
        ("NVIDIA GeForce MX450", "7.5"),
        ("NVIDIA GeForce MX550", "7.5"),
        ("NVIDIA GeForce MX570", "8.6"),
        ("NVIDIA GeForce MX130", "5.0"),
        ("NVIDIA GeForce GT 1030", "6.1"),
        ("NVIDIA GeForce GTX 1630", "7.5"),
        ("NVIDIA GeForce RTX 2050", "8.6"),
        ("Quadro T1000", "7.5"),
        ("Quadro T2000 with Max-Q Design", "7.5"),
        ("NVIDIA T1200 Laptop GPU", "7.5"),
        ("NVIDIA T500", "7.5"),
        ("Quadro RTX 3000", "7.5"),
        ("NVIDIA RTX A1000 Laptop GPU", "8.6"),
        ("NVIDIA RTX A500 Laptop GPU", "8.6"),
        ("NVIDIA RTX A4500", "8.6"),
        ("NVIDIA RTX 3500 Ada Generation Laptop GPU", "8.9"),
        ("Tesla K20Xm", "3.5"),
        ("Tesla K40c", "3.5"),
        ("Tesla M4", "5.2"),
        ("Tesla M10", "5.0"),
        ("GRID K520", "3.0"),
        ("GeForce GTX 880M", "3.0"),
        ("GeForce GT 750M", "3.0"),
        ("GeForce 940MX", "5.0"),
        ("NVIDIA Tegra X1", "5.3"),
        ("Orin (nvgpu)", "8.7"),
        ("NVIDIA A10G", "8.6"),
        ("NVIDIA H800", "9.0"),
    ],
)
def test_gpu_names_nvidias_tables_give_have_their_compute_capability(name: str, cc: str) -> None:
    assert compute_capability(name, TABLE) == cc


@pytest.mark.parametrize(
    "name",
    # parts NVIDIA shipped on two chips of different compute capability: never guessed
    ["NVIDIA GeForce GT 730", "NVIDIA GeForce GT 710", "GeForce GTX 860M", "GeForce 920M"],
)
def test_gpu_names_on_two_chips_stay_unknown(name: str) -> None:
    assert compute_capability(name, TABLE) is None


def test_a_pascal_laptop_gpu_below_the_wheels_architectures_is_arch_unsupported() -> None:
    text = "My laptop has a GeForce MX150.\nI installed torch 2.8.0+cu128 and CUDA fails.\n"
    assert ARCH in fails(text)


def test_a_turing_laptop_gpu_within_the_wheels_architectures_stays_quiet() -> None:
    text = "My laptop has a GeForce MX450.\nI installed torch 2.8.0+cu128 and it trains.\n"
    assert ARCH not in fails(text)


def test_a_kepler_board_variant_below_the_wheels_architectures_is_arch_unsupported() -> None:
    text = "Our server has a Tesla K40c.\nWe use torch 2.3.0+cu121.\n"
    assert ARCH in fails(text)


# --- torch's build from a dependency dump --------------------------------------------------

INVOKEAI = """\
### GPU model

RTX 5070 Ti

### Python dependencies

{{
    "version": "5.10.0",
    "dependencies": {{
        "accelerate"  : "1.6.0"       ,
        "torch"       : "{torch}" ,
        "torchvision" : "0.21.0+cu124"
    }}
}}
"""


def test_a_json_dependency_dump_states_the_torch_build() -> None:
    assert ARCH in fails(INVOKEAI.format(torch="2.6.0+cu124"))


def test_a_json_dependency_dump_with_a_blackwell_build_stays_quiet() -> None:
    assert ARCH not in fails(INVOKEAI.format(torch="2.7.1+cu128"))


@pytest.mark.parametrize(
    "line", ["torch: 2.6.0+cu124", "'torch': '2.6.0+cu124',", "PyTorch version: 2.6.0+cu124"]
)
def test_a_key_and_value_states_the_torch_build(line: str) -> None:
    assert ARCH in fails(f"GPU: GeForce RTX 5080\n{line}\n")


def test_a_key_and_value_asking_for_a_build_is_not_the_installed_one() -> None:
    assert ARCH not in fails("GPU: GeForce RTX 5080\nrequires torch: 2.6.0+cu124\n")


# --- the driver from nvidia-smi's query forms ---------------------------------------------

QUERY_ONE = "$ nvidia-smi --query-gpu=driver_version --format=csv\ndriver_version\n{driver}\n"
QUERY_NOHEADER = (
    "$ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader\n"
    "NVIDIA GeForce RTX 3090, {driver}\n"
)


@pytest.mark.parametrize("query", [QUERY_ONE, QUERY_NOHEADER])
def test_the_driver_of_a_query_is_read_against_the_build(query: str) -> None:
    text = "torch 2.3.0+cu121\n" + query.format(driver="470.82.01")
    assert "driver-too-old" in fails(text)


@pytest.mark.parametrize("query", [QUERY_ONE, QUERY_NOHEADER])
def test_a_query_with_a_new_enough_driver_stays_quiet(query: str) -> None:
    text = "torch 2.3.0+cu121\n" + query.format(driver="550.54.15")
    assert "driver-too-old" not in fails(text)


# --- the driver by its Windows number, stated in a sentence ---------------------------------


def test_a_windows_driver_number_in_a_sentence_is_nvidias_release() -> None:
    text = "torch 2.3.0+cu121\nGPU: RTX 3080\nDriver version 30.0.14.7141\n"
    assert "driver-too-old" in fails(text)  # 30.0.14.7141 is NVIDIA's 471.41: CUDA 11.4


def test_a_new_enough_windows_driver_number_stays_quiet() -> None:
    text = "torch 2.3.0+cu121\nGPU: RTX 3080\nNVIDIA driver: 31.0.15.3623\n"
    assert "driver-too-old" not in fails(text)  # 536.23


@pytest.mark.parametrize("inf", ["31.0.101.4502", "31.0.24027.1012"])
def test_intel_and_amd_windows_driver_numbers_are_not_read_as_nvidias(inf: str) -> None:
    result = read(f"torch 2.3.0+cu121\nGPU: RTX 3080\nDriver version: {inf}\n")
    assert result is not None
    assert fact(result, "driver.version") is None


@pytest.mark.parametrize(
    "message",
    [
        "RuntimeError: Current CUDA Device does not support bfloat16. Please switch dtype to "
        "float16.",
        "ValueError: Your setup doesn't support bf16/gpu. You need torch>=1.10, using Ampere GPU "
        "with cuda>=11.0",
    ],
)
def test_bfloat16_on_a_pre_ampere_gpu_is_a_warning(message: str) -> None:
    result = read(f"Tesla V100-SXM2-32GB\n{message}\n")
    assert result is not None
    assert statuses(result, LIBRARY) == {"warn"}


def test_a_float16_run_on_the_same_gpu_stays_quiet() -> None:
    text = "Tesla V100-SXM2-32GB\nUsing torch.float16 autocast; step 100 loss 1.02\n"
    assert LIBRARY not in fails(text)
