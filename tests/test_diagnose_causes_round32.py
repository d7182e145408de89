"""Blind round 32 (a mixed round weighted to dumps): the causes behind its misses, tested on text
written here, each with a healthy counterpart that must stay quiet.

1. One environment, two CUDA major releases: torch's ``+cuXYZ`` build next to NVIDIA runtime or
   cuDNN wheels of another major (a package built for another CUDA pulled them in), or runtime
   wheels of two majors: a version-mismatch warning.
2. CUDA 13's wheel names: the runtime wheel has no ``-cu13`` suffix (``nvidia-cuda-runtime
   13.0.x``); it is read as a CUDA runtime, so a driver older than CUDA 13 is found too old.
"""

from __future__ import annotations

from tests.pastes import categories, fails, read, status

_SMI_HEADER = (
    "+-----------------------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI {driver}              Driver Version: {driver}      CUDA Version: {cuda}     |\n"
    "|-----------------------------------------+------------------------+----------------------+\n"
)


def test_torch_cu12_next_to_cuda13_runtime_wheel_warns():
    text = (
        "torch==2.10.0+cu128\n"
        "nvidia-cuda-runtime-cu12==12.8.90\n"
        "nvidia-cuda-runtime==13.0.96\n"
        "numpy==2.3.1\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "version-mismatch") == "warn"
    finding = next(f for f in result.findings if f.id == "cuda-majors")
    assert any("nvidia-cuda-runtime==13.0.96" in q.text for q in finding.quotes)
    assert "CUDA 12" in finding.fix


def test_collect_env_torch_cu13_with_cu12_cudnn_warns():
    text = (
        "Versions of relevant libraries:\n"
        "[pip3] numpy==2.2.0\n"
        "[pip3] nvidia-cudnn-cu12==9.8.0.87\n"
        "[pip3] torch==2.9.1+cu130\n"
        "[pip3] torchvision==0.24.1+cu130\n"
    )
    assert "version-mismatch" in categories(text)


def test_two_runtime_majors_without_torch_warn():
    text = (
        "Package                   Version\n"
        "------------------------- -----------\n"
        "nvidia-cuda-runtime-cu12  12.6.77\n"
        "nvidia-cuda-runtime-cu13  13.0.48\n"
        "vllm                      0.11.0\n"
    )
    assert "version-mismatch" in categories(text)


def test_one_cuda_major_stays_quiet():
    cu13 = (
        "[pip3] nvidia-cuda-runtime==13.0.96\n"
        "[pip3] nvidia-cudnn-cu13==9.13.0.50\n"
        "[pip3] torch==2.9.0+cu130\n"
    )
    cu12 = "torch==2.7.1+cu126\nnvidia-cuda-runtime-cu12==12.6.77\nnvidia-cudnn-cu12==9.5.1.17\n"
    for text in (cu13, cu12):
        assert "version-mismatch" not in categories(text), text


def test_placeholder_wheel_says_no_major():
    text = "[pip3] nvidia-cuda-runtime-cu13==0.0.0a0\n[pip3] torch==2.8.0+cu128\n"
    assert "version-mismatch" not in categories(text)


def test_cuda13_runtime_wheel_on_cuda12_driver_is_too_old():
    text = (
        _SMI_HEADER.format(driver="550.163.01", cuda="12.4")
        + "\n$ pip freeze | grep nvidia\nnvidia-cuda-runtime==13.0.96\njax==0.7.2\n"
    )
    assert "driver-too-old" in fails(text)


def test_cuda13_runtime_wheel_on_cuda13_driver_is_fine():
    text = (
        _SMI_HEADER.format(driver="580.82.07", cuda="13.0")
        + "\n$ pip freeze | grep nvidia\nnvidia-cuda-runtime==13.0.96\njax==0.7.2\n"
    )
    assert "driver-too-old" not in categories(text)
    assert "version-mismatch" not in categories(text)


def test_any_suffixed_nvidia_wheel_names_its_major():
    text = (
        "[pip3] nvidia-nccl-cu12==2.27.5\n"
        "[pip3] nvidia-nccl-cu13==2.28.9\n"
        "[pip3] nvidia-nvshmem-cu13==3.4.5\n"
        "[pip3] pyzmq==27.1.0\n"
        "[pip3] torch==2.9.1\n"
    )
    assert "version-mismatch" in categories(text)


def test_unsuffixed_library_wheels_say_no_major():
    # cuSPARSE ships libcusparse.so.12 under CUDA 13: its unsuffixed wheel is 12.x with cu130 torch
    text = (
        "nvidia-cublas==13.1.0.3\n"
        "nvidia-cusparse==12.6.3.3\n"
        "nvidia-nccl-cu13==2.27.7\n"
        "torch==2.9.0+cu130\n"
    )
    assert "version-mismatch" not in categories(text)
