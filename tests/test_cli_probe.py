"""`dlrec probe`: exit codes, the JSON contract, the rendered report (golden), a real run here,
and end-to-end runs on a fake host (A100, hung nvidia-smi, CUDA_VISIBLE_DEVICES=-1)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from io import StringIO
from pathlib import Path

import psutil
import pytest
from rich.console import Console

from recommender.cli.main import cli
from recommender.facts.document import Facts
from recommender.report.probe import render_facts
from tests.conftest import FIXTURES, ROOT, dlrec_argv, skip_unless_ci

GOLDEN = Path(__file__).resolve().parent / "golden"
A100_ROW = (
    "0, GPU-4a5b1c2d-0000-1111-2222-333344445555, NVIDIA A100-SXM4-40GB, 40960, 8.0, "
    "580.65.06, 00000000:07:00.0"
)
NVML_FAILS = "import json\nclass NVMLError(Exception): pass\ndef nvmlInit(): raise NVMLError('NVML Shared Library Not Found')\n"


# --- the rendered report, against golden files --------------------------------------------------


def _render(facts: Facts, **kwargs) -> str:
    console = Console(file=StringIO(), width=100, color_system=None)
    console.print(render_facts(facts, **kwargs))
    return console.file.getvalue()


@pytest.mark.parametrize("name", ["a100_linux", "cpu_box_linux"])
def test_rendered_report_matches_golden(name, update_goldens):
    facts = Facts.from_dict(json.loads((FIXTURES / "facts" / f"{name}.json").read_text()))
    text = _render(facts)
    golden = GOLDEN / f"probe_{name}.txt"
    if update_goldens:
        golden.write_text(text)
    assert golden.exists(), f"{golden} is missing: run pytest --update-goldens"
    assert text == golden.read_text()


def test_report_without_timing_has_no_probe_table():
    facts = Facts.from_dict(json.loads((FIXTURES / "facts" / "a100_linux.json").read_text()))
    text = _render(facts, show_timing=False)
    assert "Probes" not in text and " ms " not in text
    assert "NVIDIA A100-SXM4-40GB" in text and "warning: several TensorFlow" in text


def test_report_of_an_empty_document_says_unknown():
    text = _render(Facts.from_dict({"schema_version": 1}))
    assert "unknown" in text and "Accelerators: none found" in text
    assert "not installed" in text


# --- CLI contract (in process) ----------------------------------------------------------------


def test_probe_json_is_the_facts_document(runner):
    result = runner.invoke(cli, ["probe", "--json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["collected_at"])
    for section in (
        "python",
        "os",
        "cpu",
        "memory",
        "disk",
        "accelerators",
        "frameworks",
        "probes",
    ):
        assert section in doc
    assert set(doc["probes"]) == {
        "python",
        "os",
        "cpu",
        "memory",
        "disk",
        "nvidia",
        "rocm",
        "apple",
        "tpu",
        "intel",
        "frameworks",
    }
    assert all(p["status"] in {"ok", "absent", "unknown"} for p in doc["probes"].values())
    Facts.from_dict(doc)  # it validates against its own schema


def test_probe_renders_a_report(runner):
    result = runner.invoke(cli, ["probe"])
    assert result.exit_code == 0, result.stderr
    for title in ("System", "Frameworks", "Probes"):
        assert title in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["probe", "--bogus"],
        ["probe", "--timeout-scale", "0"],
        ["probe", "--timeout-scale", "x"],
        ["probe", "extra"],
    ],
)
def test_bad_flags_exit_2_without_traceback(args):
    proc = subprocess.run(dlrec_argv(*args), capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlrec: error: "), proc.stderr
    assert "dlrec probe --help" in lines[0]


# --- one real run on this machine -------------------------------------------------------------


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def test_real_run_on_this_machine():
    proc = subprocess.run(
        dlrec_argv("probe", "--json"), capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    fw = doc["frameworks"]
    tf_dist = next(
        (
            d
            for d in (
                "tensorflow",
                "tensorflow-cpu",
                "tensorflow-macos",
                "tensorflow-intel",
                "tensorflow-aarch64",
                "tensorflow-cpu-aws",
                "tf-nightly",
            )
            if _installed(d)
        ),
        None,
    )
    if tf_dist is None or not _installed("torch") or not _installed("keras"):
        skip_unless_ci("the test environment lacks one of the three frameworks")
    assert fw["tensorflow"]["installed"] and fw["tensorflow"]["distribution"] == tf_dist
    assert fw["tensorflow"]["version"] == _installed(tf_dist)
    assert fw["pytorch"]["installed"] and fw["pytorch"]["version"] == _installed("torch")
    assert fw["keras"]["installed"] and fw["keras"]["version"] == _installed("keras")
    if sys.platform.startswith("linux"):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        if re.search(r"^flags\s*:.*\bavx2\b", cpuinfo, re.M):
            assert "avx2" in doc["cpu"]["flags"]
        meminfo = Path("/proc/meminfo").read_text()
        total = int(re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M).group(1)) * 1024
        assert abs(doc["memory"]["total_bytes"] - total) <= 0.02 * total
    assert doc["cpu"]["logical_cores"] == os.cpu_count()


def test_probe_never_imports_a_framework():
    code = (
        "import sys\nfrom recommender.facts.collect import collect_facts\nfrom recommender.report.probe "
        "import render_facts\nrender_facts(collect_facts())\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'tensorflow', 'torch', 'keras', 'jax', 'tf_keras'})\nprint(bad)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# --- end to end on a fake host ------------------------------------------------------------------


@pytest.fixture
def gpu_host(fake_host, tmp_path):
    """A fake host whose PATH has the fake tools plus bash and sleep, and a failing pynvml."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "pynvml.py").write_text(NVML_FAILS)
    sysbin = tmp_path / "sysbin"
    sysbin.mkdir()
    for tool in ("bash", "sleep"):
        (sysbin / tool).symlink_to(shutil.which(tool))
    env = fake_host.env(PATH=f"{fake_host.bin}{os.pathsep}{sysbin}", PYTHONPATH=str(site))
    return fake_host, env


def _run(env, *args, timeout=30):
    return subprocess.run(
        dlrec_argv(*args), capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout
    )


def _a100_smi(fh):
    fh.tool(
        "nvidia-smi",
        f"""\
        if [[ "$1" == --query-gpu=* ]]; then echo "{A100_ROW}"; exit 0; fi
        echo "| NVIDIA-SMI 580.65.06    Driver Version: 580.65.06    CUDA Version: 13.0     |"
        """,
    )


def test_fake_a100_end_to_end(gpu_host):
    fh, env = gpu_host
    _a100_smi(fh)
    proc = _run(env, "probe", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    [gpu] = doc["accelerators"]
    assert (
        gpu["kind"],
        gpu["name"],
        gpu["memory_bytes"],
        gpu["compute_capability"],
        gpu["driver_version"],
        gpu["max_cuda"],
        gpu["visible"],
    ) == ("cuda", "NVIDIA A100-SXM4-40GB", 40960 << 20, "8.0", "580.65.06", "13.0", True)
    assert doc["probes"]["nvidia"]["status"] == "ok"
    rendered = _run({**env, "COLUMNS": "160"}, "probe")
    assert rendered.returncode == 0 and "NVIDIA A100-SXM4-40GB" in rendered.stdout


def test_cuda_visible_devices_minus_one_end_to_end(gpu_host):
    fh, env = gpu_host
    _a100_smi(fh)
    proc = _run({**env, "CUDA_VISIBLE_DEVICES": "-1"}, "probe", "--json")
    doc = json.loads(proc.stdout)
    [gpu] = doc["accelerators"]
    assert gpu["name"] == "NVIDIA A100-SXM4-40GB" and gpu["visible"] is False
    assert any("hides every NVIDIA GPU" in w for w in doc["warnings"])


def test_hung_nvidia_smi_finishes_within_10s_and_leaves_no_process(gpu_host, tmp_path):
    fh, env = gpu_host
    pids = tmp_path / "pids"
    fh.tool("nvidia-smi", f"echo $$ >> {pids}\nsleep 1000 &\necho $! >> {pids}\nwait\n")
    start = time.monotonic()
    proc = _run(env, "probe", "--json", timeout=10)
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 10
    nvidia = json.loads(proc.stdout)["probes"]["nvidia"]
    assert nvidia["status"] == "unknown"
    assert "did not answer" in nvidia["reason"]
    _assert_all_gone(pids)


def _assert_all_gone(pids) -> None:
    """Every process the fake nvidia-smi recorded is dead (or a zombie awaiting its reaper)."""
    found = [int(p) for p in pids.read_text().split()]
    assert found
    for pid in found:
        try:
            assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            pass


def test_abandoned_probe_is_killed_when_dlrec_exits_early(gpu_host, tmp_path):
    # A tiny --timeout-scale makes the runner give up on nvidia before nvidia-smi's own timeout.
    fh, env = gpu_host
    pids = tmp_path / "pids"
    fh.tool("nvidia-smi", f"echo $$ >> {pids}\nsleep 1000 &\necho $! >> {pids}\nwait\n")
    proc = _run(env, "probe", "--json", "--timeout-scale", "0.1", timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert "timed out" in json.loads(proc.stdout)["probes"]["nvidia"]["reason"]
    _assert_all_gone(pids)
