"""A process's "no NVIDIA driver" inside a container started without the GPU, and a GPU index beyond
the GPUs the process has (issue 21, session 48, engineer Q2). Each paste is written here; each has a
counterpart that stays quiet (a bare-metal "no driver", a container started with the GPU)."""

from __future__ import annotations

from tests.pastes import read, status

_NO_DRIVER = (
    "Traceback (most recent call last):\n"
    '  File "train.py", line 10, in <module>\n'
    "    model.cuda()\n"
    "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA "
    "GPU and installed a driver from http://www.nvidia.com/Download/index.aspx\n"
)


def _also(result, category: str) -> tuple[str, ...]:
    return next(f.also for f in result.findings if f.category == category)


def _fix(result, category: str) -> str:
    return next(f.fix or "" for f in result.findings if f.category == category)


def test_docker_run_without_gpus_is_no_device_with_no_driver_kept() -> None:
    text = "$ docker run -it -v $(pwd):/ws pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime bash\n"
    result = read(text + _NO_DRIVER)
    assert result is not None
    assert status(result, "no-device") == "fail"
    assert "no-driver" in _also(result, "no-device")
    assert "--gpus all" in _fix(result, "no-device")


def test_a_container_id_prompt_proves_a_container() -> None:
    result = read("root@3f2a1b9c8d7e:/workspace# python train.py\n" + _NO_DRIVER)
    assert result is not None
    assert status(result, "no-device") == "fail"


def test_a_dockerfile_base_image_proves_a_container() -> None:
    text = "FROM nvidia/cuda:12.1.0-cudnn8-runtime-ubuntu22.04\nRUN pip install torch\n"
    result = read(text + _NO_DRIVER)
    assert result is not None
    assert status(result, "no-device") == "fail"


def test_each_engine_gets_its_own_fix() -> None:
    engines = {
        "$ singularity exec pytorch.sif python train.py\n": "--nv",
        "$ podman run --rm -it myimage python train.py\n": "nvidia.com/gpu=all",
        "$ kubectl logs trainer-7d9f-abcde\n": "nvidia.com/gpu: 1",
    }
    for command, fix in engines.items():
        result = read(command + _NO_DRIVER)
        assert result is not None
        assert status(result, "no-device") == "fail", command
        assert fix in _fix(result, "no-device"), command


def test_bare_metal_no_driver_stays_as_it_was() -> None:
    result = read("user@box:~$ python train.py\n" + _NO_DRIVER)
    assert result is not None
    assert status(result, "no-device") is None


def test_a_container_started_with_the_gpu_stays_quiet() -> None:
    text = (
        "$ docker run --gpus all -it nvcr.io/nvidia/pytorch:24.01-py3\n"
        "root@3f2a1b9c8d7e:/workspace# nvidia-smi\n"
        "| NVIDIA-SMI 550.54.14    Driver Version: 550.54.14    CUDA Version: 12.4     |\n"
        "root@3f2a1b9c8d7e:/workspace# python -c 'import torch; print(torch.cuda.is_available())'\n"
        "True\n"
    )
    result = read(text)
    assert result is not None
    assert not result.failed


def test_singularity_with_nv_is_not_reread() -> None:
    result = read("$ singularity exec --nv pytorch.sif python train.py\n" + _NO_DRIVER)
    assert result is not None
    assert status(result, "no-device") is None


def test_the_word_container_in_prose_is_no_proof() -> None:
    text = "I am not using a docker container, just plain Ubuntu.\n"
    result = read(text + _NO_DRIVER)
    assert result is not None
    assert status(result, "no-device") is None


def test_invalid_device_id_is_an_index_beyond_the_gpus() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "x.py", line 3, in <module>\n'
        "    print(torch.cuda.get_device_name(1))\n"
        "AssertionError: Invalid device id\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "no-device") == "fail"


def test_a_device_name_of_index_zero_stays_quiet() -> None:
    text = ">>> torch.cuda.get_device_name(0)\n'NVIDIA GeForce RTX 3090'\n"
    result = read(text)
    assert result is not None
    assert status(result, "no-device") is None


_SMI_ONE = (
    "+-----------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    "|-------------------------------+----------------------+----------------------+\n"
    "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
    "| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |\n"
    "|===============================+======================+======================|\n"
    "|   0  NVIDIA GeForce ...  Off  | 00000000:01:00.0  On |                  N/A |\n"
    "| 30%   40C    P8    20W / 350W |    500MiB / 24576MiB |      2%      Default |\n"
    "+-------------------------------+----------------------+----------------------+\n"
)
_SMI_TWO = _SMI_ONE.replace(
    "+-------------------------------+----------------------+----------------------+\n",
    "|   1  NVIDIA GeForce ...  Off  | 00000000:02:00.0 Off |                  N/A |\n"
    "| 30%   38C    P8    18W / 350W |      5MiB / 24576MiB |      0%      Default |\n"
    "+-------------------------------+----------------------+----------------------+\n",
).replace("+-----", "+-----", 1)


def _ids(result) -> set[str]:
    return {f.id for f in result.findings}


def test_visible_devices_past_the_only_gpu_hides_it() -> None:
    text = (
        _SMI_ONE
        + '$ CUDA_VISIBLE_DEVICES=1 python -c "import torch; print(torch.cuda.is_available())"\n'
        + "False\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "no-device") == "fail"
    assert "device:index-beyond-gpus" in _ids(result)


def test_visible_devices_within_the_gpus_stays_quiet() -> None:
    text = (
        _SMI_TWO
        + '$ CUDA_VISIBLE_DEVICES=1 python -c "import torch; print(torch.cuda.is_available())"\n'
        + "True\n"
    )
    result = read(text)
    assert result is not None
    assert "device:index-beyond-gpus" not in _ids(result)
    assert not result.failed


def test_cuda_one_on_a_single_gpu_machine_is_named() -> None:
    text = (
        "I only have a single GPU and call model.to('cuda:1').\n"
        "RuntimeError: CUDA error: invalid device ordinal\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "no-device") == "fail"
    quoted = {q.line for f in result.findings if f.category == "no-device" for q in f.quotes}
    assert 1 in quoted  # the index and the single GPU are quoted beside the message


def test_a_container_only_named_keeps_no_driver_with_no_device_beside_it() -> None:
    result = read("I pulled the project's docker image and ran the demo.\n" + _NO_DRIVER)
    assert result is not None
    assert status(result, "no-driver") is not None
    assert "no-device" in _also(result, "no-driver")


def test_bare_metal_no_driver_gets_no_container_alternative() -> None:
    result = read("user@box:~$ python train.py\n" + _NO_DRIVER)
    assert result is not None
    assert "no-device" not in _also(result, "no-driver")


_NVML = "pynvml.NVMLError_LibraryNotFound: NVML Shared Library Not Found\n"


def test_nvml_library_missing_in_a_gpu_less_container_is_no_device() -> None:
    result = read("$ docker run --rm myimage python monitor.py\n" + _NVML)
    assert result is not None
    assert status(result, "no-device") == "fail"
    assert "no-driver" in _also(result, "no-device")


def test_nvml_library_missing_on_bare_metal_stays_no_driver() -> None:
    result = read("user@box:~$ python monitor.py\n" + _NVML)
    assert result is not None
    assert status(result, "no-driver") == "fail"
    assert status(result, "no-device") is None


def test_podman_without_a_cdi_spec_is_no_device() -> None:
    text = (
        "$ podman run --rm --device nvidia.com/gpu=all ubuntu nvidia-smi -L\n"
        'Error: error gathering device information while adding custom device "nvidia.com/gpu=all"'
        ": no such file or directory\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "no-device") == "fail"


def test_singularity_without_host_driver_libraries_warns() -> None:
    text = "$ singularity exec --nv pytorch.sif nvidia-smi\nWARNING: Could not find any nv files on this host!\n"
    result = read(text)
    assert result is not None
    assert status(result, "no-driver") == "warn"
    assert "no-device" in _also(result, "no-driver")
