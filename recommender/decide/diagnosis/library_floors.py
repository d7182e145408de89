"""The compute capabilities libraries with their own prebuilt CUDA kernels publish: a cited table,
one row per library (vLLM, flash-attn, FlashInfer, TGI). torch's architecture list says nothing
about these kernels; kernels.py checks the GPUs a paste shows against each row."""

from __future__ import annotations

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
