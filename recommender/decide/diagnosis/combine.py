"""One diagnosis from every source of findings: one finding per category (a later source adds its
lines to an earlier finding of the same category), fails first, and a healthy note when nothing
fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.checklist.build import Checklist
from recommender.decide.diagnosis._paste import MAX_QUOTES, quote_lines
from recommender.decide.diagnosis.arch_lists import arch_list_findings, ggml_hip_without_targets
from recommender.decide.diagnosis.asked_cuda import library_cuda_release
from recommender.decide.diagnosis.beyond_gpus import index_beyond_gpus
from recommender.decide.diagnosis.build_answers import build_answer_findings
from recommender.decide.diagnosis.builds import (
    cpu_builds,
    cuda_runtimes,
    driver_mismatch,
    jax_plugin_versions,
    tf_release_driver,
    tf_tested_libraries,
)
from recommender.decide.diagnosis.container_gpu import container_without_gpu
from recommender.decide.diagnosis.cpu_isa import cpu_isa_findings
from recommender.decide.diagnosis.cuda_majors import cuda_majors
from recommender.decide.diagnosis.custom_ops import custom_op_of_another_tensorflow
from recommender.decide.diagnosis.device_access import root_only_gpu
from recommender.decide.diagnosis.driver_behind_no_gpu import driver_behind_no_gpu
from recommender.decide.diagnosis.driver_unseen import UNSEEN, driver_unseen
from recommender.decide.diagnosis.ds_ops import ds_op_findings
from recommender.decide.diagnosis.eras import era_findings
from recommender.decide.diagnosis.extension_loads import EXTENSION_LOAD, extension_load_failures
from recommender.decide.diagnosis.families import FAMILY, family_findings
from recommender.decide.diagnosis.findings import Diagnosis, Finding
from recommender.decide.diagnosis.flavours import flavour_findings
from recommender.decide.diagnosis.foreign_gpu import no_nvidia_gpu
from recommender.decide.diagnosis.framework_symbols import (
    FRAMEWORK_SYMBOL,
    framework_library_symbol,
)
from recommender.decide.diagnosis.gfx import gfx_findings
from recommender.decide.diagnosis.hidden_gpus import hidden_gpus
from recommender.decide.diagnosis.hip_soname import hip_of_another_rocm
from recommender.decide.diagnosis.implied_cuda import implied_cuda_release
from recommender.decide.diagnosis.intent import cpu_intended
from recommender.decide.diagnosis.items import item_findings
from recommender.decide.diagnosis.jax_driver import jax_driver_floor
from recommender.decide.diagnosis.kernel_ceilings import ceiling_findings
from recommender.decide.diagnosis.kernels import (
    arch_flag_findings,
    built_without_cuda,
    library_findings,
    uncovered,
    vllm_rocm_findings,
)
from recommender.decide.diagnosis.legacy_driver import legacy_driver
from recommender.decide.diagnosis.library_release import INFERRED
from recommender.decide.diagnosis.linux_binaries import linux_binaries_findings
from recommender.decide.diagnosis.lost_gpu import fewer_gpus_listed
from recommender.decide.diagnosis.mac_amd import amd_gpu_on_macos
from recommender.decide.diagnosis.memory import busy_gpus, closed_gpus, container_without_gpus
from recommender.decide.diagnosis.messages import message_findings
from recommender.decide.diagnosis.mfma_libraries import mfma_library_findings
from recommender.decide.diagnosis.musl import musl_without_wheels
from recommender.decide.diagnosis.nvidia_smi_crash import nvidia_smi_crash_wsl
from recommender.decide.diagnosis.oom_numbers import memory_held_elsewhere
from recommender.decide.diagnosis.ort_cuda import ort_cuda_findings
from recommender.decide.diagnosis.paddle_cuda import paddle_driver_findings
from recommender.decide.diagnosis.pairings import pairing_findings
from recommender.decide.diagnosis.pip_platform import pip_platform_findings
from recommender.decide.diagnosis.platform import (
    jetson_builds,
    mps_off_macos,
    mps_unavailable_on_mac,
    platform_findings,
    tensorflow_metal_missing,
)
from recommender.decide.diagnosis.platform_wheels import platform_wheel_findings
from recommender.decide.diagnosis.precedence import precedence
from recommender.decide.diagnosis.present_release import library_of_another_release
from recommender.decide.diagnosis.previews import wsl_preview_build
from recommender.decide.diagnosis.pyg_wheels import older_torch
from recommender.decide.diagnosis.release_arches import release_arch_findings
from recommender.decide.diagnosis.replaced_torch import replaced_torch
from recommender.decide.diagnosis.resolver_conflicts import resolver_findings
from recommender.decide.diagnosis.rocm_start import runtime_start
from recommender.decide.diagnosis.source_fallback import source_fallback_findings
from recommender.decide.diagnosis.stack_pairs import stack_pair_findings
from recommender.decide.diagnosis.stated_floors import stated_floor_findings
from recommender.decide.diagnosis.symptoms import symptom_shown, unexplained
from recommender.decide.diagnosis.tcc_mode import tcc_under_wsl
from recommender.decide.diagnosis.tegra import library_wheels_on_tegra, tegra_builds
from recommender.decide.diagnosis.tensorrt_major import tensorrt_major_findings
from recommender.decide.diagnosis.tf_libraries import (
    library_release_named,
    library_versions,
    xla_gpu_only,
)
from recommender.decide.diagnosis.tf_rocm import tf_rocm_findings
from recommender.decide.diagnosis.toolkit import toolkit_mismatch
from recommender.decide.diagnosis.torch_libraries import KEY as TORCH_RELEASE_LIBRARY
from recommender.decide.diagnosis.torch_libraries import release_library
from recommender.decide.diagnosis.triton_vendor import triton_for_nvidia_on_amd
from recommender.decide.diagnosis.vendor_build import vendor_builds
from recommender.decide.diagnosis.wheel_majors import wheel_majors
from recommender.decide.diagnosis.wsl import on_wsl2
from recommender.decide.diagnosis.wsl_memory import wsl_memory_limits
from recommender.facts.reports import Paste, Signature
from recommender.rulebase.reference import Reference


def conflicts(paste: Paste) -> list[Finding]:
    out = []
    for c in paste.conflicts:
        out.append(
            Finding(
                id=f"conflict:{c.path}",
                category=Category.OTHER.value,
                status="warn",
                title="Two parts of the paste disagree",
                detail=(
                    f"{c.path} is {c.first.value!r} on line {c.first.line} but {c.second.value!r} "
                    f"on line {c.second.line}: were they taken on the same machine, in the same "
                    "environment?"
                ),
                fix=None,
                quotes=quote_lines(paste, [c.first.line, c.second.line]),
                source="",
            )
        )
    return out


def _explained(findings: Sequence[Finding]) -> list[Finding]:
    """Drop a failing symptom whose every quoted line another fail of another category quotes
    too, with more lines: that finding reads the same error line together with the facts that
    explain it (a cuDNN 7 that cannot load next to a TensorFlow built for cuDNN 7 and a cuDNN 8
    installed is a version mismatch; the missing library is its symptom). Equal lines prove
    both equally, so both stay."""

    def lines(f: Finding) -> frozenset[int]:
        return frozenset(q.line for q in f.quotes)

    fails = [f for f in findings if f.status == "fail" and f.category != Category.OTHER.value]
    return [
        f
        for f in findings
        if f not in fails
        or not lines(f)
        or not any(
            c.category != f.category and f.category not in c.also and lines(f) < lines(c)
            for c in fails
        )
    ]


def _merge(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per category (conflicts and notes stay apart); a fail beats a warn."""
    out: dict[str, Finding] = {}
    for f in findings:
        key = f.id if f.category == Category.OTHER.value or f.status == "ok" else f.category
        seen = out.get(key)
        if seen is None:
            out[key] = f
            continue
        lead, other = (seen, f) if seen.status == "fail" or f.status != "fail" else (f, seen)
        quotes = {q.line: q for q in (*lead.quotes, *other.quotes)}
        out[key] = Finding(
            id=lead.id,
            category=lead.category,
            also=tuple(dict.fromkeys((*lead.also, *other.also))),
            status=lead.status,
            title=lead.title,
            detail=lead.detail,
            fix=lead.fix or other.fix,
            quotes=tuple(quotes[n] for n in sorted(quotes))[:MAX_QUOTES],
            source=lead.source or other.source,
        )
    order = {"fail": 0, "warn": 1, "ok": 2}
    return sorted(out.values(), key=lambda f: order.get(f.status, 3))


#: Findings of a loader's refusal: a failure the paste shows, whose cause is inferred.
_LOADER_REFUSALS = frozenset(
    {EXTENSION_LOAD, FRAMEWORK_SYMBOL, f"{INFERRED.prefix}:{TORCH_RELEASE_LIBRARY}"}
)


def _shows_failure(f: Finding) -> bool:
    """A warning that the paste shows a failure: a framework that cannot use the GPU the paste
    shows (symptoms.py), the user's own sentence stating a cause (a ``-stated`` signature), or a
    library's compiled extension or torch library of another release that the loader refused
    (extension_loads.py, torch_libraries.py), the general words of a kind of failure where
    nothing else names a cause (families.py), or a runtime's "insufficient driver" message whose
    driver cannot be told from the runtime's needs (driver_unseen.py).
    Not a fail (the cause is inferred or told, not proved), but not a healthy paste either."""
    return f.status == "warn" and (
        f.id.startswith(("symptom:", FAMILY))
        or f.id.endswith(("-stated", UNSEEN))
        or f.id in _LOADER_REFUSALS
    )


def diagnose(
    paste: Paste,
    checklists: Mapping[str, Checklist],
    signatures: Sequence[Signature],
    *,
    origin: str,
    reference: Reference,
) -> Diagnosis:
    """The findings for ``paste``, given the checklist of each framework it shows, by the rule
    base and tables the run loaded (``reference``)."""
    by_id = {s.id: s for s in signatures}
    hardware, packages, tables = reference.hardware, reference.packages, reference.rulebase.tables
    wheels = platform_wheel_findings(paste, packages.wheels)
    found = [
        # platform roots first: a preview flight is the root of a WSL 2 GPU failure beside it, and
        # musl of pip finding no framework wheel; each leads the merge of its category's findings
        # (one per category), so its fix is the one shown
        *wsl_preview_build(paste),
        *musl_without_wheels(paste),
        *pip_platform_findings(paste),
        # the ROCm runtime's start with the cause its neighbouring lines state leads the generic
        # HIP/HSA status message of the same category
        *runtime_start(paste, hardware),
        # an out-of-memory message whose own numbers show another process holding the GPU: the
        # cause leads the generic out-of-memory message of the same line
        *memory_held_elsewhere(paste),
        *item_findings(paste, checklists),
        *message_findings(paste, by_id, checklists, tables),
        *ort_cuda_findings(paste, tables),
        *tf_rocm_findings(paste),
        *library_findings(paste),
        *ceiling_findings(paste),
        *arch_flag_findings(paste),
        *arch_list_findings(paste),
        *release_arch_findings(paste, reference.rulebase.wheels),
        *ggml_hip_without_targets(paste),
        *built_without_cuda(paste),
        *vllm_rocm_findings(paste),
        *mfma_library_findings(paste, hardware),
        *platform_findings(paste),
        *mps_off_macos(paste),
        *amd_gpu_on_macos(paste),
        *triton_for_nvidia_on_amd(paste),
        *jetson_builds(paste),
        *tegra_builds(paste, hardware.gpus),
        *library_wheels_on_tegra(paste, hardware.gpus),
        *tensorflow_metal_missing(paste),
        *mps_unavailable_on_mac(paste),
        *cpu_builds(paste),
        *build_answer_findings(paste),
        *flavour_findings(paste, tables),
        *vendor_builds(paste),
        *cuda_runtimes(paste),
        *cuda_majors(paste),
        *wheel_majors(paste),
        # a minimum the paste states with what it shows leads an era's inference of the same cause
        *stated_floor_findings(paste, hardware.gpus),
        *era_findings(paste, tables),
        *gfx_findings(paste, hardware),
        *driver_mismatch(paste),
        *legacy_driver(paste, hardware.gpus),
        *jax_driver_floor(paste, tables),
        *paddle_driver_findings(paste),
        *tf_tested_libraries(paste),
        *tf_release_driver(paste),
        *library_versions(paste),
        *library_release_named(paste),
        *library_cuda_release(paste, tables),
        *implied_cuda_release(paste, tables),
        *hip_of_another_rocm(paste),
        *library_of_another_release(paste),
        *custom_op_of_another_tensorflow(paste),
        *extension_load_failures(paste),
        *framework_library_symbol(paste),
        *release_library(paste, tables),
        *xla_gpu_only(paste),
        *toolkit_mismatch(paste),
        *jax_plugin_versions(paste),
        *pairing_findings(paste, packages),
        *stack_pair_findings(paste),
        *resolver_findings(paste),
        *older_torch(paste, tables),
        *wheels,
        *source_fallback_findings(
            paste, packages.wheels, frozenset(f.id.partition(":")[2] for f in wheels)
        ),
        *linux_binaries_findings(paste, packages.wheels),
        *replaced_torch(paste),
        *ds_op_findings(paste),
        *tensorrt_major_findings(paste),
        *busy_gpus(paste),
        # WSL's memory cap or pinned-memory limit beside an out-of-memory of that kind
        *wsl_memory_limits(paste, by_id),
        *nvidia_smi_crash_wsl(paste),
        *tcc_under_wsl(paste),
        *closed_gpus(paste),
        *container_without_gpus(paste),
        *fewer_gpus_listed(paste),
        *root_only_gpu(paste),
        *cpu_isa_findings(paste, tables),
        *conflicts(paste),
    ]
    found += uncovered(paste, found)
    found += no_nvidia_gpu(paste, found)
    found += hidden_gpus(paste, found)
    found += index_beyond_gpus(paste, found)
    if any(f.category == Category.WSL_ISSUE.value and f.status != "ok" for f in found):
        found = [f for f in found if f.id != "platform:wsl2"]  # a WSL finding says it already
    wsl2 = on_wsl2(paste)
    # an "insufficient driver" message next to a driver that runs the runtime: no driver reached
    found = driver_unseen(paste, found, tables, wsl2=wsl2)
    # a process's "no driver" in a container started without the GPU: the GPU was not passed
    found = container_without_gpu(paste, found)
    found = cpu_intended(paste, precedence(paste, found, wsl2=wsl2))
    # a framework that cannot use the GPU the paste shows, where nothing above says why: not
    # healthy; its likely cause inferred from the facts, or said to be missing from the text
    found += unexplained(paste, found, tables)
    # a "no GPU" message (a fail) whose cause the stated versions give: a driver older than the build
    found += driver_behind_no_gpu(paste, found, tables)
    # the general words of a kind of failure, where nothing above names a cause
    found += family_findings(paste, by_id, found)
    merged = _merge(_explained(found))
    # a framework that cannot see the GPU is a failure shown, whichever warning explains it
    if not any(f.status == "fail" or _shows_failure(f) for f in merged) and not (
        any(f.status == "warn" for f in merged) and symptom_shown(paste)
    ):
        merged.append(
            Finding(
                id="healthy",
                category=Category.HEALTHY.value,
                status="ok",
                title="Nothing in this environment explains a failure",
                detail="no known error message, and every check the text allows passed: look for the bug elsewhere",
                fix=None,
                quotes=(),
                source="",
            )
        )
    return Diagnosis(
        origin=origin,
        formats=paste.formats,
        frameworks=tuple(checklists),
        findings=tuple(merged),
        facts=tuple(sorted(paste.facts.values(), key=lambda f: f.line)),
    )
