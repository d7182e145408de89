"""Built-in checks of the installed builds against the GPU and its driver: a CPU build where a
GPU is wanted, a build's CUDA newer than the driver supports, a GPU outside the build's
architectures. Each says what it computed; the item decides."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from packaging.version import Version

from recommender.core.catalog import Accelerator, Framework
from recommender.decide.checklist.checks.pytorch import (
    ARCH_LISTS_FROM,
    build_of,
    report_arches,
    toolkit_span,
    variant_fix,
)
from recommender.decide.checklist.inputs import ItemView, field_text
from recommender.decide.checklist.install import cuda_alternative, major_minor, version_of
from recommender.decide.checklist.registry import Check, Finding, defines, finding

_TORCH = Framework.PYTORCH.value


@defines(
    "torch_build",
    verdicts=("cpu-build-gpu-here", "cuda-build-gpu", "cuda-build-no-gpu", "other"),
    fields=("version", "cuda", "where", "reinstall"),
    wheels=True,
)
def torch_build(view: ItemView) -> Finding:
    flavour, cuda = view.fw("build.flavour"), view.fw("build.cuda")
    version = view.fw("version") or "?"
    if flavour == "cpu" and view.inputs.wants_gpu():
        reinstall = variant_fix(view) or view.install("nvidia")
        return finding("cpu-build-gpu-here", version=version, reinstall=reinstall)
    if cuda and view.inputs.nvidia_gpus():
        return finding("cuda-build-gpu", version=version, cuda=cuda)
    facts = view.inputs.facts
    if cuda and not facts.accelerators and isinstance(facts.get("accelerators"), tuple):
        return finding("cuda-build-no-gpu", version=version, cuda=cuda)
    where = "no NVIDIA GPU in use" if flavour == "cpu" else f"build {flavour or cuda or 'unknown'}"
    return finding("other", version=version, where=where)


def _cuda_build(view: ItemView) -> str | None:
    """The CUDA version of the item's framework build, when it is a CUDA build on NVIDIA GPUs
    and the build item above it does not already fail (a CPU build with a GPU wanted)."""
    cuda = view.fw("build.cuda")
    if not cuda or not view.inputs.nvidia_gpus():
        return None
    if view.framework == _TORCH and view.fw("build.flavour") == "cpu" and view.inputs.wants_gpu():
        return None
    if view.framework != _TORCH and _tf_cpu_build_wanted_gpu(view):
        return None
    return str(cuda)


def _driver(view: ItemView, alternative: Callable[[], str | None]) -> Finding | None:
    """The driver supports CUDA older than the build's: the verdict, and what to do. A report
    that shows the framework using CUDA ("Is CUDA available: True") proves the driver runs the
    build: direct evidence beats the driver table, so there is no verdict then."""
    if view.fw("cuda_available") is True:
        return None
    cuda = _cuda_build(view)
    max_cuda = view.fact("derived.nvidia_max_cuda")
    build, top = major_minor(cuda), major_minor(max_cuda)
    if cuda is None or build is None or top is None or build <= top:
        return None
    gpus = view.inputs.nvidia_gpus()
    driver = next(
        (g.get("driver_version") for g in gpus if g.get("driver_version")),
        "(version not in the report; torch's own warning gives the CUDA)",
    )
    release = ".".join(str(p) for p in build)
    compat = version_of(view.table("cuda_minor_compat_min_driver").get(str(build[0])))
    have = version_of(driver)
    # With the driver's version unknown (torch's "found version 11040" warning gave the CUDA),
    # a driver for CUDA 11.1 or any 12.x is past its major's minor-compatibility floor.
    unknown_ok = have is None and (build[0] >= 12 or top >= (11, 1))
    known_ok = have is not None and compat is not None and have >= compat
    minor_ok = build[0] == top[0] and (known_ok or unknown_ok)
    min_driver = field_text(view.table("cuda_min_driver").get(release)) or _wheels_floor(
        view, release
    )
    return finding(
        "minor-compat" if minor_ok else "too-new",
        cuda=cuda,
        cuda_release=release,
        driver=str(driver),
        max_cuda=str(max_cuda),
        min_driver=min_driver or f"a driver for CUDA {release}",
        alternative=alternative(),
    )


def _wheels_floor(view: ItemView, release: str) -> str | None:
    """The toolkit's GA driver from rules/wheels.yaml ``cuda_drivers`` (back to CUDA 9.0)."""
    from recommender.core.catalog import DriverColumn

    windows = view.inputs.facts.machine.system == "Windows"
    column = DriverColumn.WINDOWS if windows else DriverColumn.LINUX
    return view.inputs.rulebase.wheels.toolkit_floor(Version(release), column)


_DRIVER_FIELDS = ("cuda", "cuda_release", "driver", "max_cuda", "min_driver", "alternative")


@defines(
    "torch_driver",
    verdicts=("too-new", "minor-compat"),
    fields=_DRIVER_FIELDS,
    tables=("cuda_min_driver", "cuda_minor_compat_min_driver", "torch_cuda_builds", "newest_known"),
    framework_fields=("wheel_index",),
    wheels=True,
)
def torch_driver(view: ItemView) -> Finding | None:
    max_cuda, min_cc = view.fact("derived.nvidia_max_cuda"), view.fact("derived.nvidia_min_cc")
    return _driver(
        view,
        lambda: (
            variant_fix(view)
            or cuda_alternative(view, max_cuda, min_cc)
            or "no CUDA build of torch in rules/wheels.yaml runs on it"
        ),
    )


@defines(
    "tf_driver",
    verdicts=("too-new", "minor-compat"),
    fields=_DRIVER_FIELDS,
    tables=("cuda_min_driver", "cuda_minor_compat_min_driver"),
    wheels=True,
)
def tf_driver(view: ItemView) -> Finding | None:
    return _driver(view, lambda: view.install(Accelerator.CPU.info.answer))


@defines(
    "torch_cc",
    verdicts=("inside", "outside", "unknown", "outside-toolkit"),
    fields=("gpus", "gpu", "cc", "label", "span", "reinstall"),
    wheels=True,
)
def torch_cc(view: ItemView) -> Finding | None:
    """Each NVIDIA GPU's compute capability against the installed build's architecture list:
    the report's own (torch's warning), else wheels.yaml's for that release and CUDA (torch 1.8
    on); before that the list is unknown. A list torch printed (``torch.cuda.get_arch_list()``)
    is judged without the build's CUDA release or version."""
    cuda = _cuda_build(view)
    arches = report_arches(view.fw("build.arch_list"))
    if cuda is None and (arches is None or not view.inputs.nvidia_gpus()):
        return None
    version = view.fw("version")
    release = version_of(version) if version else None
    label = f"torch {version}" if version else "this torch build"
    if arches is None and cuda is not None and release is not None and release >= ARCH_LISTS_FROM:
        row = build_of(view.inputs.rulebase.wheels, release, cuda)
        arches = row.arches if row is not None and row.arches else None
    gpus = tuple(g for g in view.inputs.nvidia_gpus() if g.get("compute_capability"))
    if not gpus:
        return finding("unknown", label=label, gpus="the GPU's compute capability is not known")
    if arches is None:
        reach = toolkit_span(cuda) if cuda is not None else None
        low = [g for g in gpus if reach is not None and not _in_range(g, *reach)]
        if reach is not None and low:
            floor, top = reach
            upto = f" to {top}.x" if top is not None else " and up"
            g = low[0]
            return finding(
                "outside-toolkit",
                gpu=g.get("name") or "GPU",
                cc=field_text(g.get("compute_capability")),
                label=label,
                span=f"CUDA {cuda} compiles for compute capability {floor}{upto}",
                reinstall=variant_fix(view),
            )
        return finding("unknown", label=label, gpus=_gpu_names(gpus))
    span = " ".join(f"sm_{a.major}{a.minor}" for a in arches)
    bad = [g for g in gpus if not _in_list(g, arches)]
    if not bad:
        return finding("inside", gpus=_gpu_names(gpus), label=label, span=span)
    g = bad[0]
    return finding(
        "outside",
        gpu=g.get("name") or "GPU",
        cc=field_text(g.get("compute_capability")),
        label=label,
        span=span,
        reinstall=variant_fix(view) or view.install("nvidia"),
    )


def _in_range(g: Mapping[str, Any], floor: Version, top: int | None) -> bool:
    cc = version_of(g.get("compute_capability"))
    return cc is None or (cc >= floor and (top is None or cc.major <= top))


def _gpu_names(gpus: tuple[Mapping[str, Any], ...]) -> str:
    return ", ".join(f"{g.get('name') or 'GPU'} (cc {g.get('compute_capability')})" for g in gpus)


def _in_list(g: Mapping[str, Any], arches: tuple[Version, ...]) -> bool:
    cc = version_of(g.get("compute_capability"))
    return cc is None or any(a.major == cc.major and a.minor <= cc.minor for a in arches)


def _tf_cpu_build_wanted_gpu(view: ItemView) -> bool:
    dist = view.fw("distribution")
    cpu = dist == "tensorflow-cpu" or (view.fw("build.known") is True and not view.fw("build.cuda"))
    linux = view.inputs.facts.machine.system == "Linux"
    return linux and view.inputs.wants_gpu() and cpu


@defines(
    "tf_build",
    verdicts=("cpu-build-gpu-here", "cuda-build-gpu", "other"),
    fields=("version", "distribution", "cuda", "where"),
)
def tf_build(view: ItemView) -> Finding:
    version = view.fw("version") or "?"
    dist = view.fw("distribution") or Framework.TENSORFLOW.value
    if _tf_cpu_build_wanted_gpu(view):
        return finding("cpu-build-gpu-here", version=version, distribution=dist)
    cuda = view.fw("build.cuda")
    if cuda and view.inputs.nvidia_gpus():
        return finding("cuda-build-gpu", version=version, distribution=dist, cuda=cuda)
    gpu_note = "" if view.inputs.wants_gpu() else ", no NVIDIA GPU in use"
    where = f"CUDA {cuda} build" if cuda else "CPU build" + gpu_note
    return finding("other", version=version, distribution=dist, where=where)


BUILTIN: tuple[Check, ...] = (torch_build, torch_driver, torch_cc, tf_build, tf_driver)

__all__ = ["BUILTIN"]
