"""Whose build a missing-kernel message is about: the framework's, a library's own kernels, or
the program's own GPU code. The message ("no kernel image is available for execution on the
device", "invalid device function") is the same for all three; the rest of the paste says which
binary was compiled without the GPU's architecture."""

from __future__ import annotations

import re
from collections.abc import Mapping

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.checklist.build import Checklist
from recommender.decide.diagnosis.kernels import library_filed_only, library_kernels_in_use
from recommender.facts.reports import Paste

_ARCH = Category.ARCH_UNSUPPORTED.value
_LIBRARY = Category.LIBRARY_KERNELS_UNSUPPORTED.value

#: A framework (or its Python traceback) named anywhere in the paste: a missing kernel may be its
#: build's. And torch's own wording of a CUDA failure (c10's "CUDA error: <message>").
_FRAMEWORK_WORDS = re.compile(
    r"\b(?:torch|pytorch|tensorflow|jax|jaxlib|keras|paddle|paddlepaddle|mxnet|caffe2?|theano|cntk)\b",
    re.IGNORECASE,
)
_TORCH_WORDING = ("CUDA error: ", "torch.AcceleratorError")
#: The words of a kernel missing at run time (not a compiler refusing the architecture, which is
#: a toolkit older than the GPU): CUDA's and HIP's statuses and messages for it.
_MISSING_KERNEL = re.compile(
    r"no kernel image|NoKernelImage|invalid device function|InvalidDeviceFunction|NO_BINARY_FOR_GPU"
    r"|no device code",
    re.IGNORECASE,
)


def native_program(paste: Paste) -> bool:
    """A kernel missing at run time, in a paste that names no framework and words no failure as torch does: the GPU code that lacks
    the kernel is the program's own (darknet, a SLAM system, CTranslate2 under faster-whisper),
    compiled for the architectures of its own build (its Makefile's or CMake's -gencode list,
    https://docs.nvidia.com/cuda/cuda-compiler-driver-nvcc/#gpu-compilation). That one cause goes
    by both names: the build lacks the GPU's architecture, and the kernels are not a framework's."""
    if not any(_MISSING_KERNEL.search(line) for line in paste.lines):
        return False
    return not any(
        _FRAMEWORK_WORDS.search(line) or any(w in line for w in _TORCH_WORDING)
        for line in paste.lines
    )


def kernel_owner(
    paste: Paste,
    checklists: Mapping[str, Checklist],
    also: tuple[str, ...],
    framework_check: bool,
) -> tuple[str, tuple[str, ...]]:
    """(category, also) of a missing-kernel message. Where a library's own kernels are at work,
    a bare CUDA message is the library's (the category) and a framework's own check names both
    (the library joins ``also``); a paste that shows no framework at all is the program's own
    build, under both names."""
    if library_kernels_in_use(paste, checklists):
        if framework_check:
            return _ARCH, (*also, _LIBRARY)
        if library_filed_only(paste, checklists):
            # Filed in a library's tracker, nothing showing its ops at work: either build's.
            return _LIBRARY, (*also, _ARCH)
        # Torch's own architecture check (the checklist item, its own warnings) speaks for torch.
        return _LIBRARY, also
    if native_program(paste):
        return _ARCH, (*also, _LIBRARY)
    return _ARCH, also
