"""Issue 21, blind round 15 (21b, companion packages built for another torch / TensorFlow): the
causes behind its misses and the general rule the slice asked for, tested on text written here
(not the corpus cases), each with a correctly paired counterpart that must not fail:

* a companion whose own metadata pins the framework release (rules/companions.yaml, regenerated
  from pip's reports by recommender/maintainer/refresh_companions.py);
* a build whose name says which torch (and CUDA) it was compiled for: PyG's ``+pt20cu118``, conda
  builds ``py310_torch_1.12.0_cu113``, flash-attn's ``+cu118torch2.2``, the wheel index it was
  installed from (``.../cu101/torch1.6/index.html``, ``torch-2.4.0+cu118.html``);
* the messages such mismatches print: a torch or TensorFlow C++ symbol missing (const members
  ``_ZNK`` too, and macOS's "Symbol not found"), Intel Extension for PyTorch's, TensorFlow
  Addons' and TensorFlow Probability's import checks, PyG's import warning and torchvision's
  "Couldn't load custom C++ ops"."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.facts.reports.builtfor import tags
from recommender.rulebase import companions
from tests.pastes import run as _run


def _ids(result) -> set[str]:
    return {f.id for f in result.findings if f.status in ("fail", "warn")}


# --- the metadata table ---------------------------------------------------------------------------


def test_the_bundled_table_loads_and_holds_the_pins_pip_reports() -> None:
    pins, sources = companions.load()
    # torchvision 0.20.1's wheel says Requires-Dist: torch==2.5.1 (pip install --dry-run --report).
    assert pins["torchvision"]["0.20.1"] == {"torch": "==2.5.1"}
    assert pins["xformers"]["0.0.28.post3"] == {"torch": "==2.5.1"}
    assert all(url.startswith("https://pypi.org/project/") for url in sources.values())
    assert len(pins) >= 8


def test_a_bad_table_is_refused_with_its_key(tmp_path: Path) -> None:
    bad = tmp_path / "companions.yaml"
    bad.write_text(
        "schema: 1\nverified: 2026-12-05\npackages:\n  xformers:\n    source: https://pypi.org/project/xformers/\n"
        '    pins:\n      "0.0.28": {torch: "==2.4.x.y"}\n',
        encoding="utf-8",
    )
    with pytest.raises(
        companions.CompanionsTableError, match=r"packages\.xformers\.pins\.0\.0\.28"
    ):
        companions.load(bad)


@pytest.mark.parametrize(
    ("listing", "finding"),
    [
        ("torch 2.4.1+cu121\nxformers 0.0.28.post3\n", "pairing:xformers-torch"),
        ("torch==2.3.1\ntorchtext==0.17.0\n", "pairing:torchtext-torch"),
        ("torch 2.5.1\nvllm 0.6.2\n", "pairing:vllm-torch"),
        ("tensorflow==2.15.1\ntensorflow-text==2.16.1\n", "pairing:tensorflow-text-tensorflow"),
    ],
)
def test_a_companion_next_to_a_framework_its_release_does_not_pin_fails(
    listing: str, finding: str
) -> None:
    result = _run(listing)
    assert finding in _ids(result)
    assert "version-mismatch" in result.categories


@pytest.mark.parametrize(
    "listing",
    [
        "torch 2.5.1+cu124\nxformers 0.0.28.post3\n",
        "torch==2.2.0\ntorchtext==0.17.0\n",
        "tensorflow==2.15.1\ntensorflow-text==2.15.0\n",
    ],
)
def test_a_companion_next_to_the_framework_its_release_pins_is_fine(listing: str) -> None:
    result = _run(listing)
    assert not any(i.startswith("pairing:") for i in _ids(result))


# --- the build's own name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "torch", "cuda"),
    [
        ("pt20cu118", "2.0", "11.8"),
        ("pt113cu117", "1.13", "11.7"),
        ("py310_torch_1.12.0_cu113", "1.12", "11.3"),
        ("cu118torch2.2cxx11abiFALSE", "2.2", "11.8"),
        ("https://download.openmmlab.com/mmcv/dist/cu101/torch1.6/index.html", "1.6", "10.1"),
        ("pt21cpu", "2.1", None),
        ("cu121", None, None),
    ],
)
def test_build_names_are_read_whatever_the_package(
    label: str, torch: str | None, cuda: str | None
) -> None:
    assert tags(label) == (torch, cuda)


@pytest.mark.parametrize(
    "text",
    [
        "torch                 2.1.1+cu118\ntorch-scatter         2.1.2+pt20cu118\n",
        "torch==2.3.0+cu121\ntorch_sparse==0.6.18+pt21cu121\n",
        "pytorch                   2.0.1   py3.10_cuda11.8_cudnn8.7.0_0    pytorch\n"
        "pytorch-cluster           1.6.0   py310_torch_1.12.0_cu113    pyg\n",
        "pip install torch==1.10.0+cu113 --extra-index-url https://download.pytorch.org/whl/cu113\n"
        "pip install mmcv-full -f https://download.openmmlab.com/mmcv/dist/cu101/torch1.6/index.html\n",
        "torch 2.3.1+cu121\nSuccessfully installed flash-attn-2.5.5+cu118torch2.2cxx11abiFALSE\n",
    ],
)
def test_a_build_named_for_another_torch_release_fails(text: str) -> None:
    result = _run(text)
    assert any(i.startswith("pairing:builtfor-") for i in _ids(result)), _ids(result)
    assert result.failed


@pytest.mark.parametrize(
    "text",
    [
        "torch                 2.1.2+cu121\ntorch-scatter         2.1.2+pt21cu121\n",
        "pytorch                   1.12.1          py3.10_cuda11.3_cudnn8.3.2_0    pytorch\n"
        "pytorch-scatter           2.1.0           py310_torch_1.12.0_cu113    pyg\n",
        "torch==2.4.0+cu118\npip install torch-scatter -f https://data.pyg.org/whl/torch-2.4.0+cu118.html\n",
    ],
)
def test_a_build_named_for_the_installed_torch_does_not_fail(text: str) -> None:
    result = _run(text)
    assert not any(i.startswith("pairing:builtfor-") for i in _ids(result))
    assert not result.failed


def test_a_build_for_the_same_torch_but_another_cuda_is_a_warning() -> None:
    result = _run("torch 2.1.2+cu121\ntorch-scatter 2.1.2+pt21cu118\n")
    warned = {f.id: f.status for f in result.findings}
    assert warned.get("pairing:builtfor-cuda") == "warn"
    assert not result.failed


# --- the messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: /x/detectron2/_C.cpython-38-x86_64-linux-gnu.so: undefined symbol: _ZNK2at10TensorBase8data_ptrIdEEPT_v",
        "ImportError: /x/lib/libintel-ext-pt-gpu.so: undefined symbol: _ZNK5torch8autograd4Node4nameB5cxx11Ev",
        "ImportError: dlopen(/x/torch_scatter/_scatter_cpu.so, 6): Symbol not found: __ZN3c1017RegisterOperatorsD1Ev",
    ],
)
def test_a_missing_torch_symbol_in_any_extension_is_a_version_mismatch(line: str) -> None:
    result = _run(line + "\n")
    assert "signature:extension-undefined-torch-symbol" in _ids(result)


@pytest.mark.parametrize(
    "line",
    [
        "tensorflow.python.framework.errors_impl.NotFoundError: /x/tensorflow_text/python/ops/_regex_split_ops.so: undefined symbol: _ZN10tensorflow8OpKernel11TraceStringEPNS_15OpKernelContextEb",
        "NotFoundError: /x/tensorflow_addons/custom_ops/image/_image_ops.so: undefined symbol: _ZNK10tensorflow8OpKernel11TraceStringERKNS_15OpKernelContextEb",
        "/x/libtensorflow_io.so: undefined symbol: _ZN3tsl6StatusC1EN4absl12lts_2023012512StatusCodeESt17basic_string_viewIcSt11char_traitsIcEENS_14SourceLocationE",
    ],
)
def test_a_missing_tensorflow_symbol_in_an_op_library_is_a_version_mismatch(line: str) -> None:
    result = _run(line + "\n")
    assert "signature:extension-undefined-tensorflow-symbol" in _ids(result)
    assert result.failed


def test_other_undefined_symbols_are_not_taken_for_a_framework_mismatch() -> None:
    result = _run(
        "torch 2.1.0\nImportError: /x/foo.so: undefined symbol: _ZN4absl12lts_2021110220raw_logging_internalE\n"
    )
    assert "signature:extension-undefined-tensorflow-symbol" not in _ids(result)
    assert "signature:extension-undefined-torch-symbol" not in _ids(result)


@pytest.mark.parametrize(
    ("line", "signature"),
    [
        (
            "ERROR! Intel® Extension for PyTorch* needs to work with PyTorch 2.2.*, but PyTorch 2.1.0+cu121 is found. Please switch to the matching version and run again.",
            "signature:ipex-torch-line",
        ),
        (
            "UserWarning: Intel Extension for PyTorch 2.3 needs to work with PyTorch 2.3.*, but PyTorch 2.4.0 is found. Please switch to the matching version and run again.",
            "signature:ipex-torch-line",
        ),
        (
            "UserWarning: Tensorflow Addons supports using Python ops for all Tensorflow versions above or equal to 2.11.0 and strictly below 2.14.0 (nightly versions are not supported).",
            "signature:tfa-tensorflow-unsupported",
        ),
        (
            "ImportError: This version of TensorFlow Probability requires TensorFlow version >= 2.18; Detected an installation of version 2.15.0. Please upgrade TensorFlow to proceed.",
            "signature:tfp-tensorflow-too-old",
        ),
        (
            "UserWarning: An issue occurred while importing 'torch-scatter'. Disabling its usage. Stacktrace: Could not load this library: /x/_scatter_cuda.so",
            "signature:pyg-extension-import-issue",
        ),
        (
            "UserWarning: An issue occurred while importing 'pyg-lib'. Disabling its usage. Stacktrace: libcudart.so.11.0: cannot open shared object file",
            "signature:pyg-extension-import-issue",
        ),
        (
            "RuntimeError: Couldn't load custom C++ ops. This can happen if your PyTorch and torchvision versions are incompatible, or if you had errors while compiling torchvision from source.",
            "signature:torchvision-custom-ops-not-loaded",
        ),
    ],
)
def test_the_companions_own_import_checks_are_read(line: str, signature: str) -> None:
    result = _run(line + "\n")
    assert signature in _ids(result)
    assert "version-mismatch" in result.categories


def test_a_healthy_paired_report_stays_healthy() -> None:
    text = (
        "torch                     2.5.1+cu124\n"
        "torchvision               0.20.1+cu124\n"
        "torchaudio                2.5.1+cu124\n"
        "xformers                  0.0.28.post3\n"
        "torch-scatter             2.1.2+pt25cu124\n"
        ">>> torch.cuda.is_available()\nTrue\n"
    )
    result = _run(text)
    assert not result.failed
    assert not [f for f in result.findings if f.category == "version-mismatch" and f.status != "ok"]


# --- pip replacing the framework for a companion that pins another release --------------------------


def test_pip_collecting_another_torch_for_a_companion_fails() -> None:
    text = (
        "torch                         2.0.1+cu118\n"
        "torchvision                   0.15.2+cu118\n"
        "Collecting xformers==0.0.19\n"
        "Collecting torch==2.0.0 (from xformers==0.0.19)\n"
    )
    result = _run(text)
    assert "pairing:pins-xformers-torch" in _ids(result)


def test_pip_collecting_the_installed_torch_for_a_companion_is_fine() -> None:
    text = "torch                         2.0.0\nCollecting torch==2.0.0 (from xformers==0.0.19)\n"
    result = _run(text)
    assert "pairing:pins-xformers-torch" not in _ids(result)


def test_pip_replacing_torch_under_builds_for_the_old_one_fails() -> None:
    text = (
        "pytorch                   1.12.1          py3.10_cuda11.3_cudnn8.3.2_0    pytorch\n"
        "torch-sparse              0.6.16          py310_torch_1.12.0_cu113    pyg\n"
        "Collecting torch>=1.1.0 (from somepackage)\n"
        "  Downloading torch-2.1.0-cp310-cp310-manylinux1_x86_64.whl (670.2 MB)\n"
        "  Attempting uninstall: torch\n"
        "    Found existing installation: torch 1.12.1\n"
        "      Successfully uninstalled torch-1.12.1\n"
    )
    result = _run(text)
    assert "pairing:builtfor-torch" in _ids(result)


def test_pip_reinstalling_the_same_torch_line_under_its_builds_is_fine() -> None:
    text = (
        "pytorch                   1.12.0          py3.10_cuda11.3_cudnn8.3.2_0    pytorch\n"
        "torch-sparse              0.6.16          py310_torch_1.12.0_cu113    pyg\n"
        "  Using cached torch-1.12.1-cp310-cp310-manylinux1_x86_64.whl (776.3 MB)\n"
        "      Successfully uninstalled torch-1.12.0\n"
    )
    result = _run(text)
    assert "pairing:builtfor-torch" not in _ids(result)
