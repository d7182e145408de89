"""Does one build of one release fit this machine? Python, macOS, GPU architecture, driver.

Each check returns a ``Fit``: ok or not, the reasons it does not fit, notes a plan repeats,
unknowns (facts the planner could not check: said, never silently treated as fine), a rank
for choosing among fitting builds, and hints the ways out of a NoBuild are built from.
NVIDIA's rules, as NVIDIA documents them: SASS for X.y runs on X.z for z >= y; PTX runs on
newer GPUs by JIT, which needs the toolkit's own driver; otherwise an application built with
any toolkit of a CUDA major runs on that major's minor-version-compatibility floor.
"""

from __future__ import annotations

from dataclasses import replace

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from recommender.core.catalog import Accelerator, Platform
from recommender.core.frozen import frozen
from recommender.facts.machine import Machine
from recommender.rulebase.wheels.model import Build, Release, WheelMatrix


@frozen
class Fit:
    ok: bool = True
    reasons: tuple[str, ...] = ()
    #: What each reason is about: "python", "driver", "macos", "platform" or "other".
    kinds: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    #: Higher is better among fitting builds of one release line.
    rank: tuple[int, ...] = ()
    #: What would make this build fit, when that is the only kind of problem.
    driver_hint: str | None = None
    python_hint: SpecifierSet | None = None
    macos_hint: Version | None = None

    def __add__(self, other: Fit) -> Fit:
        both = [h for h in (self.python_hint, other.python_hint) if h is not None]
        return Fit(
            ok=self.ok and other.ok,
            reasons=self.reasons + other.reasons,
            kinds=self.kinds + other.kinds,
            notes=self.notes + other.notes,
            unknowns=self.unknowns + other.unknowns,
            rank=self.rank + other.rank,
            driver_hint=max(
                (h for h in (self.driver_hint, other.driver_hint) if h), key=Version, default=None
            ),
            python_hint=both[0] & both[1] if len(both) == 2 else (both[0] if both else None),
            macos_hint=max((h for h in (self.macos_hint, other.macos_hint) if h), default=None),
        )

    @property
    def only_kind(self) -> str | None:
        """The one kind of problem this build has, when all its reasons are of one kind."""
        kinds = set(self.kinds)
        return kinds.pop() if len(kinds) == 1 else None


def no(
    reason: str,
    *,
    driver_hint: str | None = None,
    python_hint: SpecifierSet | None = None,
    macos_hint: Version | None = None,
) -> Fit:
    kind = (
        "driver"
        if driver_hint
        else "python"
        if python_hint is not None
        else "macos"
        if macos_hint
        else "other"
    )
    return Fit(
        ok=False,
        reasons=(reason,),
        kinds=(kind,),
        driver_hint=driver_hint,
        python_hint=python_hint,
        macos_hint=macos_hint,
    )


def branch(driver: str) -> str:
    """``"580.65.06"`` -> ``"580.65.06 (R580)"``: how NVIDIA names driver branches."""
    return f"{driver} (R{driver.split('.', 1)[0]})"


def python_fit(release: Release, platform: Platform, machine: Machine, what: str = "") -> Fit:
    """Wheels for this Python here; ``what`` names a companion ("tensorflow-metal 1.2 ")."""
    spec = release.python_for(platform)
    if spec is None:
        return replace(no(f"no {what}wheel for {platform.value}"), kinds=("platform",))
    if machine.python is None:
        return Fit(unknowns=(f"Python version unknown: {release.label} needs Python {spec}",))
    if not spec.contains(machine.python, prereleases=True):
        return no(
            f"no {what}wheel for Python {machine.python} (wheels for {spec})", python_hint=spec
        )
    return Fit()


def macos_fit(minimum: Version | None, what: str, machine: Machine) -> Fit:
    if minimum is None:
        return Fit()
    if machine.macos is None:
        return Fit(unknowns=(f"macOS version unknown: {what} needs macOS >= {minimum}",))
    if machine.macos < minimum:
        return no(
            f"{what}: needs macOS >= {minimum}; this is macOS {machine.macos}", macos_hint=minimum
        )
    return Fit()


def covers(build: Build, cc: Version) -> str | None:
    """How ``build`` runs on compute capability ``cc``: "sass", "ptx", "jit", or None."""
    if any(a.major == cc.major and a.minor <= cc.minor for a in build.arches):
        return "sass"
    if build.ptx is not None and cc >= build.ptx:
        return "ptx"
    if build.min_cc is not None and cc >= build.min_cc:
        return "jit"
    return None


def _arch_range(build: Build) -> str:
    if build.arches:
        return f"{build.arches[0]}-{build.arches[-1]}" + (
            f" (+PTX {build.ptx})" if build.ptx else ""
        )
    if build.min_cc:
        return f">= {build.min_cc}"
    return "an unknown list of architectures"


def cc_fit(build: Build, machine: Machine) -> tuple[Fit, bool]:
    """Whether every NVIDIA GPU is covered; the flag says some GPU needs the PTX (JIT) path."""
    if not machine.nvidia:
        return Fit(unknowns=("no NVIDIA GPU in the facts: compute capability unknown",)), False
    needs_ptx, unknown = False, []
    for gpu in machine.nvidia:
        if gpu.cc is None:
            unknown.append(
                f"compute capability of {gpu.name or 'a GPU'} unknown: "
                f"{build.row} covers {_arch_range(build)}"
            )
            continue
        how = covers(build, gpu.cc)
        if how is None:
            return no(
                f"{build.row}: no kernels for compute capability {gpu.cc} "
                f"(covers {_arch_range(build)})"
            ), False
        needs_ptx = needs_ptx or how == "ptx"
    return Fit(unknowns=tuple(unknown)), needs_ptx


def _driver_now(
    machine: Machine, matrix: WheelMatrix
) -> tuple[str, Version, tuple[str, ...]] | None:
    """The driver to judge by, as (quoted, compared, what was derived): reported, or the GA
    driver of nvidia-smi's CUDA version; None when neither is known."""
    if machine.driver and machine.driver_version is not None:
        return machine.driver, machine.driver_version, ()
    if machine.max_cuda is not None:
        floor = matrix.toolkit_floor(machine.max_cuda, machine.driver_column)
        if floor:
            return (
                floor,
                Version(floor),
                (
                    (
                        f"driver version unknown; the driver reports CUDA {machine.max_cuda}, "
                        f"read as driver >= {floor}"
                    ),
                ),
            )
    return None


def _unknown_driver(build: Build, needed: str, native: str | None) -> Fit:
    """No driver version at all: say what this build needs; rank the lowest floors first."""
    cuda = build.cuda
    tiebreak = Version(native or needed).release
    return Fit(
        unknowns=(
            (
                f"NVIDIA driver version unknown: {build.row} (CUDA {cuda}) needs driver "
                f">= {branch(needed)}; check it with nvidia-smi"
            ),
        ),
        rank=(-1, *(-x for x in Version(needed).release), *(-x for x in tiebreak)),
    )


def driver_fit(build: Build, machine: Machine, matrix: WheelMatrix, needs_ptx: bool) -> Fit:
    """Native (the toolkit's GA driver), else minor-version compatibility, else not at all."""
    cuda = build.cuda
    if cuda is None:
        return Fit()
    column = machine.driver_column
    native = matrix.toolkit_floor(cuda, column)
    minor = None if needs_ptx else matrix.minor_floor(cuda.major, column)
    floors = [f for f in (native, minor) if f]
    if not floors:
        return Fit(
            unknowns=(
                f"wheels.yaml has no {column.value} driver floor for CUDA {cuda} ({build.row})",
            )
        )
    needed = min(floors, key=Version)
    now = _driver_now(machine, matrix)
    if now is None:
        return _unknown_driver(build, needed, native)
    driver, version, derived = now
    if native and version >= Version(native):
        return Fit(unknowns=derived, rank=(1, *cuda.release))
    if minor and version >= Version(minor):
        if native is None:  # NVIDIA publishes no GA driver for this column: the major's floor rules
            note = f"NVIDIA lists no {column.value} driver for CUDA {cuda}; CUDA {cuda.major}.x needs >= {minor}"
            return Fit(notes=(note,), unknowns=derived, rank=(1, *cuda.release))
        note = (
            f"{build.row} runs on driver {driver} through CUDA {cuda.major} minor-version "
            f"compatibility (>= {minor}); CUDA {cuda}'s own driver is {native}"
        )
        return Fit(notes=(note,), unknowns=derived, rank=(0, *cuda.release))
    return no(
        f"{build.row}: needs driver >= {branch(needed)}; this driver is {driver}",
        driver_hint=needed,
    )


def nvidia_fit(build: Build, machine: Machine, matrix: WheelMatrix) -> Fit:
    cc, needs_ptx = cc_fit(build, machine)
    if not cc.ok or build.jetpack is not None:  # a Jetson's driver is its JetPack's own
        return cc
    return cc + driver_fit(build, machine, matrix, needs_ptx)


def amd_fit(build: Build, machine: Machine) -> Fit:
    if not machine.gfx:
        return Fit(unknowns=("no AMD GPU in the facts: its gfx target is unknown",))
    unknown = []
    for gfx in machine.gfx:
        if gfx is None:
            unknown.append(
                f"gfx target of an AMD GPU unknown: {build.row} has {', '.join(build.gfx)}"
            )
        elif gfx not in build.gfx:
            return no(f"{build.row}: no kernels for {gfx} (has {', '.join(build.gfx)})")
    return Fit(unknowns=tuple(unknown))


def accelerator_fit(build: Build, machine: Machine, matrix: WheelMatrix) -> Fit:
    if build.accelerator is Accelerator.CUDA:
        return nvidia_fit(build, machine, matrix)
    if build.accelerator is Accelerator.ROCM:
        return amd_fit(build, machine)
    if build.accelerator is Accelerator.MPS:
        return macos_fit(build.macos_min, build.row, machine)
    return Fit()


def companions_fit(
    build: Build, release: Release, platform: Platform, machine: Machine, matrix: WheelMatrix
) -> Fit:
    """Companion packages at a release line, and a ``pairs_with`` package at the same X.Y."""
    total = Fit()
    lines = [(c.package, c.line) for c in build.companions if c.line is not None]
    if build.pairs_with:
        lines.append((build.pairs_with, release.line))
    for package, line in lines:
        other = matrix.release(package, line)
        if other is None:
            total += no(f"{build.row}: needs {package} {line}, which wheels.yaml does not list")
        else:
            total += python_fit(other, platform, machine, f"{other.label} ")
    return total


def libc_fit(release: Release, platform: Platform, machine: Machine) -> Fit:
    """manylinux wheels need glibc at least their floor; musl (Alpine) takes none of them."""
    if not platform.is_manylinux:
        return Fit()
    if machine.libc == "musl":
        musl = platform.musl
        if musl is not None and release.python_for(musl) is not None:
            return Fit()
        return Fit(
            ok=False,
            reasons=(
                f"no musllinux wheel of {release.label}: its Linux wheels are manylinux (glibc)",
            ),
            kinds=("libc",),
        )
    floor = release.glibc.get(platform)
    if floor is None:
        return Fit()
    if machine.glibc is None:
        if machine.libc is None and floor > Version("2.17"):
            return Fit(unknowns=(f"libc unknown: {release.label} needs glibc >= {floor}",))
        return Fit()
    if machine.glibc < floor:
        return Fit(
            ok=False,
            reasons=(f"needs glibc >= {floor}; this is glibc {machine.glibc}",),
            kinds=("libc",),
        )
    return Fit()


def build_python_fit(build: Build, machine: Machine) -> Fit:
    """A build narrower than its release (Jetson wheels are for JetPack's own Python)."""
    if build.python is None or machine.python is None:
        return Fit()
    if build.python.contains(machine.python, prereleases=True):
        return Fit()
    return no(f"{build.row}: wheels for Python {build.python} only", python_hint=build.python)


def fit(
    build: Build, release: Release, platform: Platform, machine: Machine, matrix: WheelMatrix
) -> Fit:
    """Everything that decides whether ``build`` at ``release`` installs and runs here."""
    total = python_fit(release, platform, machine) + libc_fit(release, platform, machine)
    total += build_python_fit(build, machine)
    if platform.is_macos:
        total += macos_fit(release.macos, "macOS wheels", machine)
    total += companions_fit(build, release, platform, machine, matrix)
    total += accelerator_fit(build, machine, matrix)
    if build.caveat:
        total += Fit(notes=(build.caveat,))
    return total
