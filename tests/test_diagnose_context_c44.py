"""A known message whose usual cause the rest of the paste contradicts (issue 21, session 44):
"CUDA driver version is insufficient" next to a driver that runs the runtime, in a container (the
GPU not passed in) or under WSL 2 (the Windows driver's libcuda not loaded); nvidia-smi listing
fewer GPUs than the poster says the machine has; an old nvidia-smi's own version that is not WSL's
two releases. Each paste is written here; each has a counterpart that stays as it was."""

from __future__ import annotations

from tests.pastes import fact, read, signature_ids, status

_INSUFFICIENT = "RuntimeError: CUDA failed with error CUDA driver version is insufficient for CUDA runtime version\n"


def _ids(result) -> set[str]:
    return {f.id for f in result.findings}


def test_insufficient_driver_in_a_container_with_a_new_host_driver_is_no_device() -> None:
    text = (
        _INSUFFICIENT
        + "I run it in a docker container on my server.\n"
        + "Nvidia Driver Version: 565.77\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "no-device") == "warn"  # 565 runs CUDA 12, not 13: the likely cause
    assert status(result, "driver-too-old") is None
    assert not result.failed


def test_a_named_runtime_the_driver_runs_makes_it_a_fail() -> None:
    text = (
        "$ podman run --rm -it nvidia/cuda:12.4.1-runtime-ubuntu22.04 ./deviceQuery\n"
        "cudaGetDeviceCount returned 35\n"
        "-> CUDA driver version is insufficient for CUDA runtime version\n"
        "host: NVIDIA-SMI 550.54.14   Driver Version: 550.54.14   CUDA Version: 12.4\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "no-device") == "fail"
    assert status(result, "driver-too-old") is None


def test_a_driver_of_the_newest_major_is_proof_without_a_named_runtime() -> None:
    text = _INSUFFICIENT + "inside a kubernetes pod\nDriver Version: 580.95.05\n"
    result = read(text)
    assert result is not None
    assert status(result, "no-device") == "fail"


def test_an_old_driver_in_a_container_stays_driver_too_old() -> None:
    text = (
        "$ docker run --gpus all myimage python train.py\n"
        + _INSUFFICIENT
        + "| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |\n"
        + "torch 2.3.0+cu121, CUDA 12.1\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "driver-too-old") == "fail"
    assert "signature:cuda-driver-insufficient:driver-unseen" not in _ids(result)


def test_a_new_driver_on_a_bare_host_is_left_alone() -> None:
    text = _INSUFFICIENT + "Nvidia Driver Version: 565.77\n"
    result = read(text)
    assert result is not None
    assert status(result, "driver-too-old") == "fail"
    assert status(result, "no-device") is None


def test_under_wsl2_with_a_new_windows_driver_it_is_wsl_issue() -> None:
    text = (
        "Ubuntu 22.04 under WSL2 on Windows 11\n"
        "CUDA error at helper_cuda.h:777 code=35(cudaErrorInsufficientDriver) "
        '"cudaGetDeviceCount(&device_count)"\n'
        "| NVIDIA-SMI 550.76.01   Driver Version: 552.22   CUDA Version: 12.4 |\n"
        "nvcc: Cuda compilation tools, release 12.4, V12.4.131\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "wsl-issue") == "fail"
    assert status(result, "driver-too-old") is None


def test_nvidia_smi_listing_fewer_gpus_than_stated_warns_no_device() -> None:
    text = (
        "Our node has four GPUs but nvidia-smi only shows three.\n"
        "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2 |\n"
        "|   0  NVIDIA A100-SXM4-80GB   On  | 00000000:07:00.0 Off |  0 |\n"
        "|   1  NVIDIA A100-SXM4-80GB   On  | 00000000:0B:00.0 Off |  0 |\n"
        "|   2  NVIDIA A100-SXM4-80GB   On  | 00000000:48:00.0 Off |  0 |\n"
    )
    result = read(text)
    assert result is not None
    assert "device:fewer-gpus-listed" in _ids(result)
    assert status(result, "no-device") == "warn"


def test_a_model_count_with_every_gpu_listed_stays_quiet() -> None:
    text = (
        "Workstation with 2x 3090, training is slow.\n"
        "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2 |\n"
        "|   0  NVIDIA GeForce RTX 3090    Off  | 00000000:01:00.0 Off |  N/A |\n"
        "|   1  NVIDIA GeForce RTX 3090    Off  | 00000000:21:00.0 Off |  N/A |\n"
    )
    result = read(text)
    assert result is not None
    assert "device:fewer-gpus-listed" not in _ids(result)
    assert status(result, "no-device") is None


def test_the_users_words_for_a_lost_gpu_are_a_warning() -> None:
    ids = signature_ids("gpu-3-4 has lost a GPU again, needs a reboot\n")
    assert "gpu-lost-stated" in ids
    assert "gpu-lost-stated" not in signature_ids(
        "All GPUs are listed by nvidia-smi after the reboot\n"
    )


def test_an_old_nvidia_smi_numbering_itself_apart_is_not_wsl() -> None:
    old = "| NVIDIA-SMI 5.325.15   Driver Version: 325.15         |\n"
    result = read(old)
    assert result is not None
    assert fact(result, "os.wsl") is None
    assert status(result, "wsl-issue") is None
    assert (
        fact(read("| NVIDIA-SMI 4.304...   Driver Version: 304.135        |\n"), "os.wsl") is None
    )


def test_wsl_two_releases_in_the_header_still_read_as_wsl() -> None:
    result = read("| NVIDIA-SMI 555.42.03   Driver Version: 555.85   CUDA Version: 12.5 |\n")
    assert result is not None
    assert fact(result, "os.wsl") == 2


def test_a_library_of_another_cuda_not_found_is_also_the_missing_library() -> None:
    text = (
        "python-foo 1.4.0, cuda 10.1.105 from the distribution. ldd libfoo.so | grep found:\n"
        "\tlibcudart.so.10.0 => not found\n"
        "\tlibcublas.so.10.0 => not found\n"
    )
    result = read(text)
    assert result is not None
    mismatch = [f for f in result.findings if f.id == "inferred:library-cuda-release"]
    assert mismatch and mismatch[0].category == "version-mismatch"
    assert "missing-library" in mismatch[0].also


def test_a_library_of_the_environments_release_not_found_is_no_mismatch() -> None:
    text = "cuda 10.0.130 installed\n\tlibcudart.so.10.0 => not found\n"
    result = read(text)
    assert result is None or "inferred:library-cuda-release" not in _ids(result)


def test_no_kernel_image_filed_with_lmdeploy_is_turbominds_kernels() -> None:
    text = (
        "lmdeploy serve api_server ./Qwen3-0.6B on an RTX 5090\n"
        "no kernel image is available for execution on the device\nAborted (core dumped)\n"
    )
    result = read(text, repository="InternLM/lmdeploy")
    assert result is not None
    assert status(result, "library-kernels-unsupported") == "fail"
    elsewhere = read(text, repository="someone/some-app")
    assert elsewhere is not None
    assert status(elsewhere, "arch-unsupported") == "fail"


def test_error_35_by_its_number_in_a_pod_is_read_the_same_way() -> None:
    text = (
        "Running in a k8s pod\n"
        "CUDA error 35: CUDA driver version is insufficient for CUDA runtime version\n"
        "| NVIDIA-SMI 550.54.14   Driver Version: 550.54.14   CUDA Version: 12.4 |\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "no-device") == "warn"
    assert status(result, "driver-too-old") is None


def test_a_ptx_too_new_for_the_driver_in_a_container_stays_driver_too_old() -> None:
    text = (
        "docker run --gpus all myimage\n"
        "CUDA error at main.cu:12 code=222(cudaErrorUnsupportedPtxVersion)\n"
        "| NVIDIA-SMI 550.54.14   Driver Version: 550.54.14   CUDA Version: 12.4 |\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "driver-too-old") == "fail"
    assert status(result, "no-device") is None


def test_a_slurm_allocation_of_some_gpus_is_no_lost_gpu() -> None:
    text = (
        "The node has 8 GPUs; I ran srun --gres=gpu:2 nvidia-smi\n"
        "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2 |\n"
        "|   0  NVIDIA A100-SXM4-80GB   On  | 00000000:07:00.0 Off |  0 |\n"
        "|   1  NVIDIA A100-SXM4-80GB   On  | 00000000:0B:00.0 Off |  0 |\n"
    )
    result = read(text)
    assert result is not None
    assert "device:fewer-gpus-listed" not in _ids(result)
