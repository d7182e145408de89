"""nvidia probe on a fake host: fake nvidia-smi scripts on PATH and a fake pynvml on PYTHONPATH."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
import time
from pathlib import Path

import psutil
import pytest

import recommender.probes.nvidia as nvidia
from recommender.probes import run_probes
from recommender.probes.nvidia import explain_error, nvidia_probe, parse_query, visible_indices

A100_UUID = "GPU-4a5b1c2d-0000-1111-2222-333344445555"
A100_ROW = f"0, {A100_UUID}, NVIDIA A100-SXM4-40GB, 40960, 8.0, 580.65.06, 00000000:07:00.0"
A100_HEADER = """\
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 580.65.06              Driver Version: 580.65.06      CUDA Version: 13.0     |
+-----------------------------------------------------------------------------------------+
"""

# A stand-in for nvidia-ml-py, driven by the FAKE_NVML environment variable (JSON).
FAKE_PYNVML = """
import json, os, time

_CFG = json.loads(os.environ.get("FAKE_NVML") or '{"init_error": "NVML Shared Library Not Found"}')


class NVMLError(Exception):
    pass


def nvmlInit():
    if _CFG.get("hang"):
        time.sleep(1000)
    if _CFG.get("init_error"):
        raise NVMLError(_CFG["init_error"])


def nvmlShutdown():
    pass


def nvmlSystemGetDriverVersion():
    return _CFG["driver"]


def nvmlSystemGetCudaDriverVersion_v2():
    return _CFG["cuda"]


def nvmlDeviceGetCount():
    return len(_CFG["gpus"])


def nvmlDeviceGetHandleByIndex(i):
    return _CFG["gpus"][i]


def nvmlDeviceGetName(h):
    return h["name"].encode()


def nvmlDeviceGetUUID(h):
    return h["uuid"]


class _Mem:
    def __init__(self, total):
        self.total = total


def nvmlDeviceGetMemoryInfo(h):
    if h.get("memory") is None:
        raise NVMLError("Not Supported")
    return _Mem(h["memory"])


def nvmlDeviceGetCudaComputeCapability(h):
    return tuple(h["cc"])


class _Pci:
    def __init__(self, bus):
        self.busId = bus


def nvmlDeviceGetPciInfo(h):
    return _Pci(h["bus"])
"""


@pytest.fixture
def nv(fake_host, tmp_path):
    """The fake host with a fake pynvml first on PYTHONPATH (failing unless FAKE_NVML says)."""
    site = tmp_path / "fake_site"
    site.mkdir()
    (site / "pynvml.py").write_text(FAKE_PYNVML)
    fake_host.pythonpath = str(site)
    # PATH holds the fake tools and the few real ones they use, never a real nvidia-smi.
    sysbin = tmp_path / "sysbin"
    sysbin.mkdir()
    for tool in ("bash", "sleep", "cat"):
        (sysbin / tool).symlink_to(shutil.which(tool))
    fake_host.path = f"{fake_host.bin}{os.pathsep}{sysbin}"
    return fake_host


def _host(fh, nvml: dict | None = None, **env):
    extra = {"PYTHONPATH": fh.pythonpath, "PATH": fh.path}
    if nvml is not None:
        extra["FAKE_NVML"] = json.dumps(nvml)
    return fh.host(**extra, **env)


def _smi(fh, rows: str, header: str = A100_HEADER, code: int = 0):
    """A fake nvidia-smi: the query prints ``rows``; plain ``nvidia-smi`` prints ``header``."""
    fh.tool(
        "nvidia-smi",
        f"""\
        if [[ "$1" == --query-gpu=* ]]; then
        cat <<'ROWS'
        {textwrap.indent(rows, "        ").strip()}
        ROWS
        exit {code}
        fi
        cat <<'HEAD'
        {textwrap.indent(header, "        ").strip()}
        HEAD
        """,
    )


def test_no_evidence_is_absent(nv):
    result = nvidia_probe.collect(_host(nv))
    assert result.status.value == "absent"
    assert "no NVIDIA" in result.reason


def test_a100_via_nvidia_smi(nv):
    _smi(nv, A100_ROW)
    result = nvidia_probe.collect(_host(nv))
    assert result.status.value == "ok", result.reason
    assert result.data["source"] == "nvidia-smi"
    [gpu] = result.data["accelerators"]
    assert gpu == {
        "kind": "cuda",
        "vendor": "nvidia",
        "index": 0,
        "name": "NVIDIA A100-SXM4-40GB",
        "uuid": A100_UUID,
        "memory_bytes": 40960 * 1024 * 1024,
        "compute_capability": "8.0",
        "driver_version": "580.65.06",
        "max_cuda": "13.0",
        "visible": True,
        "pci_bus_id": "00000000:07:00.0",
    }
    assert result.warnings == ()


def test_blank_lines_and_eight_gpus(nv):
    rows = "\n\n".join(
        f"{i}, GPU-{i:08d}-aaaa, NVIDIA H100 80GB HBM3, 81559, 9.0, 570.86.15, "
        f"00000000:{i:02x}:00.0"
        for i in range(8)
    )
    _smi(nv, "\n" + rows + "\n\n")
    result = nvidia_probe.collect(_host(nv))
    accels = result.data["accelerators"]
    assert [a["index"] for a in accels] == list(range(8))
    assert {a["compute_capability"] for a in accels} == {"9.0"}
    assert all(a["visible"] for a in accels)


def test_na_and_not_supported_fields_become_null(nv):
    _smi(
        nv,
        f"0, {A100_UUID}, NVIDIA A100-SXM4-40GB, [N/A], [Not Supported], 580.65.06, [N/A]",
        header="no header here",
    )
    result = nvidia_probe.collect(_host(nv))
    assert result.status.value == "ok"
    [gpu] = result.data["accelerators"]
    assert gpu["memory_bytes"] is None and gpu["compute_capability"] is None
    assert gpu["pci_bus_id"] is None and gpu["max_cuda"] is None
    assert gpu["name"] == "NVIDIA A100-SXM4-40GB"


def test_garbage_output_is_unknown_not_absent(nv):
    _smi(nv, "\x00\x01 this is not csv\n<html>oops</html>")
    result = nvidia_probe.collect(_host(nv))
    assert result.status.value == "unknown"
    assert "no GPU rows it could parse" in result.reason


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (18, "Failed to initialize NVML: Driver/library version mismatch", "reboot"),
        (255, "Failed to initialize NVML: Unknown Error", "restart the container"),
        (
            9,
            "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
            "driver is not loaded",
        ),
    ],
)
def test_error_exits_become_unknown_with_a_human_reason(nv, code, message, expected):
    nv.tool("nvidia-smi", f'echo "{message}"\nexit {code}\n')
    result = nvidia_probe.collect(_host(nv))
    assert result.status.value == "unknown"
    assert expected in result.reason
    assert f"exit {code}" in result.reason
    assert "\n" not in result.reason


def test_old_driver_without_compute_cap_field_retries(nv):
    nv.tool(
        "nvidia-smi",
        f"""\
        if [[ "$1" == *compute_cap* ]]; then
          echo 'Field "compute_cap" is not a valid field to query.'; exit 2
        elif [[ "$1" == --query-gpu=* ]]; then
          echo "0, {A100_UUID}, Tesla V100-SXM2-16GB, 16160, 470.82.01, 00000000:00:04.0"; exit 0
        fi
        echo "| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |"
        """,
    )
    [gpu] = nvidia_probe.collect(_host(nv)).data["accelerators"]
    assert gpu["name"] == "Tesla V100-SXM2-16GB"
    assert gpu["compute_capability"] is None and gpu["max_cuda"] == "11.4"


@pytest.mark.parametrize(
    ("cvd", "visible"),
    [
        (None, [True, True]),
        ("", [False, False]),
        ("-1", [False, False]),
        ("GPU-bogus", [False, False]),
        ("1", [False, True]),
        ("GPU-00000000", [True, False]),
        ("1,0", [True, True]),
        ("0,-1,1", [True, False]),
    ],
)
def test_cuda_visible_devices(nv, cvd, visible):
    _smi(
        nv,
        "0, GPU-00000000-aa, NVIDIA A100-SXM4-40GB, 40960, 8.0, 580.65.06, 0000:07:00.0\n"
        "1, GPU-11111111-bb, NVIDIA A100-SXM4-40GB, 40960, 8.0, 580.65.06, 0000:08:00.0",
    )
    env = {} if cvd is None else {"CUDA_VISIBLE_DEVICES": cvd}
    result = nvidia_probe.collect(_host(nv, **env))
    assert result.status.value == "ok"
    accels = result.data["accelerators"]
    assert len(accels) == 2  # present whatever CUDA_VISIBLE_DEVICES says
    assert [a["visible"] for a in accels] == visible
    hidden_warning = any("hides every NVIDIA GPU" in w for w in result.warnings)
    assert hidden_warning == (not any(visible))


def _pids_from(path) -> list[int]:
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().split()) >= 2:
            break
        time.sleep(0.02)
    return [int(p) for p in path.read_text().split()]


def _dead(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _hanging_smi(fh, tmp_path):
    pids = tmp_path / "smi.pids"
    fh.tool(
        "nvidia-smi",
        f"""\
        echo $$ >> {pids}
        sleep 1000 &
        echo $! >> {pids}
        wait
        """,
    )
    return pids


def test_hanging_nvidia_smi_is_unknown_within_budget_and_leaves_no_process(
    nv, tmp_path, monkeypatch
):
    monkeypatch.setattr(nvidia, "_CMD_TIMEOUT", 0.5)
    pids = _hanging_smi(nv, tmp_path)
    start = time.monotonic()
    result = nvidia_probe.collect(_host(nv))
    assert time.monotonic() - start < nvidia_probe.budget_s
    assert result.status.value == "unknown"
    assert "did not answer" in result.reason
    found = _pids_from(pids)
    assert len(found) == 2
    assert all(_dead(p) for p in found), [
        psutil.Process(p).cmdline() for p in found if not _dead(p)
    ]


def test_probe_over_budget_is_abandoned_and_its_commands_killed(nv, tmp_path):
    # The budget (0.8 s) is shorter than nvidia-smi's own timeout (3 s): the runner gives up
    # first and must still kill the hung tool.
    pids = _hanging_smi(nv, tmp_path)
    start = time.monotonic()
    [run] = run_probes([nvidia_probe], _host(nv), scale=0.1)
    assert time.monotonic() - start < 2.0
    assert run.result.status.value == "unknown"
    assert "timed out" in run.result.reason
    found = _pids_from(pids)
    assert found
    # A killed group is reaped asynchronously: poll for the deaths, never check once.
    deadline = time.monotonic() + 2
    while not all(_dead(p) for p in found) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(_dead(p) for p in found), [
        psutil.Process(p).cmdline() for p in found if not _dead(p)
    ]


A100_NVML = {
    "driver": "580.65.06",
    "cuda": 13000,
    "gpus": [
        {
            "name": "NVIDIA A100-SXM4-40GB",
            "uuid": A100_UUID,
            "memory": 42949672960,
            "cc": [8, 0],
            "bus": "00000000:07:00.0",
        }
    ],
}


def test_nvml_path_without_nvidia_smi(nv):
    nv.write("/dev/nvidia0")
    result = nvidia_probe.collect(_host(nv, A100_NVML))
    assert result.status.value == "ok", result.reason
    assert result.data["source"] == "nvml"
    [gpu] = result.data["accelerators"]
    assert gpu["name"] == "NVIDIA A100-SXM4-40GB"
    assert gpu["memory_bytes"] == 42949672960
    assert gpu["compute_capability"] == "8.0"
    assert gpu["driver_version"] == "580.65.06"
    assert gpu["max_cuda"] == "13.0"


def test_nvml_unsupported_fields_are_null(nv):
    doc = {
        "driver": "535.1",
        "cuda": 12020,
        "gpus": [{"name": "Tesla T4", "uuid": "GPU-x", "memory": None, "cc": [7, 5], "bus": "b"}],
    }
    nv.write("/proc/driver/nvidia/version", "NVRM version: 535.1\n")
    [gpu] = nvidia_probe.collect(_host(nv, doc)).data["accelerators"]
    assert gpu["memory_bytes"] is None and gpu["max_cuda"] == "12.2"


def test_nvml_missing_while_nvidia_smi_works(nv):
    _smi(nv, A100_ROW)
    result = nvidia_probe.collect(_host(nv, {"init_error": "NVML Shared Library Not Found"}))
    assert result.status.value == "ok"
    assert result.data["source"] == "nvidia-smi"
    (Path(nv.pythonpath) / "pynvml.py").write_text("raise ImportError('no nvidia-ml-py here')\n")
    result = nvidia_probe.collect(_host(nv))
    assert result.data["source"] == "nvidia-smi"
    nv.tool("nvidia-smi", "exit 1\n")
    result = nvidia_probe.collect(_host(nv))
    assert result.status.value == "unknown"
    assert "nvidia-ml-py not importable" in result.reason


def test_nvml_hanging_falls_back_to_nvidia_smi(nv, monkeypatch):
    monkeypatch.setattr(nvidia, "_CMD_TIMEOUT", 0.5)
    _smi(nv, A100_ROW)
    result = nvidia_probe.collect(_host(nv, {"hang": True}))
    assert result.status.value == "ok"
    assert result.data["source"] == "nvidia-smi"


def test_pci_gpu_with_nothing_queryable_is_unknown_not_absent(nv):
    dev = "/sys/bus/pci/devices/0000:07:00.0"
    nv.write(f"{dev}/vendor", "0x10de\n")
    nv.write(f"{dev}/device", "0x20b0\n")
    nv.write(f"{dev}/class", "0x030200\n")
    result = nvidia_probe.collect(_host(nv, {"init_error": "Driver Not Loaded"}))
    assert result.status.value == "unknown"
    assert "NVIDIA PCI display device" in result.reason
    assert "nvidia-smi not found" in result.reason


def test_pci_gpu_but_driver_lists_none_is_unknown(nv):
    # The fake pynvml has no nvmlSystemGetCudaDriverVersion (only _v2, here returning 0): the
    # child must treat a missing NVML function as a missing field, not fail.
    dev = "/sys/bus/pci/devices/0000:07:00.0"
    nv.write(f"{dev}/vendor", "0x10de\n")
    nv.write(f"{dev}/class", "0x030200\n")
    result = nvidia_probe.collect(_host(nv, {"driver": "1", "cuda": 0, "gpus": []}))
    assert result.status.value == "unknown"
    nv.write(f"{dev}/vendor", "0x8086\n")  # no NVIDIA hardware, driver present: absent
    nv.write("/dev/nvidia0")
    result = nvidia_probe.collect(_host(nv, {"driver": "1", "cuda": 0, "gpus": []}))
    assert result.status.value == "absent", result.reason


def test_wsl_lib_dir_is_searched_through_the_root(nv):
    nv.tool("nvidia-smi", f'[[ "$1" == --query-gpu=* ]] && echo "{A100_ROW}"; exit 0\n')
    wsl = nv.root / "usr/lib/wsl/lib"
    wsl.mkdir(parents=True)
    (nv.bin / "nvidia-smi").rename(wsl / "nvidia-smi")
    result = nvidia_probe.collect(_host(nv))
    assert result.status.value == "ok", result.reason
    assert result.data["accelerators"][0]["name"] == "NVIDIA A100-SXM4-40GB"


def test_unit_helpers():
    assert parse_query("garbage\n\n1,2\n", ("index", "name")) == [
        {  # "1" is an index row
            "index": 1,
            "name": "2",
            "uuid": None,
            "memory_bytes": None,
            "compute_capability": None,
            "driver_version": None,
            "pci_bus_id": None,
        }
    ]
    assert parse_query("x, y\n", ("index", "name")) == []
    assert (
        visible_indices({"CUDA_VISIBLE_DEVICES": "MIG-"}, [{"index": 0, "uuid": "MIG-1"}]) == set()
    )
    assert explain_error("") == "no output"
    assert explain_error("\n\n  some new failure  \nmore") == "some new failure"
    assert len(explain_error("x" * 1000)) == 200
