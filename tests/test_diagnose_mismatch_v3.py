"""Version mismatches in their general wordings (issue 21, session 49, engineer V3).

A compiled module built for another CPython (pybind11's own check; a Cython module's missing C-API
symbol), an ONNX model newer than the installed onnxruntime, pip's Requires-Python refusal, a
library installed in another release than the one a program asks for, and an import failing on a
CUDA runtime of one release where the paste states none. Texts written after public threads:
llnl/spheral#221, argman/EAST#375, bgribble/mfp#288, microsoft/onnxruntime#20559,
AkaliKong/MiniOneRec#5, and the Program Library HOWTO on sonames."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, read, signature_ids, statuses

MISMATCH = "version-mismatch"


@pytest.mark.parametrize(
    "text",
    [
        "ImportError: Python version mismatch: module was compiled for Python 3.12, but the "
        "interpreter version is incompatible: 3.10.14 (main, May  6 2024, 19:42:50) [GCC 11.2.0].\n",
        "ImportError: Python version mismatch: module was compiled for version 3.6, while the "
        "interpreter is running version 3.7.\n",
    ],
)
def test_pybind11_python_check_fails_as_mismatch(text: str) -> None:
    assert "extension-built-for-other-python" in signature_ids(text)
    assert MISMATCH in fails(text)


@pytest.mark.parametrize(
    "symbol", ["PyFPE_jbuf", "_PyThreadState_Current", "PyUnicodeUCS4_AsUTF8String", "_PyGen_Send"]
)
def test_python_c_api_symbol_fails_as_mismatch(symbol: str) -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "demo.py", line 3, in <module>\n'
        "    from utils.cython_nms import nms\n"
        f"ImportError: /home/u/proj/lib/utils/cython_nms.so: undefined symbol: {symbol}\n"
    )
    assert "extension-python-c-api-symbol-undefined" in signature_ids(text)
    assert MISMATCH in fails(text)


def test_other_undefined_symbol_is_not_a_python_build() -> None:
    text = "ImportError: /opt/app/_ext.so: undefined symbol: png_create_read_struct\n"
    assert "extension-python-c-api-symbol-undefined" not in signature_ids(text)


@pytest.mark.parametrize(
    "line",
    [
        "onnxruntime.capi.onnxruntime_pybind11_state.Fail: [ONNXRuntimeError] : 1 : FAIL : Load "
        "model from model.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:182 "
        "onnxruntime::Model::Model(...) Unsupported model IR version: 11, max supported IR version: 10",
        "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Failed to load model with error: "
        "D:\\a\\_work\\1\\s\\onnxruntime\\core\\graph\\model.cc:149 onnxruntime::Model::Model "
        "Unsupported model IR version: 9, max supported IR version: 8",
        "onnx.onnx_cpp2py_export.checker.ValidationError: Your model ir_version 10 is higher than "
        "the checker's (9).",
    ],
)
def test_onnx_ir_newer_than_runtime(line: str) -> None:
    assert "onnx-model-ir-newer-than-runtime" in signature_ids(line + "\n")
    assert MISMATCH in fails(line + "\n")


def test_onnx_model_loading_fine_stays_quiet() -> None:
    text = "2024-05-04 10:00:00 [I:onnxruntime:, inference_session.cc:1533] Model IR version: 9\n"
    assert "onnx-model-ir-newer-than-runtime" not in signature_ids(text)


@pytest.mark.parametrize(
    "line",
    [
        "ERROR: Package 'click' requires a different Python: 3.9.19 not in '>=3.10'",
        "ERROR: Package 'kernl' requires a different Python: 3.8.10 not in '==3.9.*'",
        "ERROR: lm-eval requires Python '>=3.8' but the running Python is 3.7.12",
    ],
)
def test_pip_requires_python_refusal(line: str) -> None:
    assert "pip-package-requires-other-python" in signature_ids(line + "\n")
    assert "no-matching-wheel" in fails(line + "\n")


def test_requires_python_metadata_alone_stays_quiet() -> None:
    text = "Requires-Python: >=3.8\nName: click\nVersion: 8.1.7\n"
    assert "pip-package-requires-other-python" not in signature_ids(text)


# --- a library installed in another release than the one asked for --------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ImportError: libavutil.so.56: cannot open shared object file: No such file or directory\n"
        "$ ls /usr/lib/x86_64-linux-gnu/libavutil*\n"
        "/usr/lib/x86_64-linux-gnu/libavutil.so.58\n"
        "/usr/lib/x86_64-linux-gnu/libavutil.so.58.29.100\n",
        "OSError: libnvinfer.so.7: cannot open shared object file: No such file or directory\n"
        "$ find / -name 'libnvinfer.so*'\n"
        "/usr/lib/x86_64-linux-gnu/libnvinfer.so.8.6.1\n",
        "ImportError: libboost_python310.so.1.71.0: cannot open shared object file: No such file\n"
        "lrwxrwxrwx 1 root root   27 Mar  1 libboost_python310.so.1.74.0 -> x\n",
    ],
)
def test_library_installed_in_another_release(text: str) -> None:
    result = read(text)
    assert result is not None
    assert "inferred:library-other-release" in {f.id for f in result.findings}
    assert statuses(result, MISMATCH) == {"warn"}
    assert MISMATCH in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        # the same release spelled in full: installed, only not found on the path
        "ImportError: libavutil.so.58: cannot open shared object file: No such file or directory\n"
        "/usr/lib/x86_64-linux-gnu/libavutil.so.58.29.100\n",
        # libstdc++'s symbol versions: the same library
        "ImportError: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.30' not found\n"
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.28\n",
        # both releases fail: nothing shows one installed
        "OSError: libfoo.so.1: cannot open shared object file\n"
        "OSError: libfoo.so.2: cannot open shared object file\n",
    ],
)
def test_same_release_or_no_installed_one_stays_quiet(text: str) -> None:
    result = read(text)
    ids = {f.id for f in result.findings} if result is not None else set()
    assert "inferred:library-other-release" not in ids


# --- an import failing on a CUDA runtime of one release, none stated ---------------------------


# --- setuptools 70 under older code; a name a library's installed release lacks -----------------


def test_setuptools_without_pkg_resources_packaging() -> None:
    text = (
        '  File "/opt/conda/envs/c/lib/python3.8/site-packages/torch/utils/cpp_extension.py", '
        "line 25, in <module>\n    from pkg_resources import packaging  # type: ignore[attr-defined]\n"
        "ImportError: cannot import name 'packaging' from 'pkg_resources'\n"
    )
    assert "setuptools-without-pkg-resources-packaging" in signature_ids(text)
    assert MISMATCH in fails(text)


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: torch.utils._pytree is missing the required function register_pytree_node",
        "ModuleNotFoundError: No module named 'torch.distributed.tensor'",
    ],
)
def test_name_missing_from_a_release_is_a_family_warning(line: str) -> None:
    result = read(line + "\n")
    assert result is not None
    assert statuses(result, MISMATCH) == {"warn"}


@pytest.mark.parametrize(
    "line",
    [
        # a circular import names no release
        "ImportError: cannot import name 'Foo' from partially initialized module 'bar' "
        "(most likely due to a circular import)",
        "AttributeError: partially initialized module 'torch' has no attribute 'cuda'",
        # the framework itself absent: nothing to match a release against
        "ModuleNotFoundError: No module named 'torch'",
    ],
)
def test_circular_import_or_absent_package_is_not_a_mismatch(line: str) -> None:
    result = read(line + "\n")
    found = statuses(result, MISMATCH) if result is not None else set()
    assert not found


@pytest.mark.parametrize(
    "line",
    [
        "TypeError: unsupported operand type(s) for |: 'type' and 'NoneType'",
        "TypeError: unsupported operand type(s) for |: 'types.GenericAlias' and 'type'",
        "TypeError: 'type' object is not subscriptable",
        "SyntaxError: future feature annotations is not defined",
    ],
)
def test_python_older_than_the_code(line: str) -> None:
    result = read(
        '  File "/venv/lib/python3.9/site-packages/codeboxapi/config.py", line 14, in CodeBoxSettings\n'
        + line
        + "\n"
    )
    assert result is not None
    assert "python-older-than-code" in {f.id.removeprefix("signature:") for f in result.findings}
    assert statuses(result, MISMATCH) == {"warn"}


def test_other_operand_errors_are_not_python_releases() -> None:
    text = "TypeError: unsupported operand type(s) for |: 'int' and 'str'\n"
    assert "python-older-than-code" not in signature_ids(text)


# --- cuDNN's pip package shown by ``pip show`` (name and version on lines of their own) --------

_CUDNN9_ASKED = (
    "Unable to load any of {libcudnn_ops.so.9.1.0, libcudnn_ops.so.9.1, libcudnn_ops.so.9, "
    "libcudnn_ops.so}\nInvalid handle. Cannot load symbol cudnnCreateTensorDescriptor\n"
    "$ pip show nvidia-cudnn-cu12\n"
)


def test_pip_show_of_another_cudnn_major_is_a_mismatch() -> None:
    text = (
        _CUDNN9_ASKED
        + "Name: nvidia-cudnn-cu12\nVersion: 8.9.2.26\nSummary: cuDNN runtime libraries\n"
    )
    assert MISMATCH in fails(text)


def test_pip_show_of_the_same_cudnn_major_stays_missing() -> None:
    text = (
        _CUDNN9_ASKED
        + "Name: nvidia-cudnn-cu12\nVersion: 9.1.0.70\nSummary: cuDNN runtime libraries\n"
    )
    assert MISMATCH not in fails(text)
    assert "missing-library" in fails(text)


def test_transformers_older_than_llama31_rope_config() -> None:
    text = (
        '  File "/usr/local/lib/python3.11/site-packages/transformers/models/llama/'
        'configuration_llama.py", line 182, in _rope_scaling_validation\n'
        "ValueError: `rope_scaling` must be a dictionary with two fields, `type` and `factor`, got "
        "{'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0, "
        "'original_max_position_embeddings': 8192, 'rope_type': 'llama3'}\n"
    )
    assert "transformers-older-than-rope-config" in signature_ids(text)
    assert MISMATCH in fails(text)
    retold = "`rope_scaling` must be a dictionary with with two fields, `type` and `factor`\n"
    assert MISMATCH in fails(retold)


def test_rope_scaling_set_in_a_config_stays_quiet() -> None:
    text = '"rope_scaling": {"factor": 8.0, "rope_type": "llama3"}\n'
    assert "transformers-older-than-rope-config" not in signature_ids(text)


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: Python version >= 3.9 required.",
        "RuntimeError: Unsupported Python version: 3.13. Please use Python 3.9-3.12.",
        "This package requires Python 3.10 or later.",
    ],
)
def test_program_refusing_the_python_release_is_a_family_warning(line: str) -> None:
    result = read(line + "\n")
    assert result is not None
    assert statuses(result, MISMATCH) == {"warn"}
