"""Issue 21, blind round 38 (the NVIDIA driver and the CUDA runtime libraries): the causes its
development misses showed, fixed in general and tested on text written here (not the corpus
cases). CUDA error 803 is the CUDA driver library and the kernel driver of two releases (its
first name, with driver-too-old its other one); TensorFlow 0.x-1.x's loader words a library it
cannot open differently from 2.x's; a driver of a branch older than the first that runs CUDA 7.0
is too old for any framework build. Working machines stay quiet."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, run, signature_ids

# --- CUDA error 803: libcuda and the kernel module of two releases ----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "UserWarning: CUDA initialization: Unexpected error from cudaGetDeviceCount(). Error 803: "
        "system has unsupported display driver / cuda driver combination\n",
        "$ docker run --gpus all myorg/trainer:cu124 python train.py\n"
        "RuntimeError: CUDA error: system has unsupported display driver / cuda driver "
        "combination\n",
        "cudaGetDeviceCount failed: cudaErrorSystemDriverMismatch (803)\n",
    ],
)
def test_error_803_names_the_mismatch_first_and_the_old_driver_second(text: str) -> None:
    result = run(text)
    lead = next(f for f in result.findings if f.status == "fail")
    assert lead.category == "driver-mismatch"
    assert "driver-too-old" in lead.also
    assert "libcuda" in lead.fix


def test_error_804_stays_a_driver_too_old() -> None:
    text = (
        "RuntimeError: Unexpected error from cudaGetDeviceCount(). Error 804: forward "
        "compatibility was attempted on non supported HW\n"
    )
    assert "driver-too-old" in categories(text)
    assert "driver-mismatch" not in fails(text)


# --- TensorFlow 0.x-1.x's loader wordings -----------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "I tensorflow/stream_executor/dso_loader.cc:99] Couldn't open CUDA library libcublas.so.8.0. "
        "LD_LIBRARY_PATH: /opt/cuda/lib64",
        "2019-11-02 10:00:00.000001: I tensorflow/stream_executor/platform/default/dso_loader.cc:53] "
        "Could not dlopen library 'libcudnn.so.7'; dlerror: libcudnn.so.7: cannot open shared "
        "object file: No such file or directory",
        "W c:\\tf_jenkins\\stream_executor\\dso_loader.cc:120] Couldn't open CUDA library "
        "cudnn64_5.dll",
        "I tensorflow/stream_executor/cuda/cuda_dnn.cc:2259] Unable to load cuDNN DSO",
    ],
)
def test_tensorflow_1x_library_not_opened_is_a_missing_library(line: str) -> None:
    gpu = "+ NVIDIA-SMI 410.79       Driver Version: 410.79       CUDA Version: 10.0     |\n"
    assert "missing-library" in fails(gpu + line + "\n")
    assert "missing-library" in categories(line + "\n")  # a warning where no GPU is shown


def test_cupti_and_tensorrt_not_opened_stay_quiet() -> None:
    text = (
        "I tensorflow/stream_executor/dso_loader.cc:142] Couldn't open CUDA library "
        "libcupti.so.9.0. LD_LIBRARY_PATH: /usr/local/cuda-9.0/lib64\n"
        "I tensorflow/stream_executor/platform/default/dso_loader.cc:53] Could not dlopen library "
        "'libnvinfer.so.5'; dlerror: libnvinfer.so.5: cannot open shared object file\n"
        "I tensorflow/stream_executor/dso_loader.cc:111] successfully opened CUDA library "
        "libcublas.so.9.0 locally\n"
    )
    assert "missing-library" not in categories(text)
    assert "tf1-could-not-open-cuda-library" not in signature_ids(text)


# --- a driver older than any framework's CUDA ------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "| NVIDIA-SMI 340.108    Driver Version: 340.108        |",
        "| NVIDIA-SMI 331.113    Driver Version: 331.113        |",
    ],
)
def test_a_pre_cuda7_driver_is_too_old_for_any_build(header: str) -> None:
    text = (
        "Sat Nov 21 11:50:53 2020\n"
        "+------------------------------------------------------+\n"
        f"{header}\n"
        "|-------------------------------+----------------------+----------------------+\n"
        "|   0  GeForce GT 730      Off  | 0000:01:00.0     N/A |                  N/A |\n"
    )
    result = run(text)
    old = next(f for f in result.findings if f.category == "driver-too-old")
    assert old.status == "warn"
    assert "R346" in old.detail and "inferred" in old.detail


@pytest.mark.parametrize("driver", ["346.46", "352.63", "470.86"])
def test_a_driver_that_runs_cuda7_or_later_is_not_called_legacy(driver: str) -> None:
    text = (
        "+-----------------------------------------------------------------------------+\n"
        f"| NVIDIA-SMI {driver}    Driver Version: {driver}                    |\n"
        "|-------------------------------+----------------------+----------------------+\n"
        "|   0  Tesla K80           Off  | 00000000:00:1E.0 Off |                    0 |\n"
    )
    assert "driver:legacy-branch" not in signature_ids(text)
