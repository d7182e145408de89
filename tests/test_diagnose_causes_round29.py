"""Issue 21, blind round 29: the cause in another program's words. Inference servers and wrappers
refuse the GPU, the build or the CUDA release in their own messages, beside logs that look healthy.
The causes behind the round's misses, fixed in general and tested on text written here (other
versions, GPUs and wordings than the corpus cases): text-embeddings-inference's compute-cap
refusals, text-generation-inference's flash-attention refusals, the onnxruntime CPU package's
providers list, R torch's installer, and a refusal that names a GPU capability the paste's own
device list contradicts; each with a healthy counterpart that stays quiet."""

from __future__ import annotations

import pytest

from recommender.decide.diagnosis.capability import arch_to_cc
from tests.pastes import categories, fails, read, signature_ids, status

KERNELS = "library-kernels-unsupported"

# --- text-embeddings-inference: one image per architecture family ---------------------------------


@pytest.mark.parametrize(
    ("text", "sid"),
    [
        (
            "2024-06-02T10:11:12.000000Z ERROR text_embeddings_backend: backends/src/lib.rs:388: "
            "Could not start Candle backend: Could not start backend: Runtime compute cap 86 is not "
            "compatible with compile time compute cap 89\nError: Could not create backend\n",
            "tei-compute-cap-mismatch",
        ),
        (
            "Caused by:\n    Could not start backend: Runtime compute cap 61 is not compatible with "
            "compile time compute cap 75\n",
            "tei-compute-cap-mismatch",
        ),
        (
            "tei  | cuda compute cap 70 is not supported\ntei exited with code 1\n",
            "tei-compute-cap-unsupported",
        ),
        (
            "CUDA compute cap 87 is not supported by the Jetson image (supported: 87)\n",
            "tei-compute-cap-unsupported",
        ),
    ],
)
def test_tei_refusing_the_gpu_architecture_is_its_own_build(text: str, sid: str) -> None:
    assert sid in signature_ids(text)
    assert KERNELS in fails(text)


def test_tei_starting_its_backend_stays_quiet() -> None:
    text = (
        "2024-06-02T10:11:12.000000Z  INFO text_embeddings_router: router/src/lib.rs:235: Starting "
        "model backend\n2024-06-02T10:11:14.000000Z  INFO text_embeddings_backend_candle: "
        "backends/candle/src/lib.rs:250: Starting FlashBert model on Cuda(CudaDevice(DeviceId(1)))\n"
    )
    assert not signature_ids(text) & {"tei-compute-cap-mismatch", "tei-compute-cap-unsupported"}
    assert not fails(text)


# --- text-generation-inference: flash-attention kernels ------------------------------------------


def test_tgi_flash_attention_refusing_a_turing_gpu_fails() -> None:
    text = (
        "2024-02-01T08:00:00.000000Z  WARN text_generation_launcher: Could not import Flash "
        "Attention enabled models: GPU with CUDA capability 7 5 is not supported for Flash "
        "Attention V2\n"
    )
    assert "flash-attn-v2-cc-unsupported" in signature_ids(text)
    assert KERNELS in fails(text)


@pytest.mark.parametrize("model", ["Sharded Falcon", "Sharded Llama", "Mistral", "Gemma"])
def test_tgi_model_needing_flash_attention_fails(model: str) -> None:
    text = (
        '  File "/opt/conda/lib/python3.10/site-packages/text_generation_server/models/__init__.py"'
        ", line 412, in get_model\n"
        f'    raise NotImplementedError(FLASH_ATT_ERROR_MESSAGE.format("{model}"))\n'
        f"NotImplementedError: {model} requires Flash Attention enabled models.\n"
    )
    assert "tgi-flash-models-required" in signature_ids(text)
    assert KERNELS in fails(text)


def test_tgi_loading_flash_attention_stays_quiet() -> None:
    text = (
        "2024-02-01T08:00:05.000000Z  INFO text_generation_launcher: Using Attention = flashinfer\n"
        "2024-02-01T08:00:09.000000Z  INFO shard-manager: text_generation_launcher: Shard ready in "
        "12.3s rank=0\n"
    )
    assert not fails(text)


# --- onnxruntime: the CPU package's providers -----------------------------------------------------


def test_onnxruntime_listing_only_cpu_providers_on_a_gpu_machine_fails() -> None:
    text = (
        "$ nvidia-smi -L\nGPU 0: NVIDIA L4 (UUID: GPU-1a2b3c4d-0000-1111-2222-333344445555)\n"
        ">>> import onnxruntime\n>>> onnxruntime.get_available_providers()\n"
        "['AzureExecutionProvider', 'CPUExecutionProvider']\n"
    )
    assert "onnxruntime-cpu-providers-list" in signature_ids(text)
    assert "cpu-wheel-on-gpu" in fails(text)


def test_onnxruntime_cpu_providers_without_a_gpu_shown_is_only_a_warning() -> None:
    text = (
        ">>> import onnxruntime as ort\n>>> print(ort.get_available_providers())\n"
        "['AzureExecutionProvider', 'CPUExecutionProvider']\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "cpu-wheel-on-gpu") == "warn"


def test_onnxruntime_gpu_providers_list_stays_quiet() -> None:
    text = (
        ">>> import onnxruntime as ort\n>>> ort.get_available_providers()\n"
        "['TensorrtExecutionProvider', 'CUDAExecutionProvider', 'CPUExecutionProvider']\n"
    )
    assert "onnxruntime-cpu-providers-list" not in signature_ids(text)
    assert not fails(text)


# --- R torch's installer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "> library(torch)\nCuda 12.4 detected but torch only supports: cpu, 11.7, 11.8\n"
        "trying URL 'https://download.pytorch.org/libtorch/cpu/libtorch-shared-with-deps-2.0.1%2Bcpu.zip'\n",
        "> install_torch(type = '12.2')\nError in lantern_install_libs(version, type, path, "
        "install_config) :\n  The 12.2 installation type is currently unsupported.\n",
        "> torch::install_torch()\nError in `check_supported_version()`:\n"
        '✖ Unsupported CUDA version "12.1"\nℹ Currently supported versions are: "12.4" and "12.6".\n',
    ],
)
def test_r_torch_installer_without_a_build_for_this_cuda_fails(text: str) -> None:
    assert "rtorch-cuda-unsupported" in signature_ids(text)
    assert "no-matching-wheel" in fails(text)


def test_r_torch_installer_choosing_a_cuda_build_stays_quiet() -> None:
    text = (
        '> torch::install_torch()\nFound CUDA version 12.6.\nInstallation kind will be "cu126".\n'
        "trying URL 'https://download.pytorch.org/libtorch/cu126/libtorch-cxx11-abi-shared-with-deps-"
        "2.7.1%2Bcu126.zip'\ndownloaded 2563.5 MB\n"
    )
    assert "rtorch-cuda-unsupported" not in signature_ids(text)
    assert not fails(text)


def test_nvidia_docker_unsupported_cuda_wording_is_not_r_torch() -> None:
    text = "nvidia-docker | Error: unsupported CUDA version: driver 10.1 < image 11.0\n"
    assert "rtorch-cuda-unsupported" not in signature_ids(text)


# --- a refusal naming a capability the paste's own devices contradict ------------------------------

_GGML_DEVICES = (
    "ggml_cuda_init: GGML_CUDA_FORCE_MMQ:    no\nggml_cuda_init: found 1 CUDA devices:\n"
    "  Device 0: NVIDIA {name}, compute capability {cc}, VMM: yes\n"
)


def test_ggml_arch_refusal_for_the_listed_gpu_fails() -> None:
    text = _GGML_DEVICES.format(name="GeForce GTX 1080 Ti", cc="6.1") + (
        "/build/ggml/src/ggml-cuda/common.cuh:112: ggml was not compiled with any CUDA arch <= 610\n"
    )
    assert KERNELS in fails(text)


@pytest.mark.parametrize(("name", "cc"), [("A100-SXM4-40GB", "8.0"), ("GeForce RTX 5090", "12.0")])
def test_ggml_arch_refusal_naming_another_gpu_is_only_a_warning(name: str, cc: str) -> None:
    text = _GGML_DEVICES.format(name=name, cc=cc) + (
        "/src/llama.cpp/ggml/src/ggml-cuda/common.cuh:112: ggml was not compiled with any CUDA arch "
        "<= 750\n"
    )
    result = read(text)
    assert result is not None
    assert KERNELS not in fails(text)
    assert status(result, KERNELS) == "warn"


def test_tei_refusal_naming_another_gpu_than_the_listed_one_is_only_a_warning() -> None:
    text = (
        'Ollama-style probe: name="NVIDIA RTX A4000" compute=8.6 driver=12.4\n'
        "Could not start backend: Runtime compute cap 75 is not compatible with compile time "
        "compute cap 80\n"
    )
    assert KERNELS not in fails(text)
    assert KERNELS in categories(text)


@pytest.mark.parametrize(
    ("raw", "cc"),
    [
        ("750", (7, 5)),
        ("1200", (12, 0)),
        ("520", (5, 2)),
        ("75", (7, 5)),
        ("120", (12, 0)),
        ("86", (8, 6)),
        ("755", None),
        ("7", None),
        ("x1", None),
    ],
)
def test_architecture_numbers_read_in_both_programs_conventions(
    raw: str, cc: tuple[int, int] | None
) -> None:
    assert arch_to_cc(raw) == cc
