"""Issue 21, precision round 2: one cause, one fail. A symptom a root cause explains becomes a note
under it (a driver-version mismatch, WSL 1, no driver, a TPU host, TensorFlow built for another
CUDA); a finding is read in the setting the paste states (WSL 2, a container); direct evidence
demotes a fail it contradicts (a loaded kernel driver, jax's CUDA plugin); report-only inferences
(an old macOS, an unlabelled companion, a CUDA build on a host without a GPU) need evidence that
the paste is about that hardware. Each rule: a text that must still fail, and its healthy or
single-cause counterpart. Texts written here, not taken from the corpus."""

from __future__ import annotations

import pytest

from recommender.facts.reports import NothingFound
from recommender.pipeline import diagnose
from tests.pastes import failing_with_also


def _healthy(text: str) -> bool:
    return not diagnose(text, "paste.txt").failed


_NO_DEVICE = "E tensorflow/stream_executor/cuda/cuda_driver.cc:406] failed call to cuInit: CUDA_ERROR_NO_DEVICE\n"
_SMI_FAILS = (
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure "
    "that the latest NVIDIA driver is installed and running.\n"
)


@pytest.mark.parametrize(
    "mismatch",
    [
        "E tensorflow/stream_executor/cuda/cuda_diagnostics.cc:303] kernel version 384.130.0 "
        "does not match DSO version 375.66.0 -- cannot find working devices in this configuration\n",
        "I cuda_diagnostics.cc:189] libcuda reported version is: 384.111.0\n"
        "I cuda_diagnostics.cc:193] kernel reported version is: 384.90.0\n",
    ],
)
def test_no_device_under_a_driver_mismatch_is_its_symptom(mismatch: str) -> None:
    fails = failing_with_also(_NO_DEVICE + mismatch)
    assert set(fails) == {"driver-mismatch"}
    assert "no-device" in fails["driver-mismatch"]
    # alone, the same cuInit line still fails
    assert "no-device" in failing_with_also(_NO_DEVICE)


def test_wsl1_explains_nvidia_smi_failing() -> None:
    text = "uname -r\n4.4.0-19041-Microsoft\n$ nvidia-smi\n" + _SMI_FAILS
    fails = failing_with_also(text)
    assert set(fails) == {"wsl1"}
    assert "no-driver" in fails["wsl1"]
    assert set(failing_with_also("$ nvidia-smi\n" + _SMI_FAILS)) == {"no-driver"}


def test_no_driver_explains_no_gpus_available() -> None:
    text = "$ nvidia-smi\n" + _SMI_FAILS + "RuntimeError: No CUDA GPUs are available\n"
    assert set(failing_with_also(text)) == {"no-driver"}
    assert set(failing_with_also("RuntimeError: No CUDA GPUs are available\n")) == {"no-device"}


@pytest.mark.parametrize(
    "container",
    [
        "$ docker run -it myimage bash\n",
        "I run it inside the container built from our Dockerfile.\n",
        "$ podman run --rm -it image\n",
    ],
)
def test_nvidia_smi_missing_in_a_container_is_no_device(container: str) -> None:
    for smi in ("bash: nvidia-smi: command not found\n", _SMI_FAILS):
        fails = failing_with_also(container + smi)
        assert set(fails) == {"no-device"}, (container, smi)
        assert "no-driver" in fails["no-device"]
    # on a host, the same line says no driver
    assert set(failing_with_also("bash: nvidia-smi: command not found\n")) == {"no-driver"}


def test_under_wsl2_the_driver_side_failure_is_wsl() -> None:
    wsl2 = "Python platform: Linux-5.15.133.1-microsoft-standard-WSL2-x86_64-with-glibc2.35\n"
    text = (
        wsl2
        + _SMI_FAILS
        + "cudaGetDeviceCount returned 100\n-> no CUDA-capable device is detected\n"
    )
    fails = failing_with_also(text)
    assert set(fails) == {"wsl-issue"}
    assert "no-driver" in fails["wsl-issue"]


def test_a_tpu_host_makes_the_cuda_probe_a_note() -> None:
    probe = "Unable to initialize backend 'cuda': FAILED_PRECONDITION: No visible GPU devices.\n"
    tpu = "Unable to initialize backend 'tpu': module 'jaxlib.xla_extension' has no attribute 'get_tpu_client'\n"
    assert set(failing_with_also(probe + tpu)) == {"tpu-issue"}
    assert set(failing_with_also(probe)) == {"no-device"}


_TF213 = (
    "### TensorFlow version\n\n2.13.0\n\n### OS platform and distribution\n\nLinux Ubuntu 20.04\n\n"
    "### CUDA/cuDNN version\n\nCUDA 12.0 / cuDNN 8.9.4\n\n"
    "### GPU model and memory\n\nNVIDIA GeForce RTX 3090 24GB\n\n"
)
_STUB = "I tensorflow/tsl/cuda/cudart_stub.cc:28] Could not find cuda drivers on your machine, GPU will not be used.\n"


def test_tensorflow_built_for_another_cuda_explains_its_missing_runtime() -> None:
    fails = failing_with_also(_TF213 + _STUB)
    assert set(fails) == {"version-mismatch"}
    assert "missing-library" in fails["version-mismatch"]
    # a GPU machine without the mismatch: the missing runtime stays the fail
    assert "missing-library" in failing_with_also("GPU 0: NVIDIA GeForce RTX 3090\n" + _STUB)


_LIBCUDA = (
    "GPU 0: NVIDIA GeForce RTX 3090\n"
    "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
    "library 'libcuda.so.1'; dlerror: libcuda.so.1: cannot open shared object file: No such file "
    "or directory\n"
    "W tensorflow/stream_executor/cuda/cuda_driver.cc:269] failed call to cuInit: UNKNOWN ERROR (303)\n"
)


def test_a_loaded_kernel_driver_contradicts_no_driver() -> None:
    kernel = "I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:204] kernel reported version is: 460.91.3\n"
    assert set(failing_with_also(_LIBCUDA + kernel)) == {"missing-library"}
    # no driver shown: the missing libcuda is the missing driver, one fail
    fails = failing_with_also(_LIBCUDA)
    assert set(fails) == {"no-driver"}
    assert "missing-library" in fails["no-driver"]


def test_jax_cuda_plugin_shown_contradicts_cpu_jaxlib() -> None:
    fallback = (
        "WARNING:jax._src.xla_bridge:794] An NVIDIA GPU may be present on this machine, but a "
        "CUDA-enabled jaxlib is not installed. Falling back to cpu.\n"
    )
    plugin = (
        "ERROR:jax._src.xla_bridge:444] Jax plugin configuration error: Exception when calling "
        "jax_plugins.xla_cuda12.initialize()\nRuntimeError: Unable to load cuSPARSE. Is it installed?\n"
    )
    assert "cpu-wheel-on-gpu" not in failing_with_also(plugin + fallback)
    assert "cpu-wheel-on-gpu" in failing_with_also("import jax\n" + fallback)


_MAC_ENV = (
    "PyTorch version: {torch}\nIs debug build: No\nCUDA used to build PyTorch: None\n\n"
    "OS: Mac OSX 10.14.6\nGCC version: Could not collect\n\nPython version: 3.7\n"
    "Is CUDA available: No\nCUDA runtime version: No CUDA\nGPU models and configuration: No CUDA\n"
    "Nvidia driver version: No CUDA\ncuDNN version: No CUDA\n"
)


def test_old_macos_fails_mps_only_where_the_paste_uses_mps() -> None:
    assert _healthy(_MAC_ENV.format(torch="1.4.0"))
    used = _MAC_ENV.format(torch="2.1.0") + "x = torch.ones(1, device='mps')\n"
    assert "mps-issue" in failing_with_also(used)


_CONDA_ENV = (
    "PyTorch version: {torch}\nIs debug build: False\nCUDA used to build PyTorch: {cuda}\n"
    "OS: Ubuntu 20.04.3 LTS (x86_64)\nPython version: 3.8\nIs CUDA available: True\n"
    "GPU models and configuration: GPU 0: NVIDIA GeForce RTX 3090\n"
    "Nvidia driver version: 510.47.03\n"
    "Versions of relevant libraries:\n[pip3] torch=={torch}\n[pip3] torchvision==0.11.3\n"
)


def test_unlabelled_companions_are_pypi_builds_only_next_to_a_labelled_torch() -> None:
    # conda's torch carries no label either: nothing says the companions came from PyPI
    assert _healthy(_CONDA_ENV.format(cuda="11.3", torch="1.10.2"))
    # torch from the cu113 index (labelled), torchvision from PyPI (cu102): still a mismatch
    assert "version-mismatch" in failing_with_also(
        _CONDA_ENV.format(cuda="11.3", torch="1.10.2+cu113")
    )


_HOST_ENV = (
    "Collecting environment information...\n==============================\n"
    "        System Info\n==============================\n"
    "OS                           : Debian GNU/Linux 11 (bullseye) (x86_64)\n\n"
    "==============================\n       PyTorch Info\n==============================\n"
    "PyTorch version              : 2.8.0+cu128\n"
    "CUDA used to build PyTorch   : 12.8\n\n"
    "==============================\n      Python Environment\n==============================\n"
    "Python platform              : Linux-6.12.46+-x86_64-with-glibc2.31\n\n"
    "==============================\n       CUDA / GPU Info\n==============================\n"
    "Is CUDA available            : False\n"
    "CUDA runtime version         : No CUDA\n"
    "GPU models and configuration : No CUDA\n"
    "Nvidia driver version        : No CUDA\n"
)


def test_a_cuda_build_on_a_host_without_a_gpu_is_not_a_fail() -> None:
    assert _healthy(_HOST_ENV)
    trouble = "Why does torch not use CUDA here?\n" + _HOST_ENV
    assert "no-driver" in failing_with_also(trouble)


@pytest.mark.parametrize(
    "noise",
    [
        "E external/local_xla/xla/stream_executor/cuda/cuda_dnn.cc:9261] Unable to register cuDNN "
        "factory: Attempting to register factory for plugin cuDNN when one has already been registered\n",
        "W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT\n",
        "I tensorflow/core/platform/cpu_feature_guard.cc:182] This TensorFlow binary is optimized to "
        "use available CPU instructions in performance-critical operations.\n",
        "I external/local_xla/xla/stream_executor/cuda/cuda_executor.cc:901] successful NUMA node "
        "read from SysFS had negative value (-1), but there must be at least one NUMA node, so "
        "returning NUMA node zero.\n",
    ],
)
def test_tensorflow_start_up_noise_never_fails_alone(noise: str) -> None:
    smi = "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    assert _healthy(smi + noise)
    try:
        assert _healthy(noise)
    except NothingFound:  # unreadable alone: exit 2, never a fail
        pass


def test_torch_stating_cuda_available_contradicts_no_driver() -> None:
    smi = 'invalid literal for int() with base 10: "' + _SMI_FAILS.strip() + '"\n'
    for said in (
        "Torch: CUDA available (torch.cuda.is_available() == True)\n",
        "torch.cuda.is_available() returns True on this box.\n",
    ):
        assert "no-driver" not in failing_with_also(
            "GPU: NVIDIA GeForce RTX 4070\n" + said + smi
        ), said
    # without it, the failing nvidia-smi still fails
    assert "no-driver" in failing_with_also("GPU: NVIDIA GeForce RTX 4070\n" + smi)


_JAX_PAIR = "jax:    0.6.1.dev20250428+7ff68f9de\njaxlib: 0.5.0\nnumpy:  2.2.5\n"


def test_jax_env_info_proves_jax_and_jaxlib_load_together() -> None:
    ran = _JAX_PAIR + "python: 3.11.10\n{}process_count: 1\n"
    for devices in (
        "jax.devices (1 total, 1 local): [CudaDevice(id=0)]\n",
        'device info: NVIDIA GeForce RTX 3050 Ti Laptop GPU-1, 1 local devices"\n',
    ):
        assert "version-mismatch" not in failing_with_also(ran.format(devices))
    # versions typed by hand (nothing jax printed itself): the pairing check still speaks
    assert "version-mismatch" in failing_with_also("jax: 0.6.1\njaxlib: 0.5.0\n")
