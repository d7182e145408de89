"""Built-in checks about this machine: free disk and memory against frameworks.yaml sizes, the
smoke training results, and the environment variables that change what a framework sees."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import ANSWER_DEVICE, Accelerator, Framework
from recommender.core.numfmt import throughput
from recommender.decide.checklist.inputs import ItemView, name_of
from recommender.decide.checklist.registry import Check, Finding, defines, finding

if TYPE_CHECKING:
    from recommender.smoke.results import SmokeResult

#: The variables the env item shows (they decide which device and Keras a run gets).
ENV_VARS = (
    "CUDA_VISIBLE_DEVICES",
    "KERAS_BACKEND",
    "TF_USE_LEGACY_KERAS",
    "PYTORCH_ENABLE_MPS_FALLBACK",
)
#: Accelerators whose framework builds carry the big GPU libraries (``sizes_mb: install_gpu``).
_GPU_BUILD = frozenset({Accelerator.CUDA.info.answer, Accelerator.ROCM.info.answer})
_CPU = Accelerator.CPU.info.answer


def _gib(mb: float) -> str:
    return f"{mb / 1024:.1f} GiB"  # MiB / 1024: binary units, as `dlrec probe` prints them


def _size(view: ItemView, fw: str, key: str) -> float:
    sizes = view.spec("sizes_mb", fw)
    value = sizes.get(key, 0) if isinstance(sizes, Mapping) else 0
    return float(value)


def _kind(view: ItemView) -> str:
    return "gpu" if view.inputs.accelerator in _GPU_BUILD else "cpu"


@defines(
    "disk",
    verdicts=("not-known-there", "unknown", "enough", "short"),
    fields=("free", "path", "need", "needs"),
    framework_fields=("sizes_mb",),
)
def disk(view: ItemView) -> Finding:
    kind = _kind(view)
    missing = [fw for fw in view.inputs.targets if not view.inputs.installed(fw)]
    need_mb = sum(_size(view, fw, f"install_{kind}") for fw in missing)
    needs = (
        f"{_gib(need_mb)} to install {', '.join(name_of(f) for f in missing)} ({kind} build)"
        if missing
        else "nothing to install"
    )
    free = view.fact("disk.free_bytes")
    path = view.fact("disk.path") or "the project disk"
    if free is None:
        return finding("unknown" if view.inputs.facts.is_local else "not-known-there", needs=needs)
    verdict = "enough" if free / 2**20 >= need_mb else "short"
    return finding(verdict, free=_gib(free / 2**20), path=path, need=_gib(need_mb), needs=needs)


@defines(
    "memory",
    verdicts=("not-known-there", "unknown", "enough", "short"),
    fields=("available", "need", "needs"),
    framework_fields=("sizes_mb",),
)
def memory(view: ItemView) -> Finding:
    kind = _kind(view)
    need_mb = max((_size(view, fw, f"smoke_{kind}") for fw in view.inputs.targets), default=0.0)
    needs = f"the smoke training needs about {_gib(need_mb)} on {kind}"
    avail = view.fact("memory.available_bytes")
    limit = view.fact("memory.limit_bytes")
    if isinstance(limit, int) and isinstance(avail, int):
        avail = min(avail, limit)
    if avail is None:
        return finding("unknown" if view.inputs.facts.is_local else "not-known-there", needs=needs)
    verdict = "enough" if avail / 2**20 >= need_mb else "short"
    return finding(verdict, available=_gib(avail / 2**20), need=_gib(need_mb), needs=needs)


def _relevant_runs(view: ItemView) -> list[SmokeResult]:
    inputs = view.inputs
    runs = [
        r
        for r in inputs.smoke
        if r.framework == inputs.framework
        and (inputs.framework != Framework.KERAS.value or r.backend == inputs.backend)
    ]
    device = ANSWER_DEVICE.get(inputs.accelerator or _CPU, "cpu")
    there = [r for r in runs if r.device == device]
    return there or [r for r in runs if r.device == "cpu"]


def smoke_figure_line(run: SmokeResult) -> str:
    parts = [run.model]
    if run.loss_first is not None and run.loss_last is not None:
        parts.append(f"loss {run.loss_first:.2f} -> {run.loss_last:.2f}")
    if run.accuracy is not None:
        parts.append(f"acc {run.accuracy:.2f}")
    if run.samples_per_s:
        parts.append(f"{throughput(run.samples_per_s)} (smoke figure)")
    return " ".join(parts[:1]) + ": " + ", ".join(parts[1:]) if len(parts) > 1 else parts[0]


def _not_run(view: ItemView) -> Finding:
    inputs = view.inputs
    if not all(inputs.installed(fw) for fw in inputs.targets):
        why = "not run: not installed"
        if inputs.facts.is_local:  # the fix installs first: a smoke alone would fail
            return finding("not-installed", why=why)
    elif not inputs.facts.is_local:
        why = "not run: the facts describe another machine"
    else:
        why = "not run (--no-smoke)" if inputs.smoke_note else "not run"
    return finding("not-run-here" if inputs.facts.is_local else "not-run-there", why=why)


@defines(
    "smoke",
    verdicts=(
        "not-installed",
        "not-run-here",
        "not-run-there",
        "failed",
        "failed-no-fix",
        "passed",
        "not-converged",
    ),
    fields=("why", "kind", "failure", "error_fix", "summary"),
    cites=("smoke", "smoke:{kind}"),
    wheels=True,
)
def smoke(view: ItemView) -> Finding:
    runs = _relevant_runs(view)
    if not runs:
        return _not_run(view)
    failed = [r for r in runs if not r.ok]
    if failed:
        r = failed[0]
        error: Any = r.error
        kind = getattr(error, "kind", None) or "error"
        message = getattr(error, "message", None) or ""
        fix = getattr(error, "fix", None)
        failure = f"{r.model} on {r.device} failed: {kind}" + (f": {message}" if message else "")
        verdict = "failed" if fix else "failed-no-fix"
        return finding(verdict, kind=f"{kind}", failure=failure, error_fix=fix or None)
    cached = " (cached)" if all(r.cached for r in runs) else ""
    summary = f"on {runs[0].device}{cached}: " + "; ".join(smoke_figure_line(r) for r in runs)
    return finding("passed" if all(r.converged for r in runs) else "not-converged", summary=summary)


@defines("env", verdicts=("unknown", "hidden", "shown"), fields=("names", "shown"), cites=("env",))
def env(view: ItemView) -> Finding:
    values = view.inputs.env
    if values is None:
        return finding("unknown", names=", ".join(ENV_VARS))
    shown = ", ".join(f"{k}={values[k]!r}" if k in values else f"{k} unset" for k in ENV_VARS)
    cvd = values.get("CUDA_VISIBLE_DEVICES")
    cuda_here = any(a.get("kind") == Accelerator.CUDA.value for a in view.inputs.facts.accelerators)
    hidden = cvd is not None and cvd.strip() in ("", "-1") and cuda_here
    if hidden and view.inputs.accelerator != _CPU:
        return finding("hidden", shown=shown)
    return finding("shown", shown=shown)


BUILTIN: tuple[Check, ...] = (disk, memory, smoke, env)

__all__ = ["BUILTIN", "ENV_VARS"]
