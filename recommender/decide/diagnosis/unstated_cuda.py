"""A compiled package that fails to import on a CUDA library of one release, where the paste states
no CUDA release for the environment at all.

A Python extension (flash-attn, vLLM's kernels, a torchvision or mxnet wheel, TensorFlow 1.x) links
the CUDA runtime by a name fixed when it was built (``libcudart.so.12`` is CUDA 12's: NVIDIA's
component versions, tf_libraries.CUDA_NOTES_URL), and the import fails on that name. pip's torch
brings its own CUDA runtime (the ``nvidia-*-cuXY`` wheels of its one CUDA major), so an extension
asking for a runtime torch did not bring was built for another CUDA than the environment's, or the
runtime of its release was never installed: the message alone cannot tell the two apart, and
threads about it settle either way (a build for another CUDA: vllm-project/vllm#1718; a runtime
absent from the image: the CUDA 12 runtime missing from a container). Where the paste states the
environment's CUDA, asked_cuda sets the name against it; here, where it states none, the build's
release is said as a warning beside the missing library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis.asked_cuda import (
    asked_libraries,
    asked_release,
    cudnn_spans,
    environment_cuda,
)
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED, shipped_by
from recommender.decide.diagnosis.tf_libraries import CUDA_NOTES_URL
from recommender.facts.reports import Paste

#: Python's import of a compiled module failing in the dynamic loader (Linux).
_IMPORT_FAILED = re.compile(r"(?:ImportError|OSError)\b[^\n]{0,240}cannot open shared object")


def _imported(paste: Paste, asked: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(n, lib) for n, lib in asked if _IMPORT_FAILED.search(paste.lines[n - 1][:2000])]


def compiled_for_unstated_cuda(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """An import that fails on a CUDA library of one CUDA major, the environment's CUDA unsaid."""
    asked, named = asked_libraries(paste)
    imports = _imported(paste, asked)
    if not imports:
        return []
    cudnn = cudnn_spans(tables)
    own = [n for n, _ in asked]
    if environment_cuda(paste, own, {lib for _, lib in asked}, named, cudnn):
        return []
    for number, lib in imports:
        span = asked_release(lib, cudnn)
        if span is None or span[0][0] != span[1][0]:
            continue
        shown = shipped_by(span)
        finding = INFERRED.finding(
            paste,
            "compiled-for-cuda",
            "warn",
            title="A compiled package was built for a CUDA release whose runtime is not there",
            detail=f"{lib} is CUDA {shown}'s; the package importing it was built for CUDA "
            f"{shown}: where the environment's torch or CUDA is another release, the package's "
            "build does not fit it (inferred from the library's name; the paste states no CUDA)",
            fix=f"Install the package's build for the environment's CUDA (the wheel or index "
            f"matching torch's +cuXYZ), or the CUDA {shown} runtime it was built for",
            proof=[number],
            source=CUDA_NOTES_URL,
        )
        return [replace(finding, also=(*finding.also, Category.MISSING_LIBRARY.value))]
    return []
