"""Issue 21, round 21 (21a): the causes behind the corpus cases that still disagreed with their
threads, fixed in general and tested on text written here (not the corpus cases): a library's
own minimum compute capability in its own words (vLLM's build and quantisation gates, a model's
"< 8.0"), known messages that a person or a terminal broke over two lines, torch saying it was
built without CUDA (torch.version.cuda None, torch.backends.cuda.is_built() False, a script's
"PyTorch built with CUDA: False") next to an NVIDIA driver, compiled extensions built for
PyTorch's own binaries on conda-forge's torch, conda rows quoted in a sentence, and the Kepler
Teslas' board names (K40m, K20m)."""

from __future__ import annotations

import pytest

from recommender.facts.reports.gpus import compute_capability, load_gpu_table
from tests.pastes import run as _run

# --- a library's own minimum compute capability ---------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "RuntimeError: GPUs with compute capability below 7.0 are not supported.",
        "RuntimeError: GPUs with compute capability less than 7.0 are not supported.",
        '"GPUs with compute capability < 8.0 are not supported."',
        "ValueError: GPU with compute capability lower than 8.9 is not supported",
        "ValueError: The quantization method awq is not supported for the current GPU. Minimum capability: 75. Current capability: 70.",
        "ValueError: The quantization method fp8 is not supported for the current GPU. Minimum capability: 89. Current capability: 86.",
        "RuntimeError: ('Quantization scheme is not supported for ', 'the current GPU. Min capability: 80. ', 'Current capability: 75.')",
        "RuntimeError: Quantization scheme is not supported for the current GPU. Required capability: 90. Current capability: 100.",
    ],
)
def test_a_library_minimum_compute_capability_is_its_own_kernels(line: str) -> None:
    result = _run(f"$ vllm serve Qwen/Qwen2.5-7B-Instruct-AWQ\n{line}\n")
    assert "library-kernels-unsupported" in result.categories
    assert "arch-unsupported" not in result.categories
    assert result.failed


def test_a_library_supporting_the_gpu_is_not_read_as_a_minimum() -> None:
    # A statement that the GPU is supported, and a capability printed in passing.
    result = _run(
        ">>> import torch\n>>> torch.cuda.is_available()\nTrue\n"
        ">>> torch.cuda.get_device_capability()\n(8, 6)\n"
        "INFO: GPUs with compute capability 8.0 and above are supported by this backend.\n"
    )
    assert "library-kernels-unsupported" not in result.categories
    assert not result.failed


# --- a known message broken over two lines ----------------------------------------------------


@pytest.mark.parametrize(
    "head, tail",
    [
        (
            "flash_attn_2_cuda.cpython-310-x86_64-linux-gnu.so: undefined",
            " symbol: _ZN3c104impl3cow11cow_deleterEPv",
        ),
        (
            "ImportError: /x/torch_scatter/_scatter_cuda.so: undefined",
            "symbol: _ZNK3c1010TensorImpl36is_contiguous_nondefault_policy_implENS_12MemoryFormatE",
        ),
        (
            "RuntimeError: The NVIDIA driver on your system is too old",
            " (found version 11040). Please update your GPU driver",
        ),
        ("RuntimeError: CUDA error: no kernel image is available for", "execution on the device"),
    ],
)
def test_a_message_broken_over_two_lines_is_still_read(head: str, tail: str) -> None:
    result = _run(f"ERROR\n{head}\n{tail}\n")
    assert result.failed
    finding = next(f for f in result.findings if f.status == "fail")
    assert {2, 3} <= {q.line for q in finding.quotes}


@pytest.mark.parametrize(
    "text",
    [
        # An indented traceback line after a message is not its continuation.
        "torch.cuda.is_available() returned True and the model loaded\n    undefined symbol: main\n",
        # A new sentence after a full stop is not a continuation either.
        "Everything works fine on the GPU now.\nno kernel image problems any more.\n"
        ">>> torch.cuda.is_available()\nTrue\n",
    ],
)
def test_lines_that_are_not_a_broken_message_stay_apart(text: str) -> None:
    result = _run(text)
    assert not result.failed


# --- torch built without CUDA, next to an NVIDIA driver ---------------------------------------

_SMI = "| NVIDIA-SMI 535.86.10              Driver Version: 535.86.10    CUDA Version: 12.2     |\n"


@pytest.mark.parametrize(
    "session",
    [
        ">>> import torch\n>>> print(torch.version.cuda)\nNone\n",
        ">>> import torch\n>>> torch.backends.cuda.is_built()\nFalse\n",
        "PyTorch built with CUDA:         False\nPyTorch detects CUDA available:  False\n",
        "- Torch compiled with CUDA support = False\n",
    ],
)
def test_torch_built_without_cuda_beside_an_nvidia_driver_is_a_cpu_build(session: str) -> None:
    result = _run(session + "$ nvidia-smi\n" + _SMI)
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "text",
    [
        # the same answer with no NVIDIA driver in sight: nothing to say it should use a GPU
        ">>> import torch\n>>> print(torch.version.cuda)\nNone\n",
        # a ROCm build has no CUDA either
        ">>> torch.__version__\n'2.3.0+rocm6.0'\n>>> print(torch.version.cuda)\nNone\n"
        "$ nvidia-smi\n" + _SMI,
        # a CUDA build
        ">>> print(torch.version.cuda)\n12.1\n>>> torch.backends.cuda.is_built()\nTrue\n"
        "PyTorch built with CUDA: True\n$ nvidia-smi\n" + _SMI,
    ],
)
def test_torch_with_cuda_or_without_an_nvidia_driver_is_not_a_cpu_build_on_a_gpu(
    text: str,
) -> None:
    result = _run(text)
    assert "cpu-wheel-on-gpu" not in {f.category for f in result.findings if f.status == "fail"}


# --- extensions built for PyTorch's own binaries, on conda-forge's torch ----------------------


@pytest.mark.parametrize(
    "torch_row, extension",
    [
        (
            "pytorch                   2.3.1           cpu_generic_py310ha4c588e_0    conda-forge",
            "pip install torch-scatter -f https://data.pyg.org/whl/torch-2.3.0+cpu.html",
        ),
        (
            "pytorch                   2.4.0           cuda118_py312h3690e1b_301    conda-forge",
            "torch-sparse              0.6.18+pt24cu118          pypi_0    pypi",
        ),
        (
            "libtorch                  2.1.0           cpu_mkl_h1e5c1dc_100    conda-forge",
            "pytorch-scatter           2.1.2           py310_torch_2.1.0_cpu    pyg",
        ),
        (
            "I have pytorch                   2.5.1           cuda126_py311h1234567_300    conda-forge installed",
            "pip install mmcv -f https://download.openmmlab.com/mmcv/dist/cu121/torch2.5/index.html",
        ),
    ],
)
def test_extensions_built_for_pytorch_binaries_on_conda_forge_torch(
    torch_row: str, extension: str
) -> None:
    result = _run(f"$ conda list | grep torch\n{torch_row}\n{extension}\n")
    finding = next(f for f in result.findings if f.id == "pairing:builtfor-conda-forge")
    assert finding.status == "fail"
    assert "version-mismatch" in result.categories


@pytest.mark.parametrize(
    "torch_row",
    [
        # torch from the pytorch channel, or pip's own wheel listed by conda
        "pytorch                   2.3.1           py3.10_cuda12.1_cudnn8.9.2_0    pytorch",
        "torch                     2.3.1                    pypi_0    pypi",
    ],
)
def test_extensions_on_pytorch_own_torch_are_not_this_mismatch(torch_row: str) -> None:
    result = _run(
        f"$ conda list\n{torch_row}\n"
        "pip install torch-scatter -f https://data.pyg.org/whl/torch-2.3.0+cu121.html\n"
    )
    assert not any(f.id == "pairing:builtfor-conda-forge" for f in result.findings)


def test_conda_forge_torch_with_its_own_extension_builds_is_not_this_mismatch() -> None:
    result = _run(
        "$ conda list\n"
        "pytorch                   2.3.1           cpu_generic_py310ha4c588e_0    conda-forge\n"
        "pytorch_scatter           2.1.2           cpu_py310h0a2d2c1_5    conda-forge\n"
    )
    assert not any(f.id == "pairing:builtfor-conda-forge" for f in result.findings)


def test_a_sentence_with_single_spaces_is_not_a_conda_row() -> None:
    result = _run(
        "I have pytorch 2.3.1 cpu_generic conda-forge installed\n"
        "pip install torch-scatter -f https://data.pyg.org/whl/torch-2.3.0+cpu.html\n"
    )
    assert not any(f.id == "pairing:builtfor-conda-forge" for f in result.findings)


# --- the Kepler Teslas' board names -------------------------------------------------------------


@pytest.mark.parametrize("name", ["Tesla K40m", "Tesla K40s", "Tesla K20m", "Tesla K20c"])
def test_kepler_board_names_are_compute_capability_3_5(name: str) -> None:
    assert compute_capability(name, load_gpu_table()) == "3.5"


def test_a_k40m_named_in_prose_is_read_as_a_gpu() -> None:
    result = _run("I am using a Tesla K40m\n>>> torch.cuda.is_available()\nTrue\n")
    assert any(f.path == "gpu.0.name" and f.value == "Tesla K40m" for f in result.facts)


# --- messages retold in a sentence ---------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "when i run my program, the msg is that my Nvidia version is too old.",
        "It says the driver version is too old, but I just installed CUDA 12.",
        "The log complains my GPU driver is too old.",
    ],
)
def test_driver_too_old_retold(sentence: str) -> None:
    result = _run(f">>> import torch\n>>> torch.cuda.is_available()\nFalse\n{sentence}\n")
    assert "driver-too-old" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "sentence",
    [
        "On my RTX 4090, pip install torch resulted in the CPU version of torch.",
        "On an aarch64 GB200 node, `pip install torch` resulted in the CPU version of torch stable.",
        "Installing from requirements.txt on the A10 gave me the CPU-only version of PyTorch.",
        "如题目，使用requirements安装，PyTorch安装的是CPU版本。GPU是A10。",
    ],
)
def test_a_cpu_torch_stated_next_to_a_gpu(sentence: str) -> None:
    result = _run(sentence + "\n")
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "text",
    [
        # no GPU in sight: the CPU build may be what the user wants
        "On my laptop pip install torch resulted in the CPU version of torch, which is fine.\n",
        # the CPU build is what the sentence sets apart
        "On my RTX 4090 I installed the cu121 wheel instead of the CPU version of torch.\n"
        ">>> torch.cuda.is_available()\nTrue\n",
        "On the A100 I do not want the CPU version of torch.\n>>> torch.cuda.is_available()\nTrue\n",
    ],
)
def test_a_cpu_torch_not_stated_as_installed_beside_a_gpu_is_no_failure(text: str) -> None:
    result = _run(text)
    assert "cpu-wheel-on-gpu" not in {f.category for f in result.findings if f.status == "fail"}


def test_joining_broken_lines_stays_linear() -> None:
    # Every line a message's first half, every next line its go-on: the worst case for joining.
    import time

    from recommender.facts.reports.paste import read_paste

    unit = "E: a message that goes on and\n and on: without a known ending,\n"

    def took(size: int) -> float:
        text = (
            unit * (size // len(unit))
            + "RuntimeError: no kernel image is available for\n execution on the device\n"
        )
        start = time.perf_counter()
        read_paste(text, origin="x")
        return time.perf_counter() - start

    took(20_000)  # warm the tables
    assert took(2_000_000) / max(took(200_000), 1e-3) < 20


# --- other installers' "no such version" ---------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "  ╰─▶ Because there is no version of torch==2.4.1+cu124 and your project depends on torch==2.4.1+cu124, we can conclude that",
        "Because there are no versions of tensorflow-gpu and you require tensorflow-gpu, we can conclude that your requirements are unsatisfiable.",
        "Because myproject depends on tensorflow-gpu (2.12.0) which doesn't match any versions, version solving failed.",
    ],
)
def test_other_installers_no_such_version(line: str) -> None:
    result = _run(f"$ uv sync\n{line}\n")
    assert "no-matching-wheel" in result.categories


def test_a_resolved_install_is_not_a_missing_version() -> None:
    result = _run(
        "$ uv pip install torch==2.4.1\nResolved 12 packages in 1.2s\n + torch==2.4.1\n"
        ">>> torch.cuda.is_available()\nTrue\n"
    )
    assert "no-matching-wheel" not in result.categories
