"""Smoke failures told with the install planner's commands (issue 26).

A run on a GPU the installed build cannot use (``smoke --device cuda`` with a CPU-only torch) is
not a driver problem: the fix is the planner's build for that device, and on a machine without
such a GPU the output says so instead of sending the user to check a driver that is not there.
"""

from __future__ import annotations

from dataclasses import replace

from recommender.core.catalog import ACCELERATORS, BACKEND_FRAMEWORK, Framework
from recommender.decide.install.plans import (
    install_hint,
    machine_answer,
    plan_for,
    with_planned_installs,
)
from recommender.decide.install.values import InstallPlan
from recommender.facts.document import Facts
from recommender.rulebase.wheels.model import WheelMatrix
from recommender.smoke.failures import FailureKind
from recommender.smoke.results import SmokeResult

__all__ = ["with_device_fix", "with_planned_fixes"]


def _build_supports(facts: Facts, framework: str, device: str) -> bool:
    accel = next(a for a in ACCELERATORS.values() if a.smoke_device == device)
    kind = accel.kind.value
    build = facts.framework(framework).get("build") or {}
    if not build or build.get("known") is False:  # not known: not called CPU-only
        return True
    return (
        bool(build.get(kind))
        or build.get("flavour") == kind
        or device in (Framework(framework).info.native_devices)
    )


def with_device_fix(result: SmokeResult, facts: Facts, *, matrix: WheelMatrix) -> SmokeResult:
    """``result`` with a device-unusable failure's cause and fix made exact: a CPU-only build
    gets the planner's command for the device's build; a machine without that GPU says so."""
    error = result.error
    if error is None or error.kind is not FailureKind.DEVICE_UNUSABLE or result.device == "cpu":
        return result
    base = BACKEND_FRAMEWORK.get(result.backend or "", result.framework)
    accel = next((a for a in ACCELERATORS.values() if a.smoke_device == result.device), None)
    if accel is None:
        return result
    present = any(
        a.get("kind") == accel.kind.value and a.get("visible") is not False
        for a in facts.accelerators
    )
    where = "" if present else f"; this machine has no {accel.answer} GPU"
    if _build_supports(facts, base, result.device):
        if present:
            return result  # a build for the device and the device: the driver is the suspect
        fix = f"no {accel.answer} GPU is found here, so smoke the cpu: dlrec smoke --device cpu"
        return replace(result, error=replace(error, message=error.message + where, fix=fix))
    command = install_hint(
        result.framework,
        facts,
        machine_answer(facts, result.device),
        matrix=matrix,
        backend=result.backend,
    )
    cpu_only = "" if "CPU-only" in error.message else f"; the installed {base} build is CPU-only"
    message = f"{error.message}{cpu_only}{where}"
    fix = f"install a {result.device} build: {command}"
    if not present:
        fix = f"for an {accel.answer} GPU, {fix}; here, smoke the cpu: dlrec smoke --device cpu"
    return replace(result, error=replace(error, message=message, fix=fix))


def with_planned_fixes(
    results: tuple[SmokeResult, ...], facts: Facts, *, matrix: WheelMatrix
) -> tuple[SmokeResult, ...]:
    """Every failed run's fix with the planner's commands: ``{install_<framework>}`` (what
    ``smoke/failures.py`` writes, cached results included) becomes the command for this machine
    and the run's device, and a device the build cannot use is told as such."""
    return tuple(_planned(with_device_fix(r, facts, matrix=matrix), facts, matrix) for r in results)


def _planned(result: SmokeResult, facts: Facts, matrix: WheelMatrix) -> SmokeResult:
    error = result.error
    if error is None or "{install_" not in error.fix:
        return result
    answer = machine_answer(facts, result.device)

    def command_of(framework: str) -> str | None:
        keras = framework == Framework.KERAS.value
        plan = plan_for(
            framework,
            facts,
            answer,
            backend=(result.backend or None) if keras else None,
            matrix=matrix,
        )
        return plan.command_line if isinstance(plan, InstallPlan) else None

    fix = with_planned_installs(error.fix, command_of) or error.fix
    return replace(result, error=replace(error, fix=fix))
