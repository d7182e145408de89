"""Issue 21, precision round 3: the cuDNN each torch release bundles. A library that asks for
cuDNN N's files where the paste shows cuDNN M (its files, its pip package, a stated version, or a
torch whose PyPI wheel pins cuDNN M, compat.yaml ``torch_pypi_linux_cudnn``) is a version
mismatch, the missing file its symptom; the same message where everything shown is cuDNN N stays
a missing library. Texts written here, not taken from the corpus."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from recommender.decide.diagnosis.cudnn import _stated_major, file_majors, torch_cudnn_major
from recommender.rulebase.load import load_rulebase
from tests.pastes import diagnosed, failing_with_also

_RECORDING = Path(__file__).parent / "fixtures" / "wheels" / "pip" / "torch.json"


def _table() -> tuple[object, ...]:
    return tuple(load_rulebase(()).tables["torch_pypi_linux_cudnn"])


_CT2_8 = (
    "Could not load library libcudnn_ops_infer.so.8. Error: libcudnn_ops_infer.so.8: cannot open "
    "shared object file: No such file or directory\nAborted (core dumped)\n"
)
_CT2_9 = (
    "Unable to load any of {libcudnn_ops.so.9.1.0, libcudnn_ops.so.9.1, libcudnn_ops.so.9, "
    "libcudnn_ops.so}\nInvalid handle. Cannot load symbol cudnnCreateTensorDescriptor\n"
)
_DLL_8 = "Could not locate cudnn_ops_infer64_8.dll. Please make sure it is in your library path!\n"


@pytest.mark.parametrize(
    "text",
    [
        # cuDNN 8 asked for next to a torch whose wheels ship cuDNN 9, in several wordings
        "I installed torch 2.5.1 with whisperX and ctranslate2==4.4.0\n" + _CT2_8,
        "$ pip freeze | grep -E 'torch|ctranslate2'\ntorch==2.6.0+cu124\nctranslate2==4.4.0\n"
        + _CT2_8,
        "Package      Version\nctranslate2  4.3.1\ntorch        2.8.0\n" + _CT2_8,
        # the other major's files shown on disk
        _DLL_8 + "In site-packages\\torch\\lib I only see cudnn_ops64_9.dll and cudnn64_9.dll\n",
        # its pip package, or cuDNN named with its version
        "nvidia-cudnn-cu12         9.1.0.70\n" + _CT2_8,
        "Since yesterday Colab ships cuDNN 9.\n" + _CT2_8,
        "cuDNN version: 9.1.0\n" + _CT2_8,
        # the reverse: cuDNN 9 asked for next to a torch that ships cuDNN 8
        "torch==2.3.1\nctranslate2==4.5.0\n" + _CT2_9,
        "torch 2.1.2+cu121, faster-whisper 1.1.0\n" + _CT2_9,
    ],
)
def test_cudnn_of_another_major_is_a_version_mismatch(text: str) -> None:
    fails = failing_with_also(text)
    assert "version-mismatch" in fails
    assert "missing-library" not in fails  # folded: the missing file is the symptom
    assert "missing-library" in fails["version-mismatch"]


@pytest.mark.parametrize(
    "text",
    [
        # one cuDNN major throughout: the file is just not found (library path, partial install)
        "torch==2.5.0+cu121\nctranslate2==4.5.0\n" + _CT2_9,
        "torch 2.2.2 with ctranslate2 4.4.0\n" + _CT2_8,
        # a torch without cuDNN says nothing about cuDNN
        "torch==2.5.1+cpu\nctranslate2==4.4.0\n" + _CT2_8,
        # a release the table does not cover says nothing either
        "torch 1.13.1\n" + _CT2_9,
        # jaxlib's build tag runs cuDNN's major and minor together: cudnn86 is cuDNN 8.6
        "jax v0.4.13  jaxlib v0.4.13+cuda11.cudnn86\n" + _CT2_8,
        # the other major named only on a line that says it is missing too
        _CT2_8 + "Could not load library libcudnn_cnn_infer.so.9: cannot open shared object file\n",
    ],
)
def test_one_cudnn_major_stays_a_missing_library(text: str) -> None:
    fails = failing_with_also(text)
    assert "missing-library" in fails
    assert "version-mismatch" not in fails


def test_healthy_pairs_do_not_fail() -> None:
    healthy = (
        "torch==2.5.1\nctranslate2==4.5.0\nnvidia-cudnn-cu12==9.1.0.70\n"
        ">>> import torch; torch.cuda.is_available()\nTrue\n"
        ">>> torch.backends.cudnn.version()\n90100\n"
    )
    assert not diagnosed(healthy, "paste.txt").failed
    older = "torch==2.2.2\nctranslate2==4.4.0\n>>> import torch; torch.cuda.is_available()\nTrue\n"
    assert not diagnosed(older, "paste.txt").failed


def test_table_majors() -> None:
    table = _table()
    assert torch_cudnn_major("2.5.1", table) == 9
    assert torch_cudnn_major("2.4.0+cu118", table) == 9
    assert torch_cudnn_major("2.3.1", table) == 8
    assert torch_cudnn_major("2.0.1", table) == 8
    assert torch_cudnn_major("2.5.1+cpu", table) is None
    assert torch_cudnn_major("2.6.0+rocm6.1", table) is None
    assert torch_cudnn_major("1.12.1", table) is None
    assert file_majors("libcudnn_ops_infer.so.8 and cudnn_ops64_9.dll") == {8, 9}
    assert [_stated_major(v) for v in ("9", "8.9.2", "9.1.0.70", "8902", "90100")] == [
        9,
        8,
        9,
        8,
        9,
    ]


def test_table_agrees_with_the_registry_recording() -> None:
    """Every torch release whose Requires-Dist the refresh recorded pins the cuDNN its row says."""
    recording = json.loads(_RECORDING.read_text(encoding="utf-8"))
    table = _table()
    checked = 0
    for command, answer in recording.items():
        release = re.search(r"torch===?([0-9.]+)$", command)
        pin = re.search(r"nvidia-cudnn-cu1[0-9] ?\(?==([0-9.]+)", json.dumps(answer))
        if not (release and pin and "--dry-run" in command):
            continue
        version = Version(release.group(1))
        row = next(r for r in table if version in SpecifierSet(r["versions"]))
        assert row["cudnn"] == pin.group(1), release.group(1)
        checked += 1
    assert checked >= 10


# --- the formats that look for the GPU, by the names the readers emit (issue 21, 21h) ----------

_CPU_TORCH_CUDA_BUILD = ">>> import torch\n>>> torch.__version__\n'2.3.1+cu121'\n"


def test_every_gpu_looking_format_is_a_name_a_reader_emits() -> None:
    from recommender.decide.diagnosis.items import LOOKS_FOR_GPU
    from recommender.facts.reports import read_paste

    emitted = set()
    samples = {
        "torch": "PyTorch version: 2.3.1+cu121\nIs CUDA available: False\n"
        "GPU models and configuration: No CUDA\nNvidia driver version: Could not collect\n",
        "vllm": "PyTorch version: 2.3.1+cu121\nvLLM Version: 0.5.0\n"
        "GPU models and configuration: No CUDA\n",
        "smi": "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
        "Make sure that the latest NVIDIA driver is installed and running.\n",
    }
    for text in samples.values():
        emitted.update(read_paste(text, origin="x").formats)
    assert {"torch-collect-env", "vllm-collect-env"} <= emitted
    assert {"torch-collect-env", "vllm-collect-env"} <= LOOKS_FOR_GPU
    assert "collect-env" not in LOOKS_FOR_GPU


def test_a_collect_env_that_found_no_gpu_fails_a_cuda_build() -> None:
    # collect_env ran nvidia-smi for its GPU and driver lines and found nothing, and the user
    # says the machine has a GPU.
    text = (
        "Why does torch not find CUDA on my GPU machine?\n\n"
        "PyTorch version: 2.3.1+cu121\nIs debug build: False\nCUDA used to build PyTorch: 12.1\n"
        "OS: Ubuntu 22.04.4 LTS (x86_64)\nIs CUDA available: False\n"
        "CUDA runtime version: No CUDA\nGPU models and configuration: No CUDA\n"
        "Nvidia driver version: No CUDA\ncuDNN version: No CUDA\n"
    )
    result = diagnosed(text, "paste.txt")
    fails = {f.category for f in result.findings if f.status == "fail"}
    assert "no-driver" in fails
    # The same report from a CPU host (nothing names a GPU or CUDA trouble) only warns, and not
    # because "nothing looked": collect_env did.
    alone = diagnosed(text.split("\n\n", 1)[1], "paste.txt")
    visible = [f for f in alone.findings if f.id.endswith("gpu-visible")]
    assert visible and visible[0].status == "warn"
    assert "nothing in the paste looked for a GPU" not in visible[0].detail


@pytest.mark.parametrize(
    "fragment",
    [
        "PyTorch version: 2.3.1+cu121\nIs CUDA available: False\n",
        "PyTorch version: 2.3.1+cu121\nIs debug build: False\nCUDA used to build PyTorch: 12.1\n"
        "OS: Ubuntu 22.04.4 LTS (x86_64)\nPython version: 3.10.12\nIs CUDA available: False\n",
    ],
)
def test_a_collect_env_fragment_without_its_gpu_lines_did_not_look(fragment: str) -> None:
    # Without "GPU models and configuration" or "Nvidia driver version" the paste does not show
    # what collect_env's nvidia-smi found: a CUDA build on a CPU host is expected, so a warning.
    result = diagnosed(fragment, "paste.txt")
    visible = [f for f in result.findings if f.id.endswith("gpu-visible")]
    assert visible and all(f.status == "warn" for f in visible)
    assert not result.failed


@pytest.mark.parametrize(
    "line",
    [
        "PyTorch version (GPU?): 1.12.1+cu116 (False)",
        "- PyTorch version (GPU?): 2.1.0+cu121 (True)",
        "PyTorch version (GPU?): not installed (NA)",
    ],
)
def test_transformers_cli_pytorch_line_is_not_a_collect_env_version(line: str) -> None:
    from recommender.facts.reports.text import label_of

    field, value = label_of(line.lstrip("- "))
    assert (field, value) == (None, "")
    value = line.split(": ", 1)[1]
    text = (
        f"When I run transformers-cli env it says:\n\n{line}\n\nWhy?\n\n"
        "- `transformers` version: 4.40.0\n- Platform: Linux-5.15.0-105-generic-x86_64-with-glibc2.35\n"
        f"- Python version: 3.10.12\n- PyTorch version (GPU?): {value}\n"
        "- Tensorflow version (GPU?): not installed (NA)\n"
    )
    result = diagnosed(text, "p.txt")
    # The prose line and the block say the same: no conflict between two readings of it.
    assert not any(f.id.startswith("conflict:") for f in result.findings)


def test_a_bare_retyped_pytorch_version_still_reads() -> None:
    from recommender.facts.reports.text import label_of

    assert label_of("PyTorch version 1.5.0") == ("torch_version", "1.5.0")


# --- a CPU build the paste says is intended (21h, blind healthy audit, round 3) -----------------

_JAX_CPU = (
    "WARNING:2025-05-27 20:22:28,949:jax._src.xla_bridge:791: An NVIDIA GPU may be present on "
    "this machine, but a CUDA-enabled jaxlib is not installed. Falling back to cpu.\n"
)


def _cpu_wheel(text: str) -> list[tuple[str, str]]:
    result = diagnosed(text, "paste.txt")
    return [(f.status, f.detail) for f in result.findings if f.category == "cpu-wheel-on-gpu"]


@pytest.mark.parametrize(
    "prose",
    [
        "I think JAX is just trying to be helpful; we don't care unless we want to run it on a GPU.",
        "We do not need a GPU for these models, they are small.",
        "This project is CPU-only by design.",
        "The pipeline is meant to run on the CPU.",
        "No need to use CUDA here, jax on the CPU is fine.",
    ],
)
def test_a_cpu_jaxlib_the_paste_says_is_intended_only_warns(prose: str) -> None:
    text = f"Running the forecast with jax prints:\n{_JAX_CPU}\n{prose}\n"
    found = _cpu_wheel(text)
    assert found and all(status == "warn" for status, _ in found)
    assert "not wanted" in found[0][1]
    assert not diagnosed(text, "paste.txt").failed


@pytest.mark.parametrize(
    "prose",
    [
        "I want to use my RTX 3060 with jax, what is wrong?",
        "I don't want to run it on the CPU, I need the GPU.",
        "jax does not use my GPU at all.",
        "Why doesn't jax see the GPU? I need CUDA for training.",
    ],
)
def test_a_cpu_jaxlib_where_the_user_wants_the_gpu_still_fails(prose: str) -> None:
    text = f"Running my model with jax prints:\n{_JAX_CPU}\n{prose}\n"
    found = _cpu_wheel(text)
    assert "fail" in {status for status, _ in found}, found


def test_a_torch_cpu_build_stated_as_intended_only_warns() -> None:
    text = (
        ">>> import torch\n>>> torch.__version__\n'2.3.1+cpu'\n>>> torch.cuda.is_available()\n"
        "False\nNVIDIA-SMI 550.54.15   Driver Version: 550.54.15   CUDA Version: 12.4\n"
        "The CI runners are CPU-only on purpose, the GPU box is for training.\n"
    )
    found = _cpu_wheel(text)
    assert found and all(status == "warn" for status, _ in found)
    # The same paste without the sentence fails: the text alone shows a CPU build next to a GPU.
    bare = _cpu_wheel(text.rsplit("The CI", 1)[0])
    assert "fail" in {status for status, _ in bare}


# --- library notices that are harmless by their own source ---------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT",
        "E0000 00:00:1744708234.717753 1370911 cuda_dnn.cc:8579] Unable to register cuDNN factory: "
        "Attempting to register factory for plugin cuDNN when one has already been registered",
        "E external/local_xla/xla/stream_executor/cuda/cuda_blas.cc:1515] Unable to register cuBLAS "
        "factory: Attempting to register factory for plugin cuBLAS when one has already been registered",
        "I tensorflow/stream_executor/cuda/cuda_gpu_executor.cc:937] successful NUMA node read from "
        "SysFS had negative value (-1), but there must be at least one NUMA node, so returning NUMA node zero",
        "I tensorflow/core/util/port.cc:153] oneDNN custom operations are on. You may see slightly "
        "different numerical results due to floating-point round-off errors from different "
        "computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.",
        "W tensorflow/compiler/xla/stream_executor/platform/default/dso_loader.cc:64] Could not load "
        "dynamic library 'libnvinfer.so.7'; dlerror: libnvinfer.so.7: cannot open shared object file: "
        "No such file or directory",
        "[2024-03-16 09:45:00,430] [INFO] [real_accelerator.py:191:get_accelerator] Setting "
        "ds_accelerator to cuda (auto detect)",
        "[WARNING] [partition_parameters.py:54:<module>] unable to find torch.distributed._all_gather_base. "
        "will fall back to torch.distributed.all_gather which will result in suboptimal performance. "
        "please consider upgrading your pytorch installation.",
    ],
)
def test_harmless_library_notices_never_fail(line: str) -> None:
    for context in ("", "Num GPUs Available:  1\n", "Traceback (most recent call last):\n"):
        text = f"{context}{line}\nFileNotFoundError: [Errno 2] No such file or directory: 'x.npy'\n"
        try:
            result = diagnosed(text, "paste.txt")
        except Exception as exc:  # nothing known: exit 2 is the right answer too
            assert type(exc).__name__ in ("BadInputError", "NothingFound"), exc
            continue
        assert not result.failed, [(f.id, f.category) for f in result.findings]


# --- the scorer: one fail under all its names -----------------------------------------------------


def test_the_scorer_counts_a_fail_under_every_name_it_carries(tmp_path, monkeypatch) -> None:
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "score_reports.py"
    spec = importlib.util.spec_from_file_location("score_reports_21h", path)
    assert spec and spec.loader
    sr = importlib.util.module_from_spec(spec)
    sys.modules["score_reports_21h"] = sr
    spec.loader.exec_module(sr)
    monkeypatch.setattr(sr, "ROOT", tmp_path)
    # HIP's "invalid device function" is one cause, a gfx target without kernels: rocm-issue
    # first, arch-unsupported among its names.
    (tmp_path / "001.txt").write_text(
        "RuntimeError: HIP error: invalid device function\nHIP kernel errors might be asynchronously "
        "reported at some other API call\n",
        encoding="utf-8",
    )
    doc = {"diagnosis": "arch-unsupported", "expected": ["arch-unsupported"], "source": {}}
    ok, _cats, _note, extra, renamed = sr._judge_names("001", doc)
    assert ok and extra == [] and renamed == ["rocm-issue"]
    # A thread that reached another cause altogether: the fail is an extra.
    doc = {"diagnosis": "out-of-memory", "expected": ["out-of-memory"], "source": {}}
    _ok, _cats, _note, extra, renamed = sr._judge_names("001", doc)
    assert extra == ["rocm-issue"] and renamed == []


def test_a_past_need_is_no_statement_of_intent() -> None:
    text = (
        f"Running my model with jax prints:\n{_JAX_CPU}\nI never needed a GPU before, now I do.\n"
    )
    assert "fail" in {status for status, _ in _cpu_wheel(text)}


def test_the_cpu_working_is_no_statement_of_intent() -> None:
    text = (
        f"Running my model with jax prints:\n{_JAX_CPU}\n"
        "Training on the CPU is fine, but my GPU is not used.\n"
    )
    assert "fail" in {status for status, _ in _cpu_wheel(text)}
