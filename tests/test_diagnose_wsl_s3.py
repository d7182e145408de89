"""WSL 2's documented limitations and indirect signs (issue 21, session 49, engineer S3).

Texts written for these rules, after NVIDIA's CUDA on WSL user guide
(https://docs.nvidia.com/cuda/wsl-user-guide/index.html) and the public threads each signature
cites; each rule has a counterpart that must stay quiet (native Linux, or a neighbouring cause)."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import categories, diagnosed, fact, finding_ids

WSL = "wsl-issue"
WSL1 = "wsl1"

WSL2_KERNEL = "$ uname -r\n5.15.153.1-microsoft-standard-WSL2\n"
NATIVE_KERNEL = "$ uname -r\n6.5.0-41-generic\n"


# --- signs: /usr/lib/wsl/lib as a folder --------------------------------------------------------


def test_wsl_lib_folder_without_a_file_puts_the_paste_on_wsl2() -> None:
    text = (
        "root@DESKTOP:~# nvidia-smi\n"
        "nvidia-smi: command not found\n"
        "root@DESKTOP:~# ls /usr/lib/wsl/lib\n"
        "libcuda.so  libcuda.so.1  libcuda.so.1.1  libd3d12.so  libnvidia-ml.so.1  nvidia-smi\n"
    )
    assert fact(diagnosed(text), "os.wsl") == 2
    assert WSL in categories(text)


def test_bitsandbytes_search_of_the_wsl_folder_is_a_wsl_sign() -> None:
    text = (
        "UserWarning: /usr/lib/wsl/lib: did not contain ['libcudart.so', 'libcudart.so.11.0'] "
        "as expected! Searching further paths...\n"
    )
    assert fact(diagnosed(text), "os.wsl") == 2


def test_windows_side_folder_of_the_wsl_libraries_is_a_wsl_sign() -> None:
    text = "dir C:\\Windows\\System32\\lxss\\lib\nlibcuda.so libcuda.so.1 libcuda.so.1.1\n"
    assert fact(diagnosed(text), "os.wsl") == 2


def test_a_wsl_named_folder_elsewhere_is_no_sign() -> None:
    text = "ls /usr/lib/wslu\nnvidia-smi: command not found\n"
    assert WSL not in categories(text)


# --- CUDA's unknown error under WSL 2 -----------------------------------------------------------

UNKNOWN = (
    "Traceback (most recent call last):\n"
    '  File "train.py", line 40, in <module>\n'
    "RuntimeError: CUDA error: unknown error\n"
    "CUDA kernel errors might be asynchronously reported at some other API call.\n"
)


def test_cuda_unknown_error_under_wsl2_is_a_wsl_warning() -> None:
    result = diagnosed(WSL2_KERNEL + UNKNOWN)
    assert "wsl-cuda-unknown-error" in finding_ids(result)
    assert WSL in categories(WSL2_KERNEL + UNKNOWN)


def test_cuda_driver_unknown_error_of_expandable_segments_under_wsl2() -> None:
    text = "Running in WSL2 (Ubuntu 24.04)\nRuntimeError: CUDA driver error: unknown error\n"
    assert WSL in categories(text)


def test_cuda_unknown_error_on_native_linux_is_not_wsl() -> None:
    assert WSL not in categories(NATIVE_KERNEL + UNKNOWN)


# --- torch's driver-API handle and expandable segments ------------------------------------------


def test_torch_driver_api_handle_assert_names_wsls_libcuda_copies() -> None:
    text = (
        'RuntimeError: handle_0 INTERNAL ASSERT FAILED at "../c10/cuda/driver_api.cpp":15, '
        "please report a bug to PyTorch.\n"
    )
    result = diagnosed(text)
    assert "torch-driver-api-libcuda-handle" in finding_ids(result)
    assert WSL in categories(text)


def test_another_internal_assert_is_not_the_driver_api() -> None:
    text = (
        'RuntimeError: t.is_cuda() INTERNAL ASSERT FAILED at "../aten/src/ATen/native/cuda/Loss.cu":'
        "242, please report a bug to PyTorch.\n" + WSL2_KERNEL
    )
    assert "torch-driver-api-libcuda-handle" not in finding_ids(diagnosed(text))


def test_expandable_segments_assert_under_wsl2() -> None:
    text = (
        "I use WSL2 with an RTX 4090.\n"
        '!handles_.at(i) INTERNAL ASSERT FAILED at "/pytorch/c10/cuda/CUDACachingAllocator.cpp":'
        "430, please report a bug to PyTorch.\n"
    )
    assert WSL in categories(text)


def test_expandable_segments_assert_on_native_windows_is_not_wsl() -> None:
    text = (
        "Windows 11, torch 2.14.0+cu130, WDDM\n"
        '!handles_.at(i) INTERNAL ASSERT FAILED at "c10/cuda/CUDACachingAllocator.cpp":487\n'
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.\n"
    )
    assert WSL not in categories(text)


# --- WSL 1: Docker Desktop's helper -------------------------------------------------------------


def test_docker_desktop_in_a_wsl1_distro_is_wsl1() -> None:
    text = (
        "The command 'docker' could not be found in this WSL 1 distro.\n"
        "We recommend to convert this distro to WSL 2 and activate\n"
        "the WSL integration in Docker Desktop settings.\n"
    )
    found = categories(text)
    assert WSL1 in found
    assert fact(diagnosed(text), "os.wsl") == 1


def test_docker_command_missing_on_plain_linux_is_not_wsl1() -> None:
    text = "Command 'docker' not found, but can be installed with:\nsudo snap install docker\n"
    assert WSL1 not in categories(text)


# --- a Linux NVIDIA driver installed inside WSL 2 -----------------------------------------------


def test_linux_driver_package_inside_wsl2() -> None:
    text = (
        "Setting up nvidia-dkms-535 (535.104.05-0ubuntu1) ...\n"
        "Error! Your kernel headers for kernel 5.15.90.1-microsoft-standard-WSL2 cannot be found.\n"
    )
    result = diagnosed(text)
    assert "wsl-linux-driver-install" in finding_ids(result)


def test_cuda_meta_package_inside_wsl2() -> None:
    text = WSL2_KERNEL + "$ sudo apt-get install cuda\nE: Unable to correct problems\n"
    assert "wsl-linux-driver-install" in finding_ids(diagnosed(text))


def test_linux_driver_package_on_native_linux_is_the_normal_install() -> None:
    text = NATIVE_KERNEL + "Setting up nvidia-dkms-535 (535.104.05-0ubuntu1) ...\n"
    assert "wsl-linux-driver-install" not in finding_ids(diagnosed(text))


def test_cuda_toolkit_package_inside_wsl2_is_the_documented_install() -> None:
    text = WSL2_KERNEL + "$ sudo apt-get install cuda-toolkit-12-4\nE: Unable to correct problems\n"
    assert "wsl-linux-driver-install" not in finding_ids(diagnosed(text))


# --- nvidia-smi crashing, as a bash session -----------------------------------------------------


def test_nvidia_smi_then_segfault_alone_under_wsl2() -> None:
    text = WSL2_KERNEL + "$ nvidia-smi\nSegmentation fault (core dumped)\n"
    result = diagnosed(text)
    assert "platform:wsl-nvidia-smi-crash" in finding_ids(result)
    assert WSL in categories(text)


def test_nvidia_smi_then_segfault_on_native_linux_is_not_wsl() -> None:
    text = NATIVE_KERNEL + "$ nvidia-smi\nSegmentation fault (core dumped)\n"
    with pytest.raises(NothingFound):  # no report and no known message: nothing is said
        diagnosed(text)


def test_segfault_of_another_command_under_wsl2_is_not_nvidia_smis() -> None:
    text = WSL2_KERNEL + "$ python train.py\nSegmentation fault (core dumped)\n"
    assert "platform:wsl-nvidia-smi-crash" not in finding_ids(diagnosed(text))


# --- more wordings of CUDA's unknown error, and CUDA's "not supported on this OS" -------------


def test_llama_cpp_and_ollama_unknown_error_under_wsl2() -> None:
    llama = "On WSL2:\nggml_cuda_init: failed to initialize CUDA: unknown error\n"
    ollama = (
        'msg="unable to load cuda driver library" library=/usr/lib/wsl/lib/libcuda.so.1 '
        'error="cuda driver library init failure: 999"\n'
    )
    assert "wsl-cuda-unknown-error" in finding_ids(diagnosed(llama))
    assert "wsl-cuda-unknown-error" in finding_ids(diagnosed(ollama))


def test_llama_cpp_unknown_error_on_native_linux_is_not_wsl() -> None:
    text = NATIVE_KERNEL + "ggml_cuda_init: failed to initialize CUDA: unknown error\n"
    assert WSL not in categories(text)


def test_os_call_failed_under_wsl2_is_wsls_missing_feature() -> None:
    text = (
        "Ubuntu 22.04 under WSL2\n"
        "CUDA error at marchingCubes.cpp:484 code=304(cudaErrorOperatingSystem) "
        '"cudaGraphicsGLRegisterBuffer(&cuda_posvbo_resource, posVbo, '
        'cudaGraphicsMapFlagsWriteDiscard)"\n'
    )
    assert "wsl-cuda-os-call-failed" in finding_ids(diagnosed(text))
    assert WSL in categories(text)


def test_os_call_failed_in_a_container_on_linux_is_not_wsl() -> None:
    text = (
        "host: CentOS 7, Driver Version: 550.54.14, docker image nvidia/cuda:12.2.2\n"
        "CUDA failure 304: OS call failed or operation not supported on this OS ; GPU=32694\n"
    )
    assert "wsl-cuda-os-call-failed" not in finding_ids(diagnosed(text))


# --- NVML's partial support under WSL 2 ---------------------------------------------------------


def test_nvml_not_supported_under_wsl2() -> None:
    text = (
        "windows 11 with wsl2, rtx3070\n"
        '  File "/opt/conda/lib/python3.8/site-packages/pynvml/nvml.py", line 743, in '
        "_nvmlCheckReturn\n"
        "pynvml.nvml.NVMLError_NotSupported: Not Supported\n"
    )
    assert "wsl-nvml-not-supported" in finding_ids(diagnosed(text))


def test_nvml_not_supported_on_native_linux_is_not_wsl() -> None:
    text = NATIVE_KERNEL + "pynvml.nvml.NVMLError_NotSupported: Not Supported\n"
    try:
        ids = finding_ids(diagnosed(text))
    except NothingFound:
        ids = set()
    assert "wsl-nvml-not-supported" not in ids


# --- more signs: WSL's variables as dumps print them, WSL 2's own mounts ------------------------


def test_wsl_variable_in_a_python_environ_dump_names_wsl() -> None:
    text = (
        "environ({'SHELL': '/bin/bash', 'WSL_DISTRO_NAME': 'Ubuntu-22.04'})\n"
        "RuntimeError: Found no NVIDIA driver on your system.\n"
    )
    assert WSL in categories(text)


def test_wsl2_mounts_put_the_paste_on_wsl2() -> None:
    text = (
        "(venv) user@DESKTOP-AB12:/mnt/wsl/shared$ nvidia-smi\n"
        "Failed to initialize NVML: Unknown Error\n"
    )
    assert fact(diagnosed(text), "os.wsl") == 2
    assert WSL in categories(text)


def test_a_mount_of_another_name_is_no_sign() -> None:
    text = "user@host:/mnt/wslbackup$ nvidia-smi\nFailed to initialize NVML: Unknown Error\n"
    assert WSL not in categories(text)


# --- out of memory with the GPU reporting far more free (WSL 2's paravirtualised memory) --------

ROOMY = (
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total "
    "capacity of 95.00 GiB of which 52.13 GiB is free. Of the allocated memory 30.20 GiB is "
    "allocated by PyTorch\n"
)
FULL = (
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total "
    "capacity of 23.65 GiB of which 1.10 GiB is free. Of the allocated memory 21.20 GiB is "
    "allocated by PyTorch\n"
)


def test_oom_with_far_more_free_under_wsl2_names_wsls_memory_path() -> None:
    result = diagnosed(WSL2_KERNEL + ROOMY)
    assert "wsl:free-beyond-request" in finding_ids(result)
    assert WSL in categories(WSL2_KERNEL + ROOMY)


def test_oom_of_a_full_gpu_under_wsl2_stays_the_jobs() -> None:
    assert "wsl:free-beyond-request" not in finding_ids(diagnosed(WSL2_KERNEL + FULL))


def test_oom_with_far_more_free_on_native_linux_is_not_wsl() -> None:
    assert WSL not in categories(NATIVE_KERNEL + ROOMY)


def test_opencv_raw_cuda_oom_under_wsl2() -> None:
    text = (
        "WSL2 Ubuntu 22.04\n"
        "opencv/modules/core/src/cuda_info.cpp:74: error: (-217:Gpu API call) out of memory in "
        "function 'setDevice'\n"
    )
    assert WSL in categories(text)


# --- the WSL version as an item of an environment line ------------------------------------------


def test_wsl1_in_brackets_of_an_environment_line_is_wsl1() -> None:
    text = (
        "Running Ubuntu 18.04 on Windows 10 (WSL 1)\n"
        "RuntimeError: Found no NVIDIA driver on your system.\n"
    )
    assert fact(diagnosed(text), "os.wsl") == 1
    assert WSL1 in categories(text)


def test_wsl2_after_a_comma_is_wsl2() -> None:
    text = "OS: Ubuntu 22.04, WSL2\nRuntimeError: Found no NVIDIA driver on your system.\n"
    assert fact(diagnosed(text), "os.wsl") == 2


def test_both_versions_in_brackets_say_nothing_of_which() -> None:
    text = (
        "Environment: Ubuntu (WSL 1 or WSL 2, not sure)\n"
        "RuntimeError: Found no NVIDIA driver on your system.\n"
    )
    assert fact(diagnosed(text), "os.wsl") is None


# --- a GPU in TCC mode (Windows' nvidia-smi) in a paste about WSL --------------------------------

WINDOWS_SMI = (
    "+-----------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 528.24       Driver Version: 528.24       CUDA Version: 12.0     |\n"
    "|-------------------------------+----------------------+----------------------+\n"
    "| GPU  Name            TCC/WDDM | Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
    "| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |\n"
    "|===============================+======================+======================|\n"
    "|   0  Tesla T4            {mode}  | 00000000:00:1E.0 Off |                    0 |\n"
    "| N/A   32C    P8    10W /  70W |      0MiB / 15360MiB |      0%      Default |\n"
    "+-------------------------------+----------------------+----------------------+\n"
)


def test_tcc_gpu_in_a_wsl_paste_is_not_given_to_wsl() -> None:
    text = "In WSL2 nvidia-smi finds no GPU. On Windows:\n" + WINDOWS_SMI.format(mode="TCC ")
    result = diagnosed(text)
    assert "platform:wsl-tcc-gpu" in finding_ids(result)
    assert WSL in categories(text)


def test_wddm_gpu_in_a_wsl_paste_is_not_tccs() -> None:
    text = "In WSL2 nvidia-smi finds no GPU. On Windows:\n" + WINDOWS_SMI.format(mode="WDDM")
    assert "platform:wsl-tcc-gpu" not in finding_ids(diagnosed(text))


def test_tcc_gpu_on_native_windows_is_no_wsl_finding() -> None:
    text = WINDOWS_SMI.format(mode="TCC ")
    assert "platform:wsl-tcc-gpu" not in finding_ids(diagnosed(text))


# --- a Windows computer's default name as the Linux hostname ------------------------------------


def test_windows_default_hostname_in_a_linux_prompt_names_wsl() -> None:
    text = (
        "(base) gegg00@DESKTOP-KS0OLS9:~$ python train.py\n"
        "RuntimeError: CUDA error: unknown error\n"
    )
    assert WSL in categories(text)


def test_tensorflow_diagnostics_naming_a_windows_host_names_wsl() -> None:
    text = (
        "I tensorflow/stream_executor/cuda/cuda_diagnostics.cc:163] kernel driver does not appear "
        "to be running on this host (DESKTOP-ABC1234): /proc/driver/nvidia/version does not exist\n"
    )
    assert WSL in categories(text)


def test_git_bash_prompt_on_windows_is_not_wsl() -> None:
    text = (
        "user@DESKTOP-KS0OLS9 MINGW64 ~\n"
        "$ python train.py\n"
        "RuntimeError: CUDA error: unknown error\n"
    )
    assert WSL not in categories(text)


def test_a_linux_hostname_is_no_sign() -> None:
    text = (
        "(base) user@workstation-01:~$ python train.py\nRuntimeError: CUDA error: unknown error\n"
    )
    assert WSL not in categories(text)


# --- nvidia-smi's "CUDA Version: ERR!" ----------------------------------------------------------

SMI_ERR = (
    "| NVIDIA-SMI {smi}                 Driver Version: {driver}       CUDA Version: ERR!     |\n"
    "|   0  NVIDIA GeForce RTX 3060 ...    On  | 00000000:01:00.0  On |                  N/A |\n"
    "| N/A   54C    P8              16W /  80W |    816MiB /  6144MiB |      3%      Default |\n"
)


def test_cuda_version_err_under_wsl2() -> None:
    text = SMI_ERR.format(smi="545.46", driver="546.80")  # two releases: WSL 2's nvidia-smi
    assert "wsl-nvidia-smi-cuda-err" in finding_ids(diagnosed(text))
    assert WSL in categories(text)


def test_cuda_version_err_on_native_linux_is_not_wsl() -> None:
    text = SMI_ERR.format(smi="535.161.07", driver="535.161.07")
    assert WSL not in categories(text)


# --- NVML's library missing under WSL 2 ---------------------------------------------------------


def test_nvml_library_missing_under_wsl2_is_wsls_library_path() -> None:
    text = (
        WSL2_KERNEL + "$ nvidia-smi\n"
        "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. Please make sure that "
        "the NVIDIA Display Driver is properly installed and present in your system.\n"
    )
    assert WSL in categories(text)


def test_nvml_library_missing_on_native_linux_is_not_wsl() -> None:
    text = (
        NATIVE_KERNEL + "$ nvidia-smi\n"
        "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. Please make sure that "
        "the NVIDIA Display Driver is properly installed and present in your system.\n"
    )
    assert WSL not in categories(text)
