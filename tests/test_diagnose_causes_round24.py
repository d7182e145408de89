"""Issue 21, blind round 24 (21d): companion libraries and compiled extensions built for another
torch/CUDA than the one installed. The causes behind the round's misses, fixed in general and
tested on text written here (not the corpus cases): apex's build-time check that nvcc is torch's
CUDA (and torch's own notice that only the minor release differs, which it accepts), the
import-time range check OpenMMLab packages run on mmcv/mmengine/mmdet, mmcv without its compiled
ops, torch's older wording of a torchvision operator that is not registered, and a torch C++
symbol missing from an extension when the symbol is a vtable or type-info name."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import run as _run


def _ids(result) -> set[str]:
    return {f.id.removeprefix("signature:") for f in result.findings}


def _read_ids(text: str) -> set[str]:
    """The signature ids a paste shows; none where nothing in it is read at all."""
    try:
        return _ids(_run(text))
    except NothingFound:
        return set()


# --- nvcc is not torch's CUDA, in apex's words -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "RuntimeError: Cuda extensions are being compiled with a version of Cuda that does not match "
        "the version used to compile Pytorch binaries.  Pytorch binaries were compiled with Cuda 11.8.\n",
        "  torch.__version__  = 2.2.0+cu118\n  Compiling cuda extensions with\n"
        "  Cuda compilation tools, release 12.4, V12.4.131\n"
        '      raise RuntimeError("Cuda extensions are being compiled with a version of Cuda that does not '
        'match the version used to compile Pytorch binaries.  Pytorch binaries were compiled with Cuda 11.8.")\n',
        "error: Cuda extensions are being compiled with a version of Cuda that does not match the version "
        "used to compile Pytorch binaries.  Pytorch binaries were compiled with Cuda 10.2.\n"
        "    In some cases, a minor-version mismatch will not cause later errors\n",
    ],
)
def test_apex_wording_of_nvcc_not_torch_cuda_fails(text: str) -> None:
    result = _run(text)
    assert "apex-cuda-bare-metal-mismatch" in _ids(result)
    assert "version-mismatch" in result.categories
    assert result.failed


def test_torch_minor_mismatch_notice_alone_is_not_a_failure() -> None:
    result = _run(
        "/envs/x/lib/python3.8/site-packages/torch/utils/cpp_extension.py:782: UserWarning: The detected "
        "CUDA version (11.7) has a minor version mismatch with the version that was used to compile "
        "PyTorch (11.3). Most likely this shouldn't be a problem.\n"
    )
    assert "torch-extension-cuda-minor-mismatch" in _ids(result)
    assert not result.failed
    assert "version-mismatch" not in result.categories


# --- a package's import-time range check on what it builds on ---------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "AssertionError: MMCV==2.2.0 is used but incompatible. Please install mmcv>=2.0.0rc4, <2.2.0.",
        "AssertionError: MMCV==1.3.8 is used but incompatible. Please install mmcv>=(1, 3, 13, 0, 0, 0), <=(1, 4, 0, 0, 0, 0).",
        "AssertionError: MMEngine==0.10.4 is used but incompatible. Please install mmengine>=0.3.0, <0.9.0.",
        "AssertionError: MMDET==2.28.2 is used but incompatible. Please install mmdet>=3.0.0, <=3.4.0.",
        "AssertionError: PyTorch==1.13.1 is used but incompatible. Please install torch>=2.0.",
        "MMCV==2.0.0 is used but incompatible. Please install mmcv>=[1, 1, 4], <=[1, 3, 0].",
    ],
)
def test_a_version_range_check_at_import_fails(line: str) -> None:
    result = _run(f'  File "/x/mmdet/__init__.py", line 17, in <module>\n{line}\n')
    assert "package-version-range-check" in _ids(result)
    assert "version-mismatch" in result.categories
    assert result.failed


def test_a_version_inside_the_range_in_prose_is_not_read_as_the_check() -> None:
    # An install note naming the requirement, without the check's words.
    ids = _read_ids(
        "mmdet 3.3.0 needs mmcv>=2.0.0rc4, <2.2.0, so we installed mmcv 2.1.0.\n"
        ">>> import mmdet\n>>> mmdet.__version__\n'3.3.0'\n"
    )
    assert "package-version-range-check" not in ids


# --- mmcv without its compiled ops ------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ModuleNotFoundError: No module named 'mmcv._ext'",
        "ImportError: No module named 'mmcv._ext'",
        "ModuleNotFoundError: No module named 'mmcv.ops'",
    ],
)
def test_mmcv_without_compiled_ops_fails(line: str) -> None:
    result = _run(
        "Traceback (most recent call last):\n"
        '  File "/x/mmcv/utils/ext_loader.py", line 13, in load_ext\n'
        "    ext = importlib.import_module('mmcv.' + name)\n"
        f"{line}\n"
    )
    assert "mmcv-ops-missing" in _ids(result)
    assert "library-kernels-unsupported" in result.categories
    assert result.failed


def test_other_missing_mmcv_modules_are_not_the_ops() -> None:
    assert "mmcv-ops-missing" not in _read_ids(
        "ModuleNotFoundError: No module named 'mmcv.runner'\n"
    )


# --- torch's older words for a torchvision operator that is not registered ---------------------


def test_no_such_operator_torchvision_warns_version_mismatch() -> None:
    result = _run(
        '  File "/x/utils/general.py", line 326, in non_max_suppression\n'
        "    i = torch.ops.torchvision.nms(boxes, scores, iou_thres)\n"
        "RuntimeError: No such operator torchvision::nms\n"
    )
    assert "torchvision-no-such-operator" in _ids(result)
    assert "version-mismatch" in result.categories
    assert not result.failed  # a warning: the code may call torch.ops before importing torchvision


# --- a torch symbol missing from an extension: vtables and type-info names too ----------------


@pytest.mark.parametrize(
    "symbol",
    [
        "_ZTVN5torch3jit6MethodE",  # vtable for torch::jit::Method
        "_ZTIN3c1011StorageImplE",  # typeinfo for c10::StorageImpl
        "_ZTVN5torch8autograd12AutogradMetaE",
        "_ZN3c104cuda9SetDeviceEi",  # the plain function names still match
        "_ZNK2at10TensorBase8data_ptrEv",
    ],
)
def test_undefined_torch_symbol_of_any_kind_fails(symbol: str) -> None:
    result = _run(
        f"ImportError: /x/site-packages/torchtext/_torchtext.so: undefined symbol: {symbol}\n"
    )
    assert "extension-undefined-torch-symbol" in _ids(result)
    assert "version-mismatch" in result.categories
    assert result.failed


def test_undefined_standard_library_symbol_is_not_a_torch_symbol() -> None:
    # A libstdc++ symbol (an older C++ runtime than the extension's compiler) is not torch's.
    ids = _read_ids(
        "ImportError: /x/site-packages/torch_scatter/_scatter_cuda.so: undefined symbol: "
        "_ZTVNSt7__cxx1118basic_stringstreamIcSt11char_traitsIcESaIcEEE\n"
    )
    assert "extension-undefined-torch-symbol" not in ids


# --- Windows' form of a missing symbol: the procedure was not found ---------------------------


@pytest.mark.parametrize(
    "line",
    [
        "OSError: [WinError 127] The specified procedure could not be found",
        "OSError: [WinError 127] 找不到指定的程序。",
        "ImportError: DLL load failed while importing _ext: The specified procedure could not be found.",
        "ImportError: DLL load failed: The specified procedure could not be found.",
    ],
)
def test_windows_procedure_not_found_warns_version_mismatch(line: str) -> None:
    result = _run(
        '  File "C:\\\\env\\\\lib\\\\site-packages\\\\torch_sparse\\\\__init__.py", line 18, in <module>\n'
        "    torch.ops.load_library(spec.origin)\n"
        f"{line}\n"
    )
    assert "windows-procedure-not-found" in _ids(result)
    assert "version-mismatch" in result.categories


def test_windows_module_not_found_is_not_a_missing_procedure() -> None:
    ids = _read_ids(
        "ImportError: DLL load failed while importing _C: The specified module could not be found.\n"
    )
    assert "windows-procedure-not-found" not in ids


# --- libraries' own kernels for the GPU: a TensorRT engine from another GPU, xformers without CUDA --


@pytest.mark.parametrize(
    "line",
    [
        "6: The engine plan file is generated on an incompatible device, expecting compute 8.6 got compute 7.5, please rebuild.",
        "[TRT] [E] 6: The engine plan file is generated on an incompatible device, expecting compute 6.1 got compute 8.6, please rebuild.",
    ],
)
def test_tensorrt_engine_from_another_gpu_fails_as_architecture(line: str) -> None:
    result = _run(
        f"{line}\n4: [runtime.cpp::deserializeCudaEngine::50] Error Code 4: Internal Error (Engine deserialization failed.)\n"
    )
    assert "tensorrt-engine-other-device" in _ids(result)
    assert "arch-unsupported" in result.categories
    assert result.failed


def test_tensorrt_engine_from_another_release_is_not_another_gpu() -> None:
    result = _run(
        "6: The engine plan file is not compatible with this version of TensorRT, expecting library version 8.0.0 got 8.0.1, please rebuild.\n"
    )
    assert "tensorrt-engine-other-device" not in _ids(result)
    assert "version-mismatch" in result.categories


def test_xformers_without_cuda_build_warns_library_kernels() -> None:
    result = _run(
        "NotImplementedError: No operator found for `memory_efficient_attention_forward` with inputs:\n"
        "     query       : shape=(2, 4096, 8, 40) (torch.float16)\n"
        "`cutlassF` is not supported because:\n"
        "    xFormers wasn't build with CUDA support\n"
        "`smallkF` is not supported because:\n"
        "    max(query.shape[-1] != value.shape[-1]) > 32\n"
        "    xFormers wasn't build with CUDA support\n"
    )
    assert "xformers-no-cuda-build" in _ids(result)
    assert "library-kernels-unsupported" in result.categories
    assert "version-mismatch" in result.categories


def test_xformers_other_reasons_alone_are_not_a_missing_build() -> None:
    ids = _read_ids(
        "`smallkF` is not supported because:\n"
        "    max(query.shape[-1] != value.shape[-1]) > 32\n"
        "    dtype=torch.float16 (supported: {torch.float32})\n"
    )
    assert "xformers-no-cuda-build" not in ids
