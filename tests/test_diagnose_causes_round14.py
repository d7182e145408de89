"""Issue 21, round 14 (21a): the causes behind the held-back set's misses, fixed in general and
tested on text written here (not the corpus cases): a conda build string read as the build of any
framework package with CPU and GPU variants (conda-forge's, anaconda's and the pytorch channel's
conventions, anaconda's selector meta-packages, conda's plan and download table), rocBLAS and
hipBLASLt's Tensile-library family, nvidia-smi's compute mode, vLLM's platform detection, Lightning's
"your machine only has: []", and a paste taken inside a Docker container."""

from __future__ import annotations

import pytest

from recommender.facts.reports.conda_builds import conda_flavour
from tests.pastes import run as _run
from tests.pastes import statuses

SMI = (
    "| NVIDIA-SMI 535.54.03              Driver Version: 535.54.03    CUDA Version: 12.2     |\n"
    "|   0  NVIDIA A100-PCIE-40GB          Off | 00000000:3F:00.0 Off |                    0 |\n"
)


# --- conda build strings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "version", "build", "want"),
    [
        ("jaxlib", "0.4.4", "cpu_py311h7146453_1", {"flavour": "cpu"}),
        ("jaxlib", "0.4.23", "cuda120py311h5ed9e9c_200", {"flavour": "cuda", "cuda": "12.0"}),
        ("jaxlib", "0.6.0", "cuda126_py312h2b9e2e6_200", {"flavour": "cuda", "cuda": "12.6"}),
        ("pytorch", "2.5.1", "cuda126_mkl_py312_h30b5a27_303", {"flavour": "cuda", "cuda": "12.6"}),
        ("pytorch", "2.5.1", "cpu_generic_py312_h9f0b2a1_3", {"flavour": "cpu"}),
        ("pytorch", "1.10.2", "cuda112py39h4de5995_1", {"flavour": "cuda", "cuda": "11.2"}),
        ("pytorch", "2.3.0", "gpu_cuda121_py312h9b7e9f2_301", {"flavour": "cuda", "cuda": "12.1"}),
        ("pytorch", "2.3.0", "cpu_mkl_py312h1a8f5b2_101", {"flavour": "cpu"}),
        ("pytorch", "2.3.0", "gpu_mps_py312h2f0b5c3_100", {}),
        ("pytorch", "2.1.0", "py3.10_cuda11.8_cudnn8.7.0_0", {"flavour": "cuda", "cuda": "11.8"}),
        ("pytorch", "2.1.0", "py3.10_cpu_0", {"flavour": "cpu"}),
        ("tensorflow-base", "2.4.1", "gpu_py38h8a7d6ce_0", {"flavour": "cuda"}),
        ("tensorflow-base", "2.3.0", "mkl_py37he9661a2_0", {"flavour": "cpu"}),
        ("tensorflow", "2.3.0", "eigen_py37h189e6a2_0", {"flavour": "cpu"}),
        ("tensorflow", "2.15.0", "cuda120py311hcf4b2d5_0", {"flavour": "cuda", "cuda": "12.0"}),
        ("tensorflow", "2.15.0", "cpu_py311h6ac8430_0", {"flavour": "cpu"}),
        ("_tflow_select", "2.1.0", "gpu", {"flavour": "cuda"}),
        ("_tflow_select", "2.3.0", "mkl", {"flavour": "cpu"}),
        ("_pytorch_select", "0.1", "cpu_0", {"flavour": "cpu"}),
        ("_pytorch_select", "0.2", "gpu_0", {"flavour": "cuda"}),
        ("pytorch-gpu", "2.5.1", "cuda126_mkl_h3b0a1f0_303", {"flavour": "cuda"}),
        ("pytorch-cpu", "2.5.1", "cpu_mkl_hfe3fa4b_103", {"flavour": "cpu"}),
        ("jax", "0.4.4", "pyhd8ed1ab_0", {}),
        ("pytorch", "2.1.0", "pypi_0", {}),
    ],
)
def test_conda_build_strings_of_each_channel(name, version, build, want) -> None:
    assert conda_flavour(name, version, build) == want


@pytest.mark.parametrize(
    "text",
    [
        # conda's plan, conda-forge jaxlib
        "  jaxlib             conda-forge/linux-64::jaxlib-0.4.23-cpu_py311h8b7d1c6_0\n",
        # a conda list, anaconda's selector
        "# Name                    Version                   Build  Channel\n"
        "_pytorch_select           0.1                       cpu_0\n",
        # a conda list, conda-forge pytorch
        "# Name                    Version                   Build  Channel\n"
        "pytorch                   2.5.1           cpu_generic_py312_h9f0b2a1_3    conda-forge\n",
        # conda's download table, anaconda tensorflow-base
        "    package                    |            build\n"
        "    ---------------------------|-----------------\n"
        "    tensorflow-base-2.3.0      |mkl_py37he9661a2_0        101.5 MB\n",
    ],
)
def test_a_cpu_build_string_is_a_cpu_build(text: str) -> None:
    result = _run(text)
    assert statuses(result, "cpu-wheel-on-gpu") == {"warn"}
    assert statuses(_run(SMI + text), "cpu-wheel-on-gpu") == {"fail"}


@pytest.mark.parametrize(
    "text",
    [
        "  jaxlib             conda-forge/linux-64::jaxlib-0.4.23-cuda120py311h5ed9e9c_200\n",
        "# Name                    Version                   Build  Channel\n"
        "_pytorch_select           0.2                       gpu_0\n"
        "pytorch                   1.12.1          cuda113py39h53c1284_0\n",
        "    _tflow_select-2.1.0        |              gpu           2 KB\n"
        "    tensorflow-base-2.4.1      |gpu_py38h8a7d6ce_0       195.2 MB\n",
    ],
)
def test_a_gpu_build_string_is_no_cpu_build(text: str) -> None:
    result = _run(SMI + text)
    assert "cpu-wheel-on-gpu" not in result.categories
    assert not result.failed


# --- rocBLAS / hipBLASLt: no Tensile kernels for the gfx target -------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "rocBLAS error: Cannot read /opt/venv/lib/python3.10/site-packages/torch/lib/rocblas/library/TensileLibrary.dat: No such file or directory",
        "rocBLAS error: Cannot read /opt/rocm/lib/rocblas/library/TensileLibrary_lazy_gfx1036.dat: No such file or directory for GPU arch : gfx1036",
        "rocBLAS error: Could not load /opt/rocm/lib/rocblas/library/TensileLibrary_gfx90c.dat",
        "rocblaslt error: Cannot read /opt/rocm/lib/hipblaslt/library/TensileLibrary_lazy_gfx1101.dat: No such file or directory",
        "rocBLAS error: Could not initialize Tensile library",
        "rocblaslt error: Could not initialize Tensile host: No devices found",
    ],
)
def test_rocblas_tensile_family_is_a_rocm_issue(line: str) -> None:
    result = _run(line + "\n")
    assert statuses(result, "rocm-issue") == {"fail"}


def test_rocblas_tensile_paths_warning_is_a_warning() -> None:
    line = "rocBLAS warning: No paths matched /opt/rocm/lib/rocblas/library/*gfx1030*co. Make sure that ROCBLAS_TENSILE_LIBPATH is set correctly."
    assert statuses(_run(line + "\n"), "rocm-issue") == {"warn"}


def test_a_tensile_tuning_note_is_no_rocm_issue() -> None:
    text = "Tensile: loaded TensileLibrary_gfx90a.dat from /opt/rocm/lib/rocblas/library\n"
    try:
        result = _run(text)
    except Exception:  # unread text: nothing recognised, which is the point
        return
    assert "rocm-issue" not in result.categories


# --- nvidia-smi's compute mode --------------------------------------------------------------------

_TABLE = """+-----------------------------------------------------------------------------+
| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |
|-------------------------------+----------------------+----------------------+
| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|===============================+======================+======================|
|   0  Tesla V100-SXM2...  On   | 00000000:06:00.0 Off |                    0 |
| N/A   40C    P0    60W / 300W | {m0:>6}MiB / 16160MiB |    {u0:>3}%  {c0:>10} |
+-------------------------------+----------------------+----------------------+
|   1  Tesla V100-SXM2...  On   | 00000000:07:00.0 Off |                    0 |
| N/A   41C    P0    61W / 300W | {m1:>6}MiB / 16160MiB |    {u1:>3}%  {c1:>10} |
+-------------------------------+----------------------+----------------------+
"""


@pytest.mark.parametrize(
    ("m0", "u0", "c0", "m1", "u1", "c1"),
    [
        (9000, 98, "E. Process", 13968, 100, "E. Process"),
        (4, 0, "Prohibited", 4, 0, "Prohibited"),
        (2311, 35, "E. Process", 4, 0, "Prohibited"),
    ],
)
def test_gpus_closed_by_their_compute_mode_are_no_device(m0, u0, c0, m1, u1, c1) -> None:
    text = _TABLE.format(m0=m0, u0=u0, c0=c0, m1=m1, u1=u1, c1=c1)
    assert statuses(_run(text), "no-device") == {"warn"}


@pytest.mark.parametrize(
    ("m0", "u0", "c0", "m1", "u1", "c1"),
    [
        (9000, 98, "Default", 13968, 100, "Default"),  # busy, but shared
        (4, 0, "E. Process", 0, 0, "E. Process"),  # exclusive, but free
    ],
)
def test_open_gpus_are_not_no_device(m0, u0, c0, m1, u1, c1) -> None:
    text = _TABLE.format(m0=m0, u0=u0, c0=c0, m1=m1, u1=u1, c1=c1)
    result = _run(text)
    assert "no-device" not in result.categories
    assert not result.failed


# --- vLLM's platform detection, Lightning's device parser ----------------------------------------


@pytest.mark.parametrize(
    ("line", "status"),
    [
        (
            "RuntimeError: Failed to infer device type, please set the environment variable `VLLM_LOGGING_LEVEL=DEBUG` to turn on verbose logging to help debug the issue.",
            "fail",
        ),
        ("RuntimeError: Failed to infer device type", "fail"),
        (
            "INFO 08-11 04:15:03 [__init__.py:243] No platform detected, vLLM is running on UnspecifiedPlatform",
            "warn",
        ),
    ],
)
def test_vllm_without_a_platform_is_no_device(line: str, status: str) -> None:
    assert statuses(_run(line + "\n"), "no-device") == {status}


def test_vllm_detecting_its_platform_is_healthy() -> None:
    text = "INFO 03-11 14:47:27 __init__.py:207] Automatically detected platform cuda.\n" + SMI
    result = _run(text)
    assert "no-device" not in result.categories
    assert not result.failed


@pytest.mark.parametrize(
    "text",
    [
        "pytorch_lightning.utilities.exceptions.MisconfigurationException: You requested GPUs: [0]\n But your machine only has: []\n",
        "lightning.fabric.utilities.exceptions.MisconfigurationException: You requested gpu: [0, 1]\nBut your machine only has: []\n",
    ],
)
def test_lightning_finding_no_gpu_at_all(text: str) -> None:
    assert statuses(_run(text), "cpu-wheel-on-gpu") == {"warn"}
    assert statuses(_run(SMI + text), "cpu-wheel-on-gpu") == {"fail"}


def test_lightning_short_of_gpus_is_not_a_cpu_build() -> None:
    text = "MisconfigurationException: You requested gpu: [0, 1, 2, 3]\nBut your machine only has: [0]\n"
    try:
        result = _run(text)
    except Exception:  # unread: nothing known in it
        return
    assert "cpu-wheel-on-gpu" not in result.categories


# --- a paste taken inside a container -------------------------------------------------------------

_COLLECT_ENV = """{prompt} python -m torch.utils.collect_env
Collecting environment information...
PyTorch version: 2.3.1+cu121
Is debug build: False
CUDA used to build PyTorch: 12.1
ROCM used to build PyTorch: N/A

OS: Ubuntu 22.04.4 LTS (x86_64)
Python version: 3.10.12 (main, Nov 20 2023, 15:14:05) [GCC 11.4.0] (64-bit runtime)
Is CUDA available: False
CUDA runtime version: No CUDA
GPU models and configuration: No CUDA
Nvidia driver version: No CUDA
cuDNN version: No CUDA
"""


@pytest.mark.parametrize(
    "prompt", ["root@3f2a9c1b7d4e:/workspace#", "root@a415f4b646e3:~#", "root@0123456789ab:/app$"]
)
def test_no_gpu_inside_a_container_is_a_container_without_gpus(prompt: str) -> None:
    result = _run(_COLLECT_ENV.format(prompt=prompt))
    assert "no-device" in result.categories
    assert "no-driver" not in result.categories


@pytest.mark.parametrize("prompt", ["user@workstation:~$", "root@gpu-node-17:/home/me#", "$"])
def test_no_gpu_outside_a_container_stays_no_driver(prompt: str) -> None:
    result = _run(_COLLECT_ENV.format(prompt=prompt))
    assert "no-driver" in result.categories
    assert "no-device" not in result.categories


_SESSION = """{command}
>>> import torch
>>> torch.cuda.is_available()
False
"""


@pytest.mark.parametrize(
    "command",
    [
        "$ sudo docker run -it pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime python",
        "docker run --rm -it -v $PWD:/work my-training-image python",
        "PS C:\\> docker run -it --shm-size 8g nvcr.io/nvidia/pytorch:24.01-py3 python",
    ],
)
def test_a_container_started_without_gpus_is_no_device(command: str) -> None:
    result = _run(_SESSION.format(command=command))
    assert statuses(result, "no-device") == {"warn"}


@pytest.mark.parametrize(
    "command",
    [
        "$ docker run --gpus all -it pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime python",
        "$ docker run --runtime=nvidia -it my-image python",
        "$ nvidia-docker run -it my-image python",
        "$ docker run -e NVIDIA_VISIBLE_DEVICES=0 --runtime nvidia -it my-image python",
        "$ docker run -it \\",  # continued: the GPU flags may follow
    ],
)
def test_a_container_given_gpus_is_not_called_gpu_less(command: str) -> None:
    result = _run(_SESSION.format(command=command))
    assert not any(f.id == "device:container-without-gpus" for f in result.findings)
