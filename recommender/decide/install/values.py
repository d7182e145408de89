"""The install planner's values: what a plan is (``InstallPlan``: argv lists, packages, index,
the build the probe will find afterwards) or why there is none (``NoBuild``), and the steps
between (a ``PlanRequest`` in, a ``Planned`` rendered into argv lists by ``render``)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Any

from recommender.core.catalog import Accelerator, Framework
from recommender.core.frozen import frozen
from recommender.facts.machine import Machine
from recommender.rulebase.wheels.model import Release, WheelMatrix

__all__ = ["Install", "InstallPlan", "NoBuild", "PlanRequest", "Planned", "nobuild", "render"]


@frozen
class Install:
    """One ``pip install`` step."""

    packages: tuple[tuple[str, str], ...]
    index_url: str | None = None
    #: ("--extra-index-url" or "--find-links", URL): a vendor's wheels beside PyPI.
    links: tuple[tuple[str, str], ...] = ()
    force: bool = False


def _empty_build() -> Mapping[str, str]:
    return MappingProxyType({})


@frozen
class InstallPlan:
    """What to run. ``commands`` are argv lists; ``command_line`` is what a person pastes."""

    framework: str
    accelerator: str | None
    commands: tuple[tuple[str, ...], ...]
    packages: tuple[tuple[str, str], ...]
    index_url: str | None
    #: ("--extra-index-url" or "--find-links", URL): where a vendor's build comes from, beside
    #: PyPI (NVIDIA's Jetson index, AMD's ROCm wheel page).
    links: tuple[tuple[str, str], ...] = ()
    #: The build as ``dlrec probe`` spells it afterwards: {"flavour": "cuda", "cuda": "12.6"}.
    build: Mapping[str, str] = field(default_factory=_empty_build)
    #: The wheels.yaml rows this plan came from.
    why: str
    gave_up: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reinstall: bool = False
    #: The release line the plan installs ("2.8"): the Python ranges of the checklist read it.
    release_line: str | None = None

    @property
    def command_line(self) -> str:
        return " && ".join(shlex.join(c) for c in self.commands)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": "install", "framework": self.framework, "accelerator": self.accelerator,
            "commands": [list(c) for c in self.commands], "command_line": self.command_line,
            "packages": [list(p) for p in self.packages], "index_url": self.index_url,
            "links": [list(link) for link in self.links], "build": dict(self.build), "why": self.why, "gave_up": list(self.gave_up),
            "unknowns": list(self.unknowns), "notes": list(self.notes),
            "reinstall": self.reinstall,
        }  # fmt: skip


@frozen
class NoBuild:
    """No build of this framework can use the accelerator here; why, and what to do instead."""

    framework: str
    accelerator: str | None
    reason: str
    ways_out: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": "no_build", "framework": self.framework, "accelerator": self.accelerator,
            "reason": self.reason, "ways_out": list(self.ways_out),
            "unknowns": list(self.unknowns),
        }  # fmt: skip


@frozen
class Planned:
    """A plan before it is rendered into argv lists (Keras extends it)."""

    uninstall: tuple[str, ...] = ()
    installs: tuple[Install, ...]
    build: Mapping[str, str]
    why: str
    gave_up: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reinstall: bool = False
    release: Release | None = None
    #: The planned framework's own release line (Keras's, not its backend's).
    line: str | None = None

    def commands(self, python: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        """The argv lists: the uninstall step (if any), then each install step."""
        pip = (*python, "-m", "pip")
        out: list[tuple[str, ...]] = []
        if self.uninstall:
            out.append((*pip, "uninstall", "-y", *self.uninstall))
        for step in self.installs:
            argv = [*pip, "install", *(f"{name}{spec}" for name, spec in step.packages)]
            if step.force:
                argv.append("--force-reinstall")
            if step.index_url:
                argv += ["--index-url", step.index_url]
            for flag, url in step.links:
                argv += [flag, url]
            out.append(tuple(argv))
        return tuple(out)


@frozen
class PlanRequest:
    """What every step of one plan reads: the machine, the answered accelerator, the matrix and
    the Python command the plan's argv lists start with."""

    machine: Machine
    accelerator: Accelerator | None
    matrix: WheelMatrix
    python: tuple[str, ...]
    #: ``machine`` as a hashable key (``view.machine_key``): one framework's plan on it is made
    #: once per matrix (``framework.plan_framework``), so Keras on X reuses X's own plan.
    key: tuple[Any, ...] = ()


def render(
    planned: Planned, framework: str, accelerator: str | None, python: tuple[str, ...]
) -> InstallPlan:
    return InstallPlan(
        framework=framework,
        accelerator=accelerator,
        commands=planned.commands(python),
        packages=tuple(p for step in planned.installs for p in step.packages),
        index_url=planned.installs[0].index_url,
        links=tuple(link for step in planned.installs for link in step.links),
        build=planned.build,
        why=planned.why,
        gave_up=planned.gave_up,
        unknowns=planned.unknowns,
        notes=planned.notes,
        reinstall=planned.reinstall,
        release_line=planned.line,
    )


def nobuild(
    request: PlanRequest,
    framework: Framework,
    reason: str,
    ways: tuple[str, ...] = (),
    unknowns: tuple[str, ...] = (),
) -> NoBuild:
    accelerator = request.accelerator.info.answer if request.accelerator else None
    return NoBuild(
        framework=framework.value,
        accelerator=accelerator,
        reason=reason,
        ways_out=ways,
        unknowns=unknowns,
    )
