"""An NVIDIA driver older than every CUDA build of the JAX release a paste is about
(compat.yaml's ``jax_cuda_drivers``: each CUDA major's wheels, the releases that ship them and the
oldest Linux driver JAX's installation page accepts for them).

Where the paste names the build (``jax-cuda12-plugin``, ``jaxlib 0.4.20+cuda11.cudnn86``), that
build's floor decides, and a driver below it is a failure. Where it names only the release, or
nothing but JAX (a jax session, a ``jax.devices()`` line, a report filed in JAX's tracker), the
lowest floor of the builds that release (or the current releases) ships decides, and the finding is
a warning: the paste does not say which build, and the floor is inferred. A JAX release older than
the table or newer than any JAX made (a misread "4.13"), a JAX that lists a GPU device, a native
Windows or macOS host: nothing to say."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_version, stated_in_prose
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Fact, Paste

_KIND = FindingKind("jax-driver", Category.DRIVER_TOO_OLD.value)
#: A CUDA major a listed JAX package names: its plugin's name, or jaxlib's local label.
_PLUGIN = re.compile(r"^package\.jax-cuda([0-9]{2})-(?:plugin|pjrt)$")
_LABEL = re.compile(r"\+cuda([0-9]{2})")
#: What shows the paste is about JAX.
_ABOUT = ("frameworks.jax.installed", "package.jax", "package.jaxlib", "jax.devices")


def _numbers(value: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"[0-9]{1,3}", value)[:3])


def _rows(tables: Mapping[str, Any]) -> list[tuple[str, SpecifierSet | None, str]]:
    """(CUDA major, the JAX releases that ship it, its oldest driver) for each table row; a row
    without releases serves only a paste that names that build."""
    out = []
    for row in tables.get("jax_cuda_drivers") or ():
        if not isinstance(row, Mapping):
            continue
        try:
            releases = SpecifierSet(str(row["jax"])) if row.get("jax") else None
        except InvalidSpecifier:
            continue
        out.append((str(row.get("cuda")), releases, str(row.get("driver"))))
    return out


def _named_build(paste: Paste) -> tuple[str, Fact] | None:
    """The CUDA major of the JAX build the paste names, with the fact that names it."""
    for path, fact in paste.facts.items():
        plugin = _PLUGIN.match(path)
        if plugin is not None:
            return plugin.group(1), fact
    jaxlib = paste.facts.get("package.jaxlib") or paste.facts.get("frameworks.jax.jaxlib")
    label = _LABEL.search(str(jaxlib.value)) if jaxlib is not None else None
    return (label.group(1), jaxlib) if label is not None and jaxlib is not None else None


def _release(paste: Paste) -> tuple[Version | None, Fact | None]:
    for path in ("frameworks.jax.version", "frameworks.jax.jaxlib", "package.jaxlib"):
        fact = paste.facts.get(path)
        version = fact_version(fact)
        if version is not None and fact is not None:
            return Version(version.base_version), fact
    return None, None


def _floor(
    rows: Sequence[tuple[str, SpecifierSet | None, str]],
    named: str | None,
    release: Version | None,
) -> tuple[str, str] | None:
    """(CUDA major, driver) of the lowest floor that applies, or None where none does."""
    if named is not None:
        found = [(cuda, driver) for cuda, _, driver in rows if cuda == named]
    elif release is not None:
        found = [(c, d) for c, spec, d in rows if spec is not None and release in spec]
    else:  # the current releases: rows whose range has no upper end
        found = [(c, d) for c, spec, d in rows if spec is not None and "<" not in str(spec)]
    return min(found, key=lambda row: _numbers(row[1]), default=None)


def _known(release: Version, tables: Mapping[str, Any]) -> bool:
    """``release`` is not newer than the newest JAX release the tables know (``newest_known``)."""
    newest = str((tables.get("newest_known") or {}).get("jax") or "")
    return bool(newest) and release.release[:2] <= Version(newest).release[:2]


def jax_driver_floor(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """driver-too-old where the paste's NVIDIA driver is below every CUDA build of its JAX."""
    driver = paste.facts.get("driver.version")
    devices = paste.facts.get("jax.devices")
    system = paste.facts.get("os.system")
    if (
        driver is None
        or not any(paste.facts.get(path) for path in _ABOUT)
        or (devices is not None and "gpu" in str(devices.value).lower())
        or (system is not None and str(system.value) in ("Windows", "Darwin"))
    ):
        return []
    named = _named_build(paste)
    release, release_fact = _release(paste)
    if release is not None and not _known(release, tables):
        return []  # "jax 4.13" for 0.4.13: not a release JAX made, so no floor is read from it
    floor = _floor(_rows(tables), named[0] if named else None, release)
    if floor is None or _numbers(str(driver.value)) >= _numbers(floor[1]):
        return []
    cuda, need = floor
    certain = named is not None and not stated_in_prose(paste, driver)
    what = (
        f"the JAX build for CUDA {cuda} the paste names"
        if named is not None
        else f"every CUDA build of JAX {release}"
        if release is not None
        else "every CUDA build of the current JAX releases (the paste names no release: inferred)"
    )
    proof = [driver, *(f for f in (named[1] if named else None, release_fact) if f is not None)]
    return [
        _KIND.finding(
            paste,
            f"cuda{cuda}",
            "fail" if certain else "warn",
            "The NVIDIA driver is older than JAX's CUDA builds need",
            f"driver {driver.value} is older than {need}, the oldest driver JAX's installation "
            f"page accepts for its CUDA {cuda} wheels, the lowest floor of {what}; JAX runs on "
            "the CPU only there",
            f"Update the NVIDIA driver to {need} or newer (what JAX's CUDA {cuda} wheels need)",
            proof,
            str(tables.get("jax_cuda_drivers_source") or ""),
        )
    ]
