"""GPU and driver faults, end to end: ``dlrec probe --json`` on a fake host (fake nvidia-smi,
rocm-smi and pynvml), and ``recommend``/``checklist`` on facts documents of broken machines.

Each case: exit 0 (a broken probe is a result, never a crash), the probe's status and reason say
what is wrong, no traceback, stderr empty, and no process left behind."""

from __future__ import annotations

import json
import time

import pytest

from tests.faults.helpers import FIXTURES, dead, run

A100 = "{i}, GPU-{i:08d}-aaaa, NVIDIA A100-SXM4-40GB, 40960, 8.0, 580.65.06, 00000000:{i:02x}:00.0"
HEADER = "| NVIDIA-SMI 580.65.06    Driver Version: 580.65.06    CUDA Version: 13.0     |"


def smi(gpu, rows: str, code: int = 0) -> None:
    gpu.tool(
        "nvidia-smi",
        f"""\
        if [[ "$1" == --query-gpu=* ]]; then
        cat <<'ROWS'
        {rows}
        ROWS
        exit {code}
        fi
        echo "{HEADER}"
        """.replace("        ", ""),
    )


def probe(gpu, *args: str, **env: str) -> tuple[dict, float]:
    ran = run("probe", "--json", *args, env=gpu.env(**env), timeout=20)
    assert ran.code == 0 and ran.err == "", ran.err
    return json.loads(ran.out), ran.seconds


def test_nvidia_smi_hangs_probe_is_unknown_within_budget_and_killed(gpu):
    """Trigger: nvidia-smi (and a child of it) sleeps forever."""
    gpu.hanging("nvidia-smi")
    doc, seconds = probe(gpu)
    assert doc["probes"]["nvidia"]["status"] == "unknown"
    assert "did not answer within 3s" in doc["probes"]["nvidia"]["reason"]
    assert seconds < 10
    assert len(gpu.hung_pids()) >= 2 and all(dead(p) for p in gpu.hung_pids())


@pytest.mark.parametrize(
    "code, message, meaning",
    [
        (18, "Failed to initialize NVML: Driver/library version mismatch", "reboot"),
        (255, "Failed to initialize NVML: Unknown Error", "restart the container"),
    ],
)
def test_nvidia_smi_error_exit_is_explained(gpu, code, message, meaning):
    """Trigger: nvidia-smi exits 18 (version mismatch) or 255 (NVML unknown error)."""
    gpu.tool("nvidia-smi", f'echo "{message}"\nexit {code}\n')
    doc, _ = probe(gpu)
    reason = doc["probes"]["nvidia"]["reason"]
    assert doc["probes"]["nvidia"]["status"] == "unknown" and doc["accelerators"] == []
    assert meaning in reason and f"exit {code}" in reason and "\n" not in reason


@pytest.mark.parametrize("na", ["[N/A]", "[Not Supported]"])
def test_na_fields_are_null_not_garbage(gpu, na):
    """Trigger: nvidia-smi prints [N/A] / [Not Supported] for memory, CC and bus id."""
    smi(gpu, f"0, GPU-0, NVIDIA A100-SXM4-40GB, {na}, {na}, 580.65.06, {na}")
    doc, _ = probe(gpu)
    [acc] = doc["accelerators"]
    assert acc["name"] == "NVIDIA A100-SXM4-40GB"
    assert (
        acc["memory_bytes"] is None
        and acc["compute_capability"] is None
        and acc["pci_bus_id"] is None
    )


def test_blank_lines_and_eight_gpus(gpu):
    """Trigger: nvidia-smi lists 8 GPUs with blank lines between them."""
    smi(gpu, "\n\n".join(A100.format(i=i) for i in range(8)) + "\n\n")
    doc, _ = probe(gpu)
    assert [a["index"] for a in doc["accelerators"]] == list(range(8))
    assert all(a["visible"] and a["max_cuda"] == "13.0" for a in doc["accelerators"])


def test_nvml_missing_while_nvidia_smi_works(gpu):
    """Trigger: pynvml raises 'NVML Shared Library Not Found'; nvidia-smi answers."""
    smi(gpu, A100.format(i=0))
    doc, _ = probe(gpu)
    assert doc["probes"]["nvidia"]["status"] == "ok" and len(doc["accelerators"]) == 1


def test_nvml_works_while_nvidia_smi_is_missing(gpu):
    """Trigger: no nvidia-smi anywhere on PATH; NVML (pynvml) answers; /dev/nvidia0 exists."""
    gpu.fh.write("/dev/nvidia0")
    gpu.nvml("""
class NVMLError(Exception): pass
class _M: total = 40 << 30
class _P: busId = "00000000:07:00.0"
def nvmlInit(): pass
def nvmlShutdown(): pass
def nvmlSystemGetDriverVersion(): return "580.65.06"
def nvmlSystemGetCudaDriverVersion_v2(): return 13000
def nvmlDeviceGetCount(): return 1
def nvmlDeviceGetHandleByIndex(i): return i
def nvmlDeviceGetName(h): return "NVIDIA A100-SXM4-40GB"
def nvmlDeviceGetUUID(h): return "GPU-0"
def nvmlDeviceGetMemoryInfo(h): return _M()
def nvmlDeviceGetCudaComputeCapability(h): return (8, 0)
def nvmlDeviceGetPciInfo(h): return _P()
""")
    doc, _ = probe(gpu)
    [acc] = doc["accelerators"]
    assert (
        acc["name"] == "NVIDIA A100-SXM4-40GB"
        and acc["max_cuda"] == "13.0"
        and acc["compute_capability"] == "8.0"
    )


@pytest.mark.parametrize("cvd", ["", "-1", "GPU-bogus"])
def test_cuda_visible_devices_hiding_every_gpu(gpu, cvd):
    """Trigger: CUDA_VISIBLE_DEVICES is "", "-1" or a UUID that matches nothing."""
    smi(gpu, A100.format(i=0) + "\n" + A100.format(i=1))
    doc, _ = probe(gpu, CUDA_VISIBLE_DEVICES=cvd)
    assert [a["visible"] for a in doc["accelerators"]] == [False, False]  # present, but hidden
    assert any(f"CUDA_VISIBLE_DEVICES={cvd!r} hides every NVIDIA GPU" in w for w in doc["warnings"])


@pytest.mark.parametrize(
    "script, warning",
    [
        ("echo '<html>garbage {{{'; exit 0", "not JSON"),
        ("sleep 1000", "did not answer within 3s"),
    ],
)
def test_rocm_smi_garbage_or_hang_is_a_warning(gpu, script, warning):
    """Trigger: rocm-smi prints garbage, or hangs, on a machine with an AMD GPU (KFD topology)."""
    gpu.fh.write("/dev/kfd")
    gpu.fh.write(
        "/sys/class/kfd/kfd/topology/nodes/1/properties",
        "simd_count 304\ngfx_target_version 90010\n",
    )
    gpu.fh.write("/sys/class/kfd/kfd/topology/nodes/1/name", "aldebaran\n")
    gpu.tool("rocm-smi", script + "\n")
    doc, seconds = probe(gpu)
    assert doc["probes"]["rocm"]["status"] == "ok" and doc["accelerators"][0]["gfx"] == "gfx90a"
    assert any(warning in w for w in doc["warnings"]) and seconds < 10


def test_tpu_name_without_a_tpu(gpu):
    """Trigger: TPU_NAME is set on a host with no TPU device."""
    doc, _ = probe(gpu, TPU_NAME="my-tpu-v4")
    tpu = doc["probes"]["tpu"]
    assert tpu["status"] == "absent" and "TPU_NAME=my-tpu-v4" in tpu["reason"]
    assert "no TPU device is present" in tpu["reason"] and doc["accelerators"] == []


# --------------------------------------------------------------------------- shown to the user


def test_driver_max_cuda_older_than_the_framework_build_is_shown():
    """Trigger: driver 470 (max CUDA 11.4) with torch built for CUDA 12.6."""
    facts = str(FIXTURES / "checklist" / "driver470_cu126_torch.json")
    ran = run("checklist", "--facts", facts, "--framework", "pytorch", "--format", "json")
    assert ran.code == 1  # a red item
    doc = json.loads(ran.out)
    failed = [i for i in doc["items"] if i["status"] == "fail"]
    assert any("470" in i["detail"] and "12.6" in (i["detail"] + i["title"]) for i in failed), (
        failed
    )
    rec = run("recommend", "--facts", facts, "--json")
    assert rec.code == 0
    torch = next(e for e in json.loads(rec.out)["ranking"] if e["framework"] == "pytorch")
    shown = json.dumps(torch) + json.dumps(json.loads(rec.out)["warnings"])
    assert "driver" in shown.lower() and "12.6" in shown


def test_gpu_present_but_cpu_only_framework_build_is_shown():
    """Trigger: an A100 with a CPU-only torch build installed."""
    facts = str(FIXTURES / "checklist" / "a100_cpu_torch.json")
    ran = run("checklist", "--facts", facts, "--framework", "pytorch", "--format", "json")
    assert ran.code == 1
    items = json.loads(ran.out)["items"]
    fail = next(i for i in items if i["status"] == "fail")
    assert "cpu" in (fail["title"] + fail["detail"]).lower() and "cu1" in (fail["fix"] or "")
    started = time.monotonic()
    rec = run("recommend", "--facts", facts)
    assert rec.code == 0 and time.monotonic() - started < 10
