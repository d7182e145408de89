"""Live-machine checklist items (issue 14): a small /dev/shm in a container, NVML's "Unknown
Error", GPU numbering with mixed GPUs, and MIG/UUID ids in CUDA_VISIBLE_DEVICES. Facts are built
from a real persona machine, the environment is given: no GPU is needed."""

from __future__ import annotations

import json
from pathlib import Path

from recommender.pipeline import Request, checklist

MACHINES = Path(__file__).resolve().parent / "fixtures" / "personas5" / "machines"


def _items(tmp_path, monkeypatch, mutate, env=None, framework="pytorch"):
    doc = json.loads((MACHINES / "a100-cuda-full.json").read_text())
    mutate(doc)
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(doc))
    made = checklist(Request(facts_file=str(path), flags={}, smoke=False), framework, env=env)
    return {i.id: i for i in made.checklist.items}


def test_a_64_mb_shm_in_a_container_warns_with_the_docker_fix(tmp_path, monkeypatch):
    def small(doc):
        doc["os"]["container"] = "docker"
        doc["disk"]["shm_bytes"] = 64 << 20

    item = _items(tmp_path, monkeypatch, small)["shm"]
    assert item.status.value == "warn" and "64 MiB" in item.detail and "--shm-size" in item.fix


def test_a_big_shm_or_no_container_says_nothing_wrong(tmp_path, monkeypatch):
    def big(doc):
        doc["os"]["container"] = "docker"
        doc["disk"]["shm_bytes"] = 16 << 30

    items = _items(tmp_path, monkeypatch, big)
    assert items["shm"].status.value == "ok"
    assert "shm" not in _items(tmp_path, monkeypatch, lambda d: None)


def test_nvml_unknown_error_fails_with_the_restart(tmp_path, monkeypatch):
    def lost(doc):
        doc.setdefault("probes", {})["nvidia"] = {
            "status": "unknown",
            "reason": "NVML: Failed to initialize NVML: Unknown Error",
        }

    item = _items(tmp_path, monkeypatch, lost)["nvml-lost"]
    assert item.status.value == "fail" and "restart the container" in item.fix


def test_mixed_gpus_without_pci_bus_order_warn(tmp_path, monkeypatch):
    def mixed(doc):
        first = doc["accelerators"][0]
        doc["accelerators"] = [first, {**first, "index": 1, "name": "NVIDIA T4"}]

    items = _items(tmp_path, monkeypatch, mixed, env={})
    assert items["device-order"].status.value == "warn"
    assert "CUDA_DEVICE_ORDER=PCI_BUS_ID" in items["device-order"].fix
    ordered = _items(tmp_path, monkeypatch, mixed, env={"CUDA_DEVICE_ORDER": "PCI_BUS_ID"})
    assert "device-order" not in ordered


def test_a_mig_slice_in_cuda_visible_devices_says_one_process_one_slice(tmp_path, monkeypatch):
    env = {"CUDA_VISIBLE_DEVICES": "MIG-0d8a2b9c-1111-2222-3333-444455556666"}
    item = _items(tmp_path, monkeypatch, lambda d: None, env=env)["visible-devices"]
    assert item.status.value == "warn" and "one slice" in item.detail
