"""Built-in checks about the frameworks' packages: Python support, installed versions, Keras and
TensorFlow packaging, the macOS floor for MPS, the answered accelerator's devices. Each says what
it computed; the item decides."""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from recommender.core.catalog import Accelerator, Framework
from recommender.decide.checklist.inputs import ItemView, field_text, name_of
from recommender.decide.checklist.install import version_of
from recommender.decide.checklist.registry import Check, Finding, defines, finding
from recommender.engine.evaluate import STALE_RULE

#: Python minor versions the Python item may suggest (newest inside a framework's range).
_PYTHONS = tuple(f"3.{minor}" for minor in range(8, 20))
_KERAS = Framework.KERAS.value


def _python_row(view: ItemView, fw: str) -> tuple[str, str | None]:
    """(framework version checked, the supported Python specifier or None)."""
    installed = view.inputs.installed(fw)
    have = version_of(view.fw("version", fw)) if installed else None
    if installed and have is None:  # the installed release is unknown: not today's newest's range
        return "?", None
    # Not installed: the release the planner installs on this Python (torch 2.8 on 3.9), so this
    # item and the install item give one answer; the newest release when no build fits.
    planned = None if installed else view.planned_release(fw)
    version = have.base_version if have else planned or view.table("newest_known").get(fw)
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
    wheels=True,
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
    tf_distributions,
    keras_backend,
    keras_legacy,
    macos_mps,
    accelerator_devices,
)

__all__ = ["BUILTIN"]
