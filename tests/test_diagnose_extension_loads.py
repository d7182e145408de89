"""Issue 21, session 43 (part A): a library's compiled extension that the loader refuses as it is
imported was built for another torch or CUDA (diagnosis/extension_loads.py): a version-mismatch
warning naming the package and its rebuild. Text written here (other libraries, Windows and
Linux wordings, with and without the reason), each with a counterpart that stays quiet: the
extension importing fine, torch's own module failing, a bare private module name."""

from __future__ import annotations

from recommender.decide.diagnosis.extension_loads import extension_load_failures
from recommender.facts.reports.paste import read_paste
from tests.pastes import REFERENCE, categories, fails, read, run, statuses


def _extension_finding(text: str):
    """The finding before the merge (a signature of the same category may lead it after)."""
    paste = read_paste(text, origin="paste.txt", signatures=REFERENCE.signatures)
    found = extension_load_failures(paste)
    return found[0] if found else None


def test_windows_module_named_bare_is_read_and_a_warning() -> None:
    text = (
        '  File "C:\\env\\lib\\site-packages\\xformers\\ops\\fmha\\flash.py", line 57, in <module>\n'
        "    from xformers import _C_flashattention\n"
        "ImportError: DLL load failed while importing _C_flashattention\n"
    )
    finding = _extension_finding(text)
    assert finding is not None and finding.status == "warn"
    assert "xformers" in finding.fix and "installed torch" in finding.fix
    assert statuses(run(text), "version-mismatch") == {"warn"}
    assert "version-mismatch" not in fails(text)


def test_windows_module_with_reason_keeps_the_missing_dll_and_adds_the_build() -> None:
    text = (
        "    import selective_scan_cuda\n"
        "ImportError: DLL load failed while importing selective_scan_cuda: "
        "The specified module could not be found.\n"
    )
    assert {"missing-library", "version-mismatch"} <= categories(text)
    assert statuses(run(text), "version-mismatch") == {"warn"}


def test_windows_older_python_names_the_module_in_the_import_above() -> None:
    text = (
        '  File "D:\\proj\\venv\\lib\\site-packages\\mmcv\\utils\\ext_loader.py", line 13\n'
        "    ext = importlib.import_module('mmcv.' + name)\n"
        "    from mmcv import _ext\n"
        "ImportError: DLL load failed: The specified procedure could not be found.\n"
    )
    finding = _extension_finding(text)
    assert finding is not None and "mmcv._ext" in finding.title


def test_relative_import_takes_the_package_from_its_frame() -> None:
    text = (
        '  File "/opt/conda/lib/python3.9/site-packages/detectron2/layers/deform_conv.py", line 11\n'
        "    from detectron2 import _C\n"
        "ImportError: /opt/conda/lib/python3.9/site-packages/detectron2/_C.cpython-39-x86_64-linux-gnu.so:"
        " undefined symbol: _ZN2at4_ops5zeros4callEN3c108ArrayRefINS2_6SymIntEEE\n"
    )
    finding = _extension_finding(text)
    assert finding is not None and "detectron2._C" in finding.title
    assert "version-mismatch" in fails(text)  # the torch symbol's own signature proves it


def test_linux_undefined_symbol_of_another_library_is_a_warning() -> None:
    text = (
        ">>> import causal_conv1d_cuda\n"
        "ImportError: /home/u/.local/lib/python3.11/site-packages/causal_conv1d_cuda.cpython-311-"
        "x86_64-linux-gnu.so: undefined symbol: _ZNSt15__exception_ptr13exception_ptr9_M_addrefEv\n"
    )
    finding = _extension_finding(text)
    assert finding is not None and finding.status == "warn"
    assert "causal-conv1d" in finding.fix


def test_an_extension_that_imports_fine_stays_quiet() -> None:
    text = ">>> import flash_attn_2_cuda\n>>> import torch; torch.__version__\n'2.3.1+cu121'\n"
    result = read(text)
    assert result is None or "version-mismatch" not in {f.category for f in result.findings}


def test_torch_own_module_is_not_an_extension() -> None:
    text = (
        '  File "C:\\Python311\\Lib\\site-packages\\torch\\__init__.py", line 139, in <module>\n'
        "    from torch._C import *\n"
        "ImportError: DLL load failed while importing _C: The specified module could not be found.\n"
    )
    assert _extension_finding(text) is None
    assert "version-mismatch" not in categories(text)


def test_bare_private_name_without_its_import_is_not_judged() -> None:
    text = "ImportError: DLL load failed while importing _C\n"
    assert read(text) is not None  # read (the loader's words), but whose _C is not said
    assert _extension_finding(text) is None
    text = "ImportError: DLL load failed while importing _pywrap_tensorflow_internal\n"
    assert _extension_finding(text) is None


def test_torch_library_undefined_symbol_is_torch_not_an_extension() -> None:
    text = (
        "ImportError: /usr/lib/python3/dist-packages/torch/lib/libtorch_python.so: undefined symbol:"
        " PyFrame_GetCode\n"
    )
    assert _extension_finding(text) is None
