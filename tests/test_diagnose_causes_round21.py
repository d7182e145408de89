"""Issue 21, round 21 (21a): the causes behind the corpus cases that still disagreed with their
threads, fixed in general and tested on text written here (not the corpus cases): a library's
own minimum compute capability in its own words (vLLM's build and quantisation gates, a model's
"< 8.0"), and known messages that a person or a terminal broke over two lines."""

from __future__ import annotations

import pytest

from recommender.pipeline import diagnose


def _run(text: str):
    return diagnose(text, "paste.txt")


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
