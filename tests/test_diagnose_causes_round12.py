"""Issue 21, blind round 12 (21d, the hardware side: driver, device, container and platform pastes):
the causes its misses showed, fixed in general and tested on text written here (not the corpus
cases): NVML's own error strings wherever they are printed (nvidia-smi, the NVIDIA container
runtime, pynvml), a GPU lost from the bus, the NVIDIA kernel module that could not be installed or
loaded (nouveau, Secure Boot, DKMS), container engines and Kubernetes without the NVIDIA runtime,
"driver too old" in a runtime's own words, and WSL 2 told apart from the container runtime's probe
for it."""

from __future__ import annotations

import pytest

from tests.pastes import failing_categories
from tests.pastes import run as _run

#: An nvidia-smi header and GPU row: the paste shows a working GPU.
SMI = (
    "| NVIDIA-SMI 535.54.03              Driver Version: 535.54.03    CUDA Version: 12.2     |\n"
    "|   0  NVIDIA A100-PCIE-40GB          Off | 00000000:3F:00.0 Off |                    0 |\n"
)


# --- NVML's error strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Failed to initialize NVML: Driver Not Loaded",
        "Failed to properly shut down NVML: Driver Not Loaded",
        "stderr: nvidia-container-cli: initialization error: nvml error: driver not loaded: unknown.",
        "pynvml.nvml.NVMLError_DriverNotLoaded: Driver Not Loaded",
        "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory: unknown.",
        "pynvml.nvml.NVMLError_LibraryNotFound: NVML Shared Library Not Found",
    ],
)
def test_nvml_without_a_driver_is_no_driver(line: str) -> None:
    result = _run(line + "\n")
    assert "no-driver" in failing_categories(result)


@pytest.mark.parametrize(
    "line",
    [
        "root@4f1c:/# nvidia-smi\nFailed to initialize NVML: Unknown Error",
        "nvidia-container-cli: initialization error: nvml error: unknown error: unknown",
        "Failed to initialize NVML: Insufficient Permissions",
        "nvidia-container-cli: initialization error: nvml error: insufficient permissions",
    ],
)
def test_nvml_that_cannot_reach_the_gpu_is_no_device(line: str) -> None:
    result = _run(line + "\n")
    assert "no-device" in failing_categories(result)


@pytest.mark.parametrize(
    "line",
    [
        "Unable to determine the device handle for GPU0000:07:00.0: Unknown Error",
        "Unable to determine the device handle for GPU 0000:3B:00.0: GPU is lost.  Reboot the system to recover this GPU",
        "[ 5107.644336] NVRM: Xid (PCI:0000:03:00): 79, GPU has fallen off the bus.",
        "Sep 18 20:58:08 host kernel: NVRM: GPU at 0000:01:00.0 has fallen off the bus.",
        "pynvml.nvml.NVMLError_GPUIsLost: GPU is lost",
    ],
)
def test_a_gpu_lost_from_the_bus_is_no_device(line: str) -> None:
    result = _run(line + "\n")
    assert "no-device" in failing_categories(result)


def test_the_container_runtime_s_driver_library_mismatch_is_a_driver_mismatch() -> None:
    line = "nvidia-container-cli: initialization error: nvml error: driver/library version mismatch: unknown"
    assert "driver-mismatch" in failing_categories(_run(line + "\n"))


@pytest.mark.parametrize(
    "line",
    [
        # Application faults: the driver logs them, the GPU stays usable.
        "[ 8812.1] NVRM: Xid (PCI:0000:01:00): 13, pid=4242, Graphics Exception: ESR 0x404600=0x80000002",
        "[ 9112.7] NVRM: Xid (PCI:0000:01:00): 31, pid=1234, Ch 00000010, intr 10000000. MMU Fault",
        "NVML library version: 535.54",
    ],
)
def test_a_working_gpu_s_driver_log_is_not_a_lost_device(line: str) -> None:
    result = _run(SMI + line + "\n")
    assert not failing_categories(result) & {"no-device", "no-driver"}


# --- the NVIDIA kernel module -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ERROR: The Nouveau kernel driver is currently in use by your system.  This driver is\n"
        "       incompatible with the NVIDIA driver, and must be disabled before proceeding.",
        "ERROR: The kernel module failed to load, because it was not signed by a key that is trusted by the kernel.",
        "ERROR: Unable to load the kernel module 'nvidia.ko'.  This happens most frequently when this kernel module was built against the wrong or improperly configured kernel sources",
        "[  12.3] Loading of unsigned module is rejected",
        "modprobe: ERROR: could not insert 'nvidia': Key was rejected by service",
        "modprobe: ERROR: could not insert 'nvidia_uvm': Required key not available",
        "Error! Bad return status for module build on kernel: 6.8.10-300.fc40.x86_64 (x86_64)\n"
        "Consult /var/lib/dkms/nvidia/545.29.02/build/make.log for more information.",
        "Building DKMS module 'nvidia-367.35' for kernel-4.7.2_1... FAILED!\n"
        "DKMS module 'nvidia-367.35' failed to build, please check /var/lib/dkms",
    ],
)
def test_a_kernel_module_that_could_not_be_built_or_loaded_is_no_driver(text: str) -> None:
    assert "no-driver" in failing_categories(_run(text + "\n"))


@pytest.mark.parametrize(
    "text",
    [
        # Another module's DKMS build failing says nothing about NVIDIA's.
        "Error! Bad return status for module build on kernel: 6.4.1-zen1-1-zen (x86_64)\n"
        "Consult /var/lib/dkms/vboxhost/7.0.8_OSE/build/make.log for more information.",
        # The kernel's taint notice for an out-of-tree module: printed when the module loads.
        "[    4.2] nvidia: module verification failed: signature and/or required key missing - tainting kernel",
    ],
)
def test_other_modules_and_the_taint_notice_are_not_a_missing_driver(text: str) -> None:
    assert "no-driver" not in failing_categories(_run(SMI + text + "\n"))


# --- container engines and Kubernetes -----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "docker: Error response from daemon: unknown or invalid runtime name: nvidia.",
        "docker: Error response from daemon: Unknown runtime specified nvidia.",
        'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get sandbox runtime: no runtime for "nvidia" is configured',
        "Error: setting up CDI devices: unresolvable CDI devices nvidia.com/gpu=all",
        "Warning  FailedScheduling  default-scheduler  0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
        "2022/05/13 23:09:23 Failed to initialize NVML: could not load NVML library.",
        "2022/05/13 23:09:23 If this is a GPU node, did you set the docker default runtime to `nvidia`?",
    ],
)
def test_a_container_engine_without_the_nvidia_runtime_is_no_device(line: str) -> None:
    assert "no-device" in failing_categories(_run(line + "\n"))


@pytest.mark.parametrize(
    "line",
    [
        " Runtimes: io.containerd.runc.v2 nvidia runc",
        "$ docker run --rm --runtime=nvidia --gpus all ubuntu nvidia-smi",
        "Allocatable:\n nvidia.com/gpu:     1",
    ],
)
def test_a_configured_runtime_is_not_a_missing_one(line: str) -> None:
    assert not failing_categories(_run(SMI + line + "\n"))


# --- driver too old, in a runtime's own words ---------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        'time=2026-06-01T10:00:00Z level=WARN source=cuda_compat.go:80 msg="NVIDIA driver too old" device="NVIDIA GeForce GTX 1070 Ti" compute=6.1 driver=535 required_driver="570 or newer"',
        'level=INFO msg="skipping device" required_driver=550 driver=535',
        "RuntimeError: NVIDIA driver is too old for this build of the CUDA backend",
    ],
)
def test_a_runtime_saying_the_driver_is_too_old_is_driver_too_old(line: str) -> None:
    assert "driver-too-old" in failing_categories(_run(line + "\n"))


def test_a_current_driver_is_not_too_old() -> None:
    assert not failing_categories(_run(SMI + "The NVIDIA driver is up to date (570.124.06).\n"))


# --- WSL 2 ----------------------------------------------------------------------------------------------


def test_nvidia_smi_failing_under_wsl2_is_wsl_s_gpu_path_not_a_driver_to_install() -> None:
    text = (
        "I am on WSL2 (Ubuntu 22.04) and did sudo apt install nvidia-driver-535\n"
        "$ nvidia-smi\n"
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure "
        "that the latest NVIDIA driver is installed and running.\n"
    )
    result = _run(text)
    leads = {f.category for f in result.findings if f.status == "fail"}
    assert leads == {"wsl-issue"}
    assert "no-driver" in failing_categories(result)
    fixes = " ".join(f.fix or "" for f in result.findings if f.status == "fail")
    assert "Windows" in fixes and "dkms" not in fixes.lower()


def test_the_container_runtime_s_wsl_probe_does_not_make_a_host_wsl() -> None:
    text = (
        "I0831 10:36:45.129960 2174149 nvc.c:393] attempting to load dxcore to see if we are "
        "running under Windows Subsystem for Linux (WSL)\n"
        "I0831 10:36:45.130411 2174149 nvc.c:395] dxcore initialization failed, continuing "
        "assuming a non-WSL environment\n"
        "root@4f1c:/# nvidia-smi\n"
        "Failed to initialize NVML: Unknown Error\n"
    )
    result = _run(text)
    assert "wsl-issue" not in result.categories
    assert "no-device" in failing_categories(result)


def test_windows_subsystem_for_linux_named_in_prose_still_counts() -> None:
    text = (
        "Running under the Windows Subsystem for Linux, Ubuntu 22.04.\n"
        "Failed to initialize NVML: Driver Not Loaded\n"
    )
    result = _run(text)
    assert "wsl-issue" in {f.category for f in result.findings if f.status == "fail"}


# --- the kernel driver's own words: API mismatch, a GPU the branch dropped, the AMD side --------------


@pytest.mark.parametrize(
    "text",
    [
        "[52.396206] NVRM: API mismatch: the client has the version 440.82, but\n"
        "            NVRM: this kernel module has the version 390.48.  Please",
        "[Sat Apr 13 23:38:47 2024] NVRM: API mismatch: the client has the version 535.171.04, but",
    ],
)
def test_the_kernel_module_s_api_mismatch_is_a_driver_mismatch(text: str) -> None:
    assert "driver-mismatch" in failing_categories(_run(text + "\n"))


@pytest.mark.parametrize(
    "text",
    [
        "NVRM: The NVIDIA GeForce GT 710 GPU installed in this system is\n"
        " NVRM:  supported through the NVIDIA 470.xx Legacy drivers. Please\n"
        " NVRM:  this GPU.  Continuing probe...\n"
        "NVRM: No NVIDIA GPU found.",
        "WARNING: You do not appear to have an NVIDIA GPU supported by the 410.48 NVIDIA Linux graphics driver installed in this system.",
    ],
)
def test_a_gpu_the_driver_branch_dropped_has_no_driver(text: str) -> None:
    assert "no-driver" in failing_categories(_run(text + "\n"))


def test_a_missing_kernel_source_tree_is_a_driver_that_was_not_built() -> None:
    line = "ERROR: Unable to find the kernel source tree for the currently running kernel.  Please make sure you have installed the kernel source files for your kernel"
    assert "no-driver" in failing_categories(_run(line + "\n"))


def test_rocminfos_module_check_names_no_driver_but_only_as_a_warning() -> None:
    # rocminfo looks for amdgpu among the loaded modules: an amdgpu built into the kernel is not
    # one, so a working machine prints the same line (held-back set 7 had two such threads).
    result = _run("ROCk module is NOT loaded, possibly no GPU devices\n")
    assert {"no-driver", "rocm-issue"} <= set(result.categories)
    assert failing_categories(result) == set()


def test_amd_smis_driver_not_initialized_is_no_driver_but_only_a_warning() -> None:
    # Round 34: amd-smi reads only /sys/module/amdgpu/initstate, which a built-in amdgpu and
    # WSL 2 also lack, so its line alone names the cause without proving it.
    result = _run("ERROR:root:Driver not initialized (amdgpu not found in modules)\n")
    assert "no-driver" in result.categories
    assert failing_categories(result) == set()


def test_a_chip_without_kfd_support_is_a_rocm_problem_but_no_fail_by_itself() -> None:
    # A second, unsupported chip (an APU's) can sit next to a supported GPU: a warning.
    result = _run("[    3.54] kfd kfd: amdgpu: PITCAIRN  not supported in kfd\n")
    assert "rocm-issue" in result.categories
    assert not result.failed


def test_rocm_s_fix_under_wsl2_does_not_name_nvidia() -> None:
    text = "Ubuntu 22.04 on WSL2\n$ rocminfo\nROCk module is NOT loaded, possibly no GPU devices\n"
    result = _run(text)
    fixes = " ".join(f.fix or "" for f in result.findings if f.status == "fail")
    assert "wsl-issue" in result.categories and "nvidia" not in fixes.lower()


@pytest.mark.parametrize(
    "where", ["I get this error in WSL:", "Running nvidia-smi inside WSL gives"]
)
def test_prose_placing_the_machine_in_wsl_names_wsl(where: str) -> None:
    text = (
        where + "\n"
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure "
        "that the latest NVIDIA driver is installed and running.\n"
    )
    result = _run(text)
    assert {f.category for f in result.findings if f.status == "fail"} == {"wsl-issue"}
