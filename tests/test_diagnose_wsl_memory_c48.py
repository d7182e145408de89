"""WSL and out of memory (issue 21, session 48, engineer Y).

(a) A report filed in WSL's own tracker (microsoft/WSL) comes from inside WSL, as a report filed in
a library's tracker is about that library: a GPU or driver worded as missing there is WSL's GPU path
(the Windows driver's libraries; WSL 1 has none), whether a known message or only the wording says
so. The same text filed elsewhere keeps its category.

Texts written for these rules, after NVIDIA's CUDA on WSL user guide
(https://docs.nvidia.com/cuda/wsl-user-guide/index.html)."""

from __future__ import annotations

import pytest

from recommender.core.errors import BadInputError
from tests.pastes import categories, diagnosed, fact, finding_ids

WSL = "wsl-issue"
WSL1 = "wsl1"
OOM = "out-of-memory"

NO_DRIVER_WORDED = (
    "Whatever I try, tensorflow says no graphic driver found, although the card is there\n"
)


# --- (a) the report filed in WSL's tracker ------------------------------------------------------


def test_no_driver_worded_in_wsls_tracker_is_wsls_gpu_path() -> None:
    found = categories(NO_DRIVER_WORDED, repository="microsoft/WSL")
    assert WSL in found
    assert WSL1 in found  # the version is unsaid: WSL 1 has no GPU at all


def test_no_driver_worded_elsewhere_stays_no_driver() -> None:
    found = categories(NO_DRIVER_WORDED, repository="tensorflow/tensorflow")
    assert WSL not in found
    assert "no-driver" in found


def test_known_no_driver_message_in_wsls_tracker_is_wsls_gpu_path() -> None:
    text = (
        "$ nvidia-smi\n"
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure "
        "that the latest NVIDIA driver is installed and running.\n"
    )
    assert WSL in categories(text, repository="microsoft/WSL")
    assert WSL not in categories(text, repository="pytorch/pytorch")


def test_wsl1_stated_in_wsls_tracker_is_not_taken_for_wsl2() -> None:
    text = "I'm using WSL 1 on Windows 10.\n" + NO_DRIVER_WORDED
    found = categories(text, repository="microsoft/WSL")
    assert WSL1 in found
    assert WSL not in found  # WSL 1 said: not WSL 2's driver path


def test_windows_build_does_not_say_which_wsl_when_only_the_tracker_names_it() -> None:
    text = "Microsoft Windows [Version 10.0.19045.3693]\n" + NO_DRIVER_WORDED
    assert WSL1 in categories(text, repository="microsoft/WSL")


# --- (b) the other words for running out of memory ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Killed\n",
        "./train.sh: line 12:  4821 Killed                  python train.py --bs 64\n",
        "[1]    9301 killed     python3 scripts/dream.py\n",
        "Training Llama-2-13B with LoRA gets OOM on two 3090s\n",
        "CUDA OOM during the backward pass\n",
        "[OOM] rank 3 could not allocate the optimizer state\n",
        "The pod restarts with reason OOMKilled\n",
        "Process finished with exit code 137 (interrupted by signal 9: SIGKILL)\n",
        "torch.distributed.elastic.multiprocessing.api: failed (exitcode: -9) local_rank: 0\n",
        "subprocess.CalledProcessError: Command '['python', 'x.py']' died with <Signals.SIGKILL: 9>.\n",
    ],
)
def test_words_for_a_process_killed_for_memory(line: str) -> None:
    assert OOM in categories("Loading checkpoint shards...\n" + line)


@pytest.mark.parametrize(
    "text",
    [
        "Zoom into the chart: the room temperature rose, boom\nRuntimeError: boom\n",
        "The worker was restarted by the scheduler after a timeout\nRuntimeError: boom\n",
    ],
)
def test_room_zoom_and_other_words_stay_quiet(text: str) -> None:
    try:
        found = categories(text)
    except BadInputError:
        return  # nothing read at all: quiet too
    assert OOM not in found


# --- (c) out of memory under WSL 2: WSL's own limits beside it ----------------------------------

WSL_KERNEL = "$ uname -r\n5.15.153.1-microsoft-standard-WSL2\n"
NATIVE_KERNEL = "$ uname -r\n6.8.0-45-generic\n"
KILLED_LOADING = "Loading llama-30b...\nLoading model ...\nKilled\n"
HOST_OOM = (
    "RuntimeError: [enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough "
    "memory: you tried to allocate 11324620800 bytes.\n"
)
PINNED_OOM = (
    '  File "/opt/venv/lib/python3.10/site-packages/torch/utils/data/_utils/pin_memory.py", '
    "line 31, in do_one_step\n    data = pin_memory(data, device)\n"
    "RuntimeError: CUDA error: out of memory\n"
)
RAW_OOM = "CUDA error 2 at /src/ggml-cuda.cu:512: out of memory\n"
DEVICE_OOM = (
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total "
    "capacity of 23.99 GiB of which 1.10 GiB is free.\n"
)


@pytest.mark.parametrize("oom", [KILLED_LOADING, HOST_OOM])
def test_host_memory_running_out_under_wsl_names_wsls_cap(oom: str) -> None:
    result = diagnosed(WSL_KERNEL + oom)
    assert "wsl:memory-cap" in finding_ids(result)
    assert {WSL, OOM} <= set(result.categories)


@pytest.mark.parametrize("oom", [KILLED_LOADING, HOST_OOM, PINNED_OOM, RAW_OOM])
def test_the_same_on_native_linux_stays_out_of_memory(oom: str) -> None:
    result = diagnosed(NATIVE_KERNEL + oom)
    assert WSL not in set(result.categories)
    assert OOM in set(result.categories)


@pytest.mark.parametrize("oom", [PINNED_OOM, RAW_OOM])
def test_raw_cuda_oom_or_pinned_memory_under_wsl_names_wsls_pinned_limit(oom: str) -> None:
    result = diagnosed("user@pc:/mnt/c/Users/me/llm$ ./main -m model.gguf\n" + oom)
    assert "wsl:pinned-memory" in finding_ids(result)
    assert {WSL, OOM} <= set(result.categories)


def test_the_caching_allocators_device_oom_under_wsl_stays_out_of_memory() -> None:
    result = diagnosed(WSL_KERNEL + DEVICE_OOM)
    assert WSL not in set(result.categories)
    assert OOM in set(result.categories)


def test_oom_filed_in_wsls_tracker_names_wsls_cap() -> None:
    result = diagnosed(KILLED_LOADING, repository="microsoft/WSL")
    assert "wsl:memory-cap" in finding_ids(result)


# --- (d) CUDA's "operation not supported" under WSL 2 -------------------------------------------

NOT_SUPPORTED = (
    "RuntimeError: CUDA error encountered at: /workspace/cpp/src/bitmask/null_mask.cu:93: 801 "
    "cudaErrorNotSupported operation not supported\n"
)
BURN_NOT_SUPPORTED = (
    "thread 'main' panicked at src/train.rs:88:14:\n"
    'DriverError(CUDA_ERROR_NOT_SUPPORTED, "operation not supported")\n'
)


@pytest.mark.parametrize("error", [NOT_SUPPORTED, BURN_NOT_SUPPORTED])
def test_cuda_operation_not_supported_under_wsl_is_a_wsl_limit(error: str) -> None:
    assert WSL in categories(WSL_KERNEL + error)


@pytest.mark.parametrize("error", [NOT_SUPPORTED, BURN_NOT_SUPPORTED])
def test_cuda_operation_not_supported_on_native_linux_is_not_wsl(error: str) -> None:
    try:
        found = categories(NATIVE_KERNEL + error)
    except BadInputError:
        return
    assert WSL not in found


# --- (e) a family's words under WSL 2, read as a known message is read there --------------------


@pytest.mark.parametrize(
    "line",
    [
        "my_tool: error while loading shared libraries: libcuda.so.1: cannot open shared object file\n",
        "nvml says: Driver/library version mismatch\n",
        "failed to load libcuda.so.535.104.05: undefined symbol: cuCtxCreate_v3, the driver is too old\n",
    ],
)
def test_driver_library_words_under_wsl_name_wsls_library_path(line: str) -> None:
    assert WSL in categories(WSL_KERNEL + line)
    assert WSL not in categories(NATIVE_KERNEL + line)


def test_a_windows_build_before_wsl2_filed_in_wsls_tracker_is_wsl1() -> None:
    text = "Microsoft Windows [Version 10.0.17134.285]\n" + NO_DRIVER_WORDED
    assert WSL1 in categories(text, repository="microsoft/WSL")
    assert WSL1 not in categories(text, repository="tensorflow/tensorflow")


# --- (f) other shapes of a GPU's memory: gpustat, a memory-only query, bare data-centre names ---


@pytest.mark.parametrize(
    "line",
    [
        "The 13B model ran out of VRAM halfway through the first epoch\n",
        "There is not enough GPU memory for the 70B checkpoint\n",
        "Insufficient VRAM on an 8 GB card when upscaling\n",
        "After a few images the VRAM is full and generation stops\n",
    ],
)
def test_a_persons_words_for_the_gpus_memory_running_out(line: str) -> None:
    assert OOM in categories("Loading checkpoint shards...\n" + line)


GPUSTAT = (
    "$ gpustat\n"
    "myhost                      Thu Mar 14 10:22:31 2024  535.104.05\n"
    "[0] NVIDIA GeForce RTX 3090 | 61°C,  98 % | {used} / 24576 MB | alice(23860M)\n"
    "[1] NVIDIA GeForce RTX 3090 | 35°C,   0 % |     3 / 24576 MB |\n"
)


def test_gpustat_with_a_full_gpu_is_read_as_busy() -> None:
    result = diagnosed(GPUSTAT.format(used=23876))
    assert "memory:gpu-full" in finding_ids(result)
    assert fact(result, "driver.version") == "535.104.05"


def test_gpustat_with_free_gpus_stays_quiet() -> None:
    result = diagnosed(GPUSTAT.format(used=12))
    assert "memory:gpu-full" not in finding_ids(result)
    assert fact(result, "gpu.0.memory") == 24576


@pytest.mark.parametrize(
    "query",
    [
        "$ nvidia-smi --query-gpu=memory.used,memory.total --format=csv\n"
        "memory.used [MiB], memory.total [MiB]\n{used} MiB, 81559 MiB\n",
        "$ nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader\n"
        "{used} MiB, 81559 MiB\n",
    ],
)
def test_a_memory_only_query_is_read(query: str) -> None:
    assert "memory:gpu-full" in finding_ids(diagnosed(query.format(used=80100)))
    assert "memory:gpu-full" not in finding_ids(diagnosed(query.format(used=4100)))


def test_a_table_naming_a_bare_data_centre_gpu_is_read() -> None:
    table = (
        "|   0  A40                 Off  | 00000000:17:00.0 Off |                    0 |\n"
        "|  0%   45C    P0    80W / 300W |  45000MiB / 45634MiB |      0%      Default |\n"
    )
    result = diagnosed(table)
    assert fact(result, "gpu.0.name") == "A40"
    assert "memory:gpu-full" in finding_ids(result)


# --- (g) a driver too old under WSL 2 is the Windows driver's (or a Linux one shadowing it) -----

DEVICE_QUERY_35 = (
    "$ ./deviceQuery\n./deviceQuery Starting...\n\n"
    " CUDA Device Query (Runtime API) version (CUDART static linking)\n\n"
    "cudaGetDeviceCount returned 35\n"
    "-> CUDA driver version is insufficient for CUDA runtime version\nResult = FAIL\n"
)


def test_driver_too_old_under_wsl_names_wsls_gpu_path_beside_it() -> None:
    found = categories(WSL_KERNEL + DEVICE_QUERY_35)
    assert {WSL, "driver-too-old"} <= found


def test_driver_too_old_on_native_linux_stays_driver_too_old() -> None:
    found = categories(NATIVE_KERNEL + DEVICE_QUERY_35)
    assert "driver-too-old" in found
    assert WSL not in found


# --- (h) more shapes that put a paste in WSL -------------------------------------------------------

NO_SMI = "nvidia-smi: command not found\n"


@pytest.mark.parametrize(
    "setting",
    [
        "I raised memory= in C:\\Users\\me\\.wslconfig and ran wsl --shutdown\n",
        "PS C:\\> wsl.exe -l -v\n",
        "the files are in \\\\wsl$\\Ubuntu\\home\\me\n",
        "the files are in \\\\wsl.localhost\\Ubuntu-22.04\\home\\me\n",
        "OS: Ubuntu 22.04 (WSL)\n",
        "Environment: Windows 11 WSL, RTX 4070\n",
        "(venv) me@PC:/mnt/d/projects/sd$ python launch.py\n",
        "WSL version: 2.1.5.0\nKernel version: 5.15.146.1-2\nWSLg version: 1.0.60\n",
        "I run the server from WSL on my laptop\n",
    ],
)
def test_wsls_commands_settings_shares_and_drives_name_it(setting: str) -> None:
    assert WSL in categories(setting + NO_SMI)


@pytest.mark.parametrize(
    "setting",
    [
        "me@server:/mnt/data/projects$ python train.py\n",
        "Environment: Windows 11, RTX 4070 (native, no WSL involved)\n",
    ],
)
def test_other_mounts_and_a_denial_do_not(setting: str) -> None:
    assert WSL not in categories(setting + NO_SMI)


def test_an_nvidia_smi_table_quoted_in_markdown_is_read() -> None:
    table = (
        "> | NVIDIA-SMI 550.163.01             Driver Version: 550.163.01     CUDA Version: 12.4     |\n"
        "> |   0  NVIDIA GeForce RTX 4090        Off |   00000000:4E:00.0 Off |                  Off |\n"
        "> | 30%   29C    P8             22W /  450W |   24000MiB /  24564MiB |      0%      Default |\n"
    )
    result = diagnosed(table)
    assert fact(result, "gpu.0.memory_used") == 24000
    assert "memory:gpu-full" in finding_ids(result)


# --- (i) vLLM's start-up check of free GPU memory ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ValueError: Free memory on device cuda:0 (7.34/15.49 GiB) on startup is less than desired "
        "GPU memory utilization (0.8, 12.39 GiB). Decrease GPU memory utilization or reduce GPU "
        "memory used by other processes.\n",
        "ValueError: Free memory on device (3.27/15.98 GiB) on startup\n"
        "is less than desired GPU memory utilization (0.9, 14.39 GiB)\n",
    ],
)
def test_vllms_start_up_free_memory_check_is_out_of_memory(text: str) -> None:
    assert "vllm-startup-free-memory" in finding_ids(diagnosed(text))


def test_vllms_memory_profile_line_stays_quiet() -> None:
    text = (
        "INFO 05-02 10:00:00 gpu_worker.py:240] Available KV cache memory: 9.73 GiB\n"
        "INFO 05-02 10:00:00 kv_cache_utils.py:716] GPU KV cache size: 398,576 tokens\n"
        "RuntimeError: boom\n"
    )
    try:
        found = finding_ids(diagnosed(text))
    except BadInputError:
        return
    assert "vllm-startup-free-memory" not in found


@pytest.mark.parametrize(
    "line",
    [
        "Error: llama runner process has terminated: signal: killed\n",
        "[2024-05-01 10:00:00,000] [ERROR] [launch.py:321:sigkill_handler] ['/usr/bin/python', "
        "'-u', 'train.py'] exits with return code = -9\n",
        "subprocess.CalledProcessError: Command 'python x.py' returned non-zero exit status -9.\n",
        "ValueError: Some modules are dispatched on the CPU or the disk. Make sure you have enough "
        "GPU RAM to fit the quantized model.\n",
    ],
)
def test_more_words_for_a_process_killed_or_a_model_too_big(line: str) -> None:
    assert OOM in categories(line)


def test_a_segfaults_return_code_stays_quiet() -> None:
    line = "[launch.py:321:sigkill_handler] ['python', 'train.py'] exits with return code = -11\n"
    try:
        found = categories(line)
    except BadInputError:
        return
    assert OOM not in found


@pytest.mark.parametrize(
    "setting",
    [
        "Docker Desktop for Windows 4.30 with the WSL 2 based engine\n",
        "Settings > Resources > WSL integration is on for Ubuntu\n",
        "  docker-desktop-data    Running    2\n",
    ],
)
def test_docker_desktop_on_windows_is_wsl(setting: str) -> None:
    text = (
        setting + 'docker: Error response from daemon: could not select device driver "" '
        "with capabilities: [[gpu]].\n"
    )
    assert WSL in categories(text)


def test_docker_desktop_on_a_mac_is_not_wsl() -> None:
    text = (
        "Docker Desktop 4.30 on macOS Sonoma\n"
        'docker: Error response from daemon: could not select device driver "" '
        "with capabilities: [[gpu]].\n"
    )
    assert WSL not in categories(text)


# --- (j) deviceQuery's own words for CUDA failing to start --------------------------------------


@pytest.mark.parametrize("status", ["999\n-> unknown error", "3\n-> initialization error"])
def test_device_query_failing_to_start_cuda(status: str) -> None:
    text = f"./deviceQuery Starting...\ncudaGetDeviceCount returned {status}\nResult = FAIL\n"
    assert "no-device" in categories(NATIVE_KERNEL + text)
    assert WSL in categories(WSL_KERNEL + text)


def test_device_query_with_other_numbers_is_not_read_so() -> None:
    text = "./deviceQuery Starting...\ncudaGetDeviceCount returned 30\n-> unknown error\n"
    try:
        ids = finding_ids(diagnosed(NATIVE_KERNEL + text))
    except BadInputError:
        return
    assert "device-query-init-failed" not in ids


# --- (k) Windows' GPU watchdog under WSL 2 ---------------------------------------------------------

TIMEOUT = "RuntimeError: CUDA error: the launch timed out and was terminated\n"


def test_a_launch_timeout_under_wsl_is_windows_watchdog() -> None:
    assert WSL in categories(WSL_KERNEL + TIMEOUT)


def test_a_launch_timeout_on_native_linux_is_not_wsl() -> None:
    try:
        found = categories(NATIVE_KERNEL + TIMEOUT)
    except BadInputError:
        return
    assert WSL not in found


# --- (l) WSL 2's GPU memory: no sysmem fallback, dxg residency ---------------------------------------


@pytest.mark.parametrize(
    "told",
    [
        "The same training works fine on Windows with batch size 6.\n",
        "On native Windows it runs without any problem.\n",
    ],
)
def test_a_device_oom_under_wsl_that_fits_on_windows_names_wsl(told: str) -> None:
    result = diagnosed(WSL_KERNEL + told + DEVICE_OOM)
    assert "wsl:fits-on-windows" in finding_ids(result)
    assert {WSL, OOM} <= set(result.categories)


def test_a_device_oom_on_native_linux_that_fits_on_windows_is_not_wsl() -> None:
    told = "The same training works fine on Windows with batch size 6.\n"
    assert WSL not in set(diagnosed(NATIVE_KERNEL + told + DEVICE_OOM).categories)


def test_a_device_oom_under_wsl_without_a_word_of_windows_stays_oom() -> None:
    told = "The training stops after 20 steps on Ubuntu.\n"
    assert WSL not in set(diagnosed(WSL_KERNEL + told + DEVICE_OOM).categories)


def test_dxg_failing_to_make_memory_resident_is_wsls_gpu_memory() -> None:
    text = (
        "RuntimeError: CUDA driver error: device not ready\n"
        "[  812.447] misc dxg: dxgk: dxgkio_make_resident: Ioctl failed: -12\n"
    )
    assert {WSL, OOM} <= categories(text)
    assert OOM not in categories(
        "RuntimeError: CUDA driver error: device not ready\n"
        "[  812.447] misc dxg: dxgk: dxgkio_query_adapter_info: Ioctl failed: -22\n"
    )
