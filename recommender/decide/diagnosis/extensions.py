"""A CUDA library missing because the module that asks for it was built for another CUDA: a
versioned runtime library (``libcudart.so.12``) that a compiled extension loads, where the
environment's torch is built for another major release. The wheel of the extension and torch's CUDA
disagree; installing the missing library alone hides that."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from recommender.decide.diagnosis._paste import stated_cuda
from recommender.decide.diagnosis.asked_cuda import asked_other_cuda
from recommender.decide.diagnosis.notebooks import hosted_notebook_line
from recommender.facts.reports import Paste

#: A line that imports (or runs from the site-packages of) a library shipping its own compiled CUDA
#: extension: a CUDA runtime library of one major version missing there means the library's wheel
#: was built for another CUDA than the environment's torch (vLLM 0.2.2 needed torch's CUDA 12.1
#: build, https://github.com/vllm-project/vllm/issues/1716). The module is read whole and judged in
#: code: a known library's own modules and its offshoots (``vllm_flash_attn``, ``flash_attn_2_cuda``),
#: and any compiled extension by the names build tools give it (``*_cuda``, ``_C``, ``_ext``,
#: ``*_kernels``: torch.utils.cpp_extension's and setuptools' conventions), except the frameworks'
#: own (``torch._C`` failing is torch's build, not an extension's).
_MODULE = re.compile(r"(?:\bfrom |\bimport |site-packages[/\\])(?P<mod>[A-Za-z0-9_.]{1,80})")
_EXTENSION_LIBRARIES = (
    "vllm",
    "flash_attn",
    "xformers",
    "bitsandbytes",
    "deepspeed",
    "sgl_kernel",
    "flashinfer",
    "auto_gptq",
    "exllamav2",
    "mamba_ssm",
    "causal_conv1d",
    "mmcv",
    "apex",
)
_EXTENSION_SUFFIXES = ("_cuda", "_C", "_ext", "_kernels", "_kernel", "_ops")
FRAMEWORK_MODULES = ("torch", "tensorflow", "jax", "jaxlib", "paddle")


def extension_module(name: str) -> bool:
    """``name`` (dotted) is a compiled extension of a library, not a framework's own module."""
    parts = name.strip(".").split(".")
    if not parts[0] or parts[0] in FRAMEWORK_MODULES:
        return False
    return parts[0].startswith(_EXTENSION_LIBRARIES) or parts[-1].endswith(_EXTENSION_SUFFIXES)


def _imports_extension(line: str) -> bool:
    """The line imports, or runs from the site-packages of, a compiled CUDA extension."""
    return any(extension_module(m.group("mod")) for m in _MODULE.finditer(line[:1000]))


#: A CUDA runtime library named with its major version (libcudart.so.12, libcublasLt.so.11).
_VERSIONED_CUDA_LIBRARY = re.compile(
    r"lib(?:cudart|cublas|cublasLt|cufft|curand|cusparse|cusolver|nvrtc|cudnn)\.so\.[0-9]"
)


#: The CUDA libraries whose soname carries CUDA's own release (libcudart.so.10.1 is CUDA 10.1's,
#: libcublas.so.12 CUDA 12's); cuFFT, cuRAND, cuSOLVER, cuSPARSE and cuDNN number their own
#: releases (CUDA 12 ships libcufft.so.11 and libcurand.so.10), so they say nothing of CUDA's.
_CUDA_NUMBERED = re.compile(r"lib(?:cudart|cublas|cublasLt|nvrtc)\.so\.(?P<major>[0-9]{1,2})\b")


def extension_built_for_other_cuda(
    paste: Paste, lines: Sequence[int], tables: Mapping[str, Any]
) -> bool:
    """A versioned CUDA runtime library missing (``lines``) while a library with its own compiled
    CUDA extension is being imported, or where the paste states a CUDA of another major release
    than the one the missing library belongs to ("libcudart.so.10.1" next to "cuda12.1", or any
    wording asked_cuda reads: "CUDA SDK 12.0", an image's cu130, the library present at another
    release), or in a Colab or Kaggle notebook, whose one CUDA release is on the loader's path
    (notebooks.py): the module that asks for it was built for another CUDA than the environment
    provides (its wheel and torch's CUDA disagree)."""
    if asked_other_cuda(paste, lines, tables):
        return True
    if not any(_VERSIONED_CUDA_LIBRARY.search(paste.line(n)) for n in lines):
        return False
    if any(_imports_extension(line) for line in paste.lines):
        return True
    if hosted_notebook_line(paste) is not None:
        return True  # a Colab or Kaggle image's one CUDA release is on the loader's path
    wanted = {int(m.group("major")) for n in lines for m in _CUDA_NUMBERED.finditer(paste.line(n))}
    stated = {major for major, _ in stated_cuda(paste, lines)} if wanted else set()
    return bool(stated) and not wanted & stated
