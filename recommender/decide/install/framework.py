"""One framework's install plan (Keras builds on its backend's: keras.py): the wheel matrix's
choice for this machine -> the packages, index and build to install, or a ``NoBuild`` with the ways
out (the CPU build, a container, another framework)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from types import MappingProxyType

from recommender.core.catalog import WHEEL_FRAMEWORKS, Accelerator, Framework, Platform
from recommender.decide.install.containers import container_ways
from recommender.decide.install.reinstall import reinstall_for
from recommender.decide.install.search import Choice, Refusal, choose
from recommender.decide.install.values import Install, NoBuild, Planned, PlanRequest, nobuild
from recommender.rulebase.wheels.model import Build, Release


def plan_framework(request: PlanRequest, framework: Framework) -> Planned | NoBuild:
    """One framework's plan on the request's machine, made once per matrix (a fleet's Keras on
    X reuses X's own plan): it reads the machine, the accelerator, the Python command and the
    matrix, nothing else."""
    key = ("plan.framework", framework, request.accelerator, request.python, request.key)
    return request.matrix.memo(key, lambda: _plan_once(request, framework))


def _plan_once(request: PlanRequest, framework: Framework) -> Planned | NoBuild:
    machine, unknowns = request.machine, []
    target = request.accelerator or Accelerator.CPU
    if request.accelerator is None:
        unknowns.append(
            "accelerator not answered: this is the CPU-only build; answer the "
            "accelerator question for a GPU build"
        )
    if machine.platform is None:
        return nobuild(
            request, framework, f"wheels.yaml has no wheels for {machine.system}/{machine.machine}"
        )
    if target is Accelerator.CUDA and machine.wsl == 1:
        return nobuild(
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
    request: PlanRequest,
    framework: Framework,
    target: Accelerator,
    choice: Choice,
    unknowns: list[str],
) -> Planned:
    build, release, fit = choice.build, choice.release, choice.fit
    swap = reinstall_for(framework, build, release, target, request.machine, request.matrix)
    install = Install(
        packages=_packages(build, release),
        index_url=build.index_url,
        links=_links(build),
        force=swap.reinstall and not swap.uninstall,
    )
    return Planned(
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


def _refused(
    request: PlanRequest,
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
            command = " && ".join(shlex.join(c) for c in cpu_plan.commands(request.python))
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
    return nobuild(
        request,
        framework,
        refusal.reason,
        tuple(ways),
        tuple(dict.fromkeys((*unknowns, *refusal.unknowns))),
    )
