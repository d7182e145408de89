"""rocm, tpu, intel and apple probes on a fake host."""

from __future__ import annotations

import os
import platform
import shutil
import time

import pytest

import recommender.probes.rocm as rocm
from recommender.probes.apple import apple_probe
from recommender.probes.intel import intel_probe
from recommender.probes.rocm import rocm_probe
from recommender.probes.tpu import tpu_probe

KFD = "/sys/class/kfd/kfd/topology/nodes"


@pytest.fixture
def fh(fake_host, tmp_path):
    """The fake host with a PATH of fake tools plus bash and sleep only."""
    sysbin = tmp_path / "sysbin"
    sysbin.mkdir()
    for tool in ("bash", "sleep"):
        (sysbin / tool).symlink_to(shutil.which(tool))
    fake_host.path = f"{fake_host.bin}{os.pathsep}{sysbin}"
    return fake_host


def _host(fh, **env):
    return fh.host(PATH=fh.path, **env)


def _pci(fh, addr, vendor, device, pci_class):
    base = f"/sys/bus/pci/devices/{addr}"
    fh.write(f"{base}/vendor", vendor + "\n")
    fh.write(f"{base}/device", device + "\n")
    fh.write(f"{base}/class", pci_class + "\n")


def _mi250(fh):
    fh.write("/dev/kfd")
    fh.write(f"{KFD}/0/properties", "cpu_cores_count 64\nsimd_count 0\ngfx_target_version 0\n")
    fh.write(f"{KFD}/0/name", "\n")
    fh.write(f"{KFD}/1/properties", "cpu_cores_count 0\nsimd_count 416\ngfx_target_version 90010\n")
    fh.write(f"{KFD}/1/name", "aldebaran\n")


# --- rocm -----------------------------------------------------------------------------------


def test_rocm_absent_without_kfd_or_amd_display(fh):
    _pci(fh, "0000:00:02.0", "0x1002", "0x1234", "0x088000")  # an AMD non-display device
    result = rocm_probe.collect(_host(fh))
    assert result.status.value == "absent"


def test_rocm_kfd_topology_without_smi(fh):
    _mi250(fh)
    result = rocm_probe.collect(_host(fh))
    assert result.status.value == "ok"
    [gpu] = result.data["accelerators"]
    assert gpu["kind"] == "rocm" and gpu["vendor"] == "amd"
    assert gpu["gfx"] == "gfx90a" and gpu["name"] == "aldebaran" and gpu["visible"] is True
    assert result.warnings == ()


def test_rocm_smi_names_the_card(fh):
    _mi250(fh)
    fh.tool(
        "rocm-smi",
        """echo '{"card0": {"Card series": "AMD Instinct MI250X", "Card SKU": "D65210"}}'\n""",
    )
    [gpu] = rocm_probe.collect(_host(fh)).data["accelerators"]
    assert gpu["name"] == "AMD Instinct MI250X"


def test_rocm_smi_garbage_is_a_warning_not_a_failure(fh):
    _mi250(fh)
    fh.tool("rocm-smi", "echo 'ERROR: garbage {{{'\nexit 1\n")
    result = rocm_probe.collect(_host(fh))
    assert result.status.value == "ok"
    assert result.data["accelerators"][0]["name"] == "aldebaran"
    assert any("not JSON" in w for w in result.warnings)


def test_rocm_smi_hanging_is_bounded(fh, monkeypatch):
    monkeypatch.setattr(rocm, "_CMD_TIMEOUT", 0.5)
    _mi250(fh)
    fh.tool("rocm-smi", "sleep 1000\n")
    start = time.monotonic()
    result = rocm_probe.collect(_host(fh))
    assert time.monotonic() - start < rocm_probe.budget_s
    assert result.status.value == "ok"
    assert any("did not answer" in w for w in result.warnings)


def test_rocm_amd_display_without_kfd_is_unknown(fh):
    _pci(fh, "0000:03:00.0", "0x1002", "0x740c", "0x038000")
    result = rocm_probe.collect(_host(fh))
    assert result.status.value == "unknown"
    assert "/dev/kfd is missing" in result.reason


def test_rocm_kfd_without_gpu_nodes_is_unknown(fh):
    fh.write("/dev/kfd")
    fh.write(f"{KFD}/0/properties", "simd_count 0\n")
    result = rocm_probe.collect(_host(fh))
    assert result.status.value == "unknown"
    assert "no GPU node" in result.reason


def test_gfx_names():
    assert rocm._gfx_name("90010") == "gfx90a"
    assert rocm._gfx_name("110000") == "gfx1100"
    assert rocm._gfx_name("90402") == "gfx942"
    assert rocm._gfx_name("0") is None and rocm._gfx_name("x") is None


# --- tpu ------------------------------------------------------------------------------------


def test_tpu_from_pci_vendor(fh):
    for i in range(4):
        _pci(fh, f"0000:00:0{i + 4}.0", "0x1ae0", "0x005e", "0x120000")
    result = tpu_probe.collect(_host(fh))
    assert result.status.value == "ok"
    accels = result.data["accelerators"]
    assert len(accels) == 4 and {a["name"] for a in accels} == {"TPU v4"}
    assert {a["kind"] for a in accels} == {"tpu"}


def test_google_nic_and_nvme_on_a_gce_vm_are_not_tpus(fh):
    _pci(fh, "0000:00:04.0", "0x1ae0", "0x0042", "0x020000")  # gVNIC
    _pci(fh, "0000:00:05.0", "0x1ae0", "0x001f", "0x010802")  # Google NVMe
    assert tpu_probe.collect(_host(fh)).status.value == "absent"
    _pci(fh, "0000:00:06.0", "0x1ae0", "0x0099", "0x120000")  # a generation newer than the table
    result = tpu_probe.collect(_host(fh))
    assert result.status.value == "ok" and len(result.data["accelerators"]) == 1


def test_tpu_from_dev_accel(fh):
    for i in range(2):
        fh.write(f"/dev/accel{i}")
    result = tpu_probe.collect(_host(fh))
    assert result.status.value == "ok"
    assert len(result.data["accelerators"]) == 2


def test_generic_accel_subsystem_dir_is_not_a_tpu(fh):
    fh.write("/dev/accel/accel0")  # Intel NPU / Habana under the kernel accel subsystem
    assert tpu_probe.collect(_host(fh)).status.value == "absent"


def test_tpu_name_hint_without_device_is_absent_with_a_reason(fh):
    result = tpu_probe.collect(_host(fh, TPU_NAME="my-tpu", PJRT_DEVICE="TPU"))
    assert result.status.value == "absent"
    assert "TPU_NAME=my-tpu" in result.reason and "no TPU device" in result.reason


def test_vfio_counts_only_with_a_hint(fh):
    fh.write("/dev/vfio/0")
    fh.write("/dev/vfio/vfio")
    assert tpu_probe.collect(_host(fh)).status.value == "absent"
    result = tpu_probe.collect(_host(fh, PJRT_DEVICE="TPU"))
    assert result.status.value == "ok" and len(result.data["accelerators"]) == 1


# --- intel ----------------------------------------------------------------------------------


def test_intel_integrated_gpu_is_absent(fh):
    _pci(fh, "0000:00:02.0", "0x8086", "0x9a49", "0x030000")
    result = intel_probe.collect(_host(fh))
    assert result.status.value == "absent" and "integrated" in result.reason


def test_intel_discrete_gpu_with_render_node(fh):
    _pci(fh, "0000:03:00.0", "0x8086", "0x56a0", "0x030000")
    fh.write("/dev/dri/renderD128")
    result = intel_probe.collect(_host(fh))
    assert result.status.value == "ok"
    [gpu] = result.data["accelerators"]
    assert gpu["kind"] == "xpu" and "8086:56a0" in gpu["name"]


def test_intel_discrete_gpu_without_render_node_is_unknown(fh):
    _pci(fh, "0000:03:00.0", "0x8086", "0x0bd5", "0x038000")
    assert intel_probe.collect(_host(fh)).status.value == "unknown"


def test_no_intel_gpu(fh):
    assert intel_probe.collect(_host(fh)).status.value == "absent"


# --- apple ----------------------------------------------------------------------------------


@pytest.mark.skipif(platform.system() == "Darwin", reason="the Linux answer")
def test_apple_absent_on_linux(fh):
    result = apple_probe.collect(_host(fh))
    assert result.status.value == "absent" and result.reason == "not macOS"
