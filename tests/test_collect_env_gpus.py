"""rules/gpus.yaml: GPU names -> compute capability, driver versions -> max CUDA, never a guess."""

from __future__ import annotations

import pytest
import yaml

from recommender.facts.reports.gpus import (
    GpuTableError,
    amd_gfx,
    cc_from_sm,
    compute_capability,
    cuda_from_driver_api,
    gpu_table_path,
    load_gpu_table,
    max_cuda_for_driver,
    normalise_gpu_name,
)

TABLE = load_gpu_table()


def test_the_table_is_cited_dated_and_covers_kepler_to_blackwell():
    doc = yaml.safe_load(gpu_table_path().read_text(encoding="utf-8"))
    assert str(doc["verified"]) == "2026-12-01"
    ids = {s["id"] for s in doc["sources"]}
    assert "nvidia-cuda-gpus" in ids and all(
        s["url"].startswith("https://") for s in doc["sources"]
    )
    assert {g["source"] for g in doc["gpus"]} <= ids
    assert len(TABLE.compute_capability) >= 120
    assert {"3.0", "5.2", "6.1", "7.0", "7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0"} <= set(
        TABLE.compute_capability.values()
    )


def test_the_path_is_rules_gpus_yaml_next_to_the_package():
    path = gpu_table_path()
    assert path.name == "gpus.yaml" and path.parent.name == "rules" and path.is_file()


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("GeForce 210", "1.2"),
        ("GeForce GTX 1080", "6.1"),
        ("NVIDIA GeForce GTX 1080 Ti", "6.1"),
        ("Tesla V100-SXM2-16GB", "7.0"),
        ("Tesla T4", "7.5"),
        ("NVIDIA GeForce RTX 3060 Laptop GPU", "8.6"),
        ("NVIDIA A100-SXM4-40GB", "8.0"),
        ("NVIDIA A100 80GB PCIe", "8.0"),
        ("NVIDIA GeForce RTX 4090", "8.9"),
        ("NVIDIA RTX 4000 Ada Generation", "8.9"),
        ("NVIDIA H100 80GB HBM3", "9.0"),
        ("NVIDIA H100 NVL", "9.0"),
        ("NVIDIA H200", "9.0"),
        ("NVIDIA B200", "10.0"),
        ("NVIDIA GeForce RTX 5090", "12.0"),
        ("Quadro RTX 8000", "7.5"),
        ("Tesla P100-PCIE-16GB", "6.0"),
        ("Quadro P1000", "6.1"),
        ("GeForce RTX 2080 Ti", "7.5"),
        ("NVIDIA GeForce RTX 4080 SUPER", "8.9"),
        ("GeForce RTX 2080 with Max-Q Design", "7.5"),
        ("TITAN X (Pascal)", "6.1"),
        ("GeForce GTX TITAN X", "5.2"),
        ("Tesla K80", "3.7"),
    ],
)
def test_known_names_in_the_spellings_nvidia_smi_prints(name, cc):
    assert compute_capability(name, TABLE) == cc


@pytest.mark.parametrize(
    "name",
    [
        "NVIDIA P106-100",
        "NVIDIA H20",
        "GeForce GTX 1085",
        "NVIDIA Graphics Device",
        "AMD Radeon VII",
        "",
        "Device 66a1",
        "NVIDIA GeForce RTX 4070 D",
    ],
)
def test_a_name_the_table_lacks_is_unknown_not_a_near_match(name):
    assert compute_capability(name, TABLE) is None


def test_normalising_drops_variants_only():
    assert normalise_gpu_name("NVIDIA A100-SXM4-80GB") == normalise_gpu_name("NVIDIA A100")
    assert normalise_gpu_name("GeForce GTX 1080 Ti") != normalise_gpu_name("GeForce GTX 1080")
    assert normalise_gpu_name("NVIDIA TITAN X") != normalise_gpu_name("GeForce GTX TITAN X")


@pytest.mark.parametrize(
    ("driver", "cuda"),
    [
        ("535.86.10", "12.2"),
        ("470.182.03", "11.4"),
        ("525.60.11", "12.0"),
        ("418.67", "10.1"),
        ("410.104", "10.0"),
        ("440.82", "10.2"),
        ("580.65.06", "13.0"),
        ("565.57.01", "12.7"),
        # Windows drivers (also what WSL 2 reports) fall in the same branch ranges.
        ("551.88", "12.4"),
        ("512.78", "11.6"),
        ("537.58", "12.2"),
        ("426.25", "10.1"),
        # Older than the table, newer than it, or not a driver version: unknown.
        ("342.01", None),
        ("590.44.01", "13.1"),
        ("595.45.04", "13.2"),
        ("600.10", None),
        ("Could not collect", None),
        ("12", None),
        ("", None),
    ],
)
def test_driver_branch_to_max_cuda(driver, cuda):
    assert max_cuda_for_driver(driver, TABLE) == cuda


def test_cuda_api_numbers_and_sm_names():
    assert cuda_from_driver_api(11040) == "11.4" and cuda_from_driver_api(9010) == "9.1"
    assert cuda_from_driver_api(12080) == "12.8" and cuda_from_driver_api(7) is None
    assert cc_from_sm("sm_120") == "12.0" and cc_from_sm("sm_86") == "8.6"
    assert cc_from_sm("sm_90a") == "9.0" and cc_from_sm("compute_80") is None


def _write(tmp_path, text: str):
    path = tmp_path / "gpus.yaml"
    path.write_text(text, encoding="utf-8")
    return path


DRIVERS = "driver_branches: {valid_through: 589, min_branch: {'12.2': 535}}\n"


def test_a_name_listed_with_two_capabilities_is_refused(tmp_path):
    path = _write(
        tmp_path,
        "gpus:\n - {cc: '8.0', names: [NVIDIA A100]}\n"
        " - {cc: '8.6', names: [A100-SXM4-40GB]}\n" + DRIVERS,
    )
    with pytest.raises(GpuTableError, match="listed as 8.0 and 8.6"):
        load_gpu_table(path)


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2]",
        "gpus: {}\n" + DRIVERS,
        "gpus:\n - {cc: 8.0, names: [X]}\n" + DRIVERS,
        "gpus: []\n",
        "gpus: []\ndriver_branches: {valid_through: 1, min_branch: {12: x}}\n",
        "gpus: [: bad",
    ],
)
def test_a_malformed_table_is_a_clear_error(tmp_path, text):
    with pytest.raises(GpuTableError, match="gpus.yaml"):
        load_gpu_table(_write(tmp_path, text))


def test_a_missing_table_is_a_clear_error(tmp_path):
    with pytest.raises(GpuTableError, match="cannot read"):
        load_gpu_table(tmp_path / "nope.yaml")


# --- AMD: card names -> gfx targets -------------------------------------------------------------


def test_the_amd_table_is_cited_and_names_the_rdna_cards():
    doc = yaml.safe_load(gpu_table_path().read_text(encoding="utf-8"))
    ids = {s["id"] for s in doc["sources"]}
    for group in doc["amd_gfx"]:
        cited = group["source"] if isinstance(group["source"], list) else [group["source"]]
        assert set(cited) <= ids, group["gfx"]
    assert amd_gfx("AMD Radeon RX 6750 XT", TABLE) == "gfx1031"  # corpus 028 (pytorch#103973)
    assert amd_gfx("Radeon RX 6800 XT", TABLE) == "gfx1030"  # without the vendor word
    assert amd_gfx("AMD Radeon RX 7900 XTX (gfx1100)", TABLE) == "gfx1100"
    assert amd_gfx("Device 66a1", TABLE) is None  # a PCI id: never guessed
    assert amd_gfx("AMD Radeon RX 6750", TABLE) is None  # not "6750 XT"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("amd_gfx: [{gfx: gfx1031, source: nowhere, names: [X]}]", "needs a 'source'"),
        ("amd_gfx: [{gfx: navi22, source: s, names: [X]}]", "needs a 'gfx'"),
        ("amd_gfx: [{gfx: gfx1031, source: s, names: X}]", "needs a list of names"),
        (
            "amd_gfx: [{gfx: gfx1031, source: s, names: [X]}, {gfx: gfx1030, source: s, names: [x]}]",
            "listed as gfx1031 and gfx1030",
        ),
    ],
)
def test_a_bad_amd_table_is_refused(tmp_path, text, message):
    base = (
        "sources: [{id: s, url: 'https://example.org'}]\ngpus: []\n"
        "driver_branches: {min_branch: {}, valid_through: 1}\n"
    )
    path = tmp_path / "gpus.yaml"
    path.write_text(base + text + "\n")
    with pytest.raises(GpuTableError, match=message):
        load_gpu_table(path)
