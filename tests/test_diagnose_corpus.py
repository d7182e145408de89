"""Issue #14, diagnosis: `dlrec checklist --facts report.txt` finds what a maintainer found.

Every real report in tests/fixtures/collect_env/corpus runs through the checklist in-process;
a report whose maintainer diagnosis is a driver too old, a CPU build on a GPU or a missing GPU
architecture gets that item, with the fix the maintainer gave; no healthy report gets a fail.
Synthetic variants, made from the corpus's own facts, check the fixes keep the user's release.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from recommender.cli.main import cli
from recommender.facts.load import load_facts_file

CORPUS = Path(__file__).parent / "fixtures" / "collect_env" / "corpus"
REPORTS = sorted(CORPUS.glob("*.txt"))

#: The maintainer's diagnosis -> the checklist item that must name it.
NAMED_BY = {
    "driver-too-old": "driver",
    "cpu-wheel-on-gpu": "build",
    "arch-unsupported": "compute-capability",
}


def _checklist(path: Path, *extra: str) -> dict[str, Any]:
    args = ["checklist", "--no-smoke", "--format", "json", "--facts", str(path), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def _items(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in doc["items"]}


def _diagnosis(report: Path) -> str:
    return str(yaml.safe_load(report.with_suffix(".yaml").read_text(encoding="utf-8"))["diagnosis"])


def _fix_ok(diagnosis: str, item: dict[str, Any]) -> bool:
    fix = item["fix"] or ""
    if diagnosis == "driver-too-old":  # a driver floor, and a build this driver runs
        return "Upgrade the NVIDIA driver to" in fix and "or newer" in fix
    if diagnosis == "cpu-wheel-on-gpu":  # a reinstall from a CUDA index
        return "--index-url https://download.pytorch.org/whl/cu" in fix
    # arch-unsupported: a CUDA build that carries the GPU, or no prebuilt build runs it
    return "/whl/cu" in fix or "GPU of a supported architecture" in fix


@pytest.mark.parametrize("report", REPORTS, ids=[r.stem for r in REPORTS])
def test_every_corpus_report_is_checked_for_torch(report: Path) -> None:
    doc = _checklist(report)
    assert doc["framework"] == "pytorch"
    diagnosis = _diagnosis(report)
    items = _items(doc)
    if diagnosis in NAMED_BY:
        item = items.get(NAMED_BY[diagnosis])
        assert item is not None and item["status"] in ("warn", "fail"), doc["items"]
        assert _fix_ok(diagnosis, item), item
    if diagnosis == "healthy":
        assert [i["id"] for i in doc["items"] if i["status"] == "fail"] == []
        assert items["diagnosis"]["status"] == "ok"
        assert "nothing in this environment explains a failure" in items["diagnosis"]["detail"]


def test_framework_option_overrides_the_report() -> None:
    doc = _checklist(CORPUS / "001.txt", "--framework", "tensorflow")
    assert doc["framework"] == "tensorflow"


# --------------------------------------------------------------------------- synthetic variants


def _variant(tmp_path: Path, base: str, pytorch: dict[str, Any], gpu: dict[str, Any]) -> Path:
    doc = copy.deepcopy(load_facts_file(str(CORPUS / f"{base}.txt")).to_dict())
    doc["frameworks"]["pytorch"].update(pytorch)
    doc["frameworks"]["pytorch"].pop("cuda_warning", None)
    doc["accelerators"] = [{"kind": "cuda", "vendor": "nvidia", **gpu}]
    out = tmp_path / "facts.json"
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def test_rtx5090_on_torch_2_6_cu126_misses_sm_120(tmp_path: Path) -> None:
    build = {"flavour": "cuda", "cuda": "12.6", "known": True}
    gpu = {"name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"}
    gpu |= {"driver_version": "575.57.08", "max_cuda": "12.9"}
    facts = _variant(tmp_path, "020", {"version": "2.6.0+cu126", "build": build}, gpu)
    item = _items(_checklist(facts))["compute-capability"]
    assert item["status"] == "fail" and "12.0" in item["detail"]
    # torch 2.6 has no build with sm_120; the newest release with a CUDA 12 build that does is
    # 2.11 (cu128; 2.12 on is cu130 and up, past this R575 driver).
    assert '"torch==2.11.0" --index-url https://download.pytorch.org/whl/cu128' in item["fix"]


def test_torch_2_1_cu121_on_driver_470_keeps_2_1_0_on_cu118(tmp_path: Path) -> None:
    build = {"flavour": "cuda", "cuda": "12.1", "known": True}
    gpu = {"name": "Tesla T4", "compute_capability": "7.5"}
    gpu |= {"driver_version": "470.182.03", "max_cuda": "11.4"}
    facts = _variant(tmp_path, "001", {"version": "2.1.0+cu121", "build": build}, gpu)
    item = _items(_checklist(facts))["driver"]
    assert item["status"] == "fail"
    assert "530.30.02" in item["fix"]
    assert '"torch==2.1.0" --index-url https://download.pytorch.org/whl/cu118' in item["fix"]
    assert "newest release that runs here" in item["fix"]


def test_cpu_torch_with_a_gpu_listed_gets_the_cuda_build_of_its_release(tmp_path: Path) -> None:
    build = {"flavour": "cpu", "cuda": None, "known": True, "arch_list": None}
    gpu = {"name": "NVIDIA GeForce RTX 4090", "compute_capability": "8.9"}
    gpu |= {"driver_version": "550.54.14", "max_cuda": "12.4"}
    facts = _variant(tmp_path, "020", {"version": "2.4.1+cpu", "build": build}, gpu)
    item = _items(_checklist(facts))["build"]
    assert item["status"] == "fail"
    assert '"torch==2.4.1" --index-url https://download.pytorch.org/whl/cu124' in item["fix"]


def test_a100_on_a_cu102_build_misses_sm_80(tmp_path: Path) -> None:
    build = {"flavour": "cuda", "cuda": "10.2", "known": True, "arch_list": None}
    gpu = {"name": "NVIDIA A100-SXM4-40GB", "compute_capability": "8.0"}
    gpu |= {"driver_version": "535.54.03", "max_cuda": "12.2"}
    facts = _variant(tmp_path, "020", {"version": "1.7.1", "build": build}, gpu)
    item = _items(_checklist(facts))["compute-capability"]
    assert item["status"] == "fail" and "CUDA 10.2 compiles for" in item["detail"]
    assert "/whl/cu11" in item["fix"] or "/whl/cu12" in item["fix"]


# --------------------------------------------------------------------------- the other items


@pytest.mark.parametrize("stem", ["018", "026", "035"])
def test_a_cuda_build_with_no_driver_visible_names_the_container_causes(stem: str) -> None:
    item = _items(_checklist(CORPUS / f"{stem}.txt"))["gpu-visible"]
    assert item["status"] == "fail"
    assert "--gpus all" in item["fix"] and "NVIDIA Container Toolkit" in item["fix"]


def test_wsl2_with_cuda_unavailable_says_the_windows_driver_serves_it() -> None:
    item = _items(_checklist(CORPUS / "031.txt"))["wsl"]
    assert item["status"] == "warn" and "/usr/lib/wsl/lib" in item["detail"]


def test_mig_slices_say_one_process_sees_one() -> None:
    item = _items(_checklist(CORPUS / "045.txt"))["mig"]
    assert item["status"] == "warn" and "one MIG slice" in item["detail"]


def test_torch_from_conda_and_pip_and_an_unpaired_torchvision() -> None:
    items = _items(_checklist(CORPUS / "040.txt"))
    assert items["conda-and-pip"]["status"] == "warn"
    assert "pytorch 1.6.0" in items["conda-and-pip"]["detail"]
    assert items["companions"]["status"] == "fail"
    assert "0.10 line" in items["companions"]["detail"]
    assert '"torch==1.9.0" torchvision --index-url' in items["companions"]["fix"]


def test_a_torchvision_for_another_cuda_is_named() -> None:
    item = _items(_checklist(CORPUS / "033.txt"))["companions"]
    assert item["status"] == "fail" and "cu92" in item["detail"] and "cu100" in item["detail"]


def test_markdown_reply_has_the_fix_as_a_command_and_the_sources() -> None:
    args = ["checklist", "--no-smoke", "--format", "markdown", "--facts", str(CORPUS / "001.txt")]
    out = CliRunner().invoke(cli, args).stdout
    assert "### What to do" in out and "### Sources" in out
    block = out.split("```sh\n", 1)[1].split("```", 1)[0]
    assert block.splitlines()[0].endswith(
        '-m pip install --force-reinstall "torch==2.1.0" --index-url '
        "https://download.pytorch.org/whl/cu118"
    )
    assert "<https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html>" in out


def test_a_build_only_minor_version_compatibility_runs_is_a_warning(tmp_path: Path) -> None:
    build = {"flavour": "cuda", "cuda": "12.4", "known": True}
    gpu = {"name": "NVIDIA A10G", "compute_capability": "8.6"}
    gpu |= {"driver_version": "535.183.01", "max_cuda": "12.2"}
    facts = _variant(tmp_path, "001", {"version": "2.4.0+cu124", "build": build}, gpu)
    item = _items(_checklist(facts))["driver"]
    assert item["status"] == "warn" and "minor-version compatibility" in item["detail"]


def test_an_amd_card_rocm_builds_no_kernels_for_gets_the_override_the_thread_gave():
    """028 (pytorch#103973): an RX 6750 XT under ROCm 5.7 crashes at its first kernel; the report
    names the card but not its target (gfx1031), and the thread's fix is the gfx1030 override.
    021 (an RX 6800 XT, gfx1030) and 015 (a Vega 20 by PCI id) need none: healthy runtimes."""
    item = _items(_checklist(CORPUS / "028.txt"))["gfx-target"]
    assert item["status"] == "fail" and item["rule"] == "rocm-rdna2-gfx-override"
    assert "HSA_OVERRIDE_GFX_VERSION=10.3.0" in item["fix"]
    for healthy in ("021", "015"):
        items = _items(_checklist(CORPUS / f"{healthy}.txt"))
        assert items["gfx-target"]["status"] == "ok", healthy
        assert not any(i["status"] == "fail" for i in items.values()), healthy
        assert "accel-unknown" not in {i.get("rule") for i in items.values()}, healthy
