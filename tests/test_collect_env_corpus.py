"""Each real report of the corpus: the facts its thread established, read back from the paste.

The expectations are the ``evidence`` of ``NNN.yaml`` (the thread's reading of the report):
torch version and build, GPU and compute capability, driver or the max CUDA from torch's "too
old" warning, OS/WSL/macOS, ROCm gfx. What a paste does not show must stay unknown (None).
"""

from __future__ import annotations

import pytest
import yaml

from recommender.facts.document import Facts
from recommender.facts.reports.collect_env import import_report
from tests.conftest import FIXTURES

CORPUS = FIXTURES / "collect_env" / "corpus"

V, FLAVOUR, CUDA, ROCM = (
    "frameworks.pytorch.version",
    "frameworks.pytorch.build.flavour",
    "frameworks.pytorch.build.cuda",
    "frameworks.pytorch.build.rocm",
)
NAME, CC, DRIVER, MAX_CUDA, KIND, GFX = (
    "accelerators[].name",
    "accelerators[].compute_capability",
    "accelerators[].driver_version",
    "accelerators[].max_cuda",
    "accelerators[].kind",
    "accelerators[].gfx",
)
AVAILABLE, WARNING = "frameworks.pytorch.cuda_available", "frameworks.pytorch.cuda_warning"

EXPECTED: dict[str, dict[str, object]] = {
    "001": {
        V: "2.1.0+cu121",
        FLAVOUR: "cuda",
        CUDA: "12.1",
        MAX_CUDA: ("11.4",),
        WARNING: "driver-too-old",
        "os.distro": "Ubuntu 20.04.6 LTS",
        NAME: (None,),
    },
    "003": {
        V: "1.13.0.dev20220525",
        FLAVOUR: "cpu",
        "os.system": "Darwin",
        "os.version": "12.2.1",
        "os.machine": "arm64",
        KIND: ("mps",),
        "accelerators[].macos_version": ("12.2.1",),
        "cpu.rosetta": False,
    },
    "004": {
        V: "2.10.0.dev20251008",
        FLAVOUR: "cpu",
        "os.version": "13.7.4",
        KIND: ("mps",),
        "cpu.model": "Apple M2 Max",
    },
    "006": {
        V: "1.7.0+cu101",
        FLAVOUR: "cuda",
        CUDA: "10.1",
        AVAILABLE: True,
        NAME: ("Tesla T4",),
        CC: ("7.5",),
        DRIVER: ("418.67",),
        MAX_CUDA: ("10.1",),
        "frameworks.pytorch.build.debug": True,
    },
    "007": {
        V: "1.12.1",
        FLAVOUR: "cpu",
        AVAILABLE: False,
        CUDA: None,
        NAME: ("NVIDIA GeForce RTX 3060 Laptop GPU",),
        CC: ("8.6",),
        DRIVER: ("512.78",),
        "os.system": "Windows",
        "os.distro": "Microsoft Windows 11 Enterprise",
    },
    "008": {
        V: "1.5.0",
        FLAVOUR: "cuda",
        CUDA: "10.2",
        AVAILABLE: False,
        NAME: ("Tesla P100-PCIE-16GB",) * 4,
        CC: ("6.0",) * 4,
        DRIVER: ("410.104",) * 4,
        MAX_CUDA: ("10.0",) * 4,
        "os.distro": "Ubuntu 18.04.3 LTS",
    },
    "010": {
        V: "1.12.1+cu102",
        FLAVOUR: "cuda",
        CUDA: "10.2",
        MAX_CUDA: ("9.1",),
        WARNING: "driver-too-old",
        "os.system": None,
    },
    "014": {
        V: "2.4.0+cu121",
        CUDA: "12.1",
        AVAILABLE: True,
        "os.wsl": 2,
        NAME: ("NVIDIA GeForce RTX 4070 Laptop GPU",),
        CC: ("8.9",),
        DRIVER: ("551.88",),
        "cpu.model": "13th Gen Intel(R) Core(TM) i9-13950HX",
        "cpu.logical_cores": 32,
    },
    "015": {
        V: "1.7.0a0+9ddd3df",
        FLAVOUR: "rocm",
        ROCM: "3.7.20315-077bcfa0",
        CUDA: None,
        AVAILABLE: True,
        KIND: ("rocm",),
        NAME: ("Device 66a1",),
        GFX: (None,),
        "frameworks.pytorch.build.hip_runtime": "3.18.2",
        "frameworks.pytorch.build.miopen": "2.6.0",
    },
    "017": {
        V: "1.5.0+cu101",
        CUDA: "10.1",
        AVAILABLE: True,
        NAME: ("Quadro P1000",),
        CC: ("6.1",),
        DRIVER: ("426.25",),
        "os.system": None,
        "os.distro": None,
    },
    "018": {
        V: "1.7.0+cu110",
        CUDA: "11.0",
        AVAILABLE: False,
        "os.distro": "CentOS Linux 7 (Core)",
        "accelerators": None,
    },
    "020": {
        V: "2.7.0+cu126",
        FLAVOUR: "cuda",
        CUDA: "12.6",
        NAME: ("NVIDIA GeForce RTX 5070 Ti",),
        CC: ("12.0",),
        WARNING: "gpu-arch-unsupported",
        "frameworks.pytorch.build.arch_list": (
            "sm_50",
            "sm_60",
            "sm_70",
            "sm_75",
            "sm_80",
            "sm_86",
            "sm_90",
        ),
    },
    "021": {
        V: "2.4.0.dev20240501+rocm6.0",
        FLAVOUR: "rocm",
        ROCM: "6.0.32830-d62f6a171",
        AVAILABLE: True,
        NAME: ("AMD Radeon RX 6800 XT",),
        GFX: ("gfx1030",),
        "frameworks.pytorch.build.hip_runtime": "6.0.32830",
    },
    "022": {
        V: "2.2.0+cu121",
        CUDA: "12.1",
        AVAILABLE: True,
        NAME: ("Tesla V100-SXM2-16GB",),
        CC: ("7.0",),
        DRIVER: ("535.86.10",),
        MAX_CUDA: ("12.2",),
        "toolchain.cudnn": None,
    },
    "023": {
        V: "2.6.0a0+git1eba9b3",
        FLAVOUR: "cpu",
        "os.system": "Darwin",
        "os.version": "15.3",
        "os.machine": "x86_64",
        "cpu.model": "Apple M2 Pro",
        "cpu.rosetta": True,
        "os.python_platform": "macOS-10.16-x86_64-i386-64bit",
        KIND: ("mps",),
        "frameworks.pytorch.build.channel": "source",
    },
    "024": {V: "2.4.0+cu121", CUDA: "12.1", MAX_CUDA: ("11.4",), WARNING: "driver-too-old"},
    "026": {
        V: "1.7.1",
        CUDA: "10.2",
        AVAILABLE: False,
        "toolchain.nvcc": "11.1.105",
        "accelerators": None,
    },
    "027": {
        V: None,
        FLAVOUR: "cuda",
        CUDA: None,
        AVAILABLE: True,
        "os.wsl": 2,
        NAME: ("NVIDIA GeForce RTX 3060 Laptop GPU",),
        CC: ("8.6",),
        DRIVER: ("537.58",),
        MAX_CUDA: ("12.2",),
        "cpu.model": "AMD Ryzen 9 5900HX with Radeon Graphics",
    },
    "028": {
        V: "2.2.0.dev20230928+rocm5.7",
        FLAVOUR: "rocm",
        ROCM: "5.7.31921-d1770ee1b",
        AVAILABLE: True,
        NAME: ("AMD Radeon RX 6750 XT",),
        GFX: ("gfx1031",),  # the report prints no target; rules/gpus.yaml knows the card
        "frameworks.pytorch.build.miopen": "2.20.0",
    },
    "031": {
        V: "2.4.0+cu121",
        CUDA: "12.1",
        AVAILABLE: False,
        "os.wsl": 2,
        NAME: ("NVIDIA RTX 4000 Ada Generation",) * 6,
        CC: ("8.9",) * 6,
        WARNING: "device-count-error",
        DRIVER: (None,) * 6,
    },
    "032": {
        "frameworks.pytorch.installed": False,
        V: None,
        NAME: ("Quadro RTX 8000",) * 2,
        CC: ("7.5",) * 2,
        DRIVER: ("535.161.08",) * 2,
        "toolchain.nvcc": "12.2.140",
    },
    "033": {
        V: "1.2.0",
        CUDA: "10.0",
        AVAILABLE: False,
        NAME: ("GeForce 210",),
        CC: ("1.2",),
        DRIVER: ("342.01",),
        MAX_CUDA: (None,),
        "os.system": "Windows",
        "toolchain.cudnn": ("7",),
        "frameworks.pytorch.torchvision": "0.4.0+cu92",
    },
    "034": {
        V: "2.0.0a0+ec3941ad.nv23.02",
        CUDA: "11.4",
        AVAILABLE: True,
        NAME: (None,),
        DRIVER: (None,),
        "frameworks.pytorch.build.channel": "nvidia",
        "os.machine": "aarch64",
        "toolchain.cudnn": ("8.6.0",),
    },
    "035": {
        V: "1.12.1",
        CUDA: "11.3",
        AVAILABLE: False,
        "toolchain.nvcc": "11.3.109",
        "accelerators": None,
    },
    "036": {
        V: "1.4.0",
        CUDA: "10.1",
        AVAILABLE: True,
        NAME: ("GeForce RTX 2080 Ti",) * 4,
        CC: ("7.5",) * 4,
        DRIVER: ("440.82",) * 4,
        MAX_CUDA: ("10.2",) * 4,
    },
    "040": {
        V: "1.9.0+cu102",
        CUDA: "10.2",
        AVAILABLE: False,
        "accelerators": None,
        "frameworks.pytorch.torchvision": "0.7.0",
    },
    "041": {
        V: "2.0.0a0+git7f2b5ea",
        FLAVOUR: "cpu",
        CUDA: None,
        AVAILABLE: False,
        NAME: ("NVIDIA GeForce RTX 4080",),
        CC: ("8.9",),
        DRIVER: ("525.60.11",),
        MAX_CUDA: ("12.0",),
        "frameworks.pytorch.build.channel": "source",
    },
    "042": {
        V: "2.4.0+cu121",
        AVAILABLE: True,
        NAME: ("NVIDIA GeForce RTX 3090",) * 8,
        CC: ("8.6",) * 8,
        DRIVER: ("535.183.01",) * 8,
        "toolchain.nvcc": "12.6.77",
    },
    "043": {
        V: "1.13.0.dev20221003",
        FLAVOUR: "cpu",
        "os.version": "12.5.1",
        KIND: ("mps",),
        "os.machine": "arm64",
    },
    "045": {
        V: "2.5.0.dev20240705+cu121",
        CUDA: "12.1",
        AVAILABLE: True,
        NAME: ("NVIDIA A100-SXM4-80GB",),
        CC: ("8.0",),
        DRIVER: ("535.161.08",),
        "accelerators[].mig": (("3g.40gb", "3g.40gb"),),
        "toolchain.cudnn": ("9.1.0",),
    },
}
#: Healthy environments: the reader must not flag anything on them.
HEALTHY = ("006", "014", "015", "017", "022", "036", "042", "045")


def _read(report_id: str, *, with_context: bool = False) -> Facts:
    text = (CORPUS / f"{report_id}.txt").read_text(encoding="utf-8")
    if with_context:
        meta = yaml.safe_load((CORPUS / f"{report_id}.yaml").read_text(encoding="utf-8"))
        text = meta.get("context_before_report", "") + text
    return Facts.from_dict(import_report(text, origin=f"corpus/{report_id}.txt"))


def test_every_corpus_report_has_expectations():
    assert sorted(p.stem for p in CORPUS.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("report_id", sorted(EXPECTED))
def test_corpus_report_reads_as_its_thread_established(report_id):
    facts = _read(report_id)
    for path, want in EXPECTED[report_id].items():
        assert facts.get(path) == want, f"{report_id}: {path}"
    assert facts.get("schema_version") == 1
    assert facts.doc["source"]["path"] == f"corpus/{report_id}.txt"


@pytest.mark.parametrize(
    "report_id",
    sorted(
        p.stem
        for p in CORPUS.glob("*.yaml")
        if "context_before_report" in (p.read_text(encoding="utf-8"))
    ),
)
def test_lines_printed_before_the_report_change_nothing_but_warnings(report_id):
    plain, framed = _read(report_id), _read(report_id, with_context=True)
    for path in EXPECTED[report_id]:
        if path not in (WARNING,):
            assert framed.get(path) == plain.get(path), f"{report_id}: {path}"


def test_018s_no_driver_warning_printed_before_the_paste_is_read():
    facts = _read("018", with_context=True)
    assert facts.get(WARNING) == "no-driver"
    assert any("no NVIDIA driver" in w for w in facts.get("warnings"))


@pytest.mark.parametrize("report_id", HEALTHY)
def test_healthy_reports_carry_no_warning(report_id):
    assert _read(report_id).get("warnings") == ()


@pytest.mark.parametrize(
    ("report_id", "needle"),
    [
        ("041", "pip lists torch==1.13.1"),
        ("040", "conda lists pytorch 1.6.0"),
        ("032", "could not be imported"),
        ("001", "supports CUDA 11.4 at most"),
        ("033", "driver 342.01 is older"),
    ],
)
def test_second_installs_and_torch_warnings_become_warnings(report_id, needle):
    assert any(needle in w for w in _read(report_id).get("warnings"))


def test_layouts_are_named_by_generation():
    layouts = {r: _read(r).doc["source"]["layout"] for r in ("008", "006", "014", "020", "040")}
    assert layouts == {
        "008": "torch<=1.6",
        "006": "torch>=1.7",
        "014": "torch>=1.13",
        "020": "vllm-2025",
        "040": "torch>=1.7",
    }
    assert _read("020").doc["source"]["format"] == "vllm-collect-env"
    assert _read("014").doc["source"]["format"] == "torch-collect-env"  # cut before vLLM's tail


def test_what_the_report_rules_out_and_what_it_cannot_tell():
    probes = _read("040").doc["probes"]  # "No CUDA" on Linux: no NVIDIA, AMD unknown
    assert probes["nvidia"]["status"] == "absent" and probes["rocm"]["status"] == "unknown"
    mac = _read("043").doc["probes"]
    assert mac["nvidia"]["status"] == "absent" and mac["apple"]["status"] == "ok"
    assert _read("035").doc["probes"]["nvidia"]["status"] == "unknown"  # "Could not collect"
    # A ROCm report: torch sees the AMD GPU and no NVIDIA driver answered, so auto is "amd"
    # (it was "not known whether this machine has an accelerator").
    for rocm in ("015", "021", "028"):
        assert _read(rocm).doc["probes"]["nvidia"]["status"] == "absent", rocm
