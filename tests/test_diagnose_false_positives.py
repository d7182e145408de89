"""Issue 21, the false-positive side ("no healthy report gets a fail"): messages that libraries
print on working machines, words in prose, and inferences that partial facts do not carry.

Each narrowed signature is tested on healthy text written here (no fail) next to the real
failure it still catches; then every healthy paste the project holds (the public corpus's
``diagnosis: healthy`` cases and the healthy test fixtures) is diagnosed: none may fail."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from recommender.facts.reports.paste import NothingFound
from tests.pastes import diagnosed

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "benchmarks" / "reports" / "cases"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _statuses(text: str) -> dict[str, str]:
    """finding id -> status, for the findings that are not ok."""
    result = diagnosed(text, "paste.txt")
    return {f.id: f.status for f in result.findings if f.status != "ok"}


def _fails(text: str) -> list[str]:
    return [fid for fid, status in _statuses(text).items() if status == "fail"]


# --- TensorFlow's optional TensorRT libraries --------------------------------------------------

_TF_GPU_LINE = (
    "2022-11-03 10:11:14.000004: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1616] Created "
    "device /job:localhost/replica:0/task:0/device:GPU:0 with 22295 MB memory:  -> device: 0, "
    "name: NVIDIA GeForce RTX 3090, pci bus id: 0000:01:00.0, compute capability: 8.6\n"
)


@pytest.mark.parametrize("version", ["6", "7", "8"])
def test_tensorrt_libraries_missing_on_a_working_gpu_is_not_a_fail(version: str) -> None:
    text = (
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
        f"library 'libnvinfer.so.{version}'; dlerror: libnvinfer.so.{version}: cannot open shared "
        "object file: No such file or directory\n"
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
        f"library 'libnvinfer_plugin.so.{version}'; dlerror: libnvinfer_plugin.so.{version}: "
        "cannot open shared object file: No such file or directory\n"
        "W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Cannot dlopen "
        "some TensorRT libraries. If you would like to use Nvidia GPU with TensorRT, please make "
        "sure the missing libraries mentioned above are installed properly.\n" + _TF_GPU_LINE
    )
    result = diagnosed(text, "paste.txt")
    assert not result.failed, [f.id for f in result.findings]
    assert "signature:tf-tensorrt-optional" in {f.id for f in result.findings}


def test_a_missing_cuda_library_next_to_the_gpu_still_fails() -> None:
    text = (
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
        "library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open shared object file\n"
        + _TF_GPU_LINE
    )
    assert "signature:tf-could-not-load-library" in _fails(text)


# --- jax's CPU fallback printed by a library that imports jax ----------------------------------

_JAX_FALLBACK = (
    "An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not installed. "
    "Falling back to cpu."
)


@pytest.mark.parametrize(
    "around",
    [
        ("PyTorch version (GPU?): 2.2.1+cu121 (True)\n", "Epoch 1: loss 0.42\n"),
        ("$ accelerate launch train_network.py\n", "steps:  10%|#  | 105/1050 [00:41]\n"),
        ("", "\nI am able to train despite the message; is it an error?\n"),
    ],
)
def test_jax_fallback_without_jax_work_is_a_warning(around: tuple[str, str]) -> None:
    statuses = _statuses(around[0] + _JAX_FALLBACK + "\n" + around[1])
    assert statuses.get("signature:jaxlib-not-cuda") == "warn", statuses


@pytest.mark.parametrize(
    "jax_text",
    [
        '$ python -c "import jax; jax.print_environment_info()"\n',
        "WARNING:2025-06-15 17:04:55,449:jax._src.xla_bridge:791: ",
        "I installed jax and jaxlib with pip install jax\n",
    ],
)
def test_jax_fallback_where_jax_is_named_fails(jax_text: str) -> None:
    text = jax_text + _JAX_FALLBACK + "\njax.devices (1 total, 1 local): [CpuDevice(id=0)]\n"
    statuses = _statuses(text)
    assert statuses.get("signature:jaxlib-not-cuda") == "fail", statuses


# --- jax's backend probe, logged at INFO on every machine --------------------------------------


@pytest.mark.parametrize(
    "probe",
    [
        "INFO:jax._src.xla_bridge:Unable to initialize backend 'tpu': INVALID_ARGUMENT: "
        "TpuPlatform is not available.",
        "xla_bridge.py:841] Unable to initialize backend 'tpu': INTERNAL: Failed to open "
        "libtpu.so: libtpu.so: cannot open shared object file: No such file or directory",
    ],
)
def test_jax_tpu_probe_lines_are_not_a_tpu_failure(probe: str) -> None:
    text = f">>> import jax\n>>> jax.devices()\n{probe}\n[CpuDevice(id=0)]\n"
    result = diagnosed(text, "paste.txt")
    assert not result.failed, [f.id for f in result.findings]
    assert "signature:jax-tpu-probe-no-tpu" in {f.id for f in result.findings}


def test_the_tpu_client_probe_on_a_gpu_machine_is_not_a_failure() -> None:
    text = (
        "| NVIDIA-SMI 515.65.01    Driver Version: 515.65.01    CUDA Version: 11.7     |\n"
        "I0808 20:59:00.964296 139857030612800 xla_bridge.py:328] Unable to initialize backend "
        "'tpu': module 'jaxlib.xla_extension' has no attribute 'get_tpu_client'\n"
    )
    statuses = _statuses(text)
    assert statuses.get("signature:jaxlib-no-tpu-client") == "warn", statuses


@pytest.mark.parametrize(
    "error",
    [
        "RuntimeError: Unable to initialize backend 'tpu': UNIMPLEMENTED: LoadPjrtPlugin is not "
        "implemented on windows yet. (set JAX_PLATFORMS='' to automatically choose an available "
        "backend)",
        "AttributeError: module 'jaxlib.xla_extension' has no attribute 'get_tpu_client'",
        "RuntimeError: Unable to initialize backend 'tpu': module 'jaxlib.xla_extension' has no "
        "attribute 'get_tpu_client' (set JAX_PLATFORMS='' to automatically choose an available "
        "backend)",
    ],
)
def test_jax_raising_the_tpu_backend_error_still_fails(error: str) -> None:
    assert any("tpu" in f for f in _fails(error + "\n")), _statuses(error)


# --- a stated requirement is not a proven mismatch ---------------------------------------------


@pytest.mark.parametrize(
    "prose",
    [
        "Note that this project requires torch>=2.0, as the README says.",
        "The model card says it requires tensorflow >= 2.12 and I have 2.15.",
    ],
)
def test_a_requirement_stated_in_prose_is_not_a_fail(prose: str) -> None:
    text = prose + "\n>>> import torch\n>>> torch.cuda.is_available()\nTrue\n"
    statuses = _statuses(text)
    assert statuses.get("signature:requires-framework-version") == "warn", statuses
    assert "fail" not in statuses.values(), statuses


# --- a bare number after "code=" ---------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "curl exited with code=35 while downloading the checkpoint; retrying",
        "worker finished with exit code=222",
        "HTTP request failed, code=100, retrying in 5 s",
    ],
)
def test_a_bare_code_number_is_not_a_cuda_status(line: str) -> None:
    text = (
        line
        + "\nTraceback (most recent call last):\nRuntimeError: CUDA out of memory. Tried to allocate 2.00 MiB\n"
    )
    assert _fails(text) == [], _statuses(text)


def test_the_cuda_samples_status_form_still_fails() -> None:
    text = (
        "CUDA error at bandwidthTest.cu:255 code=35(cudaErrorInsufficientDriver) "
        '"cudaSetDevice(currentDevice)"\n'
    )
    result = diagnosed(text, "paste.txt")
    assert result.failed and "driver-too-old" in result.categories


# --- bitsandbytes' CPU library and CUDA messages on a Mac ----------------------------------------

_MAC = (
    "PyTorch version: 2.2.0\nIs debug build: False\nCUDA used to build PyTorch: None\n"
    "ROCM used to build PyTorch: N/A\nOS: macOS 14.2.1 (arm64)\n"
    "Python platform: macOS-14.2.1-arm64-arm-64bit\nIs CUDA available: False\n"
)
_BNB = (
    "UserWarning: The installed version of bitsandbytes was compiled without GPU support. 8-bit "
    "optimizers, 8-bit multiplication, and GPU quantization are unavailable.\n"
)


def test_bitsandbytes_cpu_library_on_a_mac_is_a_warning() -> None:
    statuses = _statuses(_MAC + _BNB)
    assert statuses.get("signature:bitsandbytes-no-gpu") == "warn", statuses


def test_bitsandbytes_cpu_library_next_to_an_nvidia_gpu_fails() -> None:
    text = (
        "| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
        + _BNB
    )
    assert "signature:bitsandbytes-no-gpu" in _fails(text)


# --- a CUDA runtime newer than the driver, within one major release ------------------------------


def _smi(cuda: str) -> str:
    return f"| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: {cuda}     |\n"


def test_a_newer_minor_cuda_runtime_is_a_warning() -> None:
    text = _smi("12.2") + "nvidia-cuda-runtime-cu12 12.4.127\ntorch                    2.4.0\n"
    statuses = _statuses(text)
    assert statuses.get("runtime:nvidia-cuda-runtime-cu12") == "warn", statuses


def test_a_newer_major_cuda_runtime_fails() -> None:
    text = _smi("11.8") + "nvidia-cuda-runtime-cu12 12.4.127\ntorch                    2.4.0\n"
    assert "runtime:nvidia-cuda-runtime-cu12" in _fails(text)


# --- a message whose cause the stated versions refute ----------------------------------------------


def test_torchvision_operator_missing_next_to_a_matching_pair_is_a_warning() -> None:
    text = (
        "torch.hub.load('pytorch/vision', 'resnet18') raises RuntimeError: operator "
        "torchvision::nms does not exist\n"
        "PyTorch version: 2.4.0\nIs debug build: False\nCUDA used to build PyTorch: None\n"
        "Versions of relevant libraries:\n[pip3] torch==2.4.0\n[pip3] torchvision==0.19.0\n"
    )
    statuses = _statuses(text)
    assert statuses.get("signature:torchvision-operator-missing") == "warn", statuses


def test_torchvision_operator_missing_next_to_a_mismatched_pair_fails() -> None:
    text = (
        "RuntimeError: operator torchvision::nms does not exist\n"
        "PyTorch version: 2.6.0\nIs debug build: False\nCUDA used to build PyTorch: None\n"
        "Versions of relevant libraries:\n[pip3] torch==2.6.0\n[pip3] torchvision==0.23.0\n"
    )
    assert any("torchvision" in f or "companions" in f for f in _fails(text)), _statuses(text)


# --- every healthy paste the project holds ---------------------------------------------------------


def _healthy_cases() -> list[Path]:
    out = []
    for meta in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(meta.read_text(encoding="utf-8"))
        if doc.get("diagnosis") == "healthy":
            out.append(meta.with_suffix(".txt"))
    return out


def _healthy_fixtures() -> list[Path]:
    out = [FIXTURES / "pastes" / "healthy_session.txt"]
    corpus = FIXTURES / "collect_env" / "corpus"
    for meta in sorted(corpus.glob("*.yaml")):
        doc = yaml.safe_load(meta.read_text(encoding="utf-8"))
        if doc.get("diagnosis") == "healthy":
            out.append(meta.with_suffix(".txt"))
    return out


def test_the_healthy_sets_are_not_empty() -> None:
    assert len(_healthy_cases()) >= 80
    assert len(_healthy_fixtures()) >= 2


@pytest.mark.parametrize(
    "path", _healthy_cases() + _healthy_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_no_healthy_paste_gets_a_fail(path: Path) -> None:
    meta = path.with_suffix(".yaml")
    repo = None
    if meta.exists():
        source = (yaml.safe_load(meta.read_text(encoding="utf-8")) or {}).get("source") or {}
        repo = str(source.get("repo") or "") if isinstance(source, dict) else ""
    try:
        result = diagnosed(
            path.read_text(encoding="utf-8"),
            path.name,
            repository=repo if repo and "/" in repo else None,
        )
    except NothingFound:
        return  # nothing dlrec knows in it (exit 2): no finding, so no fail either
    fails = [f"{f.id}: {f.detail[:120]}" for f in result.findings if f.status == "fail"]
    assert fails == [], f"{path.name} is healthy in its thread, yet: {fails}"
