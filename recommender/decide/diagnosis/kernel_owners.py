"""Lines that show whose kernels are running: a library compiling its own kernels with the
toolchain it bundles, a run-time compiler refusing the GPU under torch, a llama.cpp-family runtime,
or a traceback frame or module of a library's own compiled ops. A missing kernel under any of them
is that library's build, not the framework's (kernels.py decides with them)."""

from __future__ import annotations

import re

from recommender.facts.reports import Paste

#: Lines that show a library compiling its own kernels with the toolchain it bundles (Triton's
#: ptxas under triton/backends/nvidia/bin, its PTX codegen errors): an architecture that
#: toolchain does not know is the library's, not torch's (the cause
#: https://github.com/vllm-project/vllm/pull/31338 documents for Triton's bundled ptxas).
OWN_TOOLCHAINS = (
    "triton/backends/nvidia",
    "triton\\backends\\nvidia",
    "Internal Triton PTX codegen error",
    "TRITON_PTXAS_PATH",
)

#: A run-time GPU compiler's refusal of the target (LLVM not knowing the sm_ name, ptxas given
#: PTX too old for it). Torch's own kernels are compiled ahead of time, so under torch such a
#: compiler is a library's (Triton, for inductor, SageAttention, ...); under TensorFlow or JAX it
#: is XLA, the framework's own (round 23: "'sm_120' is not a recognized processor" under Triton 3.2,
#: https://github.com/triton-lang/triton/issues/5950). Round 31: so is ptxas refusing the sm_ name
#: where torch or Triton shows (ptxas is also XLA's and nvcc's assembler; torch.compile on an RTX
#: 4090 with a CUDA 11.6 ptxas, https://github.com/pytorch/pytorch/issues/90170).
_JIT_REFUSALS = ("is not a recognized processor for this target", "does not support .target sm_")
_PTXAS_REFUSAL, _TORCH_OR_TRITON = "is not defined for option 'gpu-name'", ("torch", "triton")
_XLA_FRAMEWORKS = ("frameworks.tensorflow.installed", "frameworks.jax.installed")


def _library_jit_refused(paste: Paste) -> bool:
    """A run-time compiler refused the GPU where no XLA framework is in the paste."""
    if any(paste.facts.get(path) for path in _XLA_FRAMEWORKS):
        return False
    lines = [line for line in paste.lines if any(m in line for m in _JIT_REFUSALS)]
    if any(w in line.lower() for line in paste.lines for w in _TORCH_OR_TRITON):
        lines += [line for line in paste.lines if _PTXAS_REFUSAL in line]
    return bool(lines) and not any(w in line.lower() for line in lines for w in ("xla", "jax"))


#: Lines of a llama.cpp-family runtime (llama.cpp/ggml itself, llama-cpp-python, Ollama, LM Studio,
#: llama-box, LocalAI): ggml carries its own CUDA kernels, compiled for the architectures of its
#: build (CMAKE_CUDA_ARCHITECTURES; its "no device code compatible with CUDA arch" check,
#: https://github.com/ggml-org/llama.cpp/blob/master/ggml/src/ggml-cuda/common.cuh), so a missing
#: kernel under it is that build's, not torch's.
_GGML_RUNTIME = re.compile(
    r"\bggml[-_]cuda|\bggml_cuda_[a-z_]{3,40}|\bggml_init_cublas\b|\bllama_model_load"
)

#: A traceback frame or error location inside a library's own compiled CUDA ops (mmcv/ops, detectron2's
#: layers, pytorch3d, flash_attn, the torch_scatter family, Gaussian-splatting rasterizers, ...): a
#: missing kernel raised there is that library's build, not torch's (mmcv's ops compiled on an A100
#: for sm_80 only fail on a V100 until rebuilt with TORCH_CUDA_ARCH_LIST,
#: https://github.com/open-mmlab/mmcv/blob/main/docs/en/get_started/build.md).
_OWN_OPS_FRAME = re.compile(
    r"[/\\](?:mmcv[/\\]ops|detectron2[/\\]layers|maskrcnn_benchmark[/\\]layers|pytorch3d|flash_attn"
    r"|xformers[/\\]ops|bitsandbytes|deepspeed[/\\]ops|sgl_kernel|flashinfer|spconv|torch_scatter"
    r"|torch_sparse|torch_cluster|MinkowskiEngine|nvdiffrast|tinycudann|diff_gaussian_rasterization"
    r"|simple_knn|gsplat|mamba_ssm|causal_conv1d|apex|auto_gptq|exllamav2|turbomind|tensorrt_llm)[/\\.]"
    r"|\bext_module\.[a-z_]{2,60}\("
)

#: A library's own compiled extension module named where the kernel failed (issue 21, session 46):
#: vLLM's ops (vllm/_custom_ops.py calling torch.ops._C, _moe_C, _C_cache_ops, its vllm/_C .so,
#: https://github.com/vllm-project/vllm/blob/main/vllm/_custom_ops.py), FlashAttention 2's
#: flash_attn_2_cuda, Apex's fused_layer_norm_cuda and amp_C, xformers' _C, mmcv's _ext, detectron2's
#: _C, bitsandbytes' libbitsandbytes_cuda, ONNX Runtime's CUDA execution provider (its
#: "[E:onnxruntime:" log and onnxruntime/core/providers/cuda sources). Each carries kernels for the
#: architectures of its own build, not torch's. Session 48: the compiled modules of sglang
#: (sgl_kernel, imported by name: "from sgl_kernel import ..."), exllamav2 (exllamav2_ext),
#: exllama (exllama_kernels), AutoAWQ (awq_ext, awq_inference_engine), Marlin (marlin_cuda),
#: mamba (causal_conv1d_cuda, selective_scan_cuda) and GPTQ-for-LLaMa (quant_cuda), whose
#: wheels carry the architectures of their own builds (sgl-kernel's per-CUDA wheels,
#: https://github.com/sgl-project/sglang/tree/main/sgl-kernel).
_OWN_OPS_MODULE = re.compile(
    r"\b(?:sgl_kernel|exllamav2_ext|exllama_kernels|awq_ext|awq_inference_engine|marlin_cuda"
    r"|causal_conv1d_cuda|selective_scan_cuda|quant_cuda)\b"
    r"|\bvllm[/\\.]_custom_ops|\bvllm[/\\.]_C\b|\btorch\.ops\.(?:_C|_moe_C|_C_cache_ops)\."
    r"|\bflash_attn_2?_cuda\b|\bfused_layer_norm_cuda\b|\bamp_C\b|\bxformers[/\\.]_C\b"
    r"|\bmmcv[/\\.]_ext\b|\bdetectron2[/\\.]_C\b|\blibbitsandbytes_cuda"
    r"|onnxruntime[/\\]core[/\\]providers[/\\]cuda|\[E:onnxruntime:|onnxruntime_providers_cuda"
)


def library_ops_shown(paste: Paste) -> bool:
    """A line of the paste shows a library's own kernels at work: its toolchain, a run-time
    compiler's refusal under torch, a ggml runtime, or its compiled ops' frames or modules."""
    if any(marker in line for line in paste.lines for marker in OWN_TOOLCHAINS):
        return True
    if _library_jit_refused(paste):
        return True
    return any(
        _OWN_OPS_FRAME.search(line) or _GGML_RUNTIME.search(line) or _OWN_OPS_MODULE.search(line)
        for line in paste.lines
    )


__all__ = ["OWN_TOOLCHAINS", "library_ops_shown"]
