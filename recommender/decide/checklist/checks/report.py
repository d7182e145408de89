"""Checks a pasted report answers that a probe rarely needs: torchvision and torchaudio built for
another torch or CUDA, torch installed by both conda and pip, and MIG slices. Each says what it
found; the item (rules/checklist.yaml) decides the status and the fix."""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.decide.checklist.inputs import ItemView
from recommender.decide.checklist.registry import Check, Finding, defines, finding

_SUFFIX = re.compile(r"\+(cu\d+|cpu|rocm[\d.]+)")


def _suffix(version: str | None) -> str | None:
    match = _SUFFIX.search(version or "")
    return match.group(1) if match else None


def _torch_suffix(view: ItemView) -> str | None:
    """torch's build tag: from its version, else from its CUDA (12.1 -> cu121)."""
    tag = _suffix(view.fw("version"))
    cuda = view.fw("build.cuda")
    if tag is None and isinstance(cuda, str) and re.fullmatch(r"\d+\.\d+", cuda):
        tag = "cu" + cuda.replace(".", "")
    return tag


def _line(text: str | None) -> tuple[int, int] | None:
    """major.minor of a release; None for a nightly (``.dev``), which pairs by date instead."""
    try:
        v = Version(text or "")
    except InvalidVersion:
        return None
    return None if v.is_devrelease else (v.major, v.minor)


def paired(torch: tuple[int, int], package: str) -> tuple[int, int]:
    """The companion line a torch line ships with (pytorch/vision's and pytorch/audio's tables):
    torchvision 0.(minor+1) for torch 1.x, 0.(minor+15) for 2.x; torchaudio 0.minor for 1.x,
    the torch line itself for 2.x."""
    major, minor = torch
    if package == "torchvision":
        return (0, minor + (1 if major == 1 else 15))
    return (0, minor) if major == 1 else (major, minor)


def _no_cuda_code(package: str, version: str) -> bool:
    """torchaudio before 0.10 had no CUDA code, so one build served every CUDA and the PyTorch
    index paired it unlabelled with labelled torch builds (previous-versions: ``torch==1.8.1+cu101
    torchvision==0.9.1+cu101 torchaudio==0.8.1``); its first CUDA kernel (RNN-T loss, pytorch/audio
    #1483) shipped in 0.10, the first release with per-CUDA builds."""
    line = _line(version)
    return package == "torchaudio" and line is not None and line < (0, 10)


def _pypi_tag(view: ItemView, torch: tuple[int, int] | None, tag: str | None) -> str | None:
    """The CUDA tag of PyPI's Linux build of the companion of ``torch``'s release (compat.yaml
    torch_pypi_linux_cuda), where a companion with no label sits next to a torch with a CUDA
    label: a companion without a label came from PyPI. None on Windows and macOS (PyPI's builds
    there are CPU-only) or where the table has no row."""
    if torch is None or tag is None or not tag.startswith("cu"):
        return None
    if view.fact("os.system") in ("Windows", "Darwin"):
        return None
    release = f"{torch[0]}.{torch[1]}"
    for versions, cuda in view.table("torch_pypi_linux_cuda").items():
        try:
            if SpecifierSet(str(versions)).contains(release):
                return "cu" + str(cuda).replace(".", "")
        except InvalidSpecifier:
            continue
    return None


@defines(
    "torch_companions",
    verdicts=("mismatch", "ok"),
    fields=("mismatches", "companions", "tag", "torch", "packages"),
    tables=("torch_pypi_linux_cuda",),
)
def torch_companions(view: ItemView) -> Finding | None:
    torch = _line(view.fw("version"))
    tag = _torch_suffix(view)
    found, bad = [], []
    for package in ("torchvision", "torchaudio"):
        have = view.fw(package)
        if not isinstance(have, str):
            continue
        found.append(f"{package} {have}")
        other = _suffix(have)
        if tag and other and other != tag:
            bad.append(f"{package} {have} is built for {other}, torch for {tag}")
            continue
        # Only next to a torch that carries its own label: a torch without one whose CUDA is not
        # PyPI's (conda's pytorch 1.10.2 built for 11.3, a source build) did not come from PyPI,
        # so its unlabelled companions need not have either (pytorch/pytorch#77520).
        labelled = _suffix(view.fw("version")) is not None
        pypi = (
            _pypi_tag(view, torch, tag)
            if other is None and _line(have) and labelled and not _no_cuda_code(package, have)
            else None
        )
        if pypi is not None and pypi != tag:
            bad.append(
                f"{package} {have} has no local label, so it is PyPI's build, made for {pypi}; "
                f"torch is the {tag} build"
            )
            continue
        line = _line(have)
        want = paired(torch, package) if torch else None
        if line and want and line != want and torch and torch >= (1, 4):
            shown = ".".join(map(str, want))
            bad.append(f"{package} {have} is not the {shown} line torch {view.fw('version')} needs")
    if not found:
        return None
    if bad:
        release = Version(str(view.fw("version"))).base_version if torch else None
        return finding(
            "mismatch",
            mismatches="; ".join(bad),
            tag=tag or "cpu",
            torch=f"torch=={release}" if release else "torch",
            packages=" ".join(p.split()[0] for p in found),
        )
    return finding("ok", companions=", ".join(found))


def _holds_torch(entries: object, names: tuple[str, ...]) -> list[str]:
    if not isinstance(entries, (list, tuple)):
        return []
    return [str(e) for e in entries if re.split(r"[=\s]", str(e), maxsplit=1)[0] in names]


@defines("torch_twice", verdicts=("both",), fields=("pip", "conda"))
def torch_twice(view: ItemView) -> Finding | None:
    pip = _holds_torch(view.fact("packages.pip"), ("torch",))
    # conda lists pip's own packages too, as build ``pypi_0`` from channel ``pypi``: such a row
    # is the pip install seen by conda, not a second copy (pytorch/pytorch#164346's report lists
    # the pip wheel torch==2.10.0.dev20250929+rocm7.0 as ``[conda] torch ... pypi_0 pypi``).
    conda = [
        e
        for e in _holds_torch(view.fact("packages.conda"), ("pytorch", "torch"))
        if not {"pypi_0", "pypi"} & set(e.split())
    ]
    if pip and conda:
        return finding("both", pip=", ".join(pip), conda=", ".join(conda))
    return None


@defines("mig", verdicts=("slices",), fields=("slices",))
def mig(view: ItemView) -> Finding | None:
    slices = [
        f"{g.get('name') or 'GPU'}: {', '.join(map(str, g.get('mig') or ()))}"
        for g in view.inputs.nvidia_gpus()
        if g.get("mig")
    ]
    return finding("slices", slices="; ".join(slices)) if slices else None


BUILTIN: tuple[Check, ...] = (torch_companions, torch_twice, mig)

__all__ = ["BUILTIN", "mig", "paired", "torch_companions", "torch_twice"]
