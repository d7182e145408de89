"""Session 47: a framework that answers that it cannot see a GPU is never a healthy paste, GPU
named or not (diagnosis/symptoms.py). The symptom in every shape people paste it: torch's
is_available() and device_count(), TensorFlow's device lists (2.x's list_physical_devices, 1.x's
device_lib rows, the guide's "Num GPUs Available"), jax.devices(), a torch script's "Using cpu
device". With nothing more in the text the finding says so (category other) and names the one
command per cause; a CPU build is inferred only from what the text shows (a GPU or driver at
work, Windows and the release, TensorFlow 1.x's CPU package). Each text is written here; each has a
neighbour that must stay quiet or healthy."""

from __future__ import annotations

from tests.pastes import fact, read, run

SMI_570 = "| NVIDIA-SMI 570.86.10    Driver Version: 570.86.10    CUDA Version: 12.8     |"
TORCH_FALSE = ">>> import torch\n>>> torch.cuda.is_available()\nFalse\n"


def _symptom(result):
    return [f for f in result.findings if f.id.startswith("symptom:")]


def _healthy(result) -> bool:
    return any(f.id == "healthy" for f in result.findings) and not _symptom(result)


def _one(text: str):
    result = run(text)
    (found,) = _symptom(result)
    assert found.status == "warn"
    assert not any(f.id == "healthy" for f in result.findings)
    return found


# --- torch -----------------------------------------------------------------------------------


def test_torch_false_alone_is_not_healthy_and_names_the_three_checks():
    found = _one(TORCH_FALSE)
    assert found.category == "other"
    assert "does not show why" in found.title
    assert {q.line for q in found.quotes} == {2, 3}
    for command in ("torch.version.cuda", "nvidia-smi", "CUDA_VISIBLE_DEVICES", "--gpus"):
        assert command in (found.fix or "")


def test_torch_true_neighbour_is_healthy():
    assert _healthy(run(">>> import torch\n>>> torch.cuda.is_available()\nTrue\n"))


def test_torch_one_liner_false():
    text = '$ python -c "import torch; print(torch.cuda.is_available())"\nFalse\n'
    assert _one(text).category == "other"


def test_torch_device_count_zero():
    found = _one(">>> import torch\n>>> torch.cuda.device_count()\n0\n")
    assert (found.id, found.category) == ("symptom:pytorch-no-gpu", "other")


def test_torch_device_count_one_is_healthy():
    assert _healthy(run(">>> import torch\n>>> torch.cuda.device_count()\n1\n"))


def test_torch_false_with_driver_answering_infers_the_cpu_build():
    """The driver shown at work next to the symptom: the build is the likeliest cause."""
    found = _one(TORCH_FALSE + SMI_570)
    assert found.category == "cpu-wheel-on-gpu"
    assert "inferred" in found.title


def test_torch_false_on_windows_unlabelled_is_pypi_cpu_wheel():
    text = "Windows 11\n>>> import torch\n>>> torch.__version__\n'2.5.1'\n" + TORCH_FALSE[15:]
    found = _one(text)
    assert (found.id, found.category) == ("symptom:pytorch-windows-pypi", "cpu-wheel-on-gpu")


def test_a_named_cause_wins_over_the_symptom():
    """torch's own "no NVIDIA driver" warning names the cause: no symptom finding beside it."""
    text = (
        ">>> import torch\n>>> torch.cuda.is_available()\n"
        "UserWarning: CUDA initialization: Found no NVIDIA driver on your system. Please check "
        "that you have an NVIDIA GPU and installed a driver from "
        "http://www.nvidia.com/Download/index.aspx\nFalse\n"
    )
    result = run(text)
    assert not _symptom(result)
    assert any(f.category == "no-driver" for f in result.findings)


def test_cpu_wanted_is_quiet():
    text = "We don't need a GPU for this, it is CPU only on purpose.\n" + TORCH_FALSE
    assert not _symptom(run(text))


def test_mac_false_is_quiet():
    """No CUDA on a Mac: torch's CUDA answer is False there with nothing wrong (MPS is the GPU)."""
    text = "macOS 14 on a MacBook Pro M2\n" + TORCH_FALSE
    assert not _symptom(run(text))


def test_rocm_named_is_not_this_symptom():
    text = "AMD Radeon RX 7900 XTX with ROCm 6.1\n" + TORCH_FALSE
    assert not any(f.id == "symptom:pytorch-no-gpu" for f in run(text).findings)


def test_cpu_machine_report_field_is_healthy():
    """A CPU-only machine's collect_env says "Is CUDA available: False" with nothing wrong: a
    report's field, not the user's check, and no GPU anywhere."""
    text = (
        "PyTorch version: 2.4.0+cpu\nIs debug build: False\nCUDA used to build PyTorch: None\n"
        "ROCM used to build PyTorch: N/A\n\nOS: Ubuntu 22.04.4 LTS (x86_64)\n"
        "Python version: 3.11.9 (64-bit runtime)\nIs CUDA available: False\n"
        "CUDA runtime version: No CUDA\nGPU models and configuration: No CUDA\n"
        "Nvidia driver version: No CUDA\n"
    )
    result = read(text)
    assert result is not None and not _symptom(result)


# --- torch scripts ----------------------------------------------------------------------------


def test_script_using_cpu_device_next_to_gpu():
    text = "$ python train.py\nUsing cpu device\n" + SMI_570
    found = _one(text)
    assert found.category == "cpu-wheel-on-gpu"
    assert 2 in {q.line for q in found.quotes}


def test_script_using_device_cpu_alone_is_no_symptom():
    """A script's log alone: a CPU machine prints it too, and the user asked nothing."""
    result = read("$ python train.py\nUsing device: cpu\nEpoch 1 loss 0.53\n")
    assert result is None or not _symptom(result)


def test_device_equals_cpu_alone_is_not_read():
    """ "device=cpu" outside an application's start-up log is a choice others name (ultralytics'
    own error text offers it). SD.Next's "Torch generator: device=cpu" beside an NVIDIA driver is
    read by app_logs.py as torch put on the CPU (tests/test_reading_app_logs_c47.py)."""
    text = "Use 'device=cpu' or pass valid CUDA device(s) if available\n" + SMI_570
    result = read(text)
    assert result is None or not _symptom(result)


# --- TensorFlow -------------------------------------------------------------------------------


def test_tf_empty_gpu_list_without_gpu_shown_is_other():
    text = (
        ">>> import tensorflow as tf\n>>> tf.__version__\n'2.17.0'\n"
        ">>> tf.config.list_physical_devices('GPU')\n[]\n"
    )
    assert _one(text).category == "other"


def test_tf_on_windows_after_2_10_is_the_cpu_build():
    text = (
        "Windows 10, python 3.11\n>>> import tensorflow as tf\n>>> tf.__version__\n'2.15.0'\n"
        ">>> tf.config.list_physical_devices('GPU')\n[]\n"
    )
    result = run(text)
    assert {(f.category, f.status) for f in result.findings} == {("cpu-wheel-on-gpu", "warn")}


def test_explaining_warning_does_not_leave_the_symptom_healthy():
    """Before session 47 the platform's warning (TensorFlow >= 2.11 has no Windows GPU build)
    stood next to a healthy note: the symptom shown makes the paste unhealthy whatever explains
    it; its neighbour without the GPU list (no symptom) keeps the note."""
    text = "Windows 10, python 3.11\n>>> import tensorflow as tf\n>>> tf.__version__\n'2.15.0'\n"
    assert not any(
        f.id == "healthy"
        for f in run(text + ">>> tf.config.list_physical_devices('GPU')\n[]\n").findings
    )
    assert any(f.id == "healthy" for f in run(text).findings)


def test_tf_guide_num_gpus_zero():
    text = (
        "import tensorflow as tf\n"
        'print("Num GPUs Available: ", len(tf.config.list_physical_devices("GPU")))\n'
        "Num GPUs Available:  0\n"
    )
    result = run(text)
    assert fact(result, "tf.gpu_visible") is False
    assert _one(text).category == "other"


def test_tf_guide_num_gpus_one_is_healthy():
    text = (
        "import tensorflow as tf\n"
        'print("Num GPUs Available: ", len(tf.config.list_physical_devices("GPU")))\n'
        "Num GPUs Available:  1\n"
    )
    result = read(text)
    assert result is None or _healthy(result)


_TF1_CPU_ROWS = (
    '[name: "/device:CPU:0"\ndevice_type: "CPU"\nmemory_limit: 268435456\nlocality {\n}\n'
    "incarnation: 16820838733360620967]\n"
)


def test_tf1_device_lib_cpu_only():
    text = (
        ">>> from tensorflow.python.client import device_lib\n"
        ">>> device_lib.list_local_devices()\n" + _TF1_CPU_ROWS
    )
    result = run(text)
    assert fact(result, "tf.gpu_visible") is False
    assert _one(text).category == "other"


def test_tf1_device_lib_cpu_only_with_release_is_the_cpu_package():
    text = (
        ">>> import tensorflow as tf\n>>> tf.__version__\n'1.14.0'\n"
        ">>> from tensorflow.python.client import device_lib\n"
        ">>> device_lib.list_local_devices()\n" + _TF1_CPU_ROWS
    )
    found = _one(text)
    assert (found.id, found.category) == (
        "symptom:tensorflow-tf1-cpu-package",
        "cpu-wheel-on-gpu",
    )


def test_tf1_device_lib_with_gpu_row_is_quiet():
    text = (
        ">>> device_lib.list_local_devices()\n" + _TF1_CPU_ROWS[:-2] + ', name: "/device:GPU:0"\n'
        'device_type: "GPU"\nmemory_limit: 10990990132\n]\n'
    )
    result = read(text)
    assert result is None or not _symptom(result)
    assert result is None or fact(result, "tf.gpu_visible") is not False


def test_tf_xla_gpu_only_is_its_own_cause():
    """XLA_GPU listed without GPU: the libraries did not load (tf_libraries.py), no symptom."""
    text = (
        ">>> device_lib.list_local_devices()\n"
        + _TF1_CPU_ROWS[:-2]
        + ', name: "/device:XLA_GPU:0"\n'
        'device_type: "XLA_GPU"\nmemory_limit: 17179869184\n]\n'
    )
    result = run(text)
    assert not _symptom(result)
    assert any(f.id == "build:tensorflow-xla-gpu-only" for f in result.findings)


# --- jax --------------------------------------------------------------------------------------


def test_jax_cpu_device_alone_is_other_not_the_cpu_jaxlib():
    """No GPU in the text: nothing says the jaxlib is at fault rather than the driver."""
    found = _one(">>> import jax\n>>> jax.devices()\n[CpuDevice(id=0)]\n")
    assert found.category == "other"
    assert "jax-cuda12-plugin" in (found.fix or "")


def test_jax_cpu_device_next_to_gpu_is_the_cpu_jaxlib():
    found = _one(">>> import jax\n>>> jax.devices()\n[CpuDevice(id=0)]\n" + SMI_570)
    assert found.category == "cpu-wheel-on-gpu"


def test_jax_cuda_device_is_healthy():
    assert _healthy(run(">>> import jax\n>>> jax.devices()\n[CudaDevice(id=0)]\n"))


def test_jax_fallback_warning_on_a_cpu_machine_is_quiet():
    """jax prints its fallback wherever it starts without an accelerator, asked or not."""
    text = (
        "$ python fit.py\nWARNING:absl:No GPU/TPU found, falling back to CPU. (Set "
        "TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)\nstep 100 loss 0.12\n"
    )
    result = read(text)
    assert result is None or not any(f.status == "fail" for f in result.findings)
    assert result is None or not _symptom(result)


# --- EasyOCR ----------------------------------------------------------------------------------


def test_easyocr_fallback_next_to_gpu():
    text = (
        "WARNING:easyocr.easyocr:Neither CUDA nor MPS are available - defaulting to CPU. Note: "
        "This module is much faster with a GPU.\n" + SMI_570
    )
    assert _one(text).category == "cpu-wheel-on-gpu"


def test_easyocr_own_cpu_choice_is_not_read():
    """gpu=False is the user's choice: EasyOCR says "Using CPU", no symptom."""
    text = "WARNING:easyocr.easyocr:Using CPU. Note: This module is much faster with a GPU.\n"
    result = read(text + SMI_570)
    assert result is None or not _symptom(result)


# --- retold and labelled answers --------------------------------------------------------------


def test_script_label_cuda_available_false_is_the_users_check():
    """print("CUDA available:", torch.cuda.is_available()) as scripts print it."""
    result = run("$ python check.py\nCUDA available:  False\n")
    assert fact(result, "frameworks.pytorch.cuda_available") is False
    assert _one("$ python check.py\nCUDA available:  False\n").category == "other"


def test_collect_env_field_is_not_the_script_label():
    """collect_env's "Is CUDA available: False" alone is a report's field: no symptom."""
    result = read("Is CUDA available: False\nCUDA runtime version: No CUDA\n")
    assert result is None or not _symptom(result)


def test_keeps_returning_false_is_read():
    text = "torch.cuda.is_available() keeps returning false\n"
    assert fact(run(text), "frameworks.pytorch.cuda_available") is False
    assert _one(text).category == "other"


def test_keeps_returning_true_is_healthy():
    text = "torch.cuda.is_available() keeps returning True but training is slow\n"
    result = read(text)
    assert result is None or _healthy(result)


def test_jax_on_native_windows_is_the_cpu_build_gpu_named_or_not():
    """jax publishes CUDA wheels for Linux only: on native Windows it is CPU-only."""
    text = "Windows 11 Pro\n>>> import jax\n>>> jax.devices()\n[CpuDevice(id=0)]\n"
    found = _one(text)
    assert (found.id, found.category) == ("symptom:jax-windows-jax", "cpu-wheel-on-gpu")


def test_jax_under_wsl_is_not_the_windows_build():
    text = "Ubuntu 22.04 under WSL2 on Windows 11\n>>> import jax\n>>> jax.devices()\n[CpuDevice(id=0)]\n"
    assert not any(f.id == "symptom:jax-windows-jax" for f in run(text).findings)


# --- the build shown beside the symptom ------------------------------------------------------


def test_conda_cpu_build_beside_the_symptom_is_the_cause_not_healthy():
    text = (
        "# Name                    Version                   Build  Channel\n"
        "pytorch                   2.1.0           cpu_py310h6a8f2e1_0    conda-forge\n"
        "pytorch-mutex             1.0                         cpu    pytorch\n" + TORCH_FALSE
    )
    result = run(text)
    assert any(f.category == "cpu-wheel-on-gpu" for f in result.findings)
    assert not any(f.id in ("healthy", "symptom:pytorch-no-gpu") for f in result.findings)


def test_windows_pip_freeze_unlabelled_torch_is_pypi_cpu_wheel():
    text = (
        "C:\\Users\\me> pip freeze\ntorch==2.3.1\ntorchvision==0.18.1\n"
        'C:\\Users\\me> python -c "import torch; print(torch.cuda.is_available())"\nFalse\n'
    )
    found = _one(text)
    assert (found.id, found.category) == ("symptom:pytorch-windows-pypi", "cpu-wheel-on-gpu")


def test_windows_pip_freeze_cuda_labelled_torch_is_not_the_pypi_wheel():
    text = (
        "C:\\Users\\me> pip freeze\ntorch==2.3.1+cu121\n"
        'C:\\Users\\me> python -c "import torch; print(torch.cuda.is_available())"\nFalse\n'
    )
    assert not any(f.id == "symptom:pytorch-windows-pypi" for f in run(text).findings)
