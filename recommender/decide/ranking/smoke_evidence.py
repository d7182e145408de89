"""Smoke results as ranking evidence: which run decides, and what a failure blocks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import BACKEND_FRAMEWORK
from recommender.decide.ranking.rows import Block
from recommender.engine.evaluate import Reason

if TYPE_CHECKING:  # a type only: the ranking never imports the smoke engine
    from recommender.smoke.results import SmokeResult

#: Failures of Keras on a backend that are the backend framework's own (it fails to import, or
#: has no device): they count against that framework too, not only against Keras on it.
OWN_FAILURES = frozenset({"import_error", "device_unusable", "illegal_instruction", "numpy_abi"})


def smoke_for(
    results: Iterable[SmokeResult], framework: str, backend: str | None = None
) -> list[SmokeResult]:
    return [
        r for r in results if r.framework == framework and (backend is None or r.backend == backend)
    ]


def deciding_run(
    runs: Sequence[SmokeResult], device: str
) -> tuple[SmokeResult | None, SmokeResult | None]:
    """(a passed run, a failed run) on ``device`` if the framework ran there, else on the CPU.
    A run that could not record its result (the disk is full) is no evidence either way."""
    runs = [r for r in runs if smoke_error(r).get("kind") != "disk_full"]
    on_device = [r for r in runs if r.device == device] or [r for r in runs if r.device == "cpu"]
    passed = next((r for r in on_device if r.ok), None)
    failed = next((r for r in on_device if not r.ok), None)
    return passed, failed


def smoke_error(run: SmokeResult | None) -> dict[str, Any]:
    """A failed run's ``error`` as a dict (kind, message, fix, log), whatever its type."""
    error = getattr(run, "error", None)
    if error is None:
        return {}
    return dict(error.to_dict() if hasattr(error, "to_dict") else error)


def smoke_block(run: SmokeResult) -> Block:
    error = smoke_error(run)
    kind = error.get("kind") or "failed"
    message = error.get("message") or "the smoke training failed"
    log = f" (log: {error['log']})" if error.get("log") else ""
    return Block(
        rule=f"smoke:{kind}",
        why=f"smoke run on {run.device} failed: {message}{log}",
        fix=error.get("fix"),
    )


def backend_failure(
    results: Iterable[SmokeResult], framework: str, device: str
) -> SmokeResult | None:
    """A failed Keras run on ``framework``'s backend whose cause is the framework itself."""
    for backend, fw in BACKEND_FRAMEWORK.items():
        if fw != framework:
            continue
        for run in smoke_for(results, "keras", backend):
            kind = smoke_error(run).get("kind")
            if not run.ok and run.device == device and kind in OWN_FAILURES:
                return run
    return None


def smoke_reason(run: SmokeResult, bonus: float) -> Reason:
    """The smoke bonus as a reason line, so every point in the score is explained."""

    def num(value: float | None) -> str:
        return f"{value:.2f}" if isinstance(value, (int, float)) else "?"

    why = (
        f"Trained here on {run.device}: loss {num(run.loss_first)} -> {num(run.loss_last)}, "
        f"accuracy {num(run.accuracy)}."
    )
    return Reason(
        rule="smoke:passed",
        delta=bonus,
        why=why,
        sources=("HW-ACCEL",),
        note="settings.smoke_bonus in rules/tradeoffs.yaml",
    )
