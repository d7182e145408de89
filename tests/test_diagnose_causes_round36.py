"""Issue 21, blind round 36 (a CPU-only build on a machine with a GPU, beyond torch): the causes its
development misses showed, fixed in general and tested on text written here (not the corpus
cases). Libraries published as a CPU-only and a CUDA distribution of one import package
(onnxruntime, paddlepaddle, faiss; compat.yaml's cpu_gpu_distributions), read from any package
listing; the words with which PaddlePaddle, faiss and llama.cpp say their build has no GPU
support; detectron2's table naming a build without CUDA; and a library's "not compiled with CUDA
support" named as its CPU-only build too. A CPU build where the paste shows no GPU stays quiet or
a warning, never a failure."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, run, status

_SMI = (
    "| NVIDIA-SMI 550.54.14              Driver Version: 550.54.14      CUDA Version: 12.4     |\n"
    "|   0  NVIDIA GeForce RTX 4070        Off |   00000000:01:00.0  On |                  N/A |\n"
)

# --- two distributions of one import package -------------------------------------------------


@pytest.mark.parametrize(
    "listing",
    [
        "onnxruntime==1.18.1\nonnxruntime-gpu==1.18.1\n",
        "Package          Version\n---------------- -------\nonnxruntime      1.16.3\nonnxruntime-gpu  1.17.0\n",
        "paddlepaddle==2.5.2\npaddlepaddle-gpu==2.5.2\n",
        "faiss-cpu                 1.7.4           py3.10_h2a577fa_0_cpu    pytorch\n"
        "faiss-gpu                 1.7.4           py3.10_h4c9b4f4_0_cuda11.8    pytorch\n",
    ],
)
def test_cpu_and_gpu_distribution_both_installed_next_to_a_gpu_fail(listing: str) -> None:
    assert "cpu-wheel-on-gpu" in fails(_SMI + listing)


def test_both_installed_without_a_gpu_shown_is_a_warning() -> None:
    result = run(
        "$ pip freeze | grep onnx\nonnx==1.15.0\nonnxruntime==1.17.1\nonnxruntime-gpu==1.17.1\n"
    )
    assert status(result, "cpu-wheel-on-gpu") == "warn"
    both = next(f for f in result.findings if f.id == "flavours:onnxruntime-both")
    assert "pip uninstall -y onnxruntime onnxruntime-gpu" in (both.fix or "")


@pytest.mark.parametrize(
    "listing",
    [
        "onnxruntime-gpu==1.18.1\n",  # only the GPU distribution: nothing to say
        "paddlepaddle-gpu==2.6.1\n",
        "faiss-gpu-cu12==1.8.0\n",
    ],
)
def test_the_gpu_distribution_alone_stays_quiet(listing: str) -> None:
    assert "cpu-wheel-on-gpu" not in categories(_SMI + listing)


def test_the_cpu_distribution_alone_without_a_gpu_stays_quiet() -> None:
    text = "Package      Version\n------------ -------\nonnxruntime  1.19.2\nfaiss-cpu    1.8.0\nnumpy        1.26.4\n"
    assert "cpu-wheel-on-gpu" not in categories(text)


def test_the_cpu_distribution_alone_next_to_a_gpu_is_a_warning() -> None:
    result = run(_SMI + "paddlepaddle==2.6.1\n")
    assert status(result, "cpu-wheel-on-gpu") == "warn"


# --- a library's own words for its CPU-only build ----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "E1203 10:11:12.000000  4242 place.cc:359] Cannot use GPU because you have installed CPU version PaddlePaddle.",
        "2023-04-02 12:00:00 ERROR: You are using paddlepaddle cpu version! Please try to install paddlepaddle-gpu to run model on GPU.",
        "ERROR: Config use_gpu cannot be set as true while you are using paddlepaddle cpu version !",
        "AttributeError: module 'faiss' has no attribute 'StandardGpuResources'",
        "NameError: name 'StandardGpuResources' is not defined",
        "warning: not compiled with GPU offload support, --gpu-layers option will be ignored",
        "AVX = 1 | AVX2 = 1 | AVX512 = 0 | FMA = 1 | NEON = 0 | F16C = 1 | BLAS = 0 | SSE3 = 1 | VSX = 0 |",
    ],
)
def test_a_cpu_build_in_its_own_words_fails_next_to_a_gpu(line: str) -> None:
    assert "cpu-wheel-on-gpu" in fails(_SMI + line + "\n")


@pytest.mark.parametrize(
    "line",
    [
        "Cannot use GPU because you have installed CPU version PaddlePaddle.",
        "AttributeError: module 'faiss' has no attribute 'StandardGpuResources'",
        "it keeps printing BLAS=0 when the model loads",
    ],
)
def test_a_cpu_build_in_its_own_words_without_a_gpu_is_a_warning(line: str) -> None:
    result = run(line + "\n")
    assert status(result, "cpu-wheel-on-gpu") == "warn"
    assert not fails(line + "\n")


def test_a_gpu_build_of_llama_cpp_stays_quiet() -> None:
    line = "AVX = 1 | AVX2 = 1 | AVX512 = 0 | FMA = 1 | NEON = 0 | F16C = 1 | BLAS = 1 | SSE3 = 1 |"
    assert "cpu-wheel-on-gpu" not in categories(_SMI + line + "\n")


def test_a_librarys_build_without_cuda_names_both_causes() -> None:
    text = _SMI + "ValueError: This CTranslate2 package was not compiled with CUDA support\n"
    assert {"cpu-wheel-on-gpu", "library-kernels-unsupported"} <= fails(text)


# --- detectron2's table --------------------------------------------------------------------------

_D2 = """----------------------  ----------------------------------------------------------------
sys.platform            linux
Python                  3.10.12 (main, Nov 20 2023, 15:14:05) [GCC 11.4.0]
detectron2              0.6 @/opt/detectron2/detectron2
Compiler                GCC 11.4
CUDA compiler           {cuda}
detectron2 arch flags   {flags}
PyTorch                 2.1.2+cu121 @/usr/lib/python3/dist-packages/torch
GPU available           {gpu}
GPU 0                   NVIDIA A10G (arch=8.6)
----------------------  ----------------------------------------------------------------
"""


def test_detectron2_built_without_cuda_fails_where_torch_sees_the_gpu() -> None:
    text = _D2.format(cuda="not available", flags="/opt/detectron2/detectron2/_C.so", gpu="True")
    assert {"cpu-wheel-on-gpu", "library-kernels-unsupported"} <= fails(text)


def test_detectron2_built_without_cuda_where_torch_sees_none_is_a_warning() -> None:
    text = _D2.format(cuda="not available", flags="/opt/detectron2/detectron2/_C.so", gpu="False")
    result = run(text)
    assert "cpu-wheel-on-gpu" in categories(text)
    assert status(result, "library-kernels-unsupported") != "fail"


def test_detectron2_built_with_cuda_stays_quiet() -> None:
    text = _D2.format(cuda="12.1", flags="8.6", gpu="True")
    assert "cpu-wheel-on-gpu" not in categories(text)


# --- a conda install that swapped torch --------------------------------------------------------

_CONDA = """GPU: NVIDIA GeForce RTX 3080
Driver Version: 535.104.05
I ran `conda install -c conda-forge scikit-image` in my env and now:
$ python -c "import torch; print(torch.cuda.is_available())"
False
"""


def test_a_conda_install_before_torch_lost_cuda_is_the_likely_cause() -> None:
    result = run(_CONDA)
    assert status(result, "cpu-wheel-on-gpu") == "warn"
    assert any(f.id.endswith("conda-swapped-torch") for f in result.findings)


def test_a_conda_install_next_to_a_labelled_cuda_torch_infers_nothing_of_it() -> None:
    text = _CONDA + ">>> torch.__version__\n'2.1.2+cu121'\n"
    assert not any(f.id.endswith("conda-swapped-torch") for f in run(text).findings)
