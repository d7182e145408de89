"""No device, no driver, out of memory in the words that were not read (issue 21, session 49,
engineer N3).

(a) The no-device, no-driver and out-of-memory families in other programs' words (rules/
signatures.yaml's family-no-device-other-words, family-no-driver, family-out-of-memory) and
modprobe's "Module nvidia not found" (no nvidia kernel module for the running kernel).
(b) torch that sees no GPU where the paste shows a CUDA build and a driver that lists the GPU and
runs the build's CUDA: the remaining cause is the process's view of the devices
(decide/diagnosis/process_view.py).

Texts written for these rules, after the messages' public sources (each cited in the yaml or the
module)."""

from __future__ import annotations

import pytest

from recommender.core.errors import BadInputError
from tests.pastes import categories, diagnosed, fails, finding_ids, status

NO_DEVICE = "no-device"
NO_DRIVER = "no-driver"
OOM = "out-of-memory"


# --- (a) the families' other words ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[rvm] No CUDA device found, running on the CPU instead\n",
        "Unable to find GPU, the device list only shows cpu\n",
        "ERROR: No GPU device found on this node\n",
        "RuntimeError: could not find any CUDA device\n",
        "warning: GPU not detected, using the slow path\n",
        "Found 0 CUDA devices\n",
        "cudaGetDeviceCount() returned 0\n",
    ],
)
def test_no_device_in_other_words_is_read(text: str) -> None:
    assert status(diagnosed(text), NO_DEVICE) == "warn"


def test_a_gpu_found_stays_quiet() -> None:
    text = "Found 2 CUDA devices\nGPU detected: NVIDIA GeForce RTX 3090\n"
    try:
        assert NO_DEVICE not in categories(text)
    except BadInputError:
        pass  # nothing read at all is quiet too


@pytest.mark.parametrize(
    "text",
    [
        "$ sudo modprobe nvidia\nmodprobe: FATAL: Module nvidia not found in directory "
        "/lib/modules/6.5.0-14-generic\n",
        "modprobe: FATAL: Module nvidia_uvm not found in directory /lib/modules/6.1.0-13-amd64\n",
        "$ nvidia-smi\nmodprobe: FATAL: Module nvidia not found.\n",
    ],
)
def test_modprobe_without_an_nvidia_module_is_no_driver(text: str) -> None:
    assert NO_DRIVER in fails(text)


def test_modprobe_of_another_module_stays_quiet() -> None:
    text = "modprobe: FATAL: Module vboxdrv not found in directory /lib/modules/6.5.0-14-generic\n"
    try:
        assert NO_DRIVER not in categories(text)
    except BadInputError:
        pass


def test_nvidia_docker_uvm_module_is_no_driver() -> None:
    text = "nvidia-docker | 2019/03/02 10:11:12 Error: Could not load UVM kernel module\n"
    assert status(diagnosed(text), NO_DRIVER) == "warn"


def test_backend_buffer_not_allocated_is_out_of_memory() -> None:
    text = (
        "Error: llama runner process has terminated: error loading model: unable to allocate "
        "backend buffer\n"
    )
    assert status(diagnosed(text), OOM) == "warn"


def test_a_backend_buffer_allocated_stays_quiet() -> None:
    text = "llm_load_tensors:      CUDA0 buffer size =  4155.99 MiB\nllama_new_context: ok\n"
    try:
        assert OOM not in categories(text)
    except BadInputError:
        pass


def test_gpu_memory_full_in_a_persons_words_is_out_of_memory() -> None:
    text = "Training stops after a few steps: ran out of GPU memory\n"
    assert status(diagnosed(text), OOM) == "warn"


# --- (b) the process's view, where build and driver are shown fine -----------------------------

SMI = (
    "$ nvidia-smi\n"
    "+-----------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    "|-------------------------------+----------------------+----------------------+\n"
    "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
    "| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |\n"
    "|===============================+======================+======================|\n"
    "|   0  NVIDIA A10G         Off  | 00000000:00:1E.0 Off |                    0 |\n"
    "|  0%   31C    P8    15W / 300W |      0MiB / 23028MiB |      0%      Default |\n"
    "+-------------------------------+----------------------+----------------------+\n"
)


def _session(version: str) -> str:
    return (
        ">>> import torch\n"
        ">>> torch.__version__\n"
        f"'{version}'\n"
        ">>> torch.cuda.is_available()\n"
        "False\n"
    )


def test_cuda_build_and_working_driver_leave_the_process_view() -> None:
    result = diagnosed(SMI + _session("2.2.1+cu121"))
    assert status(result, NO_DEVICE) == "warn"
    assert any(i.endswith("process-sees-no-gpu") for i in finding_ids(result))


def test_cpu_build_is_not_the_process_view() -> None:
    result = diagnosed(SMI + _session("2.2.1+cpu"))
    assert not any(i.endswith("process-sees-no-gpu") for i in finding_ids(result))


def test_driver_older_than_the_build_is_not_the_process_view() -> None:
    old = SMI.replace("535.104.05", "470.82.01").replace("CUDA Version: 12.2", "CUDA Version: 11.4")
    result = diagnosed(old + _session("2.2.1+cu121"))
    assert not any(i.endswith("process-sees-no-gpu") for i in finding_ids(result))


def test_no_driver_shown_is_not_the_process_view() -> None:
    result = diagnosed(_session("2.2.1+cu121"))
    assert not any(i.endswith("process-sees-no-gpu") for i in finding_ids(result))


# --- (c) nvidia-smi's memory, pasted without the rest of its output ------------------------------

LONE_ROW = "| N/A   47C    P0    41W / 300W |  32380MiB / 32510MiB |      0%      Default |\n"


def test_the_memory_row_alone_reads_a_full_gpu() -> None:
    result = diagnosed("nvidia-smi while the job hangs:\n" + LONE_ROW)
    assert status(result, OOM) == "warn"


def test_the_memory_row_alone_with_room_stays_quiet() -> None:
    row = LONE_ROW.replace("32380MiB", "  380MiB")
    assert OOM not in categories("nvidia-smi while the job hangs:\n" + row)


def test_a_pipe_table_of_another_tool_is_no_memory_row() -> None:
    text = "| model | 32380MiB / 32510MiB | ok |\n"
    try:
        assert OOM not in categories(text)
    except BadInputError:
        pass


FB_MEMORY = (
    "    FB Memory Usage\n"
    "        Total                             : 15360 MiB\n"
    "        Reserved                          : 250 MiB\n"
    "        Used                              : {used} MiB\n"
    "        Free                              : 110 MiB\n"
)


def test_the_query_logs_memory_section_alone_reads_a_full_gpu() -> None:
    assert status(diagnosed(FB_MEMORY.format(used=15000)), OOM) == "warn"


def test_the_query_logs_memory_section_with_room_stays_quiet() -> None:
    assert OOM not in categories(FB_MEMORY.format(used=1000))


def test_the_query_logs_gpu_section_without_the_banner_is_read() -> None:
    text = "GPU 00000000:00:04.0\n    Product Name                          : Tesla T4\n" + (
        FB_MEMORY.format(used=15000)
    )
    assert status(diagnosed(text), OOM) == "warn"


# --- (d) a kernel module that never loaded, a GPU that did not initialise ---------------------


@pytest.mark.parametrize(
    "text",
    [
        "Error! Bad return status for module build on kernel: 6.8.0-31-generic (x86_64)\n"
        "Consult /var/lib/dkms/nvidia/550.67/build/make.log for more information.\n",
        "modprobe: ERROR: could not insert 'nvidia': Required key not available\n",
        "ERROR: Unable to load the 'nvidia-drm' kernel module.\n",
        "I cuda_diagnostics.cc:160] /proc/driver/nvidia/version does not exist\n",
    ],
)
def test_a_module_that_never_loaded_is_no_driver(text: str) -> None:
    assert status(diagnosed(text), NO_DRIVER) in ("warn", "fail")


def test_a_module_built_stays_quiet() -> None:
    text = "nvidia/550.67, 6.8.0-31-generic, x86_64: installed\n"
    try:
        assert NO_DRIVER not in categories(text)
    except BadInputError:
        pass


def test_a_gpu_that_did_not_initialise_is_no_device() -> None:
    text = (
        "[  903.6] NVRM: GPU 0000:98:00.0: RmInitAdapter failed! (0x62:0x65:1792)\n"
        "[  903.6] NVRM: GPU 0000:98:00.0: rm_init_adapter failed, device minor number 0\n"
    )
    assert status(diagnosed(text), NO_DEVICE) == "warn"


# --- (e) out of memory in other runtimes' words --------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[TRT] [W] Requested amount of GPU memory (8589934592 bytes) could not be allocated. "
        "There may not be enough free memory for allocation to succeed.\n",
        "vk::Queue::submit: ErrorOutOfDeviceMemory\n",
        "ggml_vulkan: VK_ERROR_OUT_OF_DEVICE_MEMORY while allocating the KV cache\n",
        "clEnqueueWriteBuffer failed: CL_MEM_OBJECT_ALLOCATION_FAILURE\n",
        "InternalError (see above for traceback): Dst tensor is not initialized.\n",
        "numpy.core._exceptions._ArrayMemoryError: Unable to allocate 12.0 GiB for an array with "
        "shape (40000, 40000) and data type float64\n",
        "mxnet: cudaMalloc retry failed: out of memory\n",
        "I keep hitting a CUDA out-of-memory error at the second epoch\n",
    ],
)
def test_out_of_memory_in_other_words_is_read(text: str) -> None:
    assert status(diagnosed(text), OOM) == "warn"


def test_memory_allocated_fine_stays_quiet() -> None:
    text = (
        "[TRT] [I] [MemUsageChange] Init CUDA: CPU +2, GPU +0, now: CPU 100 (MiB), GPU 500 (MiB)\n"
    )
    try:
        assert OOM not in categories(text)
    except BadInputError:
        pass


def test_numba_without_the_driver_library_is_no_driver() -> None:
    text = (
        "numba.cuda.cudadrv.error.CudaSupportError: Error at driver init: CUDA driver library "
        "cannot be found.\n"
    )
    assert status(diagnosed(text), NO_DRIVER) == "warn"


# --- (f) a program that warns CUDA is not available ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "WARNING: CUDA is not available, using CPU instead\n",
        "Warning: cuda is not available\n",
        "UserWarning: CUDA is not available\n",
    ],
)
def test_a_warning_that_cuda_is_not_available_is_a_symptom(text: str) -> None:
    result = diagnosed(text)
    assert any(i.startswith("symptom:pytorch") for i in finding_ids(result))


def test_a_warning_about_something_else_stays_quiet() -> None:
    text = "WARNING: flash attention is not available, using the math kernel\n"
    try:
        result = diagnosed(text)
    except BadInputError:
        return
    assert not any(i.startswith("symptom:") for i in finding_ids(result))
