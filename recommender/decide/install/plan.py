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
from dataclasses import field, replace
from types import MappingProxyType
from typing import Any

from packaging.specifiers import SpecifierSet

from recommender.core.catalog import (
    ANSWER_ACCELERATOR,
    FRAMEWORK_IDS,
    KERAS_BACKENDS,
    WHEEL_FRAMEWORKS,
    Accelerator,
    Framework,
    KerasBackend,
    Platform,
)
from recommender.core.frozen import frozen
from recommender.core.problems import BadRequest
from recommender.decide.install.containers import container_ways
from recommender.decide.install.interpreter import in_own_environment
from recommender.decide.install.reinstall import reinstall_for
from recommender.decide.install.search import Choice, Refusal, choose, newest_python
from recommender.decide.install.view import machine_key
from recommender.facts.machine import Machine, machine_from_facts
from recommender.rulebase.wheels.model import Build, Release, WheelMatrix

__all__ = ["InstallPlan", "NoBuild", "plan_install"]

#: Keras' own default when KERAS_BACKEND is unset (keras.io, "configuring your backend").
KERAS_DEFAULT_BACKEND = KerasBackend.TENSORFLOW.value


@frozen
class _Install:
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
class _Planned:
    """A plan before it is rendered into argv lists (Keras extends it)."""

    uninstall: tuple[str, ...] = ()
    installs: tuple[_Install, ...]
    build: Mapping[str, str]
    why: str
    gave_up: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reinstall: bool = False
    release: Release | None = None
    #: The planned framework's own release line (Keras's, not its backend's).
    line: str | None = None


@frozen
class _Request:
    machine: Machine
    accelerator: Accelerator | None
    matrix: WheelMatrix
    python: tuple[str, ...]
    #: ``machine`` as a hashable key (``view.machine_key``): one framework's plan on it is made
    #: once per matrix, so Keras on X reuses X's own plan (and a refusal's other backends).
    key: tuple[Any, ...] = ()


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
    request = _Request(
        machine=machine,
        accelerator=Accelerator.from_answer(accelerator) if accelerator else None,
        matrix=matrix,
        python=tuple(shlex.split(python_cmd)) or ("python",),
        key=machine_key(machine),
    )
    if framework == Framework.KERAS:
        planned = _plan_keras(request, backend or KERAS_DEFAULT_BACKEND, backend is None)
    else:
        planned = _plan(request, Framework(framework))
    if isinstance(planned, NoBuild):
        return replace(planned, framework=framework)
    plan = _render(planned, framework, accelerator, request.python)
    commands, notes = in_own_environment(
        plan.commands,
        plan.notes,
        framework=framework,
        machine=request.machine,
        python=request.python,
    )
    return replace(plan, commands=commands, notes=notes)


# --- one framework --------------------------------------------------------------------------


def _plan(request: _Request, framework: Framework) -> _Planned | NoBuild:
    """One framework's plan on the request's machine, made once per matrix: it reads the
    machine, the accelerator, the Python command and the matrix, nothing else."""
    key = ("plan.framework", framework, request.accelerator, request.python, request.key)
    return request.matrix.memo(key, lambda: _plan_once(request, framework))


def _plan_once(request: _Request, framework: Framework) -> _Planned | NoBuild:
    machine, unknowns = request.machine, []
    target = request.accelerator or Accelerator.CPU
    if request.accelerator is None:
        unknowns.append(
            "accelerator not answered: this is the CPU-only build; answer the "
            "accelerator question for a GPU build"
        )
    if machine.platform is None:
        return _nobuild(
            request, framework, f"wheels.yaml has no wheels for {machine.system}/{machine.machine}"
        )
    if target is Accelerator.CUDA and machine.wsl == 1:
        return _nobuild(
            request,
            framework,
            "WSL 1 cannot reach the GPU; CUDA needs WSL 2",
            ("Convert this distribution to WSL 2 (wsl --set-version <distro> 2)",),
        )
    result = choose(request.matrix, framework, target, machine.platform, machine)
    if isinstance(result, Refusal):
        return _refused(request, framework, target, machine.platform, result, unknowns)
    return _planned(request, framework, target, result, unknowns)


def _packages(build: Build, release: Release) -> tuple[tuple[str, str], ...]:
    pin = f"=={build.version}" if build.version is not None else f"=={release.line}.*"
    main = [(build.requirement_name, pin)]
    if build.pairs_with:
        main.insert(0, (build.pairs_with, f"=={release.line}.*"))
    for c in build.companions:
        spec = f"=={c.line}.*" if c.line is not None else release.requires.get(c.package)
        if spec:
            main.append((c.package, spec))
    return tuple(main)


def _build_map(build: Build) -> Mapping[str, str]:
    out = {"flavour": build.flavour.value}
    if build.cuda is not None:
        out["cuda"] = f"{build.cuda.major}.{build.cuda.minor}"
    if build.rocm:
        out["rocm"] = build.rocm
    return MappingProxyType(out)


def _planned(
    request: _Request,
    framework: Framework,
    target: Accelerator,
    choice: Choice,
    unknowns: list[str],
) -> _Planned:
    build, release, fit = choice.build, choice.release, choice.fit
    swap = reinstall_for(framework, build, release, target, request.machine, request.matrix)
    install = _Install(
        packages=_packages(build, release),
        index_url=build.index_url,
        links=_links(build),
        force=swap.reinstall and not swap.uninstall,
    )
    return _Planned(
        uninstall=swap.uninstall,
        installs=(install,),
        build=_build_map(build),
        why=f"wheels.yaml builds {build.row}, releases {release.label}",
        gave_up=choice.gave_up,
        unknowns=tuple(dict.fromkeys((*unknowns, *fit.unknowns, *swap.unknowns, *_system(build)))),
        notes=tuple(dict.fromkeys((*_vendor(build, framework), *fit.notes, *swap.notes))),
        reinstall=swap.reinstall,
        release=release,
        line=str(release.line),
    )


def _links(build: Build) -> tuple[tuple[str, str], ...]:
    out = []
    if build.extra_index_url:
        out.append(("--extra-index-url", build.extra_index_url))
    if build.find_links:
        out.append(("--find-links", build.find_links))
    return tuple(out)


def _vendor(build: Build, framework: Framework) -> tuple[str, ...]:
    """A vendor's build says so: it is not the framework project's, nor on PyPI."""
    if build.vendor is None:
        return ()
    where = build.extra_index_url or build.find_links or build.index_url or "PyPI"
    return (
        f"{build.vendor} builds this {framework.value} ({build.package}), not the "
        f"{framework.value} project; it comes only from {where} (wheels.yaml builds {build.row})",
    )


def _system(build: Build) -> tuple[str, ...]:
    return (f"needs {build.system}: not checked here",) if build.system else ()


def _nobuild(
    request: _Request,
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


def _refused(
    request: _Request,
    framework: Framework,
    target: Accelerator,
    platform: Platform,
    refusal: Refusal,
    unknowns: list[str],
) -> NoBuild:
    ways = list(refusal.ways_out)
    machine, matrix = request.machine, request.matrix
    if target is not Accelerator.CPU:
        cpu = choose(matrix, framework, Accelerator.CPU, platform, machine)
        if isinstance(cpu, Choice):
            cpu_plan = _planned(request, framework, Accelerator.CPU, cpu, [])
            command = " && ".join(shlex.join(c) for c in _commands(cpu_plan, request.python))
            ways.append(f"CPU only, without the {target.info.answer} accelerator: {command}")
        else:  # the CPU build is one Python away: that Python is a way out for both
            ways.extend(w for w in cpu.ways_out if w.startswith("Use Python") and w not in ways)
    ways.extend(container_ways(matrix, framework, target, machine))
    for other in WHEEL_FRAMEWORKS:
        found = choose(matrix, other, target, platform, machine) if other is not framework else None
        if isinstance(found, Choice):
            ways.append(
                f"Another framework: {other.value} has a build for {target.info.answer} that fits "
                f"here (wheels.yaml builds {found.build.row})"
            )
    return _nobuild(
        request,
        framework,
        refusal.reason,
        tuple(ways),
        tuple(dict.fromkeys((*unknowns, *refusal.unknowns))),
    )


# --- Keras ----------------------------------------------------------------------------------


def _keras_release(request: _Request, backend_requires: str | None) -> Release | str:
    """The newest Keras for this Python that the backend's release accepts, or why none is."""
    machine, platform = request.machine, request.machine.platform or Platform.ANY
    lines = request.matrix.lines("keras")
    for release in lines:
        spec = release.python_for(platform)
        if spec is None or (machine.python and not spec.contains(machine.python, prereleases=True)):
            continue
        if backend_requires and not _accepts(backend_requires, release):
            continue
        return release
    newest = lines[0] if lines else None
    spec = newest.python_for(platform) if newest else None
    return f"{newest.label} needs Python {spec}" if newest and spec else "no keras releases"


def _accepts(requirement: str, release: Release) -> bool:
    return SpecifierSet(requirement).contains(release.newest, prereleases=True)


def _plan_keras(request: _Request, backend: str, defaulted: bool) -> _Planned | NoBuild:
    base = _plan(request, KerasBackend(backend).framework)
    if isinstance(base, NoBuild):
        return replace(
            base,
            reason=f"Keras on {backend}: {base.reason}",
            ways_out=(*base.ways_out, *_other_backends(request, backend)),
        )
    pin = base.release.requires.get("keras") if base.release else None
    keras = _keras_release(request, pin)
    if isinstance(keras, str):
        return _nobuild(
            request, KerasBackend(backend).framework, f"Keras: {keras}", _keras_python(request)
        )
    installs = _with_keras(base.installs, (("keras", f"=={keras.line}.*"),))
    notes = base.notes + (
        (f"KERAS_BACKEND is unset, so Keras uses {backend}",) if defaulted else ()
    )
    return replace(
        base,
        installs=installs,
        why=f"{base.why}; releases {keras.label}",
        notes=notes,
        line=str(keras.line),
    )


def _keras_python(request: _Request) -> tuple[str, ...]:
    lines = request.matrix.lines("keras")
    spec = lines[0].python_for(Platform.ANY) if lines else None
    python = newest_python(spec) if spec is not None else None
    return (f"Use Python {python} ({lines[0].label} needs Python {spec})",) if python else ()


def _with_keras(
    installs: tuple[_Install, ...], keras: tuple[tuple[str, str], ...]
) -> tuple[_Install, ...]:
    """Keras comes from PyPI: join a PyPI install step, else add one after the backend's."""
    last = installs[-1]
    if last.index_url is None and not last.force:
        return (*installs[:-1], replace(last, packages=last.packages + keras))
    return (*installs, _Install(packages=keras))


def _other_backends(request: _Request, backend: str) -> tuple[str, ...]:
    ways = []
    for other in KerasBackend:
        if other.value != backend and isinstance(_plan(request, other.framework), _Planned):
            ways.append(f"Another Keras backend: KERAS_BACKEND={other} has a build that fits here")
    return tuple(ways)


# --- rendering ------------------------------------------------------------------------------


def _commands(planned: _Planned, python: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    pip = (*python, "-m", "pip")
    out: list[tuple[str, ...]] = []
    if planned.uninstall:
        out.append((*pip, "uninstall", "-y", *planned.uninstall))
    for step in planned.installs:
        argv = [*pip, "install", *(f"{name}{spec}" for name, spec in step.packages)]
        if step.force:
            argv.append("--force-reinstall")
        if step.index_url:
            argv += ["--index-url", step.index_url]
        for flag, url in step.links:
            argv += [flag, url]
        out.append(tuple(argv))
    return tuple(out)


def _render(
    planned: _Planned, framework: str, accelerator: str | None, python: tuple[str, ...]
) -> InstallPlan:
    return InstallPlan(
        framework=framework,
        accelerator=accelerator,
        commands=_commands(planned, python),
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
