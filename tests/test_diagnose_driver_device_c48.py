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

Texts written after public threads: traveller59/spconv#185 and PyTorch's install page."""

from __future__ import annotations

from tests.pastes import categories, fact, fails, read

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
