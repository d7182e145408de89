"""Issue 21, blind round 28 (TensorFlow and Keras, every era): the causes its misses showed, fixed
in general and tested on text written here (not the corpus cases):

- a library TensorFlow could not open is a version fact: its soname belongs to some CUDA/cuDNN
  releases (``libcusolver.so.10`` to CUDA 10.1-11.0, ``cudart64_100.dll`` to 10.0,
  ``libcudnn.so.8`` to cuDNN 8), so next to an installed release that never ships that name the
  build (a release, a nightly, a community wheel) was made for another one;
- the Windows preload check of TensorFlow 1.x-2.0 (``Could not find 'X.dll'. TensorFlow
  requires ...``), nvcuda.dll being the driver's own DLL;
- a device list with an XLA_GPU and no GPU (TensorFlow 1.14-2.3): the libraries did not load;
- the tested-configuration table compares the CUDA releases whose libraries share sonames (11.0
  apart from 11.1+), reads the toolkit's own nvcc line where the template has no CUDA answer, and
  knows TensorFlow 1.0-1.4 (CUDA 8 with cuDNN 5.1 or 6).
"""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, run, signature_ids, status


def _template(tf: str, cuda: str, extra: str = "") -> str:
    return (
        "**System information**\n"
        "- OS Platform and Distribution (e.g., Linux Ubuntu 16.04): Ubuntu 18.04\n"
        "- TensorFlow installed from (source or binary): binary\n"
        f"- TensorFlow version: {tf}\n"
        "- Python version: 3.8\n"
        f"- CUDA/cuDNN version: {cuda}\n"
        "- GPU model and memory: GeForce GTX 1080 Ti\n" + extra
    )


def _dso(lib: str) -> str:
    return (
        "2021-02-03 10:11:12.123456: W tensorflow/stream_executor/platform/default/"
        f"dso_loader.cc:60] Could not load dynamic library '{lib}'; dlerror: {lib}: cannot open "
        "shared object file: No such file or directory\n"
    )


# --- a library name that belongs to another CUDA/cuDNN release --------------------------------


@pytest.mark.parametrize(
    ("tf", "stated", "lib"),
    [
        ("2.3.1", "10.0 / 7.6", "libcudart.so.10.1"),  # CUDA 10.1 soname, 10.0 installed
        ("tf-nightly 2.5.0.dev20201120", "11.2 / 8.0", "libcusolver.so.10"),  # 10.1-11.0 only
        ("2.13.0", "11.8 / 8.6", "libcufft.so.11"),  # CUDA 12's cuFFT
        ("1.12.0", "9.2 / 7.1", "libcublas.so.9.0"),  # TF 1.x: the toolkit's own major.minor
    ],
)
def test_a_library_of_another_cuda_release_is_a_version_mismatch(
    tf: str, stated: str, lib: str
) -> None:
    result = run(_template(tf, stated, "\n" + _dso(lib)))
    assert status(result, "version-mismatch") == "fail"


def test_the_library_name_alone_proves_it_without_a_release_table() -> None:
    # no TensorFlow version: only the soname and the installed toolkit say it
    text = "I installed CUDA 11.2 and cuDNN 8.1.\n" + _dso("libcusolver.so.10")
    result = run(text)
    assert status(result, "version-mismatch") == "fail"
    assert "build:tensorflow-library-release" in {f.id for f in result.findings}


@pytest.mark.parametrize(
    ("stated", "lib"),
    [
        ("10.1 / 7.6", "libcudart.so.10.1"),  # the right CUDA, only not on the path
        ("11.0 / 8.0", "libcusolver.so.10"),
        ("11.8 / 8.6", "libcufft.so.10"),
        ("11.2 / 8.1", "libcublas.so.11"),
    ],
)
def test_a_library_the_installed_cuda_ships_stays_a_missing_library(stated: str, lib: str) -> None:
    result = run(_template("2.4.1", stated, "\n" + _dso(lib)))
    assert "build:tensorflow-library-release" not in {f.id for f in result.findings}


def test_a_windows_dll_reads_its_digits_as_the_release() -> None:
    text = _template("2.5.0-dev20201103", "Cuda 11.1 cuDNN 8.0.4").replace(
        "Ubuntu 18.04", "Windows 10"
    ) + _dso("cusolver64_10.dll")
    assert "version-mismatch" in fails(text)
    quiet = _template("2.4.0", "Cuda 11.0 cuDNN 8.0.4").replace(
        "Ubuntu 18.04", "Windows 10"
    ) + _dso("cusolver64_10.dll")
    assert "build:tensorflow-library-release" not in signature_ids(quiet)


def test_a_cudnn_library_of_another_major_is_a_version_mismatch() -> None:
    assert "version-mismatch" in fails(_template("2.4.0", "11.0 / 7.6.5", _dso("libcudnn.so.8")))
    quiet = _template("2.4.0", "11.0 / 8.0.5", _dso("libcudnn.so.8"))
    assert "build:tensorflow-library-release" not in signature_ids(quiet)


def test_no_claim_against_a_cuda_the_table_does_not_know_or_outside_tensorflow() -> None:
    # CUDA 13's library majors are not in the table: no claim.
    newer = _template("2.20.0", "13.0 / 9.12", _dso("libcusparse.so.12"))
    assert "build:tensorflow-library-release" not in signature_ids(newer)
    # the dynamic loader's words alone, in a torch paste, are not TensorFlow's soname
    torch = (
        ">>> import torch\nCUDA version: 12.1\n"
        "OSError: libcublas.so.11: cannot open shared object file: No such file or directory\n"
    )
    assert "build:tensorflow-library-release" not in signature_ids(torch)


# --- TensorFlow 1.x-2.0's Windows preload check -----------------------------------------------


def test_the_windows_preload_check_names_a_missing_dll_of_its_release() -> None:
    text = (
        ">>> import tensorflow as tf\n"
        "ImportError: Could not find 'cudnn64_7.dll'. TensorFlow requires that this DLL be "
        "installed in a directory that is named in your %PATH% environment variable. Note that "
        "installing cuDNN is a separate step from installing CUDA, and this DLL is often found in "
        "a different directory from the CUDA DLLs. You may install the necessary DLL by "
        "downloading cuDNN 7 from this URL: https://developer.nvidia.com/cudnn\n"
    )
    assert "tf-windows-cuda-dll-missing" in signature_ids(text)
    assert "missing-library" in categories(text)
    stated = text + "I have CUDA 9.0 with cuDNN 7.0.5, and my GPU is a GTX 1070\n"
    assert "version-mismatch" not in fails(stated)  # cudart64_90 would be right: only cuDNN's path
    other = text.replace("cudnn64_7.dll", "cudart64_90.dll") + "I installed CUDA 9.2 yesterday\n"
    assert "version-mismatch" in fails(other)


def test_nvcuda_missing_is_no_driver() -> None:
    text = (
        "ImportError: Could not find 'nvcuda.dll'. TensorFlow requires that this DLL be installed "
        "in a directory that is named in your %PATH% environment variable. Typically it is "
        "installed in 'C:\\Windows\\System32'. If it is not present, ensure that you have a "
        "CUDA-capable GPU with the correct driver installed.\n"
    )
    assert "no-driver" in fails(text)


# --- an XLA_GPU and no GPU ----------------------------------------------------------------------


_XLA_ONLY = """>>> from tensorflow.python.client import device_lib
>>> device_lib.list_local_devices()
[name: "/device:CPU:0"
device_type: "CPU"
memory_limit: 268435456
, name: "/device:XLA_GPU:0"
device_type: "XLA_GPU"
memory_limit: 17179869184
physical_device_desc: "device: XLA_GPU device"
]
"""


def test_an_xla_gpu_without_a_gpu_is_the_libraries_not_loading() -> None:
    assert "version-mismatch" in fails(_XLA_ONLY)
    physical = (
        ">>> tf.config.list_physical_devices()\n"
        "[PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU'), "
        "PhysicalDevice(name='/physical_device:XLA_GPU:0', device_type='XLA_GPU')]\n"
    )
    assert "version-mismatch" in fails(physical)
    requested = "InvalidArgumentError: Requested GPU:0, but only XLA_GPU:0 exists\n"
    assert "version-mismatch" in fails(requested)


def test_an_xla_gpu_next_to_a_gpu_stays_quiet() -> None:
    both = _XLA_ONLY.replace(
        "]\n",
        ', name: "/device:GPU:0"\ndevice_type: "GPU"\nmemory_limit: 10990990\n'
        'physical_device_desc: "device: 0, name: GeForce RTX 2080 Ti, compute capability: 7.5"\n]\n',
    )
    assert "build:tensorflow-xla-gpu-only" not in signature_ids(both)
    log = _XLA_ONLY + (
        "2020-05-01 10:00:00.000000: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1241] "
        "Created TensorFlow device (/job:localhost/replica:0/task:0/device:GPU:0 with 9640 MB "
        "memory) -> physical GPU (device: 0, name: GeForce RTX 2080 Ti)\n"
    )
    assert "build:tensorflow-xla-gpu-only" not in signature_ids(log)


# --- the tested-configuration table -------------------------------------------------------------


@pytest.mark.parametrize(
    ("tf", "stated"),
    [
        ("2.6.0", "11.0 / 8.1"),  # built with 11.2: libcusolver.so.11 is not in 11.0
        ("2.4.1", "11.3 / 8.0"),  # built with 11.0: libcusolver.so.10 is not in 11.1+
        ("1.2.1", "8.0 / 6.0"),  # built with cuDNN 5.1
    ],
)
def test_a_cuda_of_other_sonames_than_the_release_is_flagged(tf: str, stated: str) -> None:
    assert "version-mismatch" in categories(_template(tf, stated))


@pytest.mark.parametrize(
    ("tf", "stated"),
    [
        ("2.6.0", "11.4 / 8.2"),
        ("2.4.1", "11.0 / 8.0"),
        ("1.4.0", "8.0 / 6.0"),
        ("2.12.0", "11.2 / 8.6"),
    ],
)
def test_a_cuda_with_the_same_sonames_stays_quiet(tf: str, stated: str) -> None:
    assert "version-mismatch" not in categories(_template(tf, stated))


def test_the_toolkit_nvcc_line_stands_for_the_installed_cuda() -> None:
    nvcc = "nvcc: NVIDIA (R) Cuda compiler driver\nCuda compilation tools, release {v}, V{v}.243\n"
    text = _template("2.3.0", "see below", nvcc.format(v="11.2"))
    assert "version-mismatch" in categories(text)
    assert "version-mismatch" not in categories(
        _template("2.3.0", "see below", nvcc.format(v="10.1"))
    )
