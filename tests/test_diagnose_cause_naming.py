"""Issue 21, naming the cause rather than its first symptom: a library's own kernels against the
GPU's compute capability where the paste shows the library only by its log lines (TGI) and the GPU
only by nvidia-smi's cut name; a TensorFlow library that did not load next to another release the
paste names; TensorFlow's template answered without its colon next to an AMD GPU. Each with a
healthy counterpart that stays quiet. Texts written here, not taken from the corpus."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, read, statuses

_SMI_HEAD = (
    "+-----------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    "|-------------------------------+----------------------+----------------------+\n"
    "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
    "| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |\n"
    "|===============================+======================+======================|\n"
)


def _smi(name: str) -> str:
    row = f"|   0  {name:<22}Off  | 00000000:3B:00.0 Off |                    0 |\n"
    return (
        _SMI_HEAD
        + row
        + "| N/A   35C    P0    26W / 250W |      0MiB / 16384MiB |      0%      Default |\n"
        + "+-------------------------------+----------------------+----------------------+\n"
    )


_TGI = "2024-02-01T10:00:00.000000Z  INFO text_generation_launcher: Runtime environment:\n"


@pytest.mark.parametrize("gpu", ["Tesla P100-PCI...", "Tesla V100-SXM2...", "Tesla V100S-PCI..."])
def test_tgi_below_its_flash_attention_floor_is_a_library_warning(gpu: str) -> None:
    result = read(_TGI + _smi(gpu))
    assert result is not None
    assert statuses(result, "library-kernels-unsupported") == {"warn"}
    assert not fails(_TGI + _smi(gpu))  # non-flash models still run: not a fail


def test_tgi_named_by_the_repository_alone() -> None:
    result = read(_smi("Tesla P40"), repository="huggingface/text-generation-inference")
    assert result is not None and "library-kernels-unsupported" in result.categories


@pytest.mark.parametrize("gpu", ["Tesla T4", "NVIDIA A100-SXM...", "NVIDIA H100 80GB HBM3"])
def test_tgi_on_a_gpu_its_flash_attention_covers_stays_quiet(gpu: str) -> None:
    assert "library-kernels-unsupported" not in categories(_TGI + _smi(gpu))


def test_a_name_cut_inside_its_form_factor_still_gives_the_capability() -> None:
    """vLLM's floor (7.0) against a P100 whose name nvidia-smi cut in "PCIe"."""
    text = "[pip3] vllm==0.6.3\n" + _smi("Tesla P100-PCI...")
    assert "library-kernels-unsupported" in fails(text)
    assert "library-kernels-unsupported" not in categories(
        "[pip3] vllm==0.6.3\n" + _smi("Tesla V100-PCI...")
    )


_LOAD_CUDART = (
    "2021-03-02 10:00:00.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:60] "
    "Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open "
    "shared object file: No such file or directory\n"
)
_LOAD_CUDNN = (
    "2021-03-02 10:00:01.000000: W tensorflow/stream_executor/platform/default/dso_loader.cc:60] "
    "Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open "
    "shared object file: No such file or directory\n"
)


@pytest.mark.parametrize(
    "prose",
    [
        "The docs say TensorFlow 2.5 wants CUDA 11.2, but I have installed 12.1 on this box.\n",
        "I read that CUDA 11.0 is needed. My machine has CUDA 10.2 as well.\n",
    ],
)
def test_a_library_of_another_cuda_than_one_named_is_a_version_warning(prose: str) -> None:
    result = read(prose + _LOAD_CUDART)
    assert result is not None
    assert "warn" in statuses(result, "version-mismatch")


def test_a_cudnn_library_of_another_major_than_one_named_is_a_version_warning() -> None:
    text = "I followed a guide that installs cuDNN 7.6, and later cuDNN 8.1.\n" + _LOAD_CUDNN
    result = read(text)
    assert result is not None and "warn" in statuses(result, "version-mismatch")


@pytest.mark.parametrize(
    "text",
    [
        "I have CUDA 11.2 installed, TensorFlow 2.5.\n" + _LOAD_CUDART,
        "cuDNN 8.1 is installed.\n" + _LOAD_CUDNN,
        _LOAD_CUDART,
        # a cuDNN major in a sentence is not a CUDA release ("installed 8.1" is not CUDA 8.1)
        "CUDA 11.2 here, and I installed 8.1 for cuDNN.\n" + _LOAD_CUDART,
    ],
)
def test_a_library_of_the_release_named_stays_a_missing_library(text: str) -> None:
    assert "version-mismatch" not in categories(text)


_TF_TEMPLATE_NO_COLON = (
    "**System information**\n"
    "- OS Platform and Distribution: Ubuntu 20.04\n"
    "- TensorFlow installed from (source or binary): source\n"
    "- TensorFlow version tensorflow-2.4.1-cp38-cp38-linux_x86_64.whl\n"
    "- Python version: 3.8\n"
    "- GPU model and memory: {gpu}\n"
)


def test_a_template_version_without_its_colon_is_read_next_to_an_amd_gpu() -> None:
    text = _TF_TEMPLATE_NO_COLON.format(gpu="AMD Radeon RX 6800 XT")
    result = read(text)
    assert result is not None
    assert "rocm-issue" in result.categories
    assert not fails(text)  # inferred from the names: a warning


def test_the_same_template_with_an_nvidia_gpu_says_nothing_of_rocm() -> None:
    text = _TF_TEMPLATE_NO_COLON.format(gpu="NVIDIA GeForce RTX 3080, 10GB")
    assert "rocm-issue" not in categories(text)


def test_a_sentence_after_tensorflow_version_is_not_a_version() -> None:
    text = (
        "- TensorFlow version is the one pip gave me\n- GPU model and memory: AMD Radeon RX 6800\n"
    )
    assert "rocm-issue" not in categories(text)
