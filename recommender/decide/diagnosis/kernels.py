"""Prebuilt kernels that skip the GPU: a library's own CUDA kernels (vLLM, flash-attn, and those
with no published list, vLLM's ROCm list); ROCm's own gfx targets are gfx.py's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.checklist.build import Checklist
from recommender.decide.diagnosis._paste import FindingKind, fact_lines, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.kernel_owners import library_ops_shown
from recommender.decide.diagnosis.library_floors import (
    LIBRARY_KERNELS,
    KernelFloor,
    cited,
    floor_for,
)
from recommender.facts.reports import Paste
from recommender.facts.reports.model import Fact
from recommender.rulebase.checklist.template import Status

#: Other names a library's package goes by (FlashInfer's wheel is ``flashinfer-python`` since 0.2).
PACKAGE_ALIASES = {"flashinfer": ("flashinfer-python",)}

_LIBRARY = FindingKind("library", Category.LIBRARY_KERNELS_UNSUPPORTED.value)

#: The AMD gfx targets vLLM's ROCm build carries kernels for (its published GPU list).
VLLM_ROCM_GFX = frozenset(
    ("gfx90a", "gfx942", "gfx950", "gfx1100", "gfx1101", "gfx1200", "gfx1201", "gfx1150", "gfx1151")
)
VLLM_ROCM_URL = "https://docs.vllm.ai/en/v0.14.0/getting_started/installation/gpu/"

#: Libraries with their own kernels but no published list of compute capabilities.
UNPUBLISHED = (
    ("bitsandbytes", "bitsandbytes"),  # releases before library_floors.CITED_SINCE
    ("xformers", "xformers"),
    ("deepspeed", "DeepSpeed ops"),
    ("cpm-kernels", "cpm_kernels"),
    ("mmcv", "mmcv's CUDA ops"),
    ("apex", "NVIDIA Apex"),
    ("auto-gptq", "AutoGPTQ"),
    ("exllamav2", "ExLlamaV2"),
    ("mamba-ssm", "mamba-ssm"),
    ("causal-conv1d", "causal-conv1d"),
    ("detectron2", "detectron2's CUDA ops"),
    # LMDeploy's TurboMind engine and TensorRT-LLM compile their own CUDA kernels for the
    # architectures of their build ("[TM][ERROR] CUDA runtime error: no kernel image ... turbomind/
    # kernels/sampling_topp_kernels.cu", https://github.com/InternLM/lmdeploy/issues/2015; an RTX
    # 5090 under lmdeploy 0.9.2 with torch cu128, https://github.com/InternLM/lmdeploy/issues/3806)
    ("lmdeploy", "LMDeploy's TurboMind"),
    ("tensorrt-llm", "TensorRT-LLM"),
)

#: Where a library prints the compute capabilities its compiled ops carry (detectron2's collect_env
#: "arch flags" rows), and what its documentation says to do about a GPU outside them.
ARCH_FLAGS_URL = "https://detectron2.readthedocs.io/en/latest/tutorials/install.html"
_ARCH_FLAG_LABELS = {"detectron2": "detectron2", "torchvision": "torchvision"}


def _covers(arches: Sequence[str], cc: float) -> bool:
    """A GPU runs SASS of its own major at or below its own minor (CUDA binary compatibility)."""
    major, minor = divmod(round(cc * 10), 10)
    for arch in arches:
        try:
            a_major, a_minor = (int(p) for p in arch.split("."))
        except ValueError:
            continue
        if a_major == major and a_minor <= minor:
            return True
    return False


def arch_flag_gaps(paste: Paste) -> list[tuple[str, str, Any, str, float]]:
    """(package, label, arch-flags fact, GPU name, its compute capability) for each library whose
    printed arch flags carry no kernel this GPU can run."""
    ccs = _gpu_ccs(paste, paste.doc)
    out = []
    for package, label in _ARCH_FLAG_LABELS.items():
        fact = paste.facts.get(f"library.{package}.arches")
        if fact is None or not ccs:
            continue
        arches = [a.strip() for a in str(fact.value).split(",") if a.strip()]
        low = [(n, cc) for n, cc in ccs if not _covers(arches, cc)]
        if arches and low:
            out.append((package, label, fact, *low[0]))
    return out


def arch_flag_findings(paste: Paste) -> list[Finding]:
    """A library whose own compiled CUDA ops (its printed arch flags) skip the GPU."""
    out = []
    for package, label, fact, name, cc in arch_flag_gaps(paste):
        out.append(
            _LIBRARY.finding(
                paste,
                package,
                "fail",
                f"{label}'s own compiled CUDA ops have no kernels for this GPU",
                (
                    f"{name} has compute capability {cc:.1f}; {label} was compiled for "
                    f"{fact.value} (its arch flags), so its CUDA ops fail with 'no kernel image' "
                    f"whatever torch's own build covers"
                ),
                (
                    f'Rebuild {label} for this GPU (TORCH_CUDA_ARCH_LIST="{cc:.1f}" before '
                    f"building it, after removing its old build), or install a prebuilt {label} "
                    f"compiled for compute capability {cc:.1f}"
                ),
                [fact.line, *fact_lines(paste, ("gpu.",))],
                ARCH_FLAGS_URL,
            )
        )
    return out


#: detectron2's environment table, whose CUDA compiler row names the CUDA its ops were built with.
COLLECT_ENV_URL = (
    "https://github.com/facebookresearch/detectron2/blob/main/detectron2/utils/collect_env.py"
)


def built_without_cuda(paste: Paste) -> list[Finding]:
    """detectron2's own ops compiled without CUDA (its table's CUDA compiler "not available"): a
    CPU-only build of the library, a failure where torch sees the GPU, a warning where it does not."""
    fact = paste.facts.get("library.detectron2.built_with_cuda")
    if fact is None or fact.value is not False:
        return []
    usable = paste.facts.get("frameworks.pytorch.cuda_available")
    gpu = usable is not None and usable.value is True
    return [
        Finding(
            id="library:detectron2-cpu-build",
            category=Category.LIBRARY_KERNELS_UNSUPPORTED.value,
            also=(Category.CPU_WHEEL_ON_GPU.value,),
            status="fail" if gpu else "warn",
            title="detectron2's own ops were compiled without CUDA: a CPU-only build of it",
            detail=(
                "its table's CUDA compiler is 'not available', the CUDA its extension was built "
                "with" + (", while torch sees the GPU" if gpu else " (torch sees no GPU here)")
            ),
            fix=(
                "Rebuild detectron2 where nvcc is found (the CUDA toolkit installed, CUDA_HOME set, "
                "torch.cuda.is_available() True), after removing its old build (rm -rf build/ "
                "**/*.so), or install a prebuilt detectron2 for this torch and CUDA"
            ),
            quotes=quote_lines(paste, [fact.line, *fact_lines(paste, ("gpu.",))]),
            source=COLLECT_ENV_URL,
        )
    ]


def library_kernels_in_use(paste: Paste, checklists: Mapping[str, Checklist]) -> bool:
    """A missing kernel is a library's own when the paste shows such a library at work (its
    traceback frames in its compiled ops, its package, its own compiler toolchain, its arch flags
    without the GPU) or proves torch's own kernels cover the GPU (torch's architecture check passed
    with a known list)."""
    return _library_named(paste, filed=True) or _library_at_work(paste, checklists)


def library_filed_only(paste: Paste, checklists: Mapping[str, Checklist]) -> bool:
    """The only sign of a library with its own kernels is the tracker the report was filed in
    (no package list, frame, module or log line of it): a bare missing kernel there may be the
    library's or the framework's build (a vLLM report whose failing line is a tensor op in vLLM's
    Python layers runs torch's kernel), so neither owner is proven."""
    return (
        _library_named(paste, filed=True)
        and not _library_named(paste, filed=False)
        and not _library_at_work(paste, checklists)
    )


def _library_named(paste: Paste, *, filed: bool) -> bool:
    """A library with its own kernels is named (``filed``: the tracker the report was filed in,
    line 0, counts too)."""
    facts = [package_fact(paste, k.package) for k in LIBRARY_KERNELS]
    facts += [paste.facts.get(f"package.{p}") for p, _ in UNPUBLISHED]
    return any(f is not None and (filed or f.line > 0) for f in facts)


def _library_at_work(paste: Paste, checklists: Mapping[str, Checklist]) -> bool:
    if arch_flag_gaps(paste):
        return True
    if library_ops_shown(paste):
        return True
    torch = checklists.get("pytorch")
    cc = next((i for i in torch.items if i.id == "compute-capability"), None) if torch else None
    return cc is not None and cc.status is Status.OK and "architectures (" in cc.detail


def _gpu_ccs(paste: Paste, doc: Mapping[str, Any]) -> list[tuple[str, float]]:
    out = []
    for acc in doc.get("accelerators") or ():
        if (
            isinstance(acc, Mapping)
            and acc.get("vendor") == Accelerator.CUDA.info.vendor
            and acc.get("compute_capability")
        ):
            try:
                out.append((str(acc.get("name") or "the GPU"), float(acc["compute_capability"])))
            except ValueError:
                continue
    return out


def library_findings(paste: Paste) -> list[Finding]:
    ccs = _gpu_ccs(paste, paste.doc)
    out = []
    for kernels in LIBRARY_KERNELS:
        fact = package_fact(paste, kernels.package)
        if fact is None or not ccs or not cited(kernels.package, str(fact.value)):
            continue
        floor, url, upgrade = floor_for(
            kernels.package, str(fact.value), kernels.floor, kernels.source
        )
        low = [(n, cc) for n, cc in ccs if cc < floor]
        if low:
            out.append(_below_floor(paste, kernels, fact, low[0], (floor, url, upgrade)))
    return out


def _below_floor(
    paste: Paste,
    kernels: KernelFloor,
    fact: Any,
    gpu: tuple[str, float],
    floor_at: tuple[float, str, str | None],
) -> Finding:
    (name, cc), (floor, url, upgrade), label = gpu, floor_at, kernels.label
    fix = (
        kernels.fix
        or f"Run {label} on a GPU of compute capability {floor:.1f} or newer, or build it from source for {cc:.1f}"
    )
    if upgrade and cc >= kernels.floor:
        fix = f"Upgrade {label} to {upgrade} or newer (kernels for {kernels.floor:.1f} and newer), or build it from source for {cc:.1f}"
    below = f": {kernels.below}" if kernels.below else ""
    return _LIBRARY.finding(
        paste,
        kernels.package,
        kernels.status,
        f"{label}'s own kernels do not cover this GPU",
        (
            f"{name} has compute capability {cc:.1f}; {label} publishes kernels for "
            f"{floor:.1f} and newer{below} (torch's own check does not cover {label})"
        ),
        fix,
        [fact.line, *fact_lines(paste, ("gpu.",))],
        url,
    )


def package_fact(paste: Paste, package: str) -> Any:
    for name in (package, *PACKAGE_ALIASES.get(package, ())):
        fact = paste.facts.get(f"package.{name}")
        if fact is not None:
            return fact
    marker = next((k.seen_in for k in LIBRARY_KERNELS if k.package == package), ())
    seen = _seen_line(paste, marker)
    if seen:
        return Fact(path=f"package.{package}", value="its own log lines", line=seen)
    if package != "vllm":
        return None
    # vLLM's own collect_env (its ===== banners or "vLLM Version" rows) is printed from a vLLM
    # install: the report is about vLLM even where it is cut before its version row.
    own = next((b for b in paste.blocks if b.format == "vllm-collect-env"), None)
    return paste.facts.get("vllm.version") or (
        Fact(path="package.vllm", value="vLLM's collect_env report", line=own.start)
        if own is not None
        else None
    )


def _seen_line(paste: Paste, words: Sequence[str]) -> int:
    """The first line (1-based) holding one of ``words``; 0 when none does."""
    if not words:
        return 0
    for number, line in enumerate(paste.lines[:5000], start=1):
        if any(word in line for word in words):
            return number
    return 0


def vllm_rocm_findings(paste: Paste) -> list[Finding]:
    """vLLM on an AMD GPU whose gfx target its ROCm build has no kernels for."""
    fact = paste.facts.get("package.vllm") or paste.facts.get("vllm.version")
    if fact is None:
        return []
    for acc in paste.doc.get("accelerators") or ():
        if (
            not isinstance(acc, Mapping)
            or acc.get("vendor") != Accelerator.ROCM.info.vendor
            or not acc.get("gfx")
        ):
            continue
        gfx = str(acc["gfx"]).split(":")[0]
        if gfx in VLLM_ROCM_GFX:
            continue
        return [
            _LIBRARY.finding(
                paste,
                "vllm",
                "fail",
                "vLLM's own ROCm kernels do not cover this GPU",
                (
                    f"{acc.get('name') or 'the AMD GPU'} is {gfx}; vLLM's ROCm build publishes "
                    f"kernels for {', '.join(sorted(VLLM_ROCM_GFX))} (torch's own check does not cover vLLM)"
                ),
                "Run vLLM on a GPU of its published list, or build vLLM from source for this target (PYTORCH_ROCM_ARCH)",
                [fact.line, *fact_lines(paste, ("gpu.",))],
                VLLM_ROCM_URL,
            )
        ]
    return []


def uncovered(paste: Paste, found: Sequence[Finding]) -> list[Finding]:
    """A library with its own kernels and no published list: say torch's check is not its."""
    if any(f.category == Category.LIBRARY_KERNELS_UNSUPPORTED.value for f in found):
        return []
    out = []
    for package, label in UNPUBLISHED:
        fact = paste.facts.get(f"package.{package}")
        if fact is None or paste.facts.get(f"library.{package}.arches"):
            continue
        if any(k.package == package for k in LIBRARY_KERNELS) and cited(package, str(fact.value)):
            continue  # a release whose published floor library_findings checked
        out.append(
            _LIBRARY.finding(
                paste,
                package,
                "ok",
                f"{label} has its own kernels",
                f"{label} publishes no list of compute capabilities; torch's architecture check does not cover it",
                None,
                [fact.line],
                "",
            )
        )
    return out
