"""The install planner as the ranking, checklist and starter use it: one command per framework.

``plan_for`` calls ``decide/install/plan.plan_install`` with the facts document, the answered
accelerator, the rule base's wheel matrix (loaded with it, once per run) and the machine's own
Python, validated. ``install_line`` is the one copyable command a row shows: the plan's command
line when the framework is not installed or the installed build cannot use the accelerator.
"""

from __future__ import annotations

import datetime as _dt
import re
import shlex
from collections.abc import Callable, Iterable
from typing import Any

from recommender.core.catalog import (
    ANSWER_DEVICE,
    ANSWER_KIND,
    BACKEND_FRAMEWORK,
    KIND_ANSWER,
    WHEEL_FRAMEWORKS,
    Framework,
    pip_name,
)
from recommender.core.frozen import frozen
from recommender.core.shell import quote_python
from recommender.decide.install.keras import KERAS_DEFAULT_BACKEND
from recommender.decide.install.plan import plan_install
from recommender.decide.install.values import InstallPlan, NoBuild
from recommender.decide.install.view import machine_key, narrowed, quoting, unquote, view_of
from recommender.decide.ranking.rows import Entry
from recommender.facts.document import Facts
from recommender.facts.machine import Machine
from recommender.rulebase.wheels.model import WheelMatrix

__all__ = [
    "INSTALL_PLACEHOLDER",
    "NO_BUILD_RULE",
    "STALE_DAYS",
    "PlanNotice",
    "install_hint",
    "install_line",
    "machine_answer",
    "plan_and_dict",
    "plan_dict",
    "plan_for",
    "planned_fix",
    "python_cmd",
    "staleness",
    "today",
    "with_planned_installs",
]

#: The blocker a NoBuild becomes in the ranking.
NO_BUILD_RULE = "plan:no-build"
#: A wheels.yaml ``verified`` date older than this (about six months) is stale.
STALE_DAYS = 183
_KERAS = Framework.KERAS.value


def python_cmd(facts: Facts) -> str:
    """The machine's Python as one shell word (a venv path with a space is quoted), or
    ``python`` when it is not a plain absolute path (a ``; curl … | sh`` never gets through)."""
    exe = facts.get("python.executable")
    if not isinstance(exe, str) or not exe.startswith("/"):  # a Windows path is not POSIX-quoted
        return "python"
    return quote_python(exe, fallback="python")


def _machine(facts: Facts) -> Machine:
    """The planner's view of the machine, made once per Facts value (a ranking plans up to nine
    rows per machine)."""
    return facts.machine


def _planned_framework(framework: str, backend: str | None) -> Framework | None:
    """The framework whose installed build a plan reads: Keras reads its backend's (None for
    a name the planner refuses anyway)."""
    if framework == _KERAS:
        framework = BACKEND_FRAMEWORK.get(backend or KERAS_DEFAULT_BACKEND, "")
    return next((f for f in WHEEL_FRAMEWORKS if f.value == framework), None)


def plan_for(
    framework: str,
    facts: Facts,
    accelerator: str | None,
    *,
    backend: str | None = None,
    matrix: WheelMatrix,
) -> InstallPlan | NoBuild:
    """The plan for one framework (Keras on ``backend``) on this machine and accelerator, from
    ``matrix`` (the rule base's ``wheels``). Plans are frozen values memoised on the matrix by
    the narrow view a plan reads (``view.py``: the driver's band among the floors, not its
    digits, quoted afterwards): a fleet's machines mostly differ where a plan does not look."""
    return _planned(framework, facts, accelerator, backend, matrix)[0]


def plan_and_dict(
    framework: str,
    facts: Facts,
    accelerator: str | None,
    *,
    backend: str | None = None,
    matrix: WheelMatrix,
) -> tuple[InstallPlan | NoBuild, dict[str, Any]]:
    """``plan_for`` and its ``plan_dict``; machines that share a plan share its dict too (read
    only, as every ranking row's ``install_plan``), so a fleet keeps one per plan."""
    plan, key = _planned(framework, facts, accelerator, backend, matrix)
    if key is None:
        return plan, plan_dict(plan)
    return plan, matrix.memo(("plan.dict", key), lambda: plan_dict(plan))


def _planned(
    framework: str,
    facts: Facts,
    accelerator: str | None,
    backend: str | None,
    matrix: WheelMatrix,
) -> tuple[InstallPlan | NoBuild, tuple[Any, ...] | None]:
    """The plan, and its memo key when the plan is the memoised value itself (None: it quotes
    this machine's driver, so it is this machine's own)."""
    answer = accelerator if accelerator in ANSWER_KIND else None  # the catalog's answers
    machine, python = _machine(facts), python_cmd(facts)
    backend = backend if framework == _KERAS else None
    view = facts.memo(("install.view", python), lambda: view_of(machine, python))
    planned: Callable[[], Machine]
    if view is None:
        narrow, planned = machine_key(machine), lambda: machine
    else:
        built = _planned_framework(framework, backend)
        narrow, planned = narrowed(view, machine.installed, built, matrix)

    def make() -> tuple[InstallPlan | NoBuild, tuple[str, ...]]:
        plan = plan_install(
            framework, planned(), answer, matrix=matrix, backend=backend, python_cmd=python
        )
        return plan, quoting(plan)

    key = ("plan", framework, backend, answer, python, narrow)
    plan, quoted = matrix.memo(key, make)
    if quoted:
        return unquote(plan, machine.driver or "", quoted), None
    return plan, key


def machine_answer(facts: Facts, device: str | None = None) -> str:
    """The accelerator answer an install hint is planned for: the smoke ``device`` asked for
    (``cuda`` -> ``nvidia``), else the first accelerator the probes found, else ``cpu``."""
    by_device = {d: a for a, d in ANSWER_DEVICE.items()}
    if device in by_device:
        return by_device[device]
    kinds = [a.get("kind") for a in facts.accelerators if a.get("visible") is not False]
    return next((KIND_ANSWER[k] for k in kinds if k in KIND_ANSWER), by_device["cpu"])


def install_hint(
    framework: str,
    facts: Facts,
    accelerator: str | None,
    *,
    matrix: WheelMatrix,
    backend: str | None = None,
) -> str:
    """The one install hint for ``framework`` here: the planner's command, or why no build fits
    and the planner's first way out. Every command that names an install uses this (issue 26)."""
    plan = plan_for(framework, facts, accelerator, backend=backend, matrix=matrix)
    if isinstance(plan, InstallPlan):
        return plan.command_line
    way = f"; {plan.ways_out[0]}" if plan.ways_out else ""
    return f"no {Framework(framework).info.name} build fits here: {plan.reason}{way}"


def _installed(framework: str, facts: Facts, backend: str | None) -> bool:
    names = [framework]
    if framework == _KERAS and backend in BACKEND_FRAMEWORK:
        names.append(BACKEND_FRAMEWORK[backend])
    return all(facts.machine.has(fw) for fw in names)


def install_line(
    plan: InstallPlan | NoBuild, facts: Facts, framework: str, backend: str | None = None
) -> str | None:
    """The row's one command: none for a NoBuild, an installed build that already fits, or an
    accelerator nobody could settle (the plan is then CPU-only, a guess dlrec does not print)."""
    if isinstance(plan, NoBuild) or plan.accelerator is None:
        return None
    if plan.reinstall:
        return plan.command_line
    if (
        framework == _KERAS
        and backend in BACKEND_FRAMEWORK
        and _installed(BACKEND_FRAMEWORK[backend], facts, None)
    ):
        # The backend is installed and fits: its row installs nothing, so Keras's adds only
        # Keras (one machine, one command per framework).
        return None if _installed(_KERAS, facts, None) else _keras_only(plan)
    if not _installed(framework, facts, backend):
        return plan.command_line
    return None


def _keras_only(plan: InstallPlan) -> str:
    python = plan.commands[0][0] if plan.commands and plan.commands[0] else "python"
    keras = pip_name(_KERAS)  # the distribution, from the catalog
    pins = [f"{name}{spec}" for name, spec in plan.packages if name == keras] or [keras]
    return shlex.join([python, "-m", "pip", "install", *pins])


def plan_dict(plan: InstallPlan | NoBuild) -> dict[str, Any]:
    """The plan's ``to_dict()``; a NoBuild's carries ``"no_build": true``."""
    out = plan.to_dict()
    out["no_build"] = isinstance(plan, NoBuild)
    return out


#: ``{install_pytorch}`` in a rule's fix: the planner's command for that framework on the
#: answered accelerator, never a pip line of the rule's own (issue 26: one install hint
#: everywhere).
INSTALL_PLACEHOLDER = re.compile(r"\{install_(" + "|".join(f.value for f in Framework) + r")\}")


def with_planned_installs(fix: str | None, command_of: Callable[[str], str | None]) -> str | None:
    """``fix`` with each install placeholder replaced by ``command_of(framework)``, or by a
    sentence saying no build fits when the planner has none."""
    if not fix or "{install_" not in fix:
        return fix

    def planned(match: re.Match[str]) -> str:
        framework = match.group(1)
        command = command_of(framework)
        if command:
            return command
        return (
            f"(the install planner has no {Framework(framework).info.name} build for this machine)"
        )

    return INSTALL_PLACEHOLDER.sub(planned, fix)


def planned_fix(
    fix: str | None, frameworks: tuple[str, ...], entries: Iterable[Entry]
) -> str | None:
    """A warning's fix with the planner's commands: its install placeholders filled from the
    rows' plans, and a fix that is a pip command for one framework's own package replaced by the
    planner's command, so the machine gets the same command everywhere; an ", or ..." tail
    stays."""
    entries = tuple(entries)

    def command_of(framework: str) -> str | None:
        entry = next((e for e in entries if e.framework == framework), None)
        plan = entry.install_plan if entry is not None else None
        return plan["command_line"] if plan and not plan.get("no_build") else None

    fix = with_planned_installs(fix, command_of)
    if not fix or len(frameworks) != 1 or not fix.lstrip("`").startswith("pip "):
        return fix
    fw = frameworks[0]
    command, sep, tail = fix.partition(", or ")
    if Framework(fw).info.pip not in command:
        return fix
    entry = next((e for e in entries if e.framework == fw), None)
    plan = entry.install_plan if entry is not None else None
    if not plan or plan.get("no_build"):
        return fix
    return f"{plan['command_line']}{sep}{tail}"


# --------------------------------------------------------------------------- staleness


def today() -> _dt.date:
    """The run's date (tests replace this to freeze the clock)."""
    return _dt.date.today()


@frozen
class PlanNotice:
    rule: str
    why: str
    fix: str | None = None
    frameworks: tuple[str, ...] = ()


def staleness(matrix: WheelMatrix, on: _dt.date | None = None) -> tuple[PlanNotice, ...]:
    """A warning when wheels.yaml was last verified more than about six months before ``on``."""
    on = on or today()
    age = (on - matrix.verified).days
    if age <= STALE_DAYS:
        return ()
    return (
        PlanNotice(
            rule="plan:stale-wheels",
            why=(
                f"rules/wheels.yaml was last verified on {matrix.verified.isoformat()}, "
                f"{age} days ago: newer releases or indexes may exist"
            ),
            fix="Check the install command against the framework's own install page",
        ),
    )
