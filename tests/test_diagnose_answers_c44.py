"""A library's own answer that it runs without the GPU, read as direct evidence (issue 21,
session 44).

A session or a one-liner whose answer proves a build without CUDA (TensorFlow's
``is_built_with_cuda()`` or build information, ``torch.version.cuda`` None, PaddlePaddle's
``is_compiled_with_cuda()``, onnxruntime's ``get_device()``) next to an NVIDIA GPU the paste shows
or names is the CPU build on a GPU machine; a conda label that says CUDA does not outweigh it. A
count of no GPU (MXNet, OpenCV) is a warning. A program's log that torch runs on the CPU, next to
a GPU the user names ("So I have a 3060"), most likely means a CPU-only torch: a warning.
Texts written after public threads: PaddlePaddle/PaddleOCR#13890, apache/mxnet#21161,
microsoft/onnxruntime#3787, opencv/opencv-python#398, openai/whisper's FP16 fallback."""

from __future__ import annotations

import pytest

from tests.pastes import categories, diagnosed, fact, failing_categories, fails, status

SMI = (
    "+-----------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    "|-------------------------------+----------------------+----------------------+\n"
    "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
    "|===============================+======================+======================|\n"
    "|   0  NVIDIA GeForce ...  Off  | 00000000:01:00.0  On |                  N/A |\n"
    "+-------------------------------+----------------------+----------------------+\n"
)
CPU = "cpu-wheel-on-gpu"


@pytest.mark.parametrize(
    "session",
    [
        ">>> import tensorflow as tf\n>>> tf.test.is_built_with_cuda()\nFalse\n",
        ">>> import tensorflow as tf\n>>> tf.sysconfig.get_build_info()\n"
        "{'cpu_compiler': '/usr/lib/llvm-17/bin/clang', 'is_cuda_build': False, "
        "'is_rocm_build': False, 'is_tensorrt_build': False}\n",
        ">>> import torch\n>>> print(torch.version.cuda)\nNone\n",
        ">>> import paddle\n>>> paddle.is_compiled_with_cuda()\nFalse\n",
        ">>> import paddle\n>>> paddle.device.is_compiled_with_cuda()\nFalse\n",
        ">>> import onnxruntime as ort\n>>> ort.get_device()\n'CPU'\n",
        ">>> import onnxruntime as ort\n>>> ort.get_available_providers()\n['CPUExecutionProvider']\n",
    ],
)
@pytest.mark.parametrize("gpu", ["I have an RTX 3060 but it is not used.\n", SMI])
def test_a_build_answer_without_cuda_next_to_a_gpu_fails(session: str, gpu: str) -> None:
    result = diagnosed(gpu + session)
    assert CPU in failing_categories(result)


def test_the_answer_is_quoted_with_the_gpu() -> None:
    text = "So I have a GTX 1660 Ti\n>>> import paddle\n>>> paddle.is_compiled_with_cuda()\nFalse\n"
    result = diagnosed(text)
    finding = next(f for f in result.findings if f.category == CPU)
    assert {q.line for q in finding.quotes} >= {1, 4}
    assert "paddlepaddle-gpu" in (finding.fix or "")


def test_a_conda_cuda_label_does_not_outweigh_the_answer() -> None:
    """conda-forge's build string says cuda120, TensorFlow says it was built without CUDA: the
    library answers for what was imported (conda-forge/tensorflow-feedstock's mislabelled 2.15)."""
    text = (
        ">>> import tensorflow as tf\n>>> tf.test.is_built_with_cuda()\nFalse\n\n"
        "tensorflow                2.15.0          cuda120py311h5cbd639_1    conda-forge\n"
        "tensorflow-base           2.15.0          cuda120py311h43b5e44_1    conda-forge\n"
    )
    result = diagnosed(text)
    assert status(result, CPU) == "fail"
    finding = next(f for f in result.findings if f.category == CPU)
    assert "labels it a CUDA build" in finding.detail


def test_a_cuda_answer_stays_quiet() -> None:
    text = (
        SMI + ">>> import tensorflow as tf\n>>> tf.test.is_built_with_cuda()\nTrue\n"
        ">>> tf.config.list_physical_devices('GPU')\n"
        "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]\n"
    )
    assert CPU not in categories(text)
    assert not fails(text)


def test_a_build_without_cuda_on_a_cpu_machine_by_choice_stays_quiet() -> None:
    text = (
        "This box runs TensorFlow cpu-only on purpose.\n"
        ">>> import tensorflow as tf\n>>> tf.test.is_built_with_cuda()\nFalse\n"
    )
    assert CPU not in categories(text)


def test_a_rocm_torch_has_no_cuda_either() -> None:
    text = (
        "torch 2.3.0+rocm6.0 on my Radeon RX 7900 XTX, I also have an RTX 3060 in the box\n"
        ">>> import torch\n>>> print(torch.version.cuda)\nNone\n"
    )
    assert not any(f.id.startswith("build-answer:torch") for f in diagnosed(text).findings)


def test_a_mac_build_has_no_cuda() -> None:
    text = "MacBook Pro M2\n>>> import torch\n>>> print(torch.version.cuda)\nNone\n"
    assert CPU not in fails(text)


@pytest.mark.parametrize(
    "session",
    [
        ">>> import mxnet as mx\n>>> mx.context.num_gpus()\n0\n",
        ">>> import cv2\n>>> cv2.cuda.getCudaEnabledDeviceCount()\n0\n",
    ],
)
def test_a_count_of_no_gpu_next_to_one_is_a_warning(session: str) -> None:
    result = diagnosed(SMI + session)
    assert status(result, CPU) == "warn"
    finding = next(f for f in result.findings if f.category == CPU)
    assert "answers the same" in finding.detail  # the neighbour causes are named


def test_a_count_of_one_gpu_stays_quiet() -> None:
    text = SMI + ">>> import mxnet as mx\n>>> mx.context.num_gpus()\n1\n"
    assert CPU not in categories(text)


def test_a_count_of_no_gpu_without_a_gpu_stays_quiet() -> None:
    text = ">>> import cv2\n>>> cv2.cuda.getCudaEnabledDeviceCount()\n0\n"
    assert CPU not in categories(text)


WHISPER = (
    "/usr/lib/python3.10/site-packages/whisper/transcribe.py:114: UserWarning: FP16 is not "
    "supported on CPU; using FP32 instead\n"
    '  warnings.warn("FP16 is not supported on CPU; using FP32 instead")\n'
)


@pytest.mark.parametrize(
    "said",
    [
        "So I have a 3060 and whisper runs slowly:",
        "Running whisper on my GTX 1080 Ti:",
        "I'm using a 2080 ti",
        "I have an RTX 4090 but",
    ],
)
def test_a_cpu_fallback_next_to_a_named_gpu_is_most_likely_a_cpu_torch(said: str) -> None:
    result = diagnosed(f"{said}\n{WHISPER}")
    assert status(result, CPU) == "warn"
    finding = next(f for f in result.findings if f.category == CPU)
    assert "remain possible" in finding.detail


def test_a_cpu_fallback_next_to_a_cuda_build_is_not_blamed_on_the_build() -> None:
    text = "I have an RTX 3060\n>>> import torch\n>>> torch.version.cuda\n'12.1'\n" + WHISPER
    assert CPU not in categories(text)


def test_a_cpu_fallback_without_a_gpu_stays_quiet() -> None:
    assert CPU not in categories(f"Transcribing on my laptop:\n{WHISPER}")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("So I have a 3060 and a core i9", "GeForce RTX 3060"),
        ("on my 2080 ti", "GeForce RTX 2080 Ti"),
        ("I have a 1660 super", "GeForce GTX 1660 SUPER"),
    ],
)
def test_a_geforce_number_the_writer_owns_is_read(text: str, name: str) -> None:
    result = diagnosed(f"{text}\n{WHISPER}")
    assert fact(result, "gpu.0.name") == name


@pytest.mark.parametrize(
    "text",
    [
        "I have a 1080p monitor",
        "my 2000 images take long",
        "I have a 4000 line log",
        "my 2020 laptop",
    ],
)
def test_other_numbers_after_my_are_not_a_gpu(text: str) -> None:
    result = diagnosed(f"{text}\n{WHISPER}")
    assert fact(result, "gpu.0.name") is None


def test_a_build_without_cuda_and_no_gpu_is_a_warning() -> None:
    text = ">>> import tensorflow as tf\n>>> tf.test.is_built_with_cuda()\nFalse\n"
    assert status(diagnosed(text), CPU) == "warn"


APPLIED_CPU = (
    "Applied providers: ['CPUExecutionProvider'], with options: {'CPUExecutionProvider': {}}\n"
)


def test_an_onnxruntime_session_on_the_cpu_next_to_a_gpu_is_a_cpu_package_warning() -> None:
    """insightface prints each session's providers (deepinsight/insightface#2295, #2394)."""
    text = "I only installed onnxruntime-gpu, RTX 3080 here, but it is slow:\n" + APPLIED_CPU
    assert status(diagnosed(text), CPU) == "warn"


def test_an_onnxruntime_session_on_the_cpu_after_a_failed_cuda_load_is_the_load() -> None:
    text = (
        "RTX 3080 here\n"
        "2023-08-02 10:00:00.1 [E:onnxruntime:Default, provider_bridge_ort.cc:1351 "
        "TryGetProviderInfo_CUDA] Failed to load library libonnxruntime_providers_cuda.so with "
        "error: libcublasLt.so.11: cannot open shared object file: No such file or directory\n"
        "2023-08-02 10:00:00.2 [W:onnxruntime:Default, onnxruntime_pybind_state.cc:640 "
        "CreateExecutionProviderInstance] Failed to create CUDAExecutionProvider. Please reference "
        "https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#requirements "
        "to ensure all dependencies are met.\n" + APPLIED_CPU
    )
    result = diagnosed(text)
    assert "missing-library" in failing_categories(result)
    assert CPU not in result.categories


def test_an_onnxruntime_session_with_cuda_stays_quiet() -> None:
    text = (
        "RTX 3080 here\nApplied providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'], "
        "with options: {}\n"
    )
    assert CPU not in categories(text)


INSUFFICIENT = (
    "RuntimeError: CUDA failed with error CUDA driver version is insufficient for CUDA runtime "
    "version\n"
)


def test_insufficient_driver_in_a_container_on_a_new_driver_is_the_container_s_view() -> None:
    """nvidia-docker#400: the runtime's message in a container started without --gpus."""
    text = (
        "Running faster-whisper in a docker container on my server with a Tesla P40.\n"
        + INSUFFICIENT
        + "Nvidia Driver Version: 565.77\n"
    )
    result = diagnosed(text)
    assert status(result, "no-device") == "warn"
    assert "driver-too-old" not in failing_categories(result)
    assert not any(f.category == "healthy" for f in result.findings)
    finding = next(f for f in result.findings if f.category == "no-device")
    assert "--gpus all" in (finding.fix or "")


@pytest.mark.parametrize(
    "text",
    [
        # not a container: the driver's age is the message's claim
        "Tesla P40 on my server.\n" + INSUFFICIENT + "Nvidia Driver Version: 565.77\n",
        # a container on a driver of CUDA 11: the runtime may well be newer
        "docker run --gpus all my-image\n" + INSUFFICIENT + "Nvidia Driver Version: 470.82\n",
        # a container whose CUDA is newer than the driver's major
        "docker run --gpus all my-image (CUDA 13.0)\n"
        + INSUFFICIENT
        + "Nvidia Driver Version: 535.104\n",
    ],
)
def test_insufficient_driver_elsewhere_stays_the_driver(text: str) -> None:
    assert status(diagnosed(text), "driver-too-old") == "fail"
