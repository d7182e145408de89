"""AMD gfx targets as a model (rules/rocm.yaml): a GPU runs only code objects built for its own
target, so a target no ROCm build carries fails on its first kernel, unless the runtime is told to
run a target of the same family (HSA_OVERRIDE_GFX_VERSION=x.y.z); an override of another family,
or one the runtime cannot read, is a cause of its own; and a program that reports another target
than the card's own is running under an override the paste does not show."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_lines, major_minor
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.rocm_releases import unlisted_targets
from recommender.facts.reports import Fact, Paste
from recommender.facts.reports.amd_runtime import FORMAT as RUNTIME
from recommender.facts.reports.gpus import GpuTable, amd_gfx
from recommender.facts.reports.prose import FORMAT as PROSE
from recommender.facts.reports.tables import HardwareTables
from recommender.facts.rocm_table import (
    GfxTarget,
    RocmTable,
    override_target,
)

_ROCM = Category.ROCM_ISSUE.value
_ARCH = Category.ARCH_UNSUPPORTED.value
#: A target's own problem, and one that is also a missing architecture (no kernels for it).
_GFX = FindingKind("gfx", _ROCM)
_GFX_ARCH = FindingKind("gfx", _ROCM, (_ARCH,))


@dataclass(frozen=True, slots=True, kw_only=True)
class AmdGpu:
    name: str
    #: The target a tool reports (rocminfo, torch's gcnArchName, rocm-smi), or the card's by name.
    gfx: str
    #: The card's own target by its name (rules/gpus.yaml), "" when the name is not known.
    own: str


def amd_gpus(paste: Paste, table: GpuTable) -> list[AmdGpu]:
    """The AMD GPUs the paste shows, with the target reported and the card's own by name."""
    out = []
    for acc in paste.doc.get("accelerators") or ():
        if not isinstance(acc, Mapping) or acc.get("vendor") != Accelerator.ROCM.info.vendor:
            continue
        name = str(acc.get("name") or "")
        gfx = str(acc.get("gfx") or "").split(":")[0]
        own = (amd_gfx(name, table) or "") if name else ""
        if gfx or own:
            out.append(AmdGpu(name=name or "the AMD GPU", gfx=gfx or own, own=own))
    return out


def _gpu_lines(paste: Paste) -> list[int]:
    return fact_lines(paste, ("gpu.",))


def _family(table: RocmTable, gfx: str) -> str:
    target = table.targets.get(gfx)
    return target.family if target else ""


def _override_findings(
    paste: Paste, fact: Fact, gpus: Sequence[AmdGpu], table: RocmTable
) -> list[Finding]:
    """An HSA_OVERRIDE_GFX_VERSION the runtime cannot read, or one of another family than the
    card (its code objects are for another instruction set: kernels fault, hang or give wrong
    results)."""
    value = str(fact.value)
    named = override_target(value)
    url = table.urls.get("ollama-overrides", "")
    if named is None:
        return [
            _GFX.finding(
                paste,
                "override-format",
                "warn",
                "HSA_OVERRIDE_GFX_VERSION is not of the form the runtime reads",
                f"HSA_OVERRIDE_GFX_VERSION={value!s} is not a version x.y.z (10.3.0 runs gfx1030's "
                "code): the runtime does not take it as the target to run, so the GPU keeps its own",
                "Write the override as x.y.z, the target of the GPU's own family that ROCm supports "
                "(HSA_OVERRIDE_GFX_VERSION=10.3.0 for gfx103x, 11.0.0 for gfx110x)",
                [fact.line, *_gpu_lines(paste)],
                url,
            )
        ]
    out = []
    for gpu in gpus:
        own = gpu.own or (gpu.gfx if gpu.gfx != named else "")
        if not own or own == named:
            continue
        ours, theirs = _family(table, own), _family(table, named)
        if ours and theirs and ours != theirs:
            target = table.targets.get(own)
            hint = (
                f" (HSA_OVERRIDE_GFX_VERSION={target.runs_as})" if target and target.runs_as else ""
            )
            out.append(
                _GFX_ARCH.finding(
                    paste,
                    "override-family",
                    "warn",
                    "HSA_OVERRIDE_GFX_VERSION names a target of another GPU family",
                    f"{gpu.name} is {own} ({ours}); the override makes ROCm run {named}'s code "
                    f"({theirs}) on it, another instruction set: kernels fault, hang or compute "
                    "wrong results",
                    f"Unset HSA_OVERRIDE_GFX_VERSION, or set it to a supported target of the GPU's "
                    f"own family{hint}",
                    [fact.line, *_gpu_lines(paste)],
                    url,
                )
            )
            break
    return out


def _reported_other(paste: Paste, gpus: Sequence[AmdGpu], table: RocmTable) -> list[Finding]:
    """A tool reports another target than the card's own: an override is set where the paste was
    taken, though the paste does not show it."""
    for gpu in gpus:
        if not gpu.own or not gpu.gfx or gpu.gfx == gpu.own or gpu.gfx not in table.targets:
            continue
        other_family = _family(table, gpu.gfx) != _family(table, gpu.own)
        return [
            (_GFX_ARCH if other_family else _GFX).finding(
                paste,
                "reported-other",
                "warn",
                "ROCm reports another gfx target than the card's own: an override is set",
                f"{gpu.name} is {gpu.own}, but ROCm reports {gpu.gfx}: HSA_OVERRIDE_GFX_VERSION "
                "is set in this environment (inferred from the two targets; the paste does not show "
                "the variable)"
                + (
                    ", and it names another GPU family, whose code does not run on this card"
                    if other_family
                    else ""
                ),
                "Check env | grep HSA_OVERRIDE_GFX_VERSION (shell profile, service unit, container "
                "environment): unset it for a GPU whose own target ROCm supports, or set it to the "
                "supported target of the card's own family",
                _gpu_lines(paste),
                table.urls.get("ollama-overrides", ""),
            )
        ]
    return []


def _without_kernels(paste: Paste, gpus: Sequence[AmdGpu], table: RocmTable) -> list[Finding]:
    """A GPU whose target no PyTorch ROCm wheel (and no current ROCm release) carries code for."""
    known = [(g, table.targets[g.gfx]) for g in gpus if g.gfx in table.targets]
    lacking = [(g, t) for g, t in known if t.support != "wheels"]
    if not lacking:
        return _older_wheels(paste, known, table)
    served = any(t.support == "wheels" for _, t in known)
    gpu, target = next(((g, t) for g, t in lacking if t.kind == "dgpu"), lacking[0])
    if served and target.kind == "apu":
        return []  # an integrated GPU beside a supported card: programs run on the card
    if served:
        return [_beside_supported(paste, gpu, target, table)]
    fix = (
        f"export HSA_OVERRIDE_GFX_VERSION={target.runs_as} before starting Python (it runs the "
        f"{override_target(target.runs_as)} code objects on this GPU; unofficial)"
        if target.runs_as
        else "Use a GPU ROCm supports (or the CPU, or a Vulkan backend); no ROCm build has code for this target"
    )
    when = (
        "an older ROCm release enabled it; no current release or PyTorch ROCm wheel carries its code"
        if target.support == "dropped"
        else "no ROCm release lists it and no PyTorch ROCm wheel carries its code"
    )
    kind = "an integrated GPU (APU)" if target.kind == "apu" else "a discrete GPU"
    certain = target.support == "none" and _in_use(paste)
    return [
        _GFX_ARCH.finding(
            paste,
            "no-kernels",
            "fail" if certain else "warn",
            "AMD GPU target without ROCm kernels",
            f"{gpu.name} is {gpu.gfx}, {kind} of the {target.family} family: {when}, so torch "
            "crashes on its first kernel (invalid device function) and TensorFlow ignores the GPU"
            + ("" if certain else " (a warning: the paste shows no program using the GPU)"),
            fix,
            _gpu_lines(paste),
            table.url(target),
        )
    ]


def _in_use(paste: Paste) -> bool:
    """The paste shows software trying to use the GPU (a framework or package, a known error
    message, an HSA status, a program reporting the target), not only a tool listing it."""
    if paste.hits or any(p.startswith(("frameworks.", "package.", "rocm.")) for p in paste.facts):
        return True
    return any(
        b.format == RUNTIME and any(f.path.startswith("gpu.") for f in b.facts)
        for b in paste.blocks
    )


def _beside_supported(paste: Paste, gpu: AmdGpu, target: GfxTarget, table: RocmTable) -> Finding:
    return _GFX_ARCH.finding(
        paste,
        "no-kernels",
        "warn",
        "One AMD GPU here has no ROCm kernels",
        f"{gpu.name} is {gpu.gfx}, a target no PyTorch ROCm wheel carries code for, beside a "
        "supported GPU: a program that puts work on it fails",
        "Hide it from ROCm programs (HIP_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES set to the "
        "supported GPU's index)",
        _gpu_lines(paste),
        table.url(target),
    )


#: The first torch release whose ROCm wheels are known to carry the targets added after 2024
#: (rules/wheels.yaml: torch 2.10 on the rocm7.1 index lists gfx1101, gfx1102, gfx1150, gfx1151,
#: gfx1200, gfx1201).
CURRENT_WHEELS = (2, 10)


def _current_wheel(paste: Paste) -> bool:
    version = paste.facts.get("frameworks.pytorch.version")
    if version is None or Accelerator.ROCM.value not in str(version.value):
        return False
    release = major_minor(version.value)
    return release is not None and release >= CURRENT_WHEELS


def _older_wheels(
    paste: Paste, known: Sequence[tuple[AmdGpu, GfxTarget]], table: RocmTable
) -> list[Finding]:
    """A target the mid-2024 PyTorch ROCm wheels did not carry yet, and no torch shown that is
    known to carry it: an older wheel fails on it (a warning: the paste does not say which)."""
    if not known or any(t.since_2024 for _, t in known) or _current_wheel(paste):
        return []
    gpu, target = known[0]
    hint = (
        f", or set HSA_OVERRIDE_GFX_VERSION={target.runs_as} for an older one"
        if target.runs_as
        else ""
    )
    return [
        _GFX_ARCH.finding(
            paste,
            "older-wheels",
            "warn",
            "Older PyTorch ROCm wheels have no kernels for this GPU",
            f"{gpu.name} is {gpu.gfx}: the mid-2024 PyTorch ROCm wheels carried gfx900, gfx906, "
            "gfx908, gfx90a, gfx942, gfx1030 and gfx1100 only, so a torch of that age fails on "
            "its first kernel here; current wheels carry it (inferred: the paste does not show a "
            "torch known to carry it)",
            f"Install torch {CURRENT_WHEELS[0]}.{CURRENT_WHEELS[1]} or later from PyTorch's ROCm index{hint}",
            _gpu_lines(paste),
            table.url(target),
        )
    ]


#: Words that show ROCm at work: its name, a +rocm build, HIP's and the HSA runtime's messages.
_ROCM_WORDS = re.compile(r"\b(?:rocm|hip|hsa)|rocm[0-9]", re.IGNORECASE | re.ASCII)


def _told_without_rocm(paste: Paste) -> bool:
    """An AMD card named only in a sentence, where nothing else in the paste shows ROCm (no ROCm
    tool, build, message or setting): its gfx target is a ROCm matter, and this report may be
    about DirectML, Vulkan, a CPU torch or a Windows machine, where no ROCm build is involved."""
    listed = [b for b in paste.blocks if any(f.path.startswith("gpu.") for f in b.facts)]
    if not listed or any(b.format != PROSE for b in listed):
        return False
    if any(p.startswith("rocm.") for p in paste.facts):
        return False
    return not any(_ROCM_WORDS.search(line, 0, 2000) for line in paste.lines[:5000])


def gfx_findings(paste: Paste, tables: HardwareTables) -> list[Finding]:
    """The AMD GPUs' targets against what ROCm software carries, and any override."""
    table = tables.rocm
    gpus = amd_gpus(paste, tables.gpus)
    override = paste.facts.get("rocm.override")
    if override is not None:
        return _override_findings(paste, override, gpus, table)
    if not gpus or _told_without_rocm(paste):
        return []
    return (
        _reported_other(paste, gpus, table)
        or _without_kernels(paste, gpus, table)
        or unlisted_targets(paste, gpus, table)
    )
