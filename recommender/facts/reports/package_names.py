"""The packages a listing reader reads, by name: the frameworks, the libraries whose versions a
check compares (companions, platform wheels, CUDA wheels) and the frameworks' conda packages whose
build string names the variant. ``pip list``, ``pip freeze``, ``conda list`` and the list lines in
sentences all ask here, so one list says what dlrec reads."""

from __future__ import annotations

import re

from recommender.facts.reports.conda_builds import BUILD_OF

#: Package name (pip's and conda's) -> the framework it is, or None for a package only recorded.
WATCHED: dict[str, str | None] = {
    "torch": "pytorch",
    "pytorch": "pytorch",
    "tensorflow": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-intel": "tensorflow",
    "tensorflow-macos": "tensorflow",
    "tensorflow-rocm": "tensorflow",
    "jax": "jax",
    "keras": "keras",
}
RECORDED = (
    "jaxlib",
    "jax-cuda12-plugin",
    "jax-cuda11-plugin",
    "jax-cuda12-pjrt",
    "jax-cuda13-plugin",
    "libtpu",
    "libtpu-nightly",
    "torchvision",
    "torchaudio",
    "vllm",
    "flash-attn",
    "flash_attn",
    "flashinfer",
    "flashinfer-python",
    "bitsandbytes",
    "xformers",
    "deepspeed",
    "triton",
    "pytorch-triton-rocm",
    "tensorrt",
    "nvidia-cudnn-cu11",
    "nvidia-cudnn-cu12",
    "nvidia-cuda-runtime-cu11",
    "nvidia-cuda-runtime-cu12",
    # CUDA 13's runtime wheel has no suffix: torch's cu13x builds depend on nvidia-cuda-runtime
    # 13.x (pypi.org/project/nvidia-cuda-runtime); the -cuNN wheels are read by their name below
    "nvidia-cuda-runtime",
    "intel-extension-for-pytorch",
    "torch-xla",
    "torch_xla",
    "cudatoolkit",
    "tf-keras",
    "tf_keras",
    # companions whose releases pin the framework (rules/companions.yaml)
    "torchtext",
    "torchdata",
    "torch-tensorrt",
    "torch_tensorrt",
    # PyG's extensions: the torch lines each release was built for (compat.yaml pyg_wheels_torch)
    "torch-scatter",
    "torch_scatter",
    "torch-sparse",
    "torch_sparse",
    "tensorflow-text",
    "tensorflow_text",
    "tensorflow-decision-forests",
    "tensorflow_decision_forests",
    "tensorflow-io",
    "tensorflow_io",
    "pytorch-cuda",
    "cpuonly",
    # libraries whose wheels per platform rules/platform_wheels.yaml lists
    "sglang",
    "flashinfer_python",
    "dgl",
    "onnxruntime-gpu",
    "onnxruntime_gpu",
    "cupy-cuda12x",
    "paddlepaddle-gpu",
    "mamba-ssm",
    "mamba_ssm",
    # the CPU-only and GPU distributions of one import package (compat.yaml's
    # cpu_gpu_distributions): a list that holds both, or only the CPU one next to a GPU, says so
    "onnxruntime",
    "paddlepaddle",
    "faiss-cpu",
    "faiss-gpu",
    "faiss-gpu-cu11",
    "faiss-gpu-cu12",
    "mxnet",
    "mxnet-mkl",
    # the Hugging Face libraries whose releases are checked against each other (stack_pairs.py)
    "transformers",
    "trl",
    "peft",
    "accelerate",
    "tensorflow-probability",
    "tensorflow_probability",
    # NumPy: the C API release modules compiled against it need (stack_pairs.py)
    "numpy",
    # the frameworks' other conda packages whose build string names the variant
    *(name for name in BUILD_OF if name not in WATCHED and name != "jaxlib"),
)
_NAMES = frozenset((*WATCHED, *RECORDED))
#: NVIDIA's library wheels name the CUDA major they were built for (``nvidia-nccl-cu12``,
#: ``nvidia-cusparselt-cu13``): every one is read, so a list shows which CUDA majors it holds.
_NVIDIA_CUDA_WHEEL = re.compile(r"^nvidia-[a-z0-9-]{1,40}-cu1[0-9]$")
#: CuPy's wheels name the CUDA they were built for: ``cupy-cuda12x`` and ``cupy-cuda11x`` a major
#: (any 12.x, 11.2 to 11.x), older ones a release (``cupy-cuda102``, ``cupy-cuda111``)
#: (https://pypi.org/project/cupy-cuda12x/, https://pypi.org/project/cupy-cuda111/; verified
#: 2026-12-07).
_CUPY_CUDA = re.compile(r"^cupy-cuda(?:1[0-9]x|[0-9]{3})$")
#: MXNet's GPU builds name their CUDA release (``mxnet-cu112``, ``mxnet-cu90mkl``).
_MXNET_CUDA = re.compile(r"^mxnet-cu[0-9]{2,3}(?:mkl)?$")


def recorded(name: str) -> bool:
    """A package dlrec reads by this name (``bitsandbytes``, ``flash-attn``)."""
    return is_read(name) or is_read(name.replace("-", "_"))


def is_read(name: str) -> bool:
    """A package dlrec reads: a framework, a recorded package, or an NVIDIA CUDA wheel."""
    return (
        name in _NAMES
        or _NVIDIA_CUDA_WHEEL.match(name) is not None
        or _MXNET_CUDA.match(name) is not None
        or _CUPY_CUDA.match(name) is not None
    )
