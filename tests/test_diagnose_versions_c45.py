"""Installed parts at versions that do not work together (issue 21, session 45, engineer V): the
Hugging Face training stack's releases (TRL / PEFT against transformers / accelerate, from each
release's Requires-Dist and TRL 0.12.2's ceiling), a Trainer or Accelerator call the other
release does not take, a versioned CUDA library missing on Google Colab, and a sentence naming the
versioned CUDA library a program asks for. Each paste is written here; each has a counterpart
that stays quiet or keeps its old reading."""

from __future__ import annotations

from tests.pastes import categories, fact, fails, read, signature_ids, status

_TRL_ENV = """**TRL ENV:**
- Platform: Linux-5.15.0-91-generic-x86_64-with-glibc2.35
- Python version: 3.11.9
- PyTorch version: 2.5.1
- CUDA device(s): NVIDIA H100 80GB HBM3
- Transformers version: {transformers}
- Accelerate version: 1.2.1
- Datasets version: 3.2.0
- HF Hub version: 0.27.0
- TRL version: {trl}
- PEFT version: 0.14.0
"""


# --- TRL / PEFT against transformers / accelerate -------------------------------------------


def test_trl_012_under_transformers_447_in_trl_env_fails() -> None:
    result = read(_TRL_ENV.format(transformers="4.47.1", trl="0.12.2"))
    assert result is not None
    assert fact(result, "package.trl") == "0.12.2"
    assert fact(result, "package.transformers") == "4.47.1"
    assert status(result, "version-mismatch") == "fail"
    finding = next(f for f in result.findings if f.id == "library-pair:trl-transformers")
    assert "4.47" in finding.detail and finding.source.endswith("trl/pull/2446")


def test_trl_013_under_transformers_447_is_quiet() -> None:
    result = read(_TRL_ENV.format(transformers="4.47.1", trl="0.13.0"))
    assert result is not None
    assert "version-mismatch" not in result.categories


def test_trl_012_under_transformers_446_is_quiet() -> None:
    result = read(_TRL_ENV.format(transformers="4.46.3", trl="0.12.1"))
    assert result is not None
    assert "version-mismatch" not in result.categories


def test_a_source_build_of_a_line_is_judged_as_that_line() -> None:
    # transformers 4.46.0.dev0 is the 4.46 line TRL 0.12 was written for
    result = read(_TRL_ENV.format(transformers="4.46.0.dev0", trl="0.12.0.dev0+a67f214"))
    assert result is not None
    assert "version-mismatch" not in result.categories


def test_trl_below_its_transformers_floor_in_a_pip_freeze_fails() -> None:
    text = "torch==2.4.0\ntransformers==4.38.2\ntrl==0.11.4\naccelerate==0.33.0\n"
    assert "version-mismatch" in fails(text)


def test_trl_012_with_an_old_accelerate_in_pip_list_fails() -> None:
    text = (
        "Package        Version\n"
        "-------------- -------\n"
        "accelerate     0.30.1\n"
        "torch          2.5.1\n"
        "transformers   4.46.3\n"
        "trl            0.12.1\n"
    )
    result = read(text)
    assert result is not None
    assert "library-pair:trl-accelerate" in {f.id for f in result.findings}
    assert "library-pair:trl-transformers" not in {f.id for f in result.findings}


def test_peft_with_an_accelerate_below_its_floor_fails() -> None:
    text = "torch==2.1.0\ntransformers==4.36.2\npeft==0.14.0\naccelerate==0.20.3\n"
    assert "version-mismatch" in fails(text)


def test_transformers_env_rows_with_backticks_are_read() -> None:
    text = (
        "- `transformers` version: 4.48.0\n"
        "- Platform: Linux-6.5.0-35-generic-x86_64-with-glibc2.35\n"
        "- Python version: 3.10.14\n"
        "- Accelerate version: 1.3.0\n"
        "- PyTorch version (GPU?): 2.5.1+cu124 (True)\n"
        "- GPU type: NVIDIA A100-SXM4-80GB\n"
    )
    result = read(text)
    assert result is not None
    assert fact(result, "package.transformers") == "4.48.0"
    assert fact(result, "package.accelerate") == "1.3.0"
    assert not result.failed


def test_releases_only_named_in_a_sentence_are_a_warning() -> None:
    text = (
        "I use trl 0.12.1 with transformers 4.47.0 and training stops.\n"
        "Traceback (most recent call last):\n"
        "TypeError: DPOTrainer.log() takes 2 positional arguments but 3 were given\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "version-mismatch") == "warn"


# --- a Trainer / Accelerator call the other release does not take ---------------------------


def test_trainer_hook_signature_messages_are_a_version_mismatch() -> None:
    for line in (
        "TypeError: DPOTrainer.log() takes 2 positional arguments but 3 were given",
        "TypeError: XPOTrainer.training_step() takes 3 positional arguments but 4 were given",
        "TypeError: CustomTrainer.compute_loss() got an unexpected keyword argument "
        "'num_items_in_batch'",
        "TypeError: Accelerator.__init__() got an unexpected keyword argument 'dispatch_batches'",
        "[rank0]: TypeError: Accelerator.unwrap_model() got an unexpected keyword argument "
        "'keep_torch_compile'",
    ):
        result = read(line + "\n")
        assert result is not None, line
        assert status(result, "version-mismatch") == "warn", line
        assert "hf-trainer-api-mismatch" in signature_ids(line + "\n"), line


def test_an_unexpected_keyword_of_a_model_forward_is_not_this_message() -> None:
    text = "TypeError: LlamaForCausalLM.forward() got an unexpected keyword argument 'num_items_in_batch'\n"
    assert "hf-trainer-api-mismatch" not in signature_ids(text)


def test_a_trainer_constructor_keyword_is_not_this_message() -> None:
    # the user's own call with a keyword the release renamed: API use, not a pairing of libraries
    text = "TypeError: SFTTrainer.__init__() got an unexpected keyword argument 'tokenizer'\n"
    assert "hf-trainer-api-mismatch" not in signature_ids(text)


# --- a versioned CUDA library missing on Google Colab ---------------------------------------


def test_a_cuda_10_library_missing_on_colab_is_a_version_mismatch() -> None:
    text = (
        "Running the demo notebook on Google Colab:\n"
        "OSError: libcudart.so.10.1: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" in categories(text)


def test_a_cuda_11_library_missing_in_a_colab_path_is_a_version_mismatch() -> None:
    text = (
        '  File "/content/gaussian-splatting/train.py", line 16, in <module>\n'
        "    from gaussian_renderer import render\n"
        "I run the colab notebook from the README.\n"
        "ImportError: libnvrtc.so.11.2: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" in categories(text)


def test_the_same_library_missing_off_colab_stays_a_missing_library() -> None:
    text = "OSError: libcudart.so.10.1: cannot open shared object file: No such file or directory\n"
    found = categories(text)
    assert "missing-library" in found
    assert "version-mismatch" not in found


# --- a sentence naming the versioned CUDA library a program asks for ------------------------


def test_a_sentence_naming_the_library_asked_for_is_read_and_weighed() -> None:
    text = (
        "import tensorflow as tf\n"
        "print(len(tf.config.list_physical_devices('GPU')))\n"
        "It prints 0 because TensorFlow is looking for a library called 'libcudart.so.11.0'.\n"
        "I only have /usr/local/cuda-12.2 with libcudart.so.12.2.140 installed.\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "version-mismatch") == "warn"


def test_a_sentence_naming_the_library_of_the_installed_release_is_quiet() -> None:
    text = (
        "TensorFlow is looking for a library called 'libcudart.so.11.0'.\n"
        "I have CUDA 11.8 installed (libcudart.so.11.8.89).\n"
    )
    result = read(text)
    assert result is not None
    assert "version-mismatch" not in result.categories
    assert not result.failed


# --- import-time version checks of libraries (transformers, SciPy, PyG) ---------------------


def test_transformers_require_version_names_the_release_found() -> None:
    for line in (
        "ImportError: tokenizers>=0.21,<0.22 is required for a normal functioning of this module, "
        "but found tokenizers==0.22.2.",
        "ImportError: huggingface-hub>=0.23.2,<1.0 is required for a normal functioning of this "
        "module, but found huggingface-hub==1.33.0.",
        "ImportError: accelerate>=0.26.0 is required for a normal functioning of this module, but "
        "found accelerate==0.21.0.",
    ):
        assert "version-mismatch" in fails(line + "\n"), line
        assert "hf-require-version" in signature_ids(line + "\n"), line


def test_a_missing_distribution_is_not_the_version_check() -> None:
    text = (
        "importlib.metadata.PackageNotFoundError: The 'tokenizers>=0.14,<0.19' distribution was "
        "not found and is required by this application.\n"
    )
    assert "hf-require-version" not in signature_ids(text)


def test_the_trainer_asking_for_accelerate_is_a_warning() -> None:
    text = (
        "ImportError: Using the `Trainer` with `PyTorch` requires `accelerate>=0.26.0`: Please run "
        "`pip install transformers[torch]` or `pip install 'accelerate>=0.26.0'`\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "version-mismatch") == "warn"


def test_scipys_numpy_range_warning_is_a_warning() -> None:
    text = (
        "/usr/lib/python3/dist-packages/scipy/__init__.py:146: UserWarning: A NumPy version "
        ">=1.17.3 and <1.25.0 is required for this version of SciPy (detected version 1.26.4\n"
        '  warnings.warn(f"A NumPy version >={np_minversion} and <{np_maxversion}"\n'
    )
    result = read(text)
    assert result is not None
    assert status(result, "version-mismatch") == "warn"
    assert not result.failed


def test_a_pyg_extension_of_another_cuda_fails() -> None:
    for lib in ("torch_scatter", "torch_sparse", "torch_cluster"):
        text = (
            f"RuntimeError: Detected that PyTorch and {lib} were compiled with different CUDA "
            f"versions. PyTorch has CUDA version 11.8 and {lib} has CUDA version 12.1. Please "
            f"reinstall the {lib} that matches your PyTorch install.\n"
        )
        assert "pyg-extension-cuda-differs" in signature_ids(text), lib
        assert "version-mismatch" in fails(text), lib


def test_torchvisions_own_cuda_check_keeps_its_signature() -> None:
    text = (
        "RuntimeError: Detected that PyTorch and torchvision were compiled with different CUDA "
        "major versions. PyTorch has CUDA Version=11.8 and torchvision has CUDA Version=12.1.\n"
    )
    ids = signature_ids(text)
    assert "torchvision-cuda-version-differs" in ids
    assert "pyg-extension-cuda-differs" not in ids


def test_protobuf_630_under_a_library_written_for_older_protobuf_fails() -> None:
    text = (
        '  File "/usr/local/lib/python3.11/site-packages/tensorflow/python/framework/'
        'c_api_util.py", line 30, in <module>\n'
        "AttributeError: 'MessageFactory' object has no attribute 'GetPrototype'\n"
    )
    assert "protobuf-getprototype-removed" in signature_ids(text)
    assert "version-mismatch" in fails(text)


def test_another_missing_attribute_of_a_message_factory_is_not_this_message() -> None:
    text = "AttributeError: 'MessageFactory' object has no attribute 'GetMessages'\n"
    assert "protobuf-getprototype-removed" not in signature_ids(text)


# --- a package's __version__ printed in a session -------------------------------------------


def test_a_session_printing_torchvision_of_another_torch_fails_the_pairing() -> None:
    text = (
        ">>> import torch, torchvision\n"
        ">>> torch.__version__\n"
        "'2.6.0+cu124'\n"
        ">>> torchvision.__version__\n"
        "'0.23.0'\n"
    )
    result = read(text)
    assert result is not None
    assert fact(result, "package.torchvision") == "0.23.0"
    assert status(result, "version-mismatch") == "fail"


def test_a_session_printing_the_paired_torchvision_is_quiet() -> None:
    text = (
        ">>> import torch, torchvision\n"
        ">>> print(torch.__version__, torchvision.__version__)\n"
        "2.8.0+cu128 0.23.0+cu128\n"
    )
    result = read(text)
    assert result is not None
    assert fact(result, "package.torchvision") == "0.23.0+cu128"
    assert "version-mismatch" not in result.categories


def test_a_one_liner_printing_hf_releases_is_judged() -> None:
    text = (
        '$ python -c "import transformers, trl; print(transformers.__version__, trl.__version__)"\n'
        "4.47.0 0.12.1\n"
    )
    assert "version-mismatch" in fails(text)


def test_the_version_of_a_package_dlrec_does_not_read_is_ignored() -> None:
    text = ">>> import requests\n>>> requests.__version__\n'2.31.0'\n"
    assert read(text) is None


def test_transformers_with_an_accelerate_below_its_trainer_floor_is_a_warning() -> None:
    result = read("transformers==4.46.3\naccelerate==0.21.0\ntorch==2.4.1\n")
    assert result is not None
    assert status(result, "version-mismatch") == "warn"
    assert not result.failed


def test_transformers_with_an_accelerate_at_its_floor_is_quiet() -> None:
    result = read("transformers==4.46.3\naccelerate==0.26.0\ntorch==2.4.1\n")
    assert result is not None
    assert "version-mismatch" not in result.categories


def test_a_pip_conflict_line_states_both_releases() -> None:
    text = (
        "ERROR: pip's dependency resolver does not currently take into account all the packages "
        "that are installed. This behaviour is the source of the following dependency conflicts.\n"
        "trl 0.12.2 requires transformers<4.47.0, but you have transformers 4.47.1 which is "
        "incompatible.\n"
    )
    assert "version-mismatch" in fails(text)


def test_tensorflow_probability_newer_than_the_tensorflow_it_was_made_for_warns() -> None:
    text = (
        "Package   Version\n--------- -------\ntensorflow 2.13.1\ntensorflow_probability 0.24.0\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "version-mismatch") == "warn"


def test_tensorflow_probability_of_its_tensorflow_is_quiet() -> None:
    result = read("tensorflow==2.16.1\ntensorflow-probability==0.24.0\ntf-keras==2.16.0\n")
    assert result is not None
    assert "library-pair:tensorflow-probability-tensorflow" not in {f.id for f in result.findings}


def test_a_cuda_10_library_missing_in_a_kaggle_notebook_is_a_version_mismatch() -> None:
    text = (
        "I'm using Kaggle to try and run this and keep running into this error.\n"
        "ImportError: libcudart.so.10.2: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" in categories(text)


def test_a_kaggle_dataset_on_a_local_machine_is_not_a_hosted_notebook() -> None:
    text = (
        "I downloaded the kaggle dataset to my workstation.\n"
        "ImportError: libcudart.so.10.2: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" not in categories(text)


# --- NumPy 2 under frameworks compiled for NumPy 1.x -----------------------------------------


def test_tensorflow_217_with_numpy_2_fails() -> None:
    result = read("tensorflow==2.17.0\nnumpy==2.1.3\n")
    assert result is not None
    assert "library-pair:tensorflow-numpy" in {f.id for f in result.findings}
    assert status(result, "version-mismatch") == "fail"


def test_tensorflow_218_with_numpy_20_is_quiet_and_with_22_fails() -> None:
    quiet = read("tensorflow==2.18.0\nnumpy==2.0.2\n")
    assert quiet is not None
    assert "version-mismatch" not in quiet.categories
    assert "version-mismatch" in fails("tensorflow==2.18.0\nnumpy==2.2.1\n")


def test_torch_before_23_with_numpy_2_is_a_warning() -> None:
    text = "[pip3] numpy==2.0.1\n[pip3] torch==2.2.2\n"
    result = read(text)
    assert result is not None
    assert status(result, "version-mismatch") == "warn"


def test_torch_24_with_numpy_2_is_quiet() -> None:
    result = read("[pip3] numpy==2.1.0\n[pip3] torch==2.4.1\n")
    assert result is not None
    assert "version-mismatch" not in result.categories
