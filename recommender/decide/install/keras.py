"""Keras's install plan: its backend's plan (framework.py), plus the newest Keras release that
this Python and the backend's release accept, from PyPI."""

from __future__ import annotations

from dataclasses import replace

from packaging.specifiers import SpecifierSet

from recommender.core.catalog import KerasBackend, Platform
from recommender.decide.install.framework import plan_framework
from recommender.decide.install.search import newest_python
from recommender.decide.install.values import Install, NoBuild, Planned, PlanRequest, nobuild
from recommender.rulebase.wheels.model import Release

#: Keras' own default when KERAS_BACKEND is unset (keras.io, "configuring your backend").
KERAS_DEFAULT_BACKEND = KerasBackend.TENSORFLOW.value


def _keras_release(request: PlanRequest, backend_requires: str | None) -> Release | str:
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


def plan_keras(request: PlanRequest, backend: str, defaulted: bool) -> Planned | NoBuild:
    base = plan_framework(request, KerasBackend(backend).framework)
    if isinstance(base, NoBuild):
        return replace(
            base,
            reason=f"Keras on {backend}: {base.reason}",
            ways_out=(*base.ways_out, *_other_backends(request, backend)),
        )
    pin = base.release.requires.get("keras") if base.release else None
    keras = _keras_release(request, pin)
    if isinstance(keras, str):
        return nobuild(
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


def _keras_python(request: PlanRequest) -> tuple[str, ...]:
    lines = request.matrix.lines("keras")
    spec = lines[0].python_for(Platform.ANY) if lines else None
    python = newest_python(spec) if spec is not None else None
    return (f"Use Python {python} ({lines[0].label} needs Python {spec})",) if python else ()


def _with_keras(
    installs: tuple[Install, ...], keras: tuple[tuple[str, str], ...]
) -> tuple[Install, ...]:
    """Keras comes from PyPI: join a PyPI install step, else add one after the backend's."""
    last = installs[-1]
    if last.index_url is None and not last.force:
        return (*installs[:-1], replace(last, packages=last.packages + keras))
    return (*installs, Install(packages=keras))


def _other_backends(request: PlanRequest, backend: str) -> tuple[str, ...]:
    ways = []
    for other in KerasBackend:
        if other.value != backend and isinstance(plan_framework(request, other.framework), Planned):
            ways.append(f"Another Keras backend: KERAS_BACKEND={other} has a build that fits here")
    return tuple(ways)
