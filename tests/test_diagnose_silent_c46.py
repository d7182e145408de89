"""Session 46 (issue 21), engineer T: pastes that are read but get no finding where the thread
found a version pair, a missing library or a CPU build. Each rule with a text written for it and a
neighbouring text that must stay quiet."""

from __future__ import annotations

import pytest

from recommender.decide.diagnosis.tf_rocm import built_for
from recommender.facts.reports.paste import read_paste
from tests.pastes import categories, fact, read

# -- a framework's release glued to its name ("tensorflow2.7.0") -----------------------------


@pytest.mark.parametrize(
    ("sentence", "framework", "version"),
    [
        ("pip installed tensorflow2.7.0 automatically, my CUDA 10.2 is old", "tensorflow", "2.7.0"),
        ("I use torch1.13.1 and cuda 11.7", "pytorch", "1.13.1"),
        ("my env: pytorch2.1.0, cuda 12.1", "pytorch", "2.1.0"),
        ("running on tensorflow-gpu1.14.0 with CUDA 10.0", "tensorflow", "1.14.0"),
        ("installed jax0.4.26 with cuda 12", "jax", "0.4.26"),
    ],
)
def test_a_release_glued_to_the_framework_name_is_read(sentence, framework, version):
    result = read(sentence)
    assert result is not None
    assert fact(result, f"frameworks.{framework}.version") == version


@pytest.mark.parametrize(
    "sentence",
    [
        "my env lives in /home/u/envs/torch1.13/lib and CUDA 11.7",
        "I use libtorch2.1.0 with cuda 11.8",
        "we have a keras-tensorflow2.4 image, cuda 11.0",
        "my setup needs torch2.1.0 with cuda 11.8",
        "I use tf2.4 and CUDA 11.0",
    ],
)
def test_a_glued_name_in_a_path_a_longer_name_or_a_requirement_is_not_a_release(sentence):
    result = read(sentence)
    for framework in ("pytorch", "tensorflow"):
        assert result is None or fact(result, f"frameworks.{framework}.version") is None


def test_a_glued_tensorflow_release_meets_the_stated_cuda():
    text = "it installed tensorflow2.7.0 automatically, my CUDA 10.2 is not compatible with it\n"
    assert "version-mismatch" in categories(text)


def test_a_glued_tensorflow_release_with_its_own_cuda_stays_quiet():
    text = "it installed tensorflow2.7.0 automatically, my CUDA 11.2 and cuDNN 8.1 are there\n"
    assert "version-mismatch" not in categories(text)


# -- "PyTorch: 1.13.1", "TensorFlow version 2.7.0": an environment list's framework line -------


@pytest.mark.parametrize(
    ("text", "framework", "version"),
    [
        ("PyTorch: 1.13.1\nCUDA: 11.7", "pytorch", "1.13.1"),
        ("- PyTorch: 1.13.1\n- CUDA: 11.7", "pytorch", "1.13.1"),
        ("- PyTorch version 1.13.1\n- CUDA 11.7", "pytorch", "1.13.1"),
        ("Tensorflow: 2.7.0\nCUDA: 10.2", "tensorflow", "2.7.0"),
        ("My environment is PyTorch: 2.1.0, CUDA: 12.1", "pytorch", "2.1.0"),
        ("I use TensorFlow version 2.7.0 with CUDA 10.2", "tensorflow", "2.7.0"),
        ("* jax: 0.4.30\n* CUDA: 12.4", "jax", "0.4.30"),
    ],
)
def test_an_environment_list_line_names_the_framework_release(text, framework, version):
    result = read(text)
    assert result is not None
    assert fact(result, f"frameworks.{framework}.version") == version


@pytest.mark.parametrize(
    "text",
    [
        "This model requires PyTorch: 2.1 or later, CUDA 11.8",
        "Should I upgrade to TensorFlow version 2.12 with CUDA 11.8?",
    ],
)
def test_a_wanted_framework_release_in_list_shape_stays_unread(text):
    result = read(text)
    for framework in ("pytorch", "tensorflow"):
        assert result is None or fact(result, f"frameworks.{framework}.version") is None


@pytest.mark.parametrize(
    ("text", "quiet"),
    [
        ("- Tensorflow: 2.7.0\n- CUDA: 10.2\n- cuDNN: 7.6\n", False),
        ("- Tensorflow: 2.7.0\n- CUDA: 11.2\n- cuDNN: 8.1\n", True),
        ("I use TensorFlow version 2.4.1 with CUDA 10.1 and cuDNN 7.6\n", False),
        ("I use TensorFlow version 2.4.1 with CUDA 11.0 and cuDNN 8.0\n", True),
    ],
)
def test_a_listed_tensorflow_release_meets_its_tested_cuda(text, quiet):
    assert ("version-mismatch" not in categories(text)) is quiet


# -- "CUDA/cuDNN version: 10.2/7.6" inside a line ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "cuda", "cudnn"),
    [
        (
            "- OS: Ubuntu 20.04, TensorFlow version: 2.7.0, CUDA/cuDNN version: 10.2/7.6",
            "10.2",
            "7.6",
        ),
        ("my env: tf 2.4, CUDA/cuDNN 11.0 / 8.0.4", "11.0", "8.0.4"),
        ("CUDA/cuDNN version: 11.2, 8.1", "11.2", "8.1"),
    ],
)
def test_a_cuda_cudnn_pair_gives_each_library_its_own_release(text, cuda, cudnn):
    result = read(text)
    assert result is not None
    assert fact(result, "toolkit.cuda") == cuda
    assert fact(result, "toolkit.cudnn") == cudnn


def test_a_pair_that_is_asked_for_is_not_the_installed_one():
    result = read("TensorFlow 2.7 requires CUDA/cuDNN 11.2/8.1, what do I need?")
    assert result is None or fact(result, "toolkit.cudnn") is None


# -- versions listed with " / ", " + ", " | ", "; " and a release in parentheses ----------------


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("Tensorflow: 2.7.0 / CUDA: 10.2", "toolkit.cuda", "10.2"),
        ("Cuda 10.2 + cudnn 7.6 + tensorflow 2.7", "frameworks.tensorflow.version", "2.7"),
        ("Cuda 10.2 + cudnn 7.6 + tensorflow 2.7", "toolkit.cudnn", "7.6"),
        ("torch 2.1.0 | CUDA 12.1 | Ubuntu 22.04", "toolkit.cuda", "12.1"),
        ("torch 2.1.0; CUDA 12.1", "toolkit.cuda", "12.1"),
        ("I am on PyTorch (1.13.1) with CUDA 11.7", "frameworks.pytorch.version", "1.13.1"),
    ],
)
def test_a_release_listed_after_another_is_read(text, path, value):
    result = read(text)
    assert result is not None
    assert fact(result, path) == value


def test_a_cuda_after_a_slash_that_is_asked_for_stays_unread():
    result = read("torch 2.1.0 / should I upgrade to CUDA 12.1?")
    assert result is None or fact(result, "toolkit.cuda") is None


# -- every way a paste proves a CPU build next to an NVIDIA GPU (and its quiet GPU twin) -------

_SMI = """\
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.54.15              Driver Version: 550.54.15      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
|=========================================+========================+======================|
|   0  NVIDIA GeForce RTX 3090        Off |   00000000:01:00.0 Off |                  N/A |
+-----------------------------------------+------------------------+----------------------+
"""
_LIST = "Package          Version\n---------------- -------\n"


@pytest.mark.parametrize(
    ("cpu", "gpu"),
    [
        (_LIST + "torch            2.3.0+cpu\n", _LIST + "torch            2.3.0+cu121\n"),
        ("Name: torch\nVersion: 2.2.1+cpu\n", "Name: torch\nVersion: 2.2.1+cu118\n"),
        (
            "Successfully installed torch-2.4.0+cpu torchvision-0.19.0+cpu\n",
            "Successfully installed torch-2.4.0+cu124 torchvision-0.19.0+cu124\n",
        ),
        (
            ">>> import torch\n>>> torch.__version__\n'2.1.0+cpu'\n",
            ">>> import torch\n>>> torch.__version__\n'2.1.0+cu121'\n",
        ),
        (
            "# Name                    Version                   Build  Channel\n"
            "pytorch                   2.1.0              py3.10_cpu_0    pytorch\n"
            "pytorch-mutex             1.0                         cpu    pytorch\n",
            "# Name                    Version                   Build  Channel\n"
            "pytorch                   2.1.0  py3.10_cuda12.1_cudnn8.9.2_0    pytorch\n"
            "pytorch-mutex             1.0                        cuda    pytorch\n",
        ),
        (
            "# Name                    Version                   Build  Channel\n"
            "pytorch                   2.1.0           cpu_py310h0b1a0e6_0    conda-forge\n",
            "# Name                    Version                   Build  Channel\n"
            "pytorch                   2.1.0     cuda120_py310h2c91c31_301    conda-forge\n",
        ),
        (_LIST + "tensorflow-cpu   2.15.0\n", _LIST + "tensorflow       2.15.0\n"),
        (
            ">>> import tensorflow as tf\n>>> tf.test.is_built_with_cuda()\nFalse\n",
            ">>> import tensorflow as tf\n>>> tf.test.is_built_with_cuda()\nTrue\n",
        ),
        (
            ">>> import onnxruntime as ort\n>>> ort.get_available_providers()\n"
            "['AzureExecutionProvider', 'CPUExecutionProvider']\n",
            ">>> import onnxruntime as ort\n>>> ort.get_available_providers()\n"
            "['TensorrtExecutionProvider', 'CUDAExecutionProvider', 'CPUExecutionProvider']\n",
        ),
        (
            _LIST + "jax              0.4.30\njaxlib           0.4.30\n"
            "An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not "
            "installed. Falling back to cpu.\n",
            _LIST + "jax              0.4.30\njaxlib           0.4.30\n"
            "jax-cuda12-plugin 0.4.30\njax-cuda12-pjrt  0.4.30\n",
        ),
    ],
)
def test_a_cpu_build_next_to_the_gpu_is_named_and_its_gpu_build_stays_quiet(cpu, gpu):
    assert "cpu-wheel-on-gpu" in categories(_SMI + "\n" + cpu)
    assert "cpu-wheel-on-gpu" not in categories(_SMI + "\n" + gpu)


@pytest.mark.parametrize(
    ("cpu", "gpu"),
    [
        (_LIST + "paddlepaddle     2.6.1\n", _LIST + "paddlepaddle-gpu 2.6.1\n"),
        (_LIST + "faiss-cpu        1.8.0\n", _LIST + "faiss-gpu        1.7.2\n"),
    ],
)
def test_a_cpu_distribution_is_a_warning_and_the_gpu_one_quiet(cpu, gpu):
    assert "cpu-wheel-on-gpu" in categories(_SMI + "\n" + cpu)
    assert "cpu-wheel-on-gpu" not in categories(_SMI + "\n" + gpu)


# -- tensorflow-rocm: read from package lists, its ROCm part against the stated ROCm ------------


@pytest.mark.parametrize(
    ("version", "rocm"),
    [
        ("2.14.0.600", (6, 0)),
        ("2.13.0.570", (5, 7)),
        ("2.12.0.560", (5, 6)),
        ("2.11.1.550", (5, 5)),
    ],
)
def test_a_tensorflow_rocm_version_names_its_rocm_release(version, rocm):
    assert built_for(version) == rocm


@pytest.mark.parametrize("version", ["2.11.0", "2.3.2", "2.14.0", "2.14.0.600rc1"])
def test_a_tensorflow_rocm_version_without_a_rocm_part_names_none(version):
    assert built_for(version) is None


def test_a_listed_tensorflow_rocm_is_tensorflow_by_amd():
    paste = read_paste(
        "Package          Version\n---------------- -------\ntensorflow-rocm  2.14.0.600\n"
        "numpy            1.26.4\n",
        origin="t",
    )
    assert paste.facts["frameworks.tensorflow.version"].value == "2.14.0.600"
    assert paste.facts["frameworks.tensorflow.distribution"].value == "tensorflow-rocm"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tensorflow-rocm==2.14.0.600\nnumpy==1.26.4\n\nI am using ROCm 5.7 on Ubuntu 22.04\n",
            "fail",
        ),
        ("tensorflow-rocm==2.13.0.570\nnumpy==1.24.3\n\nI am using ROCm 6.0.2 on Ubuntu\n", "fail"),
        ("tensorflow-rocm==2.12.0.560\nnumpy==1.24.3\n\nmy ROCm version is 5.7.1\n", "warn"),
        (
            "tensorflow-rocm==2.13.0.570\nnumpy==1.24.3\n\nI am using ROCm 5.7 on Ubuntu 22.04\n",
            None,
        ),
        ("tensorflow-rocm==2.14.0.600\nnumpy==1.26.4\n\nmy ROCm version is 6.0.2\n", None),
        ("tensorflow-rocm==2.11.0\nnumpy==1.24.3\n\nmy ROCm version is 5.7.1\n", None),
        ("tensorflow==2.14.0\nnumpy==1.26.4\n\nI am using ROCm 5.7 on Ubuntu 22.04\n", None),
    ],
)
def test_tensorflow_rocm_meets_the_rocm_release_it_was_built_for(text, expected):
    result = read(text)
    assert result is not None
    found = {f.status for f in result.findings if f.id.startswith("tf-rocm:")}
    assert found == ({expected} if expected else set())
