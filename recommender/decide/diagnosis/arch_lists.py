"""A build's own list of CUDA architectures against the GPU the paste shows: TORCH_CUDA_ARCH_LIST
(torch.utils.cpp_extension, and every library building its ops through it: vLLM, mmcv, detectron2,
apex, DeepSpeed, flash-attn), CMake's CMAKE_CUDA_ARCHITECTURES (llama.cpp/ggml, whisper.cpp) and
vLLM's collect_env "CUDA Archs" row. Kernels built from such a list run on a GPU only where the
list carries code for it: SASS of the GPU's own major at or below its minor, or PTX of an
architecture at or below the GPU's, which the driver compiles at first use (CUDA's binary
compatibility). A list without either fails with "no kernel image is available" whatever torch's
own build covers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

_KIND = FindingKind("arch-list", Category.LIBRARY_KERNELS_UNSUPPORTED.value)

#: TORCH_CUDA_ARCH_LIST's meaning (+PTX, named architectures) and the CUDA binary compatibility
#: it relies on; CMake's CUDA_ARCHITECTURES (NN = SASS and PTX, NN-real, NN-virtual).
TORCH_URL = "https://pytorch.org/docs/stable/cpp_extension.html"
CMAKE_URL = "https://cmake.org/cmake/help/latest/prop_tgt/CUDA_ARCHITECTURES.html"

#: ``TORCH_CUDA_ARCH_LIST="8.0 8.6+PTX"``, ``ENV TORCH_CUDA_ARCH_LIST 7.5``, ``export ...=...``,
#: ``--build-arg torch_cuda_arch_list="..."``, vLLM's environment rows: an assignment, never the
#: name in a sentence ("I don't have TORCH_CUDA_ARCH_LIST 7.0 set").
_TORCH_LIST = re.compile(
    r"TORCH_CUDA_ARCH_LIST[\"']?(?:[ \t]{0,4}[=:]|(?<=ENV TORCH_CUDA_ARCH_LIST)[ \t])"
    r"[ \t]{0,4}[\"']?(?P<v>[0-9A-Za-z.+; ,]{1,200})",
    re.IGNORECASE | re.ASCII,
)
#: ``-DCMAKE_CUDA_ARCHITECTURES="75;86"``, ``CMAKE_CUDA_ARCHITECTURES=89``.
_CMAKE_LIST = re.compile(
    r"CMAKE_CUDA_ARCHITECTURES[\"']?[ \t]{0,4}[=:][ \t]{0,4}[\"']?(?P<v>[0-9a-z; ,-]{1,200})",
    re.IGNORECASE | re.ASCII,
)
#: vLLM's collect_env: ``CUDA Archs: 7.0 7.5 8.0; ROCm: Disabled`` ("Not Set" says nothing).
_VLLM_ROW = re.compile(r"\bCUDA Archs:[ \t]{0,4}(?P<v>[0-9A-Za-z.+ ]{1,120})")

#: torch's named architectures (torch/utils/cpp_extension.py, named_arches).
_NAMED = {
    "kepler": "3.5+PTX",
    "maxwell": "5.0 5.2+PTX",
    "pascal": "6.0 6.1+PTX",
    "volta": "7.0+PTX",
    "turing": "7.5+PTX",
    "ampere": "8.0 8.6+PTX",
    "ada": "8.9+PTX",
    "hopper": "9.0+PTX",
}
_TORCH_ARCH = re.compile(r"([0-9]{1,2})\.([0-9])(a|f)?(\+ptx)?", re.IGNORECASE | re.ASCII)
_CMAKE_ARCH = re.compile(r"([0-9]{1,2})([0-9])(a|f)?(-real|-virtual)?", re.ASCII)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchList:
    """One stated list: its SASS and PTX architectures as (major, minor, exact-only)."""

    line: int
    text: str
    sass: tuple[tuple[int, int, bool], ...]
    ptx: tuple[tuple[int, int, bool], ...]
    source: str


def _torch_list(value: str) -> tuple[list[tuple[int, int, bool]], list[tuple[int, int, bool]]]:
    sass: list[tuple[int, int, bool]] = []
    ptx: list[tuple[int, int, bool]] = []
    for token in re.split(r"[; ,]+", value.strip()):
        base = token[:-4] if token.lower().endswith("+ptx") else token
        for part in _NAMED.get(base.lower(), token).split():
            m = _TORCH_ARCH.fullmatch(part)
            if m is None:
                continue
            arch = (int(m.group(1)), int(m.group(2)), bool(m.group(3)))
            sass.append(arch)
            if m.group(4):
                ptx.append(arch)
    return sass, ptx


def _cmake_list(value: str) -> tuple[list[tuple[int, int, bool]], list[tuple[int, int, bool]]]:
    sass: list[tuple[int, int, bool]] = []
    ptx: list[tuple[int, int, bool]] = []
    for token in re.split(r"[; ,]+", value.strip()):
        m = _CMAKE_ARCH.fullmatch(token)
        if m is None:
            continue
        arch = (int(m.group(1)), int(m.group(2)), bool(m.group(3)))
        if m.group(4) != "-virtual":
            sass.append(arch)
        if m.group(4) != "-real":
            ptx.append(arch)
    return sass, ptx


def stated_lists(paste: Paste) -> list[ArchList]:
    """Every architecture list the paste states, in line order (a list whose every entry is
    unknown, "All", "native" or "Not Set" is no list: it names no architecture to check)."""
    out = []
    for number, line in enumerate(paste.lines[:5000], start=1):
        for pattern, parse, url in (
            (_TORCH_LIST, _torch_list, TORCH_URL),
            (_CMAKE_LIST, _cmake_list, CMAKE_URL),
            (_VLLM_ROW, _torch_list, TORCH_URL),
        ):
            m = pattern.search(line, 0, 2000)
            if m is None:
                continue
            value = m.group("v").strip()
            if re.search(r"\b(?:all|all-major|native)\b", value, re.IGNORECASE):
                continue
            sass, ptx = parse(value)
            if sass or ptx:
                out.append(
                    ArchList(
                        line=number,
                        text=value,
                        sass=tuple(sass),
                        ptx=tuple(ptx),
                        source=url,
                    )
                )
    return out


def _runs(arch: ArchList, major: int, minor: int) -> str:
    """ "sass" where the list carries code of the GPU's own, "ptx" where only PTX the driver
    compiles for it, "" where nothing in the list runs on it."""
    if any(m == major and (n == minor if exact else n <= minor) for m, n, exact in arch.sass):
        return "sass"
    if any(
        (m, n) == (major, minor) if exact else (m, n) <= (major, minor) for m, n, exact in arch.ptx
    ):
        return "ptx"
    return ""


def nvidia_ccs(paste: Paste) -> list[tuple[str, int, int]]:
    out = []
    for acc in paste.doc.get("accelerators") or ():
        if not isinstance(acc, Mapping) or acc.get("vendor") != Accelerator.CUDA.info.vendor:
            continue
        m = re.fullmatch(r"([0-9]{1,2})\.([0-9])", str(acc.get("compute_capability") or ""))
        if m:
            out.append((str(acc.get("name") or "the GPU"), int(m.group(1)), int(m.group(2))))
    return out


#: The CUDA runtime's words for a kernel without code for this GPU (cudaErrorNoKernelImageForDevice).
_NO_KERNEL = ("no kernel image is available", "no kernel image available")


def _no_kernel_lines(paste: Paste) -> list[int]:
    return [
        n
        for n, line in enumerate(paste.lines[:5000], start=1)
        if any(w in line.lower() for w in _NO_KERNEL)
    ]


def arch_list_findings(paste: Paste) -> list[Finding]:
    """A stated architecture list that carries nothing for a GPU the paste shows (a failure where
    the paste shows the missing kernel, else a warning), or only PTX for it (a warning)."""
    lists = stated_lists(paste)
    gpus = nvidia_ccs(paste) if lists else []
    for arch in lists:
        for name, major, minor in gpus:
            runs = _runs(arch, major, minor)
            if runs != "sass":
                return [_finding(paste, arch, (name, major, minor), runs)]
    return []


def _finding(paste: Paste, arch: ArchList, gpu: tuple[str, int, int], runs: str) -> Finding:
    name, major, minor = gpu
    cc = f"{major}.{minor}"
    missing = _no_kernel_lines(paste)
    proof: Sequence[int] = [arch.line, *fact_lines(paste, ("gpu.",)), *missing[:1]]
    fix = (
        f"Rebuild the extension with the GPU's architecture in the list (TORCH_CUDA_ARCH_LIST=\"... "
        f'{cc}", or CMAKE_CUDA_ARCHITECTURES={major}{minor} for a CMake build), after removing '
        "its old build (build/, *.so)"
    )
    if runs == "ptx":
        return _KIND.finding(
            paste,
            "ptx-only",
            "warn",
            "The build's architecture list has no code of this GPU's own",
            f"{name} has compute capability {cc}; the list {arch.text!r} carries no SASS for it, "
            "only PTX of an older architecture, which the driver compiles at first use: a slow "
            "first start, and 'no kernel image' where the driver cannot compile that PTX",
            fix,
            proof,
            arch.source,
        )
    return _KIND.finding(
        paste,
        "without-gpu",
        "fail" if missing else "warn",
        "The build's architecture list leaves out this GPU",
        f"{name} has compute capability {cc}; the list {arch.text!r} carries neither code for "
        f"{cc} nor PTX of an architecture at or below it, so kernels built from it fail with "
        "'no kernel image is available' on this GPU"
        + ("" if missing else " (a warning: the paste does not show that failure)"),
        fix,
        proof,
        arch.source,
    )


_HIP = FindingKind("arch-list", Category.ROCM_ISSUE.value, (Category.ARCH_UNSUPPORTED.value,))
#: llama.cpp's CMake build for HIP leaves the targets to its HIP configuration's defaults
#: (gfx900, gfx906, gfx908, gfx90a, gfx1030 with ROCm 5.6 or older, gfx906 alone with 5.7), so its
#: docs pass the GPU's own (-DAMDGPU_TARGETS, GPU_TARGETS since 2024; the Makefile asks amdgpu-arch).
GGML_HIP_URL = "https://github.com/ggml-org/llama.cpp/pull/4011"
#: The ggml family's HIP switches (llama.cpp, whisper.cpp, stable-diffusion.cpp), in a cmake call.
_GGML_HIP = re.compile(
    r"\bcmake\b.{0,400}-D(?:LLAMA|GGML|WHISPER|SD)_HIP(?:BLAS)?=(?:ON|1)\b", re.ASCII
)
#: A target list in any spelling (AMDGPU_TARGETS holds GPU_TARGETS; cmake's -D prefix allows no
#: word boundary before it).
_HIP_TARGETS = re.compile(r"GPU_TARGETS|CMAKE_HIP_ARCHITECTURES", re.ASCII)
#: HIP's words for a kernel without code for this GPU.
_NO_HIP_CODE = ("invalid device function", "hipErrorNoBinaryForGpu", "no compatible code objects")


def ggml_hip_without_targets(paste: Paste) -> list[Finding]:
    """A ggml-family CMake build for HIP with no target list anywhere in the paste: its kernels
    are built for the configuration's defaults, which need not include this GPU (a failure where
    HIP's missing-code message shows, else a warning)."""
    lines = paste.lines[:5000]
    if any(_HIP_TARGETS.search(line, 0, 2000) for line in lines):
        return []
    built = next((n for n, ln in enumerate(lines, 1) if _GGML_HIP.search(ln, 0, 2000)), 0)
    if not built:
        return []
    failed = [n for n, ln in enumerate(lines, 1) if any(w in ln for w in _NO_HIP_CODE)]
    gfx = next(
        (
            str(acc.get("gfx")).split(":")[0]
            for acc in paste.doc.get("accelerators") or ()
            if isinstance(acc, Mapping) and acc.get("gfx")
        ),
        "",
    )
    return [
        _HIP.finding(
            paste,
            "ggml-hip-default-targets",
            "fail" if failed else "warn",
            "The HIP build was configured without the GPU's target",
            "cmake was run with HIP on and no AMDGPU_TARGETS/GPU_TARGETS, so the kernels were "
            "compiled for the HIP configuration's default targets (with ROCm 5.6 or older gfx900, "
            "gfx906, gfx908, gfx90a and gfx1030; with 5.7 gfx906 alone)"
            + (f", not necessarily {gfx}" if gfx else "")
            + ("" if failed else " (a warning: the paste does not show the failure)"),
            f"Reconfigure with the GPU's own target: cmake ... -DAMDGPU_TARGETS={gfx or 'gfxNNNN'} "
            "(-DGPU_TARGETS in current llama.cpp; rocminfo | grep gfx names it), then rebuild",
            [built, *fact_lines(paste, ("gpu.",)), *failed[:1]],
            GGML_HIP_URL,
        )
    ]
