"""Session 48 (issue 21), engineer W: the version-mismatch family's messages that nothing read
(NumPy 2 against code for 1.x, modules a framework removed, transformers refusing Keras 3, NCCL
and MKL functions torch's build lacks, pip's ResolutionImpossible) and a framework's own library
that the loader refuses for an undefined symbol (read as a fact, consumed by no rule). Each text is
written for its rule; each has a neighbouring text that must stay quiet."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, read, signature_ids, statuses

# --- NumPy 2 against code written for NumPy 1.x ----------------------------------------------


@pytest.mark.parametrize("name", ["np.float_", "np.Inf", "np.unicode_", "np.in1d"])
def test_a_name_numpy_2_removed_is_a_version_mismatch(name):
    text = (
        '  File "/opt/venv/lib/python3.12/site-packages/oldlib/stats.py", line 40, in <module>\n'
        f"AttributeError: `{name}` was removed in the NumPy 2.0 release. Use something else.\n"
    )
    assert "numpy2-removed-attribute" in signature_ids(text)
    assert "version-mismatch" in fails(text)


def test_numpy_1x_deprecation_wording_is_not_the_numpy_2_removal():
    text = "DeprecationWarning: `np.float` is a deprecated alias for the builtin `float`.\n"
    assert "numpy2-removed-attribute" not in signature_ids(text)


def test_a_pickle_from_numpy_2_read_under_numpy_1():
    text = (
        "    scaler = pickle.load(f)\n"
        "ModuleNotFoundError: No module named 'numpy._core.multiarray'\n"
    )
    assert "numpy2-pickle-under-numpy1" in signature_ids(text)
    assert "version-mismatch" in fails(text)


def test_numpy_core_of_numpy_1_is_not_the_numpy_2_pickle():
    text = "ModuleNotFoundError: No module named 'numpy.core._multiarray_umath'\n"
    assert "numpy2-pickle-under-numpy1" not in signature_ids(text)


def test_ufunc_size_changed_is_numpy_abi():
    text = (
        "ValueError: numpy.ufunc size changed, may indicate binary incompatibility. "
        "Expected 232 from C header, got 216 from PyObject\n"
    )
    assert "numpy-abi-mismatch" in signature_ids(text)


def test_torch_without_numpy_is_a_warning_of_version_mismatch():
    text = ">>> torch.zeros(3).numpy()\nRuntimeError: Numpy is not available\n"
    assert "torch-numpy-not-available" in signature_ids(text)
    result = read(text)
    assert result is not None and statuses(result, "version-mismatch") == {"warn"}


# --- modules a framework removed ---------------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    [
        "torch._six",
        "torchvision.transforms.functional_tensor",
        "torchtext.legacy",
        "tensorflow.contrib",
        "tensorflow.contrib.slim",
        "triton.ops",
        "triton.ops.matmul_perf_model",
    ],
)
def test_a_module_the_framework_removed(module):
    text = f"    from {module} import x\nModuleNotFoundError: No module named '{module}'\n"
    assert "framework-module-removed" in signature_ids(text)
    assert "version-mismatch" in fails(text)


@pytest.mark.parametrize(
    "module", ["torchvision.transforms._functional_tensor", "torch_six", "triton.opsx", "torch"]
)
def test_a_neighbouring_module_name_is_not_a_removed_module(module):
    text = f"ModuleNotFoundError: No module named '{module}'\n"
    assert "framework-module-removed" not in signature_ids(text)


def test_transformers_refusing_keras_3():
    text = (
        "RuntimeError: Failed to import transformers.models.bert.modeling_tf_bert because of the "
        "following error (look up to see its traceback):\n"
        "Your currently installed version of Keras is Keras 3, but this is not yet supported in "
        "Transformers. Please install the backwards-compatible tf-keras package with `pip "
        "install tf-keras`.\n"
    )
    assert "transformers-refuses-keras3" in signature_ids(text)
    assert "version-mismatch" in fails(text)


def test_keras_3_named_in_a_sentence_is_not_transformers_refusal():
    text = "I upgraded to Keras 3 and TensorFlow 2.16 and training works.\n"
    assert "transformers-refuses-keras3" not in signature_ids(text)


def test_triton_names_the_importer_could_not_find():
    text = (
        "ImportError: cannot import name 'AttrsDescriptor' from 'triton.backends.compiler' "
        "(/usr/lib/python3/site-packages/triton/backends/compiler.py)\n"
    )
    assert "cannot-import-name-from-library" in signature_ids(text)


# --- functions torch's build needs from a library of another release ---------------------------

NCCL = (
    "ImportError: /srv/env/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so: "
    "undefined symbol: ncclCommInitRankScalable\n"
)
MKL = (
    "ImportError: /home/a/miniforge3/envs/x/lib/python3.9/site-packages/torch/lib/libtorch_cpu.so:"
    " undefined symbol: iJIT_GetNewMethodID\n"
)


def test_an_nccl_function_torch_needs_is_a_version_mismatch():
    assert "nccl-api-symbol-undefined" in signature_ids(NCCL)
    assert "version-mismatch" in fails(NCCL)


def test_an_mkl_jit_function_torch_needs_is_a_version_mismatch():
    assert "mkl-jit-api-symbol-undefined" in signature_ids(MKL)
    assert "version-mismatch" in fails(MKL)


def test_an_nccl_error_at_run_time_is_not_a_missing_symbol():
    text = "torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1275, ncclCommInitRank failed\n"
    assert "nccl-api-symbol-undefined" not in signature_ids(text)


# --- a framework's own library refused for a symbol --------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/usr/lib/python3/dist-packages/torch/lib/libtorch_cuda.so",
        "/opt/conda/lib/python3.10/site-packages/tensorflow/libtensorflow_framework.so.2",
        "/home/u/.venv/lib/python3.11/site-packages/jaxlib/xla_extension.so",
        "/usr/lib/x86_64-linux-gnu/libcudnn_ops_infer.so.8",
    ],
)
def test_a_framework_library_refused_for_a_symbol_is_a_warning(path):
    text = f"ImportError: {path}: undefined symbol: someHelper_v2\n"
    result = read(text)
    assert result is not None
    assert "inferred:framework-library-symbol" in {f.id for f in result.findings}
    assert statuses(result, "version-mismatch") == {"warn"}
    assert not result.failed
    assert all(f.id != "healthy" for f in result.findings)  # a failure shown, not healthy


def test_the_python_c_api_symbol_says_another_python():
    text = (
        "ImportError: /home/u/.local/lib/python3.8/site-packages/torch/lib/libtorch_python.so: "
        "undefined symbol: PyCode_GetCode\n"
    )
    result = read(text)
    assert result is not None
    details = [f.detail for f in result.findings if f.id == "inferred:framework-library-symbol"]
    assert details and "Python" in details[0]


def test_a_users_own_module_refused_is_not_the_frameworks():
    text = "ImportError: /home/u/proj/build/mymodule.so: undefined symbol: foo_bar\n"
    result = read(text)
    ids = {f.id for f in result.findings} if result is not None else set()
    assert "inferred:framework-library-symbol" not in ids


# --- pip's resolver ------------------------------------------------------------------------------


def test_pip_resolution_impossible_is_a_warning_of_version_mismatch():
    text = (
        "ERROR: Cannot install jax==0.4.30 and jaxlib==0.4.20 because these package versions "
        "have conflicting dependencies.\n"
    )
    result = read(text)
    assert result is not None and statuses(result, "version-mismatch") == {"warn"}


def test_a_pip_install_that_resolved_is_quiet():
    text = "Successfully installed jax-0.4.30 jaxlib-0.4.30\n"
    assert "version-mismatch" not in categories(text)


# --- tf_env_collect.sh's cuda libs section -------------------------------------------------------

COLLECT = (
    "== tensorflow import ============================================\n"
    "tf.version.VERSION = 2.6.0\n"
    "tf.version.GIT_VERSION = v2.6.0-rc2-32-g919f693420e\n"
    "== cuda libs  ===================================================\n"
    "/usr/local/cuda-{release}/targets/x86_64-linux/lib/libcudart.so.{release}.{patch}\n"
    "/usr/local/cuda-{release}/targets/x86_64-linux/lib/libcudart_static.a\n"
)


def test_tf_env_collect_cuda_libs_of_another_release_is_a_version_mismatch():
    text = COLLECT.format(release="10.1", patch="243")
    result = read(text)
    assert result is not None and statuses(result, "version-mismatch") == {"warn"}


def test_tf_env_collect_cuda_libs_of_the_tested_release_is_quiet():
    text = COLLECT.format(release="11.2", patch="152")
    assert "version-mismatch" not in categories(text)


def test_a_cudart_file_without_a_tensorflow_version_says_nothing_of_tensorflow():
    text = "/usr/local/cuda-10.1/targets/x86_64-linux/lib/libcudart.so.10.1.243\n"
    assert "version-mismatch" not in categories(text)


# --- files written by another release of the library reading them --------------------------------


@pytest.mark.parametrize(
    ("text", "sid", "status"),
    [
        (
            "Exception: data did not match any variant of untagged enum PyDecoderWrapper at line "
            "12 column 5\n",
            "tokenizers-file-newer-than-library",
            "warn",
        ),
        (
            "ValueError: The checkpoint you are trying to load has model type `gemma3` but "
            "Transformers does not recognize this architecture.\n",
            "transformers-architecture-unknown",
            "warn",
        ),
        (
            "ValueError: File format not supported: filepath=export/. Keras 3 only supports V3 "
            "`.keras` files and legacy H5 format files (`.h5` extension).\n",
            "keras3-refuses-keras2-artifact",
            "fail",
        ),
        (
            "ImportError: `keras.optimizers.legacy` is not supported in Keras 3. When using "
            "`tf.keras`, install the `tf_keras` package.\n",
            "keras3-refuses-keras2-artifact",
            "fail",
        ),
        (
            "_pickle.UnpicklingError: Weights only load failed. This file can still be loaded.\n",
            "torch-load-weights-only-default",
            "warn",
        ),
        (
            "InconsistentVersionWarning: Trying to unpickle estimator RandomForestClassifier from "
            "version 1.2.2 when using version 1.5.0.\n",
            "sklearn-estimator-other-release",
            "warn",
        ),
    ],
)
def test_a_file_of_another_library_release(text, sid, status):
    assert sid in signature_ids(text)
    result = read(text)
    assert result is not None and status in statuses(result, "version-mismatch")


@pytest.mark.parametrize(
    "text",
    [
        "Loaded tokenizer from tokenizer.json (untagged enums are fine here)\n",
        "Transformers recognizes this architecture: LlamaForCausalLM\n",
        "Saved the model as model.keras with Keras 3.3.3\n",
        "Loaded weights only from model.safetensors\n",
        "Trying to unpickle the dataset from cache\n",
    ],
)
def test_neighbouring_words_of_those_files_are_quiet(text):
    assert "version-mismatch" not in categories(text)


def test_a_module_built_for_another_python_on_windows():
    text = "ImportError: Module use of python310.dll conflicts with this version of Python.\n"
    assert "python-dll-of-another-release" in signature_ids(text)
    assert "version-mismatch" in fails(text)


def test_tensorflows_pybind11_refusal_is_a_warning():
    text = (
        "    _np_bfloat16 = _pywrap_bfloat16.TF_bfloat16_type()\n"
        "TypeError: Unable to convert function return value to a Python type! The signature was\n"
        "\t() -> handle\n"
    )
    result = read(text)
    assert result is not None and statuses(result, "version-mismatch") == {"warn"}


def test_python_dll_loaded_is_quiet():
    text = "Loaded python310.dll from C:\\Python310\n"
    assert "version-mismatch" not in categories(text)


def test_setuptools_version_conflict_is_a_version_mismatch():
    text = (
        "pkg_resources.ContextualVersionConflict: (torch 2.0.1 (/opt/venv/lib/python3.10/"
        "site-packages), Requirement.parse('torch==2.1.0'), {'torchaudio'})\n"
    )
    assert "pkg-resources-version-conflict" in signature_ids(text)
    assert "version-mismatch" in fails(text)


def test_pandas_optional_dependency_too_old_is_a_warning():
    text = (
        "ImportError: Pandas requires version '2.8.4' or newer of 'numexpr' (version '2.7.1' "
        "currently installed).\n"
    )
    result = read(text)
    assert result is not None and statuses(result, "version-mismatch") == {"warn"}


def test_a_version_conflict_word_in_prose_is_quiet():
    text = "We had a version conflict between two teams last week.\n"
    assert "version-mismatch" not in categories(text)
