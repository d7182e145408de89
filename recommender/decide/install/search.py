"""Search the matrix: the newest release line with a build that fits, or why none does.

For one framework, accelerator and platform, release lines are tried newest first; the first
line with a fitting build wins, and the best-ranked fitting build of that line is chosen (on a
known driver: one the driver runs natively before one that needs minor-version compatibility,
then the newest CUDA; on an unknown driver: the lowest driver floor). Every newer line that did
not fit becomes a ``gave_up`` line saying why. When nothing fits, the ways out come from the
failures that had exactly one cause (a driver, a Python or a macOS away from fitting).
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from recommender.core.catalog import Accelerator, Framework, Platform
from recommender.core.frozen import frozen
from recommender.decide.install.fit import Fit, branch, fit
from recommender.decide.install.view import search_key
from recommender.facts.machine import Machine
from recommender.rulebase.wheels.model import Build, Release, WheelMatrix


@frozen
class Candidate:
    build: Build
    release: Release
    fit: Fit


@frozen
class Choice:
    build: Build
    release: Release
    fit: Fit
    gave_up: tuple[str, ...] = ()


@frozen
class Refusal:
    reason: str
    ways_out: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()


def _lines(matrix: WheelMatrix, builds: tuple[Build, ...]) -> tuple[Version, ...]:
    """The release lines any of ``builds`` has, newest first (once per set of builds)."""

    def make() -> tuple[Version, ...]:
        lines = {r.line for b in builds for r in matrix.lines(b.package) if matrix.built(b, r)}
        return tuple(sorted(lines, reverse=True))

    return matrix.memo(("search.lines", tuple((b.row, b.package) for b in builds)), make)


def _candidates(
    matrix: WheelMatrix, builds: Sequence[Build], line: Version, platform: Platform, m: Machine
) -> list[Candidate]:
    out = []
    for build in builds:
        release = matrix.release(build.package, line)
        if release is not None and matrix.built(build, release):
            out.append(
                Candidate(
                    build=build, release=release, fit=fit(build, release, platform, m, matrix)
                )
            )
    return out


def _summary(candidates: Sequence[Candidate]) -> str:
    """One line for a release line's failures; builds failing the same way are listed once."""
    grouped: dict[str, list[str]] = {}
    for c in candidates:
        for reason in c.fit.reasons:
            row, sep, rest = reason.partition(": ")
            if sep and row == c.build.row:
                grouped.setdefault(rest, []).append(row)
            else:
                grouped.setdefault(reason, [])
    parts = [
        f"{', '.join(dict.fromkeys(rows))}: {why}" if rows else why for why, rows in grouped.items()
    ]
    return "; ".join(parts) or "no build fits"


def _gave_up(skipped: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    """``(label, why)`` per skipped line; neighbours with the same why are merged."""
    merged: list[tuple[list[str], str]] = []
    for label, why in skipped:
        if merged and merged[-1][1] == why:
            merged[-1][0].append(label.rsplit(" ", 1)[-1])
        else:
            merged.append(([label], why))
    return tuple(f"{', '.join(labels)}: {why}" for labels, why in merged)


def choose(
    matrix: WheelMatrix,
    framework: Framework,
    accelerator: Accelerator,
    platform: Platform,
    machine: Machine,
) -> Choice | Refusal:
    """The newest release line with a fitting build, or why none fits. Memoised on the matrix
    by what the search reads (never the installed builds): a plan asks it up to four times,
    and a fleet's plans for one view of a machine (``view.py``) share it."""
    key = ("search.choose", framework, accelerator, platform, search_key(machine))
    return matrix.memo(key, lambda: _choose(matrix, framework, accelerator, platform, machine))


def _choose(
    matrix: WheelMatrix,
    framework: Framework,
    accelerator: Accelerator,
    platform: Platform,
    machine: Machine,
) -> Choice | Refusal:
    builds = jetson_builds(matrix.builds_for(framework, accelerator, platform), machine)
    if not builds:
        return _no_rows(matrix, framework, accelerator, platform, machine)
    skipped: list[tuple[str, str]] = []
    tried: list[list[Candidate]] = []
    for line in _lines(matrix, builds):
        candidates = _candidates(matrix, builds, line, platform, machine)
        fitting = [c for c in candidates if c.fit.ok]
        if fitting:
            best = max(fitting, key=lambda c: c.fit.rank)
            return Choice(
                build=best.build, release=best.release, fit=best.fit, gave_up=_gave_up(skipped)
            )
        if candidates:
            skipped.append((candidates[0].release.label, _summary(candidates)))
            tried.append(candidates)
    return _refusal(framework, accelerator, machine, tried)


def jetson_builds(builds: Sequence[Build], machine: Machine) -> tuple[Build, ...]:
    """A Jetson before JetPack 7 runs only NVIDIA's JetPack wheels (its GPU is tegra, not
    SBSA); any other machine never gets them; JetPack 7 (Thor, SBSA) takes both."""
    out = []
    for build in builds:
        if build.jetpack is None:
            if not machine.tegra or build.accelerator is not Accelerator.CUDA:
                out.append(build)
        elif machine.jetpack is not None and build.jetpack.contains(
            machine.jetpack, prereleases=True
        ):
            out.append(build)
    return tuple(out)


def _no_rows(
    matrix: WheelMatrix,
    framework: Framework,
    accelerator: Accelerator,
    platform: Platform,
    machine: Machine,
) -> Refusal:
    gap = matrix.no_build_for(framework, accelerator, platform)
    if machine.tegra and accelerator is Accelerator.CUDA:
        if machine.jetpack is None:
            return Refusal(
                reason="a Jetson's wheels depend on its JetPack release, which is unknown "
                "(give --jetpack, or probe the board: /etc/nv_tegra_release)"
            )
        return Refusal(
            reason=f"NVIDIA publishes no {framework.value} wheel for JetPack {machine.jetpack} "
            "that wheels.yaml can cite"
        )
    if gap is not None:
        return Refusal(
            reason=f"{gap.reason} (wheels.yaml no_build {gap.row})", ways_out=gap.ways_out
        )
    ways: tuple[str, ...] = ()
    if platform is Platform.WINDOWS_AMD64 and matrix.builds_for(
        framework, accelerator, Platform.LINUX_X86_64
    ):
        ways = (
            (
                f"Run under WSL 2: {framework.value} has {accelerator.info.answer} builds for Linux, "
                "and WSL 2 reaches the GPU through the Windows driver"
            ),
        )
    return Refusal(
        reason=f"wheels.yaml has no {accelerator.info.answer} build of {framework.value} "
        f"for {platform.value}",
        ways_out=ways,
    )


def newest_python(spec: SpecifierSet) -> str | None:
    """The newest ``3.N`` a Python specifier allows (the one to suggest)."""
    return next((f"3.{n}" for n in range(40, -1, -1) if Version(f"3.{n}") in spec), None)


def _single_fix(c: Candidate) -> str | None:
    """A way out when everything in the way of this candidate is one thing a person changes."""
    what = f"{c.release.label} ({c.build.row})"
    kind = c.fit.only_kind
    if kind == "driver" and c.fit.driver_hint and c.build.jetpack is None:
        return f"Upgrade the NVIDIA driver to >= {branch(c.fit.driver_hint)}: then {what} runs"
    if kind == "python" and c.fit.python_hint is not None:
        python = newest_python(c.fit.python_hint)
        if python:
            return f"Use Python {python}: {what} has wheels for Python {c.fit.python_hint}"
    if kind == "macos" and c.fit.macos_hint is not None:
        return f"Update macOS to >= {c.fit.macos_hint}: then {what} runs"
    return None


def _refusal(
    framework: Framework,
    accelerator: Accelerator,
    machine: Machine,
    tried: Sequence[Sequence[Candidate]],
) -> Refusal:
    ways: list[str] = []
    for candidates in tried:  # newest line first: its one-step fixes are the best ways out
        for c in candidates:
            fix = _single_fix(c)
            kind = fix.split(" ", 1)[0] if fix else ""
            if fix and machine.jetpack is not None and kind == "Upgrade":
                continue  # a Jetson's driver comes with its JetPack: there is no driver upgrade
            if fix and not any(w.startswith(kind) for w in ways):
                ways.append(fix)
    relevant = [t for t in tried if any(k != "platform" for c in t for k in c.fit.kinds)]
    newest = (relevant or list(tried) or [[]])[0]
    label = newest[0].release.label if newest else framework.value
    unknowns = tuple(dict.fromkeys(u for c in newest for u in c.fit.unknowns))
    return Refusal(
        reason=f"No {accelerator.info.answer} build of {framework.value} fits {machine.describe}: "
        f"{label}: {_summary(newest)}",
        ways_out=tuple(ways),
        unknowns=unknowns,
    )
