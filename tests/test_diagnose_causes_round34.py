"""Issue 21, blind round 34 (AMD ROCm in every format): the causes its misses showed, fixed in
general and tested on text written here (not the corpus cases): ROCm under WSL 2 failing to reach
the GPU (rocminfo's HSA status there is WSL's path, not a ROCm install to repair), amd-smi's
"driver not initialized" check (which a built-in amdgpu and WSL also trip), and Ollama's own
words for a gfx target its bundled ROCm libraries lack. Working machines' rocm-smi noise stays
quiet."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, run, statuses

# --- ROCm under WSL 2 ------------------------------------------------------------------------------

_HSA = (
    "hsa api call failure at: /build/rocminfo/rocminfo.cc:{line}\n"
    "Call returned HSA_STATUS_ERROR_OUT_OF_RESOURCES: The runtime failed to allocate the necessary "
    "resources. This error may also occur when the core runtime library needs to spawn threads or "
    "create internal OS-specific events.\n"
)


@pytest.mark.parametrize(
    "head",
    [
        "WSL environment detected.\n",
        "WSL environment detected.\nROCR: unsupported GPU\n",
        "I run ROCm 6.3.4 inside WSL2 (Ubuntu 24.04) with a Radeon RX 7700 XT.\n",
    ],
)
def test_rocminfo_failing_under_wsl2_is_wsls_gpu_path(head: str) -> None:
    result = run(head + _HSA.format(line=1324))
    failing = {f.category for f in result.findings if f.status == "fail"}
    assert "wsl-issue" in failing
    assert "rocm-issue" not in failing  # named in the finding's also, not a second cause
    wsl = next(f for f in result.findings if f.category == "wsl-issue")
    assert "amdgpu-install --usecase=wsl,rocm" in wsl.fix


def test_rocminfo_failing_on_native_linux_stays_a_rocm_issue() -> None:
    text = "ROCk module version 6.8.5 is loaded\nUnable to open /dev/kfd read-write: Permission denied\n"
    text += 'alice is not member of "render" group, the default DRM access group.\n'
    found = fails(text + _HSA.format(line=1142))
    assert "rocm-issue" in found
    assert "wsl-issue" not in found


def test_a_gfx_target_error_under_wsl2_stays_rocms_own() -> None:
    # The runtime reached the GPU; the build lacks its kernels: not WSL's path.
    found = fails(
        "Running ComfyUI on WSL2 with ROCm 6.4\n"
        "RuntimeError: HIP error: hipErrorInvalidDeviceFunction\n"
    )
    assert "rocm-issue" in found
    assert "wsl-issue" not in found


def test_rock_module_not_loaded_under_wsl2_gets_the_rocm_wsl_fix() -> None:
    result = run(
        "Ubuntu 22.04 under WSL2, Radeon RX 7900 GRE\n"
        "ROCk module is NOT loaded, possibly no GPU devices\n"
    )
    wsl = next(f for f in result.findings if f.category == "wsl-issue")
    assert "ROCm-on-WSL" in wsl.fix


# --- amd-smi's initstate check ---------------------------------------------------------------------

_AMD_SMI = (
    "$ amd-smi list\n"
    "ERROR:root:Unable to get devices, driver not initialized (amdgpu not found in modules)\n"
    "ERROR:root:Unable to detect any GPU devices, check amdgpu version and module status "
    "(sudo modprobe amdgpu)\n"
    "AMDSMI Tool: 25.3.0+ede62f2 | AMDSMI Library version: 25.3.0 | ROCm version: 6.4.0\n"
)


def test_amd_smi_not_initialized_alone_is_a_warning_not_a_fail() -> None:
    assert fails(_AMD_SMI) == set()
    assert "no-driver" in categories(_AMD_SMI)


def test_amd_smi_not_initialized_beside_rocminfos_module_check_is_still_a_warning() -> None:
    # Both tools look for a loaded amdgpu module; a built-in amdgpu fails both checks alike, so
    # two of them agreeing prove no more than one.
    text = _AMD_SMI + "$ rocminfo\nROCk module is NOT loaded, possibly no GPU devices\n"
    assert "no-driver" in categories(text)
    assert "no-driver" not in fails(text)


# --- Ollama's gfx check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        'time=2024-04-11T09:00:01.000Z level=WARN source=amd_linux.go:140 msg="amdgpu [1] gfx1036 '
        'is not supported by /tmp/ollama1234/rocm [gfx1030 gfx1100 gfx1101 gfx1102 gfx900 gfx906]"',
        'time=2025-03-02T10:11:12.000+01:00 level=WARN source=amd_linux.go:378 msg="amdgpu is not '
        'supported (supported types:[gfx1030 gfx1100 gfx1101 gfx1102 gfx906])" gpu_type=gfx1032 '
        "gpu=0 library=/usr/lib/ollama",
        'level=WARN source=amd_windows.go:138 msg="amdgpu is not supported (supported types:[gfx1030 '
        'gfx1100 gfx1101 gfx1102 gfx1151 gfx906])" gpu_type=gfx1103 gpu=0 library=C:\\Ollama\\rocm',
        'time=2024-06-01T00:00:00Z level=WARN source=amd_linux.go:290 msg="amdgpu too old gfx803" gpu=0',
    ],
)
def test_ollamas_unsupported_gfx_warnings_are_a_rocm_issue(line: str) -> None:
    result = run(line + "\n")
    assert statuses(result, "rocm-issue") == {"fail"}
    rocm = next(f for f in result.findings if f.category == "rocm-issue")
    assert "HSA_OVERRIDE_GFX_VERSION" in rocm.fix


def test_ollamas_supported_gfx_line_stays_quiet() -> None:
    text = (
        'time=2025-03-02T10:11:12.000Z level=INFO source=amd_linux.go:391 msg="amdgpu is supported" '
        "gpu=0 gpu_type=gfx1100\n"
        'time=2025-03-02T10:11:12.100Z level=INFO source=types.go:131 msg="inference compute" '
        'id=0 library=rocm variant="" compute=gfx1100 driver=6.8 name=1002:744c\n'
    )
    assert fails(text) == set()


# --- a working machine's rocm-smi noise ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # An APU: rocm-smi cannot read sclk or the power cap; both are normal there.
        "============================ ROCm System Management Interface ============================\n"
        "====================================== Concise Info ======================================\n"
        "ERROR: GPU[0]\t: sclk clock is unsupported\n"
        "GPU[0]\t\t: get_power_cap, Not supported on the given system\n"
        "GPU  Temp (DieEdge)  AvgPwr  SCLK  MCLK     Fan  Perf  PwrCap       VRAM%  GPU%\n"
        "0    48.0c           9.0W    None  1000Mhz  0%   auto  Unsupported   12%   3%\n"
        "================================== End of ROCm SMI Log ===================================\n",
        # A discrete card beside the CPU's iGPU, and fields a consumer card does not expose.
        "WARNING: AMD GPU device(s) is/are in a low-power state. Check power control/runtime_status\n"
        "ERROR: 2 GPU[1]: od volt: RSMI_STATUS_NOT_SUPPORTED: This function is not supported in the "
        "current environment.\n"
        "GPU[1]\t\t: get_firmware_version_MES, Not supported on the given system\n"
        "Device  Node  IDs              Temp    Power  Partitions          SCLK    MCLK    Fan  Perf  PwrCap  VRAM%  GPU%\n"
        "0       1     0x7550,   1234   41.0°C  18.0W  N/A, N/A, 0         0Mhz    96Mhz   0%   auto  304.0W  2%     0%\n"
        "1       2     0x13c0,   5678   45.0°C  N/A    N/A, N/A, 0         None    N/A     0%   auto  Unsupported  60%  0%\n",
        # rocminfo listing the CPU and an iGPU as agents beside the card.
        "ROCk module version 6.10.5 is loaded\n"
        "*******\nAgent 1\n*******\n  Name:                    AMD Ryzen 9 7950X 16-Core Processor\n"
        "  Device Type:             CPU\n"
        "*******\nAgent 2\n*******\n  Name:                    gfx1100\n"
        "  Marketing Name:          Radeon RX 7900 XTX\n  Device Type:             GPU\n"
        "*******\nAgent 3\n*******\n  Name:                    gfx1036\n"
        "  Marketing Name:          AMD Radeon Graphics\n  Device Type:             GPU\n",
    ],
)
def test_working_rocm_machines_get_no_fail(text: str) -> None:
    assert fails(text) == set()
