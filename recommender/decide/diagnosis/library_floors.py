"""The compute capabilities libraries with their own prebuilt CUDA kernels publish: a cited table,
one row per library (vLLM, flash-attn, FlashInfer, bitsandbytes, TGI). torch's architecture list says nothing
about these kernels; kernels.py checks the GPUs a paste shows against each row."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class KernelFloor:
    """A library with its own prebuilt CUDA kernels and the lowest compute capability it publishes.

    ``status``: "fail" where the library cannot run below the floor, "warn" where it falls back to
    a slower path of its own (a finding then says what stops working). ``seen_in``: words of the
    library's own log lines that show it at work where no package list names it. ``fix``: what to
    do below the floor where rebuilding the library for the GPU is not the answer."""

    package: str
    label: str
    floor: float
    source: str
    status: str = "fail"
    below: str = ""
    fix: str = ""
    seen_in: tuple[str, ...] = ()


#: The published floors (each from the library's own docs or code).
LIBRARY_KERNELS: tuple[KernelFloor, ...] = (
    KernelFloor(
        package="vllm",
        label="vLLM",
        floor=7.0,
        source="https://docs.vllm.ai/en/v0.14.0/getting_started/installation/gpu/",
    ),
    KernelFloor(
        package="flash-attn",
        label="flash-attn (FlashAttention 2)",
        floor=8.0,
        source="https://github.com/Dao-AILab/flash-attention/issues/762",
    ),
    KernelFloor(
        package="flashinfer",
        label="FlashInfer",
        floor=7.5,
        source="https://pypi.org/project/flashinfer-python/",
    ),
    # bitsandbytes' installation guide: Compute Capability 6.0+ ("Maxwell support is not included
    # in PyPI distributions from v0.48.0 on and must be built from source"); 5.0+ before 0.48
    # (kernels.EARLIER_FLOORS).
    KernelFloor(
        package="bitsandbytes",
        label="bitsandbytes",
        floor=6.0,
        source="https://huggingface.co/docs/bitsandbytes/v0.48.1/installation",
    ),
    # TGI's flash_attn.py: FlashAttention 2 on 8.x and 9.0, its v1 fallback on 7.5 ("is_sm75"),
    # otherwise "GPU with CUDA capability {major} {minor} is not supported"; TGI then serves only
    # the models it runs without flash attention (docs/source/supported_models.md).
    KernelFloor(
        package="text-generation-inference",
        label="TGI (text-generation-inference)",
        floor=7.5,
        source=(
            "https://github.com/huggingface/text-generation-inference/blob/"
            "00e0d2d7b4ecc0120eef4d3b0cd84a767eb4349e/server/text_generation_server/utils/flash_attn.py"
        ),
        status="warn",
        below="its flash-attention models do not load (only the models TGI serves without flash attention run)",
        fix="Serve a model TGI runs without flash attention here, or use a GPU of compute capability 7.5 or newer (8.0 or newer for FlashAttention 2)",
        seen_in=("text_generation_launcher", "text_generation_server", "text-generation-launcher"),
    ),
)

#: Releases before a version published another floor: FlashInfer's kernels were sm80+ until
#: 0.1.6 added Turing (its install guide then: "sm80, sm86, sm89, sm90 (sm75 / sm70 support is
#: working in progress)"; sglang enabled sm75 with FlashInfer 0.1.6).
EARLIER_FLOORS: dict[str, tuple[tuple[int, ...], float, str]] = {
    "flashinfer": ((0, 1, 6), 8.0, "https://github.com/flashinfer-ai/flashinfer/issues/421"),
    # bitsandbytes before 0.48 shipped Maxwell (5.0+) kernels on PyPI, deprecated then dropped.
    "bitsandbytes": (
        (0, 48, 0),
        5.0,
        "https://huggingface.co/docs/bitsandbytes/v0.46.0/installation",
    ),
}
#: Releases older than these publish no floor this table cites (bitsandbytes' guide names its
#: compute capabilities from 0.46 on): such a release, or one the paste does not number, is not
#: checked.
CITED_SINCE: dict[str, tuple[int, ...]] = {"bitsandbytes": (0, 46, 0)}


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"[0-9]{1,4}", version.partition("+")[0])[:3])


def cited(package: str, version: str) -> bool:
    """The installed release is one whose floor the table cites."""
    since = CITED_SINCE.get(package)
    numbers = _release(version)
    return since is None or (bool(numbers) and numbers >= since)


def floor_for(package: str, version: str, floor: float, url: str) -> tuple[float, str, str | None]:
    """The lowest compute capability the installed release of ``package`` has kernels for, its
    source, and the release that lowered it (None when the installed one has the newest floor)."""
    earlier = EARLIER_FLOORS.get(package)
    numbers = _release(version)
    if earlier is None or not numbers or numbers >= earlier[0]:
        return floor, url, None
    return earlier[1], earlier[2], ".".join(str(n) for n in earlier[0])
