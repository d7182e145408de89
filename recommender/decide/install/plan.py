"""The install planner: facts + answered accelerator + wheel matrix -> the exact pip commands.

``plan_install`` is pure: it reads a facts document and ``rules/wheels.yaml`` (as a
``WheelMatrix``) and returns an ``InstallPlan`` (argv lists, packages, index, the build the probe
will find afterwards, the matrix rows it came from, what it gave up and what it could not check)
or a ``NoBuild`` (why, and the ways out). Every version, index URL and compute capability comes
from the matrix. Keras plans through its backend's plan and adds ``keras``.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from recommender.core.catalog import (
    ANSWER_ACCELERATOR,
    FRAMEWORK_IDS,
    KERAS_BACKENDS,
    Accelerator,
    Framework,
)
from recommender.core.problems import BadRequest
from recommender.decide.install.framework import plan_framework
from recommender.decide.install.interpreter import in_own_environment
from recommender.decide.install.keras import KERAS_DEFAULT_BACKEND, plan_keras
from recommender.decide.install.values import InstallPlan, NoBuild, PlanRequest, render
from recommender.decide.install.view import machine_key
from recommender.facts.machine import Machine, machine_from_facts
from recommender.rulebase.wheels.model import WheelMatrix

__all__ = ["InstallPlan", "NoBuild", "plan_install"]


def plan_install(
    framework: str,
    facts: Mapping[str, Any] | Machine,
    accelerator: str | None,
    *,
    matrix: WheelMatrix,
    backend: str | None = None,
    python_cmd: str = "python",
) -> InstallPlan | NoBuild:
    """Plan the pip commands that install ``framework`` for ``accelerator`` on this machine (a
    facts document, or the planner's view of it from ``machine_from_facts``)."""
    if framework not in FRAMEWORK_IDS:
        raise BadRequest(f"framework {framework!r} (allowed: {', '.join(FRAMEWORK_IDS)})")
    if backend is not None and (framework != Framework.KERAS or backend not in KERAS_BACKENDS):
        raise BadRequest(f"backend {backend!r} (allowed with keras: {', '.join(KERAS_BACKENDS)})")
    if accelerator is not None and accelerator not in ANSWER_ACCELERATOR:
        allowed = ", ".join(ANSWER_ACCELERATOR)
        raise BadRequest(f"accelerator {accelerator!r} (allowed: {allowed})")
    machine = facts if isinstance(facts, Machine) else machine_from_facts(facts)
    request = PlanRequest(
        machine=machine,
        accelerator=Accelerator.from_answer(accelerator) if accelerator else None,
        matrix=matrix,
        python=tuple(shlex.split(python_cmd)) or ("python",),
        key=machine_key(machine),
    )
    if framework == Framework.KERAS:
        planned = plan_keras(request, backend or KERAS_DEFAULT_BACKEND, backend is None)
    else:
        planned = plan_framework(request, Framework(framework))
    if isinstance(planned, NoBuild):
        return replace(planned, framework=framework)
    plan = render(planned, framework, accelerator, request.python)
    commands, notes = in_own_environment(
        plan.commands,
        plan.notes,
        framework=framework,
        machine=request.machine,
        python=request.python,
    )
    return replace(plan, commands=commands, notes=notes)
