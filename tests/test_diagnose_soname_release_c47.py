"""A missing library whose file name carries another release than the one installed (issue 21,
session 47, engineer V): the installed CUDA read from conda's and pip's CUDA packages (cudatoolkit,
cuda-version, cuda-cudart, pytorch-cuda, nvidia-cuda-runtime 13), from the toolkit's own reports
(version.json, which the readers already kept as a fact) and from a Windows toolkit directory
(``CUDA\\v12.1``) or an HPC module (``cuda/11.8``); NVRTC's file names (``libnvrtc.so.11.2`` is every
CUDA 11 from 11.2 on, ``nvrtc64_120_0.dll`` CUDA 12); and HIP's runtime of another ROCm major.
Each paste is written here; each has a quiet counterpart where the installed release is the one the
file name carries, so the missing library stays a missing library."""

from __future__ import annotations

import pytest

from tests.pastes import categories, read

_CUDART_11 = (
    "ImportError: libcudart.so.11.0: cannot open shared object file: No such file or directory"
)
_CUDART_WIN = (
    "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
    "library 'cudart64_110.dll'; dlerror: cudart64_110.dll not found"
)


def _finding(text: str, key: str):
    result = read(text)
    assert result is not None
    return next((f for f in result.findings if f.id.endswith(key)), None)


# --- the installed CUDA in package lists ---------------------------------------------------------


@pytest.mark.parametrize(
    ("listing", "installed"),
    [
        ("cudatoolkit               10.2.89              hfd86e86_1", "10.2"),
        ("cuda-version              12.1                 h1d6eff3_3    conda-forge", "12.1"),
        ("cuda-cudart               12.1.105                      0    nvidia", "12.1"),
        ("pytorch-cuda              12.1                 ha16c6d3_5    pytorch", "12.1"),
        ("nvidia-cuda-runtime       13.0.96", "13.0"),
        ("  - cudatoolkit=10.1", "10.1"),
    ],
)
def test_cuda_package_of_another_release_warns(listing: str, installed: str) -> None:
    text = f"{_CUDART_11}\n\n$ conda list\n{listing}\n"
    found = _finding(text, "library-cuda-release")
    assert found is not None and found.category == "version-mismatch"
    assert found.status == "warn" and f"CUDA {installed}" in found.detail
    assert "missing-library" in found.also
    assert len(found.quotes) >= 2  # the asked-for library and the installed release


@pytest.mark.parametrize(
    "listing",
    [
        "cudatoolkit               11.3.1               h2bc3f7f_2",
        "cuda-version              11.8                 h70ddcb2_3    conda-forge",
        "pytorch-cuda              11.7                 h778d358_5    pytorch",
        "nvidia-cuda-runtime-cu11  11.7.99",
    ],
)
def test_cuda_package_of_the_same_release_stays_missing_library(listing: str) -> None:
    found = categories(f"{_CUDART_11}\n\n$ conda list\n{listing}\n")
    assert "missing-library" in found and "version-mismatch" not in found


def test_version_json_toolkit_is_the_installed_release() -> None:
    text = (
        f"{_CUDART_11}\n$ cat /usr/local/cuda/version.json | head -4\n{{\n"
        '   "cuda" : {\n      "name" : "CUDA SDK",\n      "version" : "12.2.2"\n'
    )
    found = _finding(text, "library-cuda-release")
    assert found is not None and "CUDA 12.2" in found.detail


def test_version_json_of_the_same_release_is_quiet() -> None:
    text = (
        f"{_CUDART_11}\n$ cat /usr/local/cuda/version.json | head -4\n{{\n"
        '   "cuda" : {\n      "name" : "CUDA SDK",\n      "version" : "11.4.4"\n'
    )
    assert "version-mismatch" not in categories(text)


# --- the installed CUDA as a directory -------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    [
        r"CUDA_PATH=C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v12.1",
        r"PATH includes C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v12.1\bin",
        "$ module load cuda/12.1",
    ],
)
def test_toolkit_directory_of_another_release_warns(where: str) -> None:
    found = _finding(f"{_CUDART_WIN}\n{where}\n", "library-cuda-release")
    assert found is not None and "CUDA 12.1" in found.detail


@pytest.mark.parametrize(
    "where",
    [
        r"CUDA_PATH=C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v11.2",
        "$ module load cuda/11.8",
    ],
)
def test_toolkit_directory_of_the_same_release_is_quiet(where: str) -> None:
    assert "version-mismatch" not in categories(f"{_CUDART_WIN}\n{where}\n")


def test_a_device_or_a_plain_directory_is_not_a_release() -> None:
    text = f"{_CUDART_11}\nexport CUDA_HOME=/usr/local/cuda/\nx = x.to('cuda:1')\n"
    assert "version-mismatch" not in categories(text)


# --- NVRTC's names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "installed"),
    [
        ("OSError: libnvrtc.so.11.2: cannot open shared object file", "10.2"),
        ("OSError: libnvrtc.so.12: cannot open shared object file", "11.8"),
        ("OSError: libnvrtc.so.10.1: cannot open shared object file", "11.3"),
        ("Could not load library nvrtc64_120_0.dll", "11.8"),
        ("Could not load library nvrtc64_112_0.dll", "12.4"),
    ],
)
def test_nvrtc_of_another_release_warns(asked: str, installed: str) -> None:
    text = f"{asked}\nCuda compilation tools, release {installed}, V{installed}.89\n"
    found = _finding(text, "library-cuda-release")
    assert found is not None and f"CUDA {installed}" in found.detail


@pytest.mark.parametrize(
    ("asked", "installed"),
    [
        ("OSError: libnvrtc.so.11.2: cannot open shared object file", "11.8"),
        ("OSError: libnvrtc.so.11.2: cannot open shared object file", "11.2"),
        ("OSError: libnvrtc.so.12: cannot open shared object file", "12.4"),
        ("OSError: libnvrtc.so.10.1: cannot open shared object file", "10.1"),
        ("Could not load library nvrtc64_120_0.dll", "12.4"),
        ("Could not load library nvrtc64_112_0.dll", "11.6"),
    ],
)
def test_nvrtc_of_the_installed_release_is_quiet(asked: str, installed: str) -> None:
    text = f"{asked}\nCuda compilation tools, release {installed}, V{installed}.89\n"
    assert "version-mismatch" not in categories(text)


def test_nvrtc_11_0_is_not_cuda_11_2s() -> None:
    text = (
        "OSError: libnvrtc.so.11.0: cannot open shared object file\n"
        "Cuda compilation tools, release 11.8, V11.8.89\n"
    )
    found = _finding(text, "library-cuda-release")
    assert found is not None and "11.0" in found.detail


# --- HIP's runtime of another ROCm major ------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "installed"),
    [
        (5, "ROCm 6.2.0 is installed at /opt/rocm-6.2.0"),
        (6, "torch                2.0.1+rocm5.4.2"),
        (7, "$ ls /opt\nrocm-6.4.1"),
        (5, "Using /opt/rocm-7.0.1/lib"),
    ],
)
def test_hip_runtime_of_another_rocm_warns(asked: int, installed: str) -> None:
    text = (
        f"ImportError: libamdhip64.so.{asked}: cannot open shared object file: "
        f"No such file or directory\n{installed}\n"
    )
    found = _finding(text, "hip-rocm-release")
    assert found is not None and found.category == "version-mismatch"
    assert found.status == "warn" and "missing-library" in found.also
    assert f"libamdhip64.so.{asked}" in found.detail


@pytest.mark.parametrize(
    ("asked", "installed"),
    [
        (6, "ROCm 6.2.0 is installed at /opt/rocm-6.2.0"),
        (5, "torch                2.0.1+rocm5.4.2"),
        (6, "nothing else here"),
        (6, "pytorch-triton-rocm==2.1.0"),
        (6, "tensorflow-rocm==2.14.0.600"),
    ],
)
def test_hip_runtime_of_the_installed_rocm_is_quiet(asked: int, installed: str) -> None:
    text = (
        f"ImportError: libamdhip64.so.{asked}: cannot open shared object file: "
        f"No such file or directory\n{installed}\n"
    )
    assert _finding(text, "hip-rocm-release") is None


def test_hip_runtime_opened_is_quiet() -> None:
    text = (
        "I tensorflow/stream_executor/platform/default/dso_loader.cc:48] Successfully opened "
        "dynamic library libamdhip64.so.5\nROCm 6.0.2\n"
    )
    assert _finding(text, "hip-rocm-release") is None


# --- a TensorFlow custom op of another TensorFlow major -------------------------------------------


@pytest.mark.parametrize(
    ("asked", "installed"),
    [(1, "tensorflow                2.1.0"), (2, "tensorflow-gpu==1.15.0")],
)
def test_custom_op_of_another_tensorflow_major_warns(asked: int, installed: str) -> None:
    text = (
        "tensorflow.python.framework.errors_impl.NotFoundError: "
        f"libtensorflow_framework.so.{asked}: cannot open shared object file: No such file or "
        'directory\n  File "/usr/lib/python3/site-packages/tensorflow_addons/utils/resource_loader'
        f'.py", line 49, in ops\n$ pip list\n{installed}\n'
    )
    found = _finding(text, "tf-framework-release")
    assert found is not None and found.category == "version-mismatch"
    assert found.status == "warn" and "missing-library" in found.also


@pytest.mark.parametrize(
    ("asked", "installed"),
    [(2, "tensorflow                2.1.0"), (1, "tensorflow-gpu==1.15.0"), (2, "")],
)
def test_custom_op_of_the_installed_tensorflow_major_is_quiet(asked: int, installed: str) -> None:
    text = (
        f"NotFoundError: libtensorflow_framework.so.{asked}: cannot open shared object file: "
        f"No such file or directory\n{installed}\n"
    )
    assert _finding(text, "tf-framework-release") is None


# --- cuDNN's conda package ---------------------------------------------------------------------

_CUDNN_8 = (
    "Could not load library libcudnn_cnn_infer.so.8. Error: libcudnn_cnn_infer.so.8: cannot open "
    "shared object file: No such file or directory"
)


@pytest.mark.parametrize(
    "listing",
    [
        "cudnn                     9.1.1.17             cuda12_0    conda-forge",
        "  - cudnn=9.3.0",
    ],
)
def test_conda_cudnn_of_another_major_is_the_cause(listing: str) -> None:
    result = read(f"{_CUDNN_8}\n$ conda list\n{listing}\n")
    assert result is not None
    assert "version-mismatch" in result.categories


@pytest.mark.parametrize(
    "listing",
    [
        "cudnn                     8.9.7.29             h0a5f8ac_0    conda-forge",
        "cudnn-frontend            1.5.2                pypi_0    pypi",
    ],
)
def test_conda_cudnn_of_the_same_major_or_another_package_is_quiet(listing: str) -> None:
    found = categories(f"{_CUDNN_8}\n{listing}\n")
    assert "missing-library" in found
    assert "version-mismatch" not in found


# --- NVIDIA's cuDNN archive names ------------------------------------------------------------------

_CUDNN_DLL = (
    "Could not load dynamic library 'cudnn64_{major}.dll'; dlerror: cudnn64_{major}.dll not found"
)


@pytest.mark.parametrize(
    ("asked", "archive"),
    [
        (7, "cudnn-10.1-windows10-x64-v8.0.5.39.zip"),
        (8, "cudnn-windows-x86_64-9.1.0.70_cuda12-archive.zip"),
        (9, "cudnn-linux-x86_64-8.9.7.29_cuda12-archive.tar.xz"),
    ],
)
def test_cudnn_archive_of_another_major_is_the_mismatch(asked: int, archive: str) -> None:
    text = f"{_CUDNN_DLL.format(major=asked)}\nI extracted {archive} into the CUDA folder\n"
    assert "version-mismatch" in categories(text)


@pytest.mark.parametrize(
    ("asked", "archive"),
    [
        (8, "cudnn-11.2-windows-x64-v8.1.0.77.zip"),
        (7, "cudnn-10.0-windows10-x64-v7.6.5.32.zip"),
        (8, "cudnn-windows-x86_64-8.9.7.29_cuda12-archive.zip"),
    ],
)
def test_cudnn_archive_of_the_same_major_is_not_read_as_its_cuda(asked: int, archive: str) -> None:
    text = f"{_CUDNN_DLL.format(major=asked)}\nI extracted {archive} into the CUDA folder\n"
    found = categories(text)
    assert "missing-library" in found and "version-mismatch" not in found
