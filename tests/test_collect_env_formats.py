"""Each collect_env layout, and the ways people mangle a paste: sniffing, parsing, refusing."""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from recommender.core.errors import BadInputError
from recommender.facts.document import FACT_SCHEMA, Facts
from recommender.facts.reports.collect_env import import_report, looks_like_collect_env
from recommender.facts.reports.gpus import load_gpu_table
from tests.conftest import FIXTURES

BASE = FIXTURES / "collect_env"
CORPUS, SYNTHETIC = BASE / "corpus", BASE / "synthetic"
ALL_REPORTS = sorted([*CORPUS.glob("*.txt"), *SYNTHETIC.glob("*.txt")])


def _text(path) -> str:
    return path.read_text(encoding="utf-8")


def read(name: str) -> Facts:
    path = SYNTHETIC / name if (SYNTHETIC / name).exists() else CORPUS / name
    return Facts.from_dict(import_report(_text(path), origin=name))


# --- one test per layout ---------------------------------------------------------------------


def test_torch_1_6_and_older_yes_no_answers_and_gpu_list():
    facts = read("036.txt")
    assert facts.doc["source"]["layout"] == "torch<=1.6"
    assert facts.get("frameworks.pytorch.cuda_available") is True  # "Yes"
    assert facts.get("accelerators[].index") == (0, 1, 2, 3)
    single = read("017.txt")  # one GPU on the "GPU models" line itself
    assert single.get("accelerators[].name") == ("Quadro P1000",)


def test_torch_1_7_rocm_hip_miopen_lines():
    facts = read("006.txt")
    assert facts.doc["source"]["layout"] == "torch>=1.7"
    assert facts.get("frameworks.pytorch.build.rocm") is None  # "N/A": not a ROCm build
    assert facts.get("frameworks.pytorch.build.flavour") == "cuda"


def test_torch_1_13_lscpu_block_and_module_loading():
    facts = read("vllm_2024_a10.txt")
    assert facts.get("cpu.model") == "AMD EPYC 7R32" and facts.get("cpu.vendor") == "AuthenticAMD"
    assert facts.get("cpu.arch") == "x86_64" and facts.get("cpu.logical_cores") == 8
    assert facts.get("cpu.flags") == ("avx", "avx2", "f16c", "fma", "sse4_1", "sse4_2")
    assert facts.get("frameworks.pytorch.cuda_module_loading") == "LAZY"


def test_a_cut_lscpu_block_leaves_flags_unknown():
    facts = read("022.txt")
    assert facts.get("cpu.logical_cores") == 8 and facts.get("cpu.flags") is None


def test_cpu_build_spellings_none_and_could_not_collect():
    assert read("043.txt").get("frameworks.pytorch.build.flavour") == "cpu"  # "None" (No CUDA)
    assert read("041.txt").get("frameworks.pytorch.build.flavour") == "cpu"  # "Could not collect"


def test_windows_wmic_key_value_cpu_and_dll_cudnn():
    facts = read("windows_wmic.txt")
    assert (
        facts.get("os.system") == "Windows"
        and facts.get("os.distro") == "Microsoft Windows 11 Home"
    )
    assert facts.get("cpu.model") == "13th Gen Intel(R) Core(TM) i7-13700K"
    assert facts.get("cpu.vendor") == "GenuineIntel" and facts.get("cpu.arch") == "AMD64"
    assert facts.get("toolchain.cudnn") == ("8",)
    assert facts.get("accelerators[].max_cuda") == ("12.4",)  # Windows driver 552.22
    assert facts.doc["probes"]["tpu"]["status"] == "absent"


def test_windows_powershell_cpu_and_os_caption():
    facts = read("windows_powershell.txt")
    assert facts.get("cpu.model") == "AMD Ryzen 9 9950X 16-Core Processor"
    assert facts.get("cpu.arch") == "AMD64" and facts.get("os.release") == "11"
    assert facts.get("accelerators[].compute_capability") == ("12.0",)


def test_windows_os_could_not_collect_stays_unknown():
    facts = read("017.txt")
    assert facts.get("os.system") is None and facts.get("os.distro") is None


def test_wsl2_platform_and_windows_driver():
    facts = read("014.txt")
    assert facts.get("os.wsl") == 2 and facts.get("os.system") == "Linux"
    assert facts.get("os.release") == "5.15.153.1-microsoft-standard-WSL2"
    assert facts.get("accelerators[].driver_version") == ("551.88",)
    assert read("022.txt").get("os.wsl") is None


def test_macos_arm64_rosetta_and_intel():
    arm = read("004.txt")
    assert arm.get("accelerators[].name") == ("Apple M2 Max GPU",)
    assert arm.get("cpu.rosetta") is False
    rosetta = read("023.txt")
    assert rosetta.get("cpu.rosetta") is True and rosetta.get("os.version") == "15.3"
    assert rosetta.get("accelerators[].macos_version") == ("15.3",)  # sw_vers, not the 10.16
    intel = read("macos_intel.txt")
    assert intel.get("cpu.rosetta") is False and intel.get("accelerators") == ()
    assert intel.doc["probes"]["apple"]["status"] == "absent"


def test_rocm_gfx_in_the_device_name():
    facts = read("rocm_mi250x.txt")
    assert facts.get("accelerators[].name") == ("AMD Instinct MI250X",)
    assert facts.get("accelerators[].gfx") == ("gfx90a",)
    assert facts.get("frameworks.pytorch.build.rocm") == "5.6.31061-8c743ae5d"
    assert facts.get("accelerators[].kind") == ("rocm",)  # not an NVIDIA GPU
    assert facts.doc["probes"]["nvidia"]["status"] == "absent"  # "Could not collect" on ROCm


def test_mig_rows_fold_into_their_gpu():
    facts = read("mig_h100.txt")
    assert facts.get("accelerators[].index") == (0, 1)
    assert facts.get("accelerators[].mig") == (("1g.10gb", "1g.10gb", "2g.20gb"), None)
    assert facts.get("accelerators[].compute_capability") == ("9.0", "9.0")


def test_ngc_and_jetson_builds():
    ngc = read("ngc_h100.txt")
    assert ngc.get("frameworks.pytorch.build.channel") == "nvidia"
    assert ngc.get("frameworks.pytorch.build.cuda") == "12.0"
    assert ngc.get("toolchain.cudnn") == ("8.7.0",)
    assert read("034.txt").get("frameworks.pytorch.build.channel") == "nvidia"


def test_vllm_2025_banners_and_aligned_fields():
    facts = read("vllm_2025_h100.txt")
    assert facts.doc["source"] == {
        "format": "vllm-collect-env",
        "layout": "vllm-2025",
        "path": "vllm_2025_h100.txt",
    }
    assert facts.get("frameworks.pytorch.version") == "2.7.0+cu128"
    assert facts.get("accelerators[].name") == ("NVIDIA H100 80GB HBM3",) * 2
    assert facts.get("accelerators[].max_cuda") == ("12.8",) * 2
    assert facts.get("cpu.model") == "Intel(R) Xeon(R) Platinum 8480+"
    assert "amx_tile" in facts.get("cpu.flags") and facts.get("cpu.logical_cores") == 224
    assert facts.get("frameworks.pytorch.torchvision") == "0.22.0+cu128"
    assert facts.doc["vllm"] == {"version": "0.9.1"}
    assert facts.get("environment.variables") == ("CUDA_VISIBLE_DEVICES=0,1",)


def test_vllm_2024_tail_and_a_gpu_from_the_table():
    facts = read("vllm_2024_a10.txt")
    assert facts.doc["source"]["layout"] == "vllm-2024"
    assert facts.get("accelerators[].name") == ("NVIDIA A10G",)
    # the report states no capability; rules/gpus.yaml has the A10G's (8.6) since session 47
    assert facts.get("accelerators[].compute_capability") == ("8.6",)
    assert facts.doc["vllm"]["version"].startswith("0.6.0")


@pytest.mark.parametrize(
    ("name", "model", "cores", "vendor"),
    [
        ("lscpu_de.txt", "11th Gen Intel(R) Core(TM) i9-11900K @ 3.50GHz", 16, "GenuineIntel"),
        ("lscpu_zh.txt", "AMD Ryzen 5 5600X 6-Core Processor", 12, "AuthenticAMD"),
        ("lscpu_fr.txt", "Intel(R) Core(TM) i7-7700 CPU @ 3.60GHz", 8, "GenuineIntel"),
        ("lscpu_ja.txt", "12th Gen Intel(R) Core(TM) i7-12700", 20, "GenuineIntel"),
    ],
)
def test_localised_lscpu(name, model, cores, vendor):
    facts = read(name)
    assert facts.get("cpu.model") == model and facts.get("cpu.logical_cores") == cores
    assert facts.get("cpu.vendor") == vendor and facts.get("cpu.arch") == "x86_64"
    assert {"avx2", "fma", "sse4_2"} <= set(facts.get("cpu.flags"))
    assert facts.get("accelerators[].name") == ("NVIDIA GeForce RTX 3060",)  # not cpu rows


def test_xpu_build_and_devices():
    facts = read("xpu_arc.txt")
    assert facts.get("frameworks.pytorch.build.flavour") == "xpu"
    assert facts.get("frameworks.pytorch.build.xpu") == "20250101"
    assert facts.get("accelerators[].kind") == ("xpu",)
    assert facts.get("accelerators[].name") == ("Intel(R) Arc(TM) A770 Graphics",)


def test_torchs_old_gpu_warning_states_the_capability():
    facts = read("old_gpu_warning.txt")
    assert facts.get("accelerators[].compute_capability") == ("3.0",)
    assert facts.get("frameworks.pytorch.cuda_warning") == "gpu-too-old"
    assert facts.get("frameworks.pytorch.version") == "1.9.0+cu102"  # the warning is skipped


# --- mangled pastes ----------------------------------------------------------------------------

KEY_FACTS = (
    "frameworks.pytorch.version",
    "frameworks.pytorch.build.flavour",
    "frameworks.pytorch.build.cuda",
    "frameworks.pytorch.build.rocm",
    "frameworks.pytorch.cuda_available",
    "accelerators[].name",
    "accelerators[].compute_capability",
    "accelerators[].driver_version",
    "accelerators[].max_cuda",
    "accelerators[].gfx",
    "accelerators[].mig",
    "os.system",
    "os.wsl",
    "os.version",
    "os.machine",
    "cpu.model",
    "cpu.flags",
    "cpu.logical_cores",
    "python.version",
    "toolchain.cudnn",
)
WARNING_LINES = (
    "/usr/lib/python3/site-packages/torch/cuda/__init__.py:52: UserWarning: CUDA initialization:"
    " something odd (Triggered internally at ../c10/cuda/CUDAFunctions.cpp:100.)",
    "  return torch._C._cuda_getDeviceCount() > 0",
    "WARNING 11-14 02:19:07 _custom_ops.py:20] Failed to import from vllm._C",
)


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.split("\n"))


def _indent(text: str) -> str:
    return textwrap.indent(text, "    ")


def _fence(text: str) -> str:
    return f"Here is my env:\n\n```\n{text}\n```\n\nThanks!"


def _wrap60(text: str) -> str:
    return "\n".join(part for line in text.split("\n") for part in textwrap.wrap(line, 60) or [""])


def _full_width(text: str) -> str:
    return text.replace(": ", "\uff1a")


def _with_warnings(text: str) -> str:
    out = []
    for i, line in enumerate(text.split("\n")):
        out.append(line)
        if i % 7 == 3:
            out.extend(WARNING_LINES)
    return "\n".join(out)


def _crlf_tabs(text: str) -> str:
    return text.replace("\n", "\r\n").replace("    ", "\t")


MANGLERS = {
    "quoted": _quote,
    "indented": _indent,
    "fenced": _fence,
    "wrapped60": _wrap60,
    "full_width_colons": _full_width,
    "warnings_inserted": _with_warnings,
    "crlf": _crlf_tabs,
    "quoted_wrapped": lambda t: _quote(_wrap60(t)),
}


def _key_facts(text: str) -> dict[str, object]:
    facts = Facts.from_dict(import_report(text, origin="paste"))
    return {path: facts.get(path) for path in KEY_FACTS}


@pytest.mark.parametrize("mangle", sorted(MANGLERS))
@pytest.mark.parametrize("path", ALL_REPORTS, ids=lambda p: p.name)
def test_a_mangled_paste_reads_the_same(path, mangle):
    text = _text(path)
    assert _key_facts(MANGLERS[mangle](text)) == _key_facts(text)


def _leaves(facts: Facts) -> dict[str, object]:
    return {p: facts.get(p) for p in FACT_SCHEMA if "[]" not in p and facts.get(p) is not None}


# A shorter paste may know a coarser ROCm version ("+rocm6.0" before the ROCm line), fewer
# warnings and an earlier layout generation (the lines that date it come later); its origin is
# its own; it must never know anything else differently from the whole report.
# A vLLM report cut before its vLLM lines reads as a torch report (the format is coarser too).
COARSER = {
    "frameworks.pytorch.build.rocm",
    "warnings",
    "source.layout",
    "source.path",
    "source.format",
}


@pytest.mark.parametrize("path", ALL_REPORTS, ids=lambda p: p.name)
def test_a_report_cut_at_any_line_never_contradicts_the_whole(path):
    lines = _text(path).split("\n")
    whole = Facts.from_dict(import_report("\n".join(lines), origin="whole"))
    full, accels = _leaves(whole), whole.accelerators
    for n in range(1, len(lines)):
        try:
            cut = Facts.from_dict(import_report("\n".join(lines[:n]), origin="cut"))
        except BadInputError:
            continue
        for key, value in _leaves(cut).items():
            if isinstance(value, (list, tuple)):  # a cut list (pip, conda, cuDNN) is a part of it
                assert set(value) <= set(full.get(key) or ()), f"{path.name} cut at {n}: {key}"
                continue
            assert key in COARSER or value == full.get(key), f"{path.name} cut at {n}: {key}"
        if cut.get("accelerators") is not None:
            assert len(cut.accelerators) <= len(accels) and not (accels and not cut.accelerators)


@pytest.mark.parametrize("path", ALL_REPORTS, ids=lambda p: p.name)
def test_a_report_cut_mid_line_still_reads(path):
    text = _text(path)
    for at in range(40, len(text), max(1, len(text) // 9)):
        try:
            Facts.from_dict(import_report(text[:at], origin="cut"))
        except BadInputError as exc:
            assert "\n" not in str(exc)


# --- sniffing and refusing ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_REPORTS, ids=lambda p: p.name)
def test_every_report_is_recognised(path):
    assert looks_like_collect_env(_text(path))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello world",
        "OS: Ubuntu\nGCC version: 11",
        "PyTorch version: 2.1.0",
        'Traceback (most recent call last):\n  File "x.py", line 1\nRuntimeError: CUDA error',
        "name: dlrec\nversion: 1\n",
    ],
)
def test_other_text_is_not_a_report(text):
    assert not looks_like_collect_env(text)
    with pytest.raises(BadInputError) as info:
        import_report(text, origin="issue.txt")
    assert info.value.where == "issue.txt" and "\n" not in str(info.value)
    assert str(info.value).startswith("issue.txt: not a collect_env report")


def test_a_facts_json_document_is_not_a_report():
    text = (FIXTURES / "facts" / "a100_linux.json").read_text(encoding="utf-8")
    assert not looks_like_collect_env(text)
    embedded = json.dumps({"report": _text(CORPUS / "022.txt")})
    assert not looks_like_collect_env(embedded)
    with pytest.raises(BadInputError, match="JSON"):
        import_report(text, origin="facts.json")


@pytest.mark.parametrize("value", [None, b"PyTorch version: 2.1\nIs debug build: False", 42])
def test_not_text_is_refused_in_one_line(value):
    assert not looks_like_collect_env(value)
    with pytest.raises(BadInputError, match="expected text"):
        import_report(value, origin="stdin")


def test_a_huge_paste_is_refused_before_parsing():
    with pytest.raises(BadInputError, match="far more than a collect_env report"):
        import_report("PyTorch version: 2.1.0\n" * 200_000, origin="big.txt")


def test_the_source_block_names_what_was_read():
    doc = import_report(_text(CORPUS / "042.txt"), origin="issue-10303.txt")
    assert doc["source"] == {
        "format": "torch-collect-env",
        "layout": "torch>=1.13",
        "path": "issue-10303.txt",
    }


def test_importing_takes_milliseconds():
    text = _text(SYNTHETIC / "vllm_2025_h100.txt")
    gpus = load_gpu_table()  # a run loads the table once (no module keeps it): the import is timed
    import_report(text, origin="warm-up", gpus=gpus)
    start = time.perf_counter()
    for _ in range(20):
        import_report(text, origin="timed", gpus=gpus)
    assert (time.perf_counter() - start) / 20 < 0.02
