"""Can the installed build use the answered accelerator? If not, the plan replaces it.

A CPU build on a GPU machine, a build for another GPU vendor, a CUDA variant this GPU or
driver cannot run, or a TensorFlow distribution that cannot reach the accelerator
(``tensorflow-cpu`` on NVIDIA, anything but ``tensorflow-tpu`` on a TPU) is replaced: by
``--force-reinstall`` when the distribution stays, by an uninstall first when it changes
(TensorFlow's distributions overwrite each other's files). On a CPU answer every build runs.
"""

from __future__ import annotations

from dataclasses import replace

from packaging.specifiers import SpecifierSet

from recommender.core.catalog import Accelerator, Flavour, Framework
from recommender.core.frozen import frozen
from recommender.decide.install.fit import accelerator_fit
from recommender.facts.machine import Installed, Machine
from recommender.rulebase.wheels.model import Build, Release, WheelMatrix

#: Flavours that only run on their own accelerator.
_GPU_FLAVOURS = (Flavour.CUDA, Flavour.ROCM, Flavour.XPU)


@frozen
class Swap:
    reinstall: bool = False
    uninstall: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()


def reinstall_for(
    framework: Framework,
    build: Build,
    release: Release,
    target: Accelerator,
    machine: Machine,
    matrix: WheelMatrix,
) -> Swap:
    installed = machine.installed.get(framework)
    if installed is None or installed.installed is not True or target is Accelerator.CPU:
        return Swap()
    name = installed.distribution or build.package
    if framework is Framework.TENSORFLOW and name != build.package:
        return Swap(
            reinstall=True,
            uninstall=(name,),
            notes=(
                (
                    f"the installed {name} cannot use the {target.info.answer} accelerator: it is replaced "
                    f"by {build.package}"
                ),
            ),
        )
    if build.flavour not in _GPU_FLAVOURS:
        return Swap()
    swap = _gpu_swap(framework, build, target, installed, machine, matrix)
    return swap if swap.reinstall else replace(swap, notes=_kept(build, release, installed))


def _kept(build: Build, release: Release, installed: Installed) -> tuple[str, ...]:
    """A usable installed build of the same X.Y but another variant: pip would keep it."""
    if installed.version is None or installed.flavour is None:
        return ()
    if not SpecifierSet(f"=={release.line}.*").contains(installed.version, prereleases=True):
        return ()
    same = installed.flavour is build.flavour and (
        build.cuda is None
        or (installed.cuda is not None and installed.cuda.release[:2] == build.cuda.release[:2])
    )
    if same:
        return ()
    return (
        (
            f"the installed {build.package} {installed.version} also runs here and already "
            f"matches =={release.line}.*, so pip keeps it; add --force-reinstall to get {build.row}"
        ),
    )


def _gpu_swap(
    framework: Framework,
    build: Build,
    target: Accelerator,
    installed: Installed,
    machine: Machine,
    matrix: WheelMatrix,
) -> Swap:
    what = f"the installed {framework.value} {installed.version or ''}".rstrip()
    if installed.flavour is None:
        return Swap(unknowns=(f"{what}: its build is unknown, so it is not replaced",))
    if installed.flavour is not build.flavour:
        return Swap(
            reinstall=True,
            notes=(
                (
                    f"{what} is a {installed.flavour.value} build, which cannot use the {target.info.answer} "
                    f"accelerator: it is replaced by {build.row}"
                ),
            ),
        )
    if build.flavour is Flavour.CUDA:
        return _cuda_swap(framework, what, installed, machine, matrix)
    return Swap()


def _cuda_swap(
    framework: Framework,
    what: str,
    installed: Installed,
    machine: Machine,
    matrix: WheelMatrix,
) -> Swap:
    """A CUDA build: find its row by CUDA X.Y and release, and check it against this GPU."""
    if installed.cuda is None or installed.version is None or machine.platform is None:
        return Swap(unknowns=(f"{what}: its CUDA version is unknown, so it is not replaced",))
    rows = [
        b
        for b in matrix.builds_for(framework, Accelerator.CUDA, machine.platform)
        if b.cuda is not None
        and b.cuda.release[:2] == installed.cuda.release[:2]
        and b.releases.contains(installed.version, prereleases=True)
    ]
    if not rows:
        return Swap(
            unknowns=(
                (
                    f"{what} (CUDA {installed.cuda}) is not in wheels.yaml: cannot "
                    "tell whether it runs on this GPU and driver"
                ),
            )
        )
    fits = [accelerator_fit(b, machine, matrix) for b in rows]
    if any(f.ok for f in fits):
        return Swap()
    reasons = "; ".join(dict.fromkeys(r for f in fits for r in f.reasons))
    return Swap(
        reinstall=True,
        notes=(f"{what} (CUDA {installed.cuda}) cannot run here ({reasons}): it is replaced",),
    )
