"""A CUDA library of one release asked for where the paste implies another, without stating it.

asked_cuda.py sets a library the loader could not find (``libcudart.so.12``) against the CUDA a
paste states for the environment (nvcc, ``+cu121``, pip's ``-cu12`` wheels, conda's cuda-version).
Many pastes state no CUDA but a release that carries one:

- a torch release from PyPI: torch 1.13 and 2.0's default wheels are CUDA 11.7's, 2.1 to 2.9's are
  CUDA 12's (PyTorch's previous-versions page lists each release's default and its other indexes);
- onnxruntime-gpu: 1.19 and later default to CUDA 12, 1.18 and earlier to CUDA 11 (the CUDA
  execution provider's requirements table);
- JAX's CUDA plugin by name: ``jax-cuda12-plugin``, ``jax[cuda12]``, ``jaxlib ... cuda11``;
- PaddlePaddle's ``.postXYZ`` builds: ``post117`` is CUDA 11.7's, ``post120`` CUDA 12.0's;
- two libraries asked for in one paste whose names are of two CUDA majors (``libcublas.so.11``
  beside ``libcudart.so.12``): packages of two CUDA releases mixed in one environment.

A library of another major than the one implied was built for another CUDA than the rest of the
environment. A warning beside the missing library (both releases named, both lines quoted): the
release is inferred. Where the paste states the CUDA itself, asked_cuda's rule speaks instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis.asked_cuda import (
    asked_libraries,
    asked_release,
    cudnn_spans,
    environment_cuda,
)
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED, Span
from recommender.facts.reports import Paste

#: The sources of each implied release (verified: 2026-12-07).
TORCH_URL = "https://pytorch.org/get-started/previous-versions/"
ORT_URL = "https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#requirements"
JAX_URL = "https://docs.jax.dev/en/latest/installation.html#pip-installation-nvidia-gpu-cuda-installed-via-pip-easier"
PADDLE_URL = "https://www.paddlepaddle.org.cn/documentation/docs/en/install/pip/linux-pip_en.html"
NOTES_URL = "https://docs.nvidia.com/cuda/archive/13.0.0/cuda-toolkit-release-notes/index.html"

#: torch's release on a package line, a version line or a pip command, without a local build tag
#: (``+cu118``, ``+cpu``: asked_cuda reads those).
_TORCH = re.compile(
    r"(?<![A-Za-z0-9_-])(?:torch|pytorch)(?: version)?(?:==|: ?| {1,40})v?(?P<minor>[12]\.[0-9]{1,2})"
    r"(?:\.[0-9]{1,2})?(?![0-9.+])",
    re.IGNORECASE,
)
_ORT = re.compile(
    r"(?<![A-Za-z0-9_])onnxruntime[-_]gpu(?:==|: ?| {1,40})v?1\.(?P<minor>[0-9]{1,2})(?![0-9])",
    re.IGNORECASE,
)
_JAX = re.compile(
    r"(?<![A-Za-z0-9_])(?:jax[-_]cuda|jax\[cuda|jaxlib[^\n]{0,40}?cuda)(?P<major>1[12])(?![0-9])",
    re.IGNORECASE,
)
_PADDLE = re.compile(
    r"(?<![A-Za-z0-9_])paddlepaddle[-_]gpu[^\n]{0,30}?\.post(?P<major>1[0-2])(?P<minor>[0-9])(?![0-9])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Implied:
    """A CUDA major a line implies, how it implies it and the source that says so."""

    major: int
    line: int
    said: str
    source: str


def _torch_major(minor: str) -> int | None:
    """The CUDA major of torch's default PyPI wheel: 1.13 and 2.0 CUDA 11.7, 2.1 to 2.9 CUDA 12."""
    major, _, sub = minor.partition(".")
    release = (int(major), int(sub))
    if (1, 13) <= release <= (2, 0):
        return 11
    if (2, 1) <= release <= (2, 9):
        return 12
    return None


def _line_implies(number: int, text: str) -> list[Implied]:
    found: list[Implied] = []
    for m in _TORCH.finditer(text):
        major = _torch_major(m.group("minor"))
        if major is not None:
            found.append(Implied(major, number, f"torch {m.group('minor')}", TORCH_URL))
    for m in _ORT.finditer(text):
        major = 12 if int(m.group("minor")) >= 19 else 11 if int(m.group("minor")) >= 7 else None
        if major is not None:
            found.append(Implied(major, number, f"onnxruntime-gpu 1.{m.group('minor')}", ORT_URL))
    for m in _JAX.finditer(text):
        found.append(Implied(int(m.group("major")), number, m.group(0), JAX_URL))
    for m in _PADDLE.finditer(text):
        found.append(Implied(int(m.group("major")), number, m.group(0), PADDLE_URL))
    return found


def implied_releases(paste: Paste, own: set[int]) -> list[Implied]:
    """The CUDA majors the paste's lines (those of ``own`` left out) imply."""
    found: list[Implied] = []
    for number, line in enumerate(paste.lines[:2000], start=1):
        if number not in own:
            found.extend(_line_implies(number, line[:2000].replace("`", "").replace("*", "")))
    return found


def _major(span: Span | None) -> int | None:
    """The one CUDA major that ships a library, None where several or unknown."""
    return span[0][0] if span is not None and span[0][0] == span[1][0] else None


def _asked_majors(paste: Paste, tables: Mapping[str, Any]) -> list[tuple[int, str, int]]:
    cudnn = cudnn_spans(tables)
    asked, _ = asked_libraries(paste)
    out: list[tuple[int, str, int]] = []
    for number, lib in asked:
        major = _major(asked_release(lib, cudnn))
        if major is not None:
            out.append((number, lib, major))
    return out


def _stated(paste: Paste, tables: Mapping[str, Any]) -> bool:
    """The paste states the environment's CUDA: asked_cuda's rule reads it."""
    asked, named = asked_libraries(paste)
    env = environment_cuda(
        paste, [n for n, _ in asked], {lib for _, lib in asked}, named, cudnn_spans(tables)
    )
    return bool(env)


def _conflict(
    paste: Paste, tables: Mapping[str, Any]
) -> tuple[tuple[int, str, int], Implied] | None:
    libs = _asked_majors(paste, tables)
    if not libs:
        return None
    implied = implied_releases(paste, {number for number, _, _ in libs})
    majors = {i.major for i in implied}
    for number, lib, major in libs:
        if implied and major not in majors:
            return (number, lib, major), implied[0]
    for number, lib, major in libs:
        for other_line, other_lib, other_major in libs:
            if other_major != major:
                said = f"{other_lib}, asked for too,"
                return (number, lib, major), Implied(other_major, other_line, said, NOTES_URL)
    return None


def implied_cuda_release(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """A missing CUDA library of another major than the release the paste implies (a framework's
    build, a plugin's name, another library asked for): a build for another CUDA. A warning."""
    found = _conflict(paste, tables)
    if found is None or _stated(paste, tables):
        return []
    (number, lib, major), implied = found
    finding = INFERRED.finding(
        paste,
        "implied-cuda-release",
        "warn",
        title="A library of one CUDA release is asked for where the paste implies another",
        detail=f"{lib} is a CUDA {major} library; {implied.said} implies CUDA {implied.major}: "
        "packages built for two CUDA releases are mixed, and installing the missing file alone "
        "hides that (inferred from the names)",
        fix=f"Install the build of the package asking for {lib} made for CUDA {implied.major} "
        f"(its cu{implied.major}x wheel or index), or one CUDA release for every package",
        proof=[number, implied.line],
        source=implied.source,
    )
    return [replace(finding, also=(*finding.also, Category.MISSING_LIBRARY.value))]
