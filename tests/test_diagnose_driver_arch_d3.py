"""Driver too old and architecture unsupported from indirect evidence (issue 21, session 49, D3).

- The CUDA status numbers in the shapes the CUDA samples and Caffe print them: deviceQuery's
  "cudaGetDeviceCount returned 35", glog's "Check failed: error == cudaSuccess (35 vs. 0)"; the
  driver's PTX message without its first words or misspelt ("complied"); Caffe's "(8 vs. 0)" and
  "(48 vs. 0)" (cudaErrorInvalidDeviceFunction and cudaErrorNoKernelImageForDevice before CUDA
  10.1's renumbering, 98 and 209 after).
- A session that answers ``torch.version.cuda`` shows torch installed: its checklist then judges
  the build's CUDA against the driver nvidia-smi shows.
- A "no GPU" message (a fail) next to a driver older than the CUDA of PyPI's torch of the stated
  release: the driver named as the likely cause (a warning).
- A Docker image tag ``nvidia/cuda:12.4.1-...`` is no device index ``cuda:12``.
Texts written after public threads: torch/cutorch#308, wilicc/gpu-burn#112, niuzhiheng/caffe#1,
BVLC/caffe#869."""

from __future__ import annotations

import pytest

from tests.pastes import categories, diagnosed, fails, finding_ids, status

SMI_470 = (
    "+-----------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |\n"
    "|-------------------------------+----------------------+----------------------+\n"
    "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
    "|===============================+======================+======================|\n"
    "|   0  Tesla V100-SXM2...  On   | 00000000:00:1E.0 Off |                    0 |\n"
    "+-------------------------------+----------------------+----------------------+\n"
)
SMI_550 = SMI_470.replace("470.82.01", "550.54.14").replace(
    "CUDA Version: 11.4", "CUDA Version: 12.4"
)

DRIVER = "driver-too-old"
ARCH = "arch-unsupported"


@pytest.mark.parametrize(
    "text",
    [
        "./deviceQuery Starting...\n\n CUDA Device Query (Runtime API) version (CUDART static "
        "linking)\n\ncudaGetDeviceCount returned 35\nResult = FAIL\n",
        "F0101 12:00:00.000 1234 common.cpp:152] Check failed: error == cudaSuccess (35 vs. 0)\n",
        "ptxas application ptx input: PTX was compiled with an unsupported toolchain.\n",
        "gpu_burn-drv.cpp:239: the provided PTX was complied with an unsupported toolchain.\n",
        "cudaGetDeviceCount returned 222\n",
    ],
)
def test_driver_status_in_printed_shapes_fails(text: str) -> None:
    assert DRIVER in fails(text)


@pytest.mark.parametrize(
    "text",
    [
        "F0310 07:19:41.605973 3025 tanh_layer.cu:26] Check failed: error == cudaSuccess "
        "(8 vs. 0) invalid device function\n",
        "im2col.cu:61 caffe check failed;error==cudaSuccess(8 vs.0)\n",
        "roi_pooling_layer.cu:91] Check failed:error == cudaSuccess ( 48 vs. 0 )\n",
        "Check failed: error == cudaSuccess (209 vs. 0)\n",
        "UserWarning:\n    Found GPU0 GeForce GT 710\n    The minimum cuda capability supported by "
        "this library is 3.7.\n",
    ],
)
def test_caffe_no_kernel_status_fails(text: str) -> None:
    assert ARCH in fails(text)


@pytest.mark.parametrize(
    "text",
    [
        # other statuses in the same shapes: not these causes
        "Check failed: error == cudaSuccess (2 vs. 0)  out of memory\n",
        "cudaGetDeviceCount returned 100\n-> no CUDA-capable device is detected\n",
        "Check failed: error == cudaSuccess (80 vs. 0)\n",
        # a number that only starts with 35 or 8
        "cudaGetDeviceCount returned 350\n",
        "Check failed: error == cudaSuccess (88 vs. 0)\n",
        "CUDA error 980 at kernel.cu:12\n",
        "CUDA error 2 at ggml-cuda.cu:6951: out of memory\n",
    ],
)
def test_neighbouring_statuses_stay_quiet(text: str) -> None:
    try:
        found = categories(text)
    except Exception:  # nothing dlrec knows: quiet too
        return
    assert DRIVER not in found and ARCH not in found


def _session(cuda: str, available: str) -> str:
    return (
        ">>> import torch\n>>> torch.version.cuda\n"
        f"'{cuda}'\n>>> torch.cuda.is_available()\n{available}\n"
    )


def test_torch_version_cuda_answer_joins_the_driver() -> None:
    result = diagnosed(SMI_470 + "\n" + _session("12.1", "False"))
    assert status(result, DRIVER) == "fail"


def test_torch_version_cuda_within_the_driver_stays_quiet() -> None:
    result = diagnosed(SMI_550 + "\n" + _session("12.1", "True"))
    assert status(result, DRIVER) is None


def test_no_gpu_message_names_the_driver_behind_it() -> None:
    text = (
        SMI_470.replace("470.82.01", "450.51.06").replace("11.4", "11.0")
        + "\nrequirements.txt:\ntorch==2.2.0\n\nRuntimeError: No CUDA GPUs are available\n"
    )
    result = diagnosed(text)
    assert status(result, "no-device") == "fail"
    assert status(result, DRIVER) == "warn"
    assert "no-gpu-driver:pytorch-driver-for-pypi-cuda" in finding_ids(result)


def test_no_gpu_message_with_a_driver_for_the_build_stays_quiet() -> None:
    text = (
        SMI_550 + "\nrequirements.txt:\ntorch==2.2.0\n\nRuntimeError: No CUDA GPUs are available\n"
    )
    result = diagnosed(text)
    assert status(result, DRIVER) is None


def test_no_gpu_message_without_a_release_stays_quiet() -> None:
    text = SMI_470 + "\nRuntimeError: No CUDA GPUs are available\n"
    result = diagnosed(text)
    assert status(result, DRIVER) is None


def test_docker_image_tag_is_no_device_index() -> None:
    text = (
        SMI_550
        + "\nUsing docker image nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 the model fails.\n"
    )
    assert "device:index-beyond-gpus" not in finding_ids(diagnosed(text))


def test_device_index_beyond_gpus_still_read() -> None:
    text = (
        SMI_550
        + "\n>>> x = torch.zeros(1, device='cuda:3')\nRuntimeError: CUDA error: invalid device ordinal\n"
    )
    assert "device:index-beyond-gpus" in finding_ids(diagnosed(text)) or "no-device" in categories(
        text
    )


def test_torch_incorrect_binary_warning_of_1x_is_read() -> None:
    text = (
        "/usr/lib/python3/site-packages/torch/cuda/__init__.py:104: UserWarning:\n"
        "    Found GPU0 GeForce RTX 2080 Ti which requires CUDA_VERSION >= 10000 to\n"
        "     work properly, but your PyTorch was compiled\n"
        "     with CUDA_VERSION 9000. Please install the correct PyTorch binary\n"
    )
    assert status(diagnosed(text), ARCH) == "warn"
