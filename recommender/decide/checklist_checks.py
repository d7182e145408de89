"""Built-in checks about the frameworks: Python support, installed versions, builds against the
hardware, Keras and TensorFlow packaging. Each says what it computed; the item decides."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from recommender.catalog import Accelerator, Framework
from recommender.decide.checklist_inputs import ItemView, field_text, name_of
from recommender.decide.checklist_install import cuda_alternative, major_minor, version_of
from recommender.decide.checklist_registry import Check, Finding, defines, finding
from recommender.engine.evaluate import STALE_RULE

#: Python minor versions the Python item may suggest (newest inside a framework's range).
_PYTHONS = tuple(f"3.{minor}" for minor in range(8, 20))
_TORCH = Framework.PYTORCH.value
_KERAS = Framework.KERAS.value


def _python_row(view: ItemView, fw: str) -> tuple[str, str | None]:
    """(framework version checked, the supported Python specifier or None)."""
    have = version_of(view.fw("version", fw)) if view.inputs.installed(fw) else None
    version = have.base_version if have else view.table("newest_known").get(fw)
    for row in view.table("python_support").get(fw) or ():
        try:
            if version and SpecifierSet(row["versions"]).contains(version, prereleases=True):
                return version, row["python"]
        except (InvalidSpecifier, KeyError, TypeError):
            continue
    return version or "?", None


@defines(
    "python_support",
    verdicts=("unknown", "ok", "no-range", "outside"),
    fields=(
        "python_version",
        "checked",
        "summary",
        "failing",
        "failing_version",
        "range",
        "suggest",
    ),
    tables=("python_support", "newest_known"),
)
def python_support(view: ItemView) -> Finding:
    have = view.fact("python.version")
    checked: list[str] = []
    failing: tuple[str, str, str] | None = None
    without = [
        name_of(fw) for fw in view.inputs.targets if not view.table("python_support").get(fw)
    ]
    for fw in view.inputs.targets:
        version, spec = _python_row(view, fw)
        if spec is None:
            continue
        checked.append(f"{name_of(fw)} {version} supports {spec}")
        if have and not SpecifierSet(spec).contains(have, prereleases=True) and failing is None:
            failing = (fw, version, spec)
    joined = "; ".join(checked)
    if have is None:
        return finding("unknown", checked=joined)
    if failing is None:
        gap = f"no Python range for {', '.join(without)} in the rule base" if without else None
        summary = "; ".join(p for p in (joined, gap) if p) or "no range in the rule base"
        return finding("no-range" if gap else "ok", python_version=have, summary=summary)
    fw, version, spec = failing
    inside = [p for p in _PYTHONS if SpecifierSet(spec).contains(p + ".0")]
    return finding(
        "outside",
        python_version=have,
        failing=name_of(fw),
        failing_version=version,
        range=spec,
        suggest=inside[-1] if inside else "?",
    )


@defines(
    "installed",
    verdicts=("missing", "unknown", "newer", "ok"),
    fields=("distribution", "version", "newest", "verified"),
    tables=("newest_known",),
    wheels=True,
    cites=(STALE_RULE,),
)
def installed(view: ItemView) -> Finding:
    state = view.fw("installed")
    if state is not True:  # unknown is not "not installed": warn, never fail
        return finding("unknown" if state is None else "missing")
    version = view.fw("version") or "?"
    dist = view.fw("distribution") or view.framework
    known = view.table("newest_known").get(view.framework)
    have, top = version_of(version), version_of(known)
    fields = {"distribution": dist, "version": version, "newest": field_text(known)}
    if have is not None and top is not None and have.release[: len(top.release)] > top.release:
        return finding("newer", **fields)
    verified = f" (rule base verified up to {known})" if known else ""
    return finding("ok", verified=verified, **fields)


@defines(
    "torch_build",
    verdicts=("cpu-build-gpu-here", "cuda-build-gpu", "cuda-build-no-gpu", "other"),
    fields=("version", "cuda", "where"),
)
def torch_build(view: ItemView) -> Finding:
    flavour, cuda = view.fw("build.flavour"), view.fw("build.cuda")
    version = view.fw("version") or "?"
    if flavour == "cpu" and view.inputs.wants_gpu():
        return finding("cpu-build-gpu-here", version=version)
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
    """The driver supports CUDA older than the build's: the verdict, and what to do."""
    cuda = _cuda_build(view)
    max_cuda = view.fact("derived.nvidia_max_cuda")
    build, top = major_minor(cuda), major_minor(max_cuda)
    if cuda is None or build is None or top is None or build <= top:
        return None
    gpus = view.inputs.nvidia_gpus()
    driver = next((g.get("driver_version") for g in gpus if g.get("driver_version")), "?")
    release = ".".join(str(p) for p in build)
    compat = version_of(view.table("cuda_minor_compat_min_driver").get(str(build[0])))
    have = version_of(driver)
    minor_ok = build[0] == top[0] and have is not None and compat is not None and have >= compat
    min_driver = field_text(view.table("cuda_min_driver").get(release))
    return finding(
        "minor-compat" if minor_ok else "too-new",
        cuda=cuda,
        cuda_release=release,
        driver=str(driver),
        max_cuda=str(max_cuda),
        min_driver=min_driver or f"a driver for CUDA {release}",
        alternative=alternative(),
    )


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
    return _driver(view, lambda: cuda_alternative(view, max_cuda, min_cc))


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
    verdicts=("inside", "outside"),
    fields=("gpus", "gpu", "cc", "label", "span"),
    tables=("torch_cuda_builds",),
)
def torch_cc(view: ItemView) -> Finding | None:
    cuda = _cuda_build(view)
    if cuda is None:
        return None
    found = next(
        (
            (label, row)
            for label, row in view.table("torch_cuda_builds").items()
            if isinstance(row, Mapping) and major_minor(row.get("cuda")) == major_minor(cuda)
        ),
        None,
    )
    if found is None:
        return None
    label, row = found
    lo, hi = major_minor(row.get("min_cc")), major_minor(row.get("max_cc"))
    if lo is None or hi is None:
        return None
    gpus = view.inputs.nvidia_gpus()
    span = f"{row.get('min_cc')}-{row.get('max_cc')}"

    def outside(g: Mapping[str, Any]) -> bool:
        cc = major_minor(g.get("compute_capability"))
        return cc is not None and not lo <= cc <= hi

    bad = [g for g in gpus if outside(g)]
    if not bad:
        names = ", ".join(
            f"{g.get('name') or 'GPU'} (cc {g.get('compute_capability')})" for g in gpus
        )
        return finding("inside", gpus=names, label=label, span=span)
    g = bad[0]
    return finding(
        "outside",
        gpu=g.get("name") or "GPU",
        cc=field_text(g.get("compute_capability")),
        label=label,
        span=span,
    )


def _tf_cpu_build_wanted_gpu(view: ItemView) -> bool:
    dist = view.fw("distribution")
    cpu = dist == "tensorflow-cpu" or (view.fw("build.known") is True and not view.fw("build.cuda"))
    linux = view.fact("os.system") == "Linux"
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


@defines(
    "tf_distributions", verdicts=("one", "several"), fields=("first", "listed", "distributions")
)
def tf_distributions(view: ItemView) -> Finding:
    dists = list(
        view.fw("distributions") or [view.fw("distribution") or Framework.TENSORFLOW.value]
    )
    if len(dists) <= 1:
        return finding("one", first=dists[0])
    return finding("several", listed=", ".join(dists), distributions=" ".join(dists))


@defines("keras_backend", verdicts=("mismatch", "ok"), fields=("configured", "source", "shown"))
def keras_backend(view: ItemView) -> Finding:
    configured = view.fw("backend", _KERAS)
    source = view.fw("backend_source", _KERAS)
    backend = view.inputs.backend
    if configured and backend and configured != backend:
        return finding("mismatch", configured=configured, source=source or "the Keras config")
    shown = (configured or backend or "?") + (f" (from {source})" if source else "")
    return finding("ok", shown=shown)


@defines("keras_legacy", fields=("keras", "tf_keras"))
def keras_legacy(view: ItemView) -> Finding:
    keras = (
        f"Keras {view.fw('version', _KERAS) or view.fw('major', _KERAS)}"
        if view.inputs.installed(_KERAS)
        else "Keras not installed"
    )
    tf_keras = view.fw("tf_keras", _KERAS)
    return finding(
        keras=keras, tf_keras=f"tf-keras {tf_keras}" if tf_keras else "tf-keras not installed"
    )


@defines(
    "macos_mps",
    verdicts=("too-old", "found"),
    fields=("macos", "floor", "devices"),
    tables=("macos_minimum",),
)
def macos_mps(view: ItemView) -> Finding:
    mps = [a for a in view.inputs.facts.accelerators if a.get("kind") == Accelerator.MPS.value]
    floor = view.table("macos_minimum").get("pytorch_mps", "12.3")
    macos = view.fact("os.version") or next(
        (a.get("macos_version") for a in mps if a.get("macos_version")), None
    )
    have, need = version_of(macos), version_of(floor)
    fields = {"macos": field_text(macos), "floor": field_text(floor)}
    if have is not None and need is not None and have < need:
        return finding("too-old", **fields)
    if mps and view.fact("cpu.rosetta") is not True:
        names = ", ".join(a.get("name") or "Apple GPU" for a in mps)
        return finding("found", devices=names, **fields)
    return finding(**fields)


@defines("accelerator_devices", verdicts=("found", "none"), fields=("devices",))
def accelerator_devices(view: ItemView) -> Finding:
    """The visible devices of the answered accelerator's kind."""
    kind = view.inputs.accelerator_kind
    devices = [
        a
        for a in view.inputs.facts.accelerators
        if kind is not None and a.get("kind") == kind and a.get("visible") is not False
    ]
    default = Accelerator(kind).info.name if kind else "device"
    names = ", ".join(str(a.get("name") or default) for a in devices)
    return finding("found" if devices else "none", devices=names)


BUILTIN: tuple[Check, ...] = (
    python_support,
    installed,
    torch_build,
    torch_driver,
    torch_cc,
    tf_build,
    tf_driver,
    tf_distributions,
    keras_backend,
    keras_legacy,
    macos_mps,
    accelerator_devices,
)

__all__ = ["BUILTIN"]
