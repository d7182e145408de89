"""Driver too old, no device, missing library (issue 21, session 48, engineer Q).

(a) A process's own "Found no NVIDIA driver" where the paste's tool output shows the driver at
work (nvidia-smi's header, the kernel module's version): the driver is installed, the process is
the one that sees no GPU (a container started without --gpus): no-device, not no-driver. Without
such output the message keeps its reading.

(b) PyTorch's wheel index in an install command names the build: ``/whl/cu121`` serves builds for
CUDA 12.1 only, as ``/whl/cpu`` serves CPU builds only. Beside nvidia-smi's header, whose CUDA
Version is the newest the driver runs, a build for a later CUDA is a driver too old for it.

(c) A package whose name says its CUDA major (NVIDIA's ``-cu12`` library wheels, ``cupy-cuda12x``,
``faiss-gpu-cu12``) beside nvidia-smi's header of an older major: minor version compatibility
stays within a major, so the driver cannot run it.

(d) Runtimes' own words (rules/signatures.yaml): TensorRT's "CUDA initialization failure with
error: N" (35 a driver too old, 100 no device), CTranslate2's "Invalid handle. Cannot load symbol
X" (the library it opens is missing), ctypes' "Could not find module 'X.dll' (or one of its
dependencies)" for any DLL (a warning), torch's "device >= 0 && device < num_gpus" (an index
beyond the visible GPUs); the family wordings of no device and of a missing library gain the
quantizers' "GPU is required to", TensorFlow's "no devices matching that specification are
registered", "Cannot load symbol", "is not found or cannot be loaded".

(e) CUDA_VISIBLE_DEVICES set to an empty value, or to one that starts with an invalid index
(-1), hides every GPU (CUDA Programming Guide, "CUDA Environment Variables"): with a framework
that then sees none, that is the cause (no-device), not an unexplained symptom.

Texts written after public threads: traveller59/spconv#185, PyTorch's install page,
NVIDIA/TensorRT#149 and #2879, whisper-diarization#307, gpufit#147, pytorch#107300,
oobabooga/textgen#6804, tensorflow#8093."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fact, fails, read, signature_ids

SMI_118 = (
    "$ nvidia-smi\n"
    "+-----------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 520.61.05    Driver Version: 520.61.05    CUDA Version: 11.8     |\n"
    "|-------------------------------+----------------------+----------------------+\n"
    "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
    "|   0  NVIDIA A100 80G...  Off  | 00000000:21:00.0 Off |                    0 |\n"
    "+-------------------------------+----------------------+----------------------+\n"
)
NO_DRIVER = (
    "    torch._C._cuda_init()\n"
    "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA "
    "GPU and installed a driver from http://www.nvidia.com/Download/index.aspx\n"
)


# --- (a) a process's "no driver" beside a driver at work -----------------------------------


def test_no_driver_message_beside_a_working_driver_is_no_device() -> None:
    text = f"On the host:\n{SMI_118}\nInside the container (docker run -it img python app.py):\n{NO_DRIVER}"
    found = fails(text)
    assert "no-device" in found
    result = read(text)
    assert result is not None
    assert next(f for f in result.findings if f.status == "fail").category == "no-device"


def test_no_driver_message_alone_stays_no_driver() -> None:
    found = categories(f"$ python app.py\n{NO_DRIVER}")
    assert "no-driver" in found
    assert "no-device" not in found


def test_no_driver_message_with_a_driver_only_named_in_prose_stays_no_driver() -> None:
    text = f"I installed driver 535.104.05 yesterday.\n$ python app.py\n{NO_DRIVER}"
    result = read(text)
    assert result is not None
    first = next(f for f in result.findings if f.status == "fail")
    assert first.category == "no-driver"


# --- (b) the wheel index names the build ----------------------------------------------------


def test_cuda_index_install_beside_an_older_driver_is_driver_too_old() -> None:
    text = (
        f"{SMI_118}\n$ pip install torch --index-url https://download.pytorch.org/whl/cu121\n"
        ">>> torch.cuda.is_available()\nFalse\n"
    )
    assert "driver-too-old" in fails(text)
    result = read(text)
    assert result is not None
    assert fact(result, "frameworks.pytorch.build.cuda") == "12.1"


def test_cuda_index_install_the_driver_runs_stays_quiet() -> None:
    text = f"{SMI_118}\n$ pip3 install torch torchvision --index-url https://download.pytorch.org/whl/cu118\n"
    assert "driver-too-old" not in categories(text)


def test_cpu_index_install_still_reads_a_cpu_build() -> None:
    result = read("$ pip install torch==2.6.0 --index-url https://download.pytorch.org/whl/cpu\n")
    assert result is not None
    assert fact(result, "frameworks.pytorch.build.flavour") == "cpu"


# --- (c) a package named for a CUDA major the driver does not run ------------------------------


def test_cupy_for_cuda12_beside_a_cuda11_driver_is_driver_too_old() -> None:
    text = f"{SMI_118}\n$ pip list\ncupy-cuda12x   13.0.0\nnumpy          1.26.4\n"
    assert "driver-too-old" in fails(text)


def test_nvidia_cu12_library_wheel_beside_a_cuda11_driver_is_driver_too_old() -> None:
    text = f"{SMI_118}\n$ pip list\nonnxruntime-gpu   1.18.0\nnvidia-cudnn-cu12 9.1.0.70\n"
    assert "driver-too-old" in fails(text)


def test_cuda11_wheels_on_a_cuda11_driver_stay_quiet() -> None:
    text = f"{SMI_118}\n$ pip list\ncupy-cuda11x   13.0.0\nnvidia-cudnn-cu11 8.9.2.26\n"
    assert "driver-too-old" not in categories(text)


def test_cu12_wheel_beside_torch_built_for_the_drivers_major_is_a_warning() -> None:
    text = f"{SMI_118}\n$ pip list\ntorch   2.1.0+cu118\nnvidia-cublas-cu12 12.1.3.1\n"
    assert "driver-too-old" not in fails(text)
    assert "driver-too-old" in categories(text)


# --- (d) runtimes' own words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            "[11/05/2023-16:18:50] [W] [TRT] CUDA initialization failure with error: 35. Please "
            "check your CUDA installation:  http://docs.nvidia.com/cuda/cuda-installation-guide-linux/index.html\n",
            "driver-too-old",
        ),
        (
            "[E] [TRT] Cuda initialization failure with error 100. Please check cuda installation: "
            "http://docs.nvidia.com/cuda/cuda-installation-guide-linux/index.html.\n",
            "no-device",
        ),
        (
            "Transcribing with faster-whisper (large-v3)...\nInvalid handle. Cannot load symbol "
            "cublasLtCreate\nAborted (core dumped)\n",
            "missing-library",
        ),
        (
            "    prop = get_device_properties(device)\nRuntimeError: device >= 0 && device < num_gpus "
            'INTERNAL ASSERT FAILED at "../aten/src/ATen/cuda/CUDAContext.cpp":50, please report a '
            "bug to PyTorch.\n",
            "no-device",
        ),
    ],
)
def test_runtime_wording_fails_with_its_cause(text: str, category: str) -> None:
    assert category in fails(text)


def test_other_tensorrt_init_errors_stay_quiet() -> None:
    text = "[E] [TRT] Cuda initialization failure with error 2. Please check cuda installation\n"
    assert not {"driver-too-old", "no-device"} & categories(text)


def test_ctypes_dll_not_found_is_a_missing_library_warning() -> None:
    text = (
        "FileNotFoundError: Could not find module 'C:\\venv\\Lib\\site-packages\\pygpufit\\Gpufit.dll' "
        "(or one of its dependencies). Try using the full path with constructor syntax.\n"
    )
    assert "windows-ctypes-dll-not-found" in signature_ids(text)
    assert "missing-library" in categories(text)
    assert "missing-library" not in fails(text)


@pytest.mark.parametrize(
    "text",
    [
        '    raise RuntimeError("GPU is required to quantize or run quantize model.")\n'
        "RuntimeError: GPU is required to quantize or run quantize model.\n",
        "InvalidArgumentError: Cannot assign a device for operation MatMul: Could not satisfy "
        "explicit device specification '/device:GPU:0' because no devices matching that "
        "specification are registered in this process; available devices: "
        "/job:localhost/replica:0/task:0/device:CPU:0\n",
    ],
)
def test_no_device_family_wordings_warn(text: str) -> None:
    assert "no-device" in categories(text)
    assert "no-device" not in fails(text)


def test_a_healthy_tensorrt_start_stays_quiet() -> None:
    text = (
        "[I] [TRT] [MemUsageChange] Init CUDA: CPU +2, GPU +0, now: CPU 18, GPU 431 (MiB)\n"
        "[I] [TRT] Loaded engine size: 12 MiB\n"
    )
    assert not fails(text)


# --- (e) CUDA_VISIBLE_DEVICES hides every GPU ----------------------------------------------------


@pytest.mark.parametrize(
    "setting",
    [
        "$ export CUDA_VISIBLE_DEVICES=-1\n",
        '$ CUDA_VISIBLE_DEVICES="" python check.py\n',
        "$ export CUDA_VISIBLE_DEVICES=\n",
    ],
)
def test_hidden_gpus_with_torch_seeing_none_is_no_device(setting: str) -> None:
    text = f'{setting}$ python -c "import torch; print(torch.cuda.is_available())"\nFalse\n'
    assert "no-device" in fails(text)


@pytest.mark.parametrize(
    "setting",
    ["$ export CUDA_VISIBLE_DEVICES=0\n", "$ export CUDA_VISIBLE_DEVICES=0,1\n", ""],
)
def test_a_gpu_left_visible_stays_an_unexplained_symptom(setting: str) -> None:
    text = f'{setting}$ python -c "import torch; print(torch.cuda.is_available())"\nFalse\n'
    assert "no-device" not in fails(text)


def test_hidden_gpus_without_a_framework_failing_stay_quiet() -> None:
    text = "$ export CUDA_VISIBLE_DEVICES=-1  # run this test on the CPU\n$ pytest -q\n3 passed\n"
    result = read(text)
    assert result is None or "no-device" not in categories(text)
