"""Blocks -> one facts document, first block wins per fact; disagreeing blocks become conflicts.

What no block states stays missing. GPUs come from the block that lists them (nvidia-smi rows, a
session's device name, rocm-smi); the driver line of nvidia-smi (or torch's own warning) gives
each NVIDIA GPU its driver and newest CUDA; a GPU's compute capability is looked up by name in
rules/gpus.yaml, as the collect_env reader does."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from recommender.core.catalog import Accelerator
from recommender.facts.reports.gpus import (
    GpuTable,
    amd_gfx,
    compute_capability,
    max_cuda_for_driver,
)
from recommender.facts.reports.model import Conflict, Fact

#: Facts two blocks must agree on (GPU names are not: nvidia-smi cuts them short).
COMPARED = re.compile(
    r"driver\.(?:version|max_cuda)|frameworks\.[a-z]{1,12}\.(?:version|build\.cuda|build\.flavour)"
    r"|frameworks\.pytorch\.cuda_available"
)
_JAX_PLUGINS = ("jax-cuda12-plugin", "jax-cuda11-plugin", "jax-cuda13-plugin", "jax-cuda12-pjrt")


def _same(path: str, a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        if path.endswith(".version") and path.startswith("frameworks."):
            pa, _, la = a.partition("+")
            pb, _, lb = b.partition("+")
            return pa == pb and not (la and lb)  # "2.1.0" is "2.1.0+cu121" with the label left off
        if path.startswith("driver."):
            return _numbers(a) == _numbers(b)
    return False


def _numbers(value: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"[0-9]{1,6}", value)[:4])


def merge(facts: Iterable[Fact]) -> tuple[dict[str, Fact], list[Conflict]]:
    """The first fact per path, and each later one that disagrees with it (once per path)."""
    first: dict[str, Fact] = {}
    conflicts: dict[str, Conflict] = {}
    for fact in facts:
        seen = first.get(fact.path)
        if seen is None:
            first[fact.path] = fact
        elif (
            fact.path not in conflicts
            and COMPARED.fullmatch(fact.path)
            and not _same(fact.path, seen.value, fact.value)
        ):
            conflicts[fact.path] = Conflict(path=fact.path, first=seen, second=fact)
    return first, list(conflicts.values())


def inferred(first: Mapping[str, Fact], gpus: GpuTable) -> list[Fact]:
    """Facts that stated ones imply through a cited table, each on the line of the fact it comes
    from: the newest CUDA a driver runs (rules/gpus.yaml driver_branches, from the CUDA release
    notes), where no block states it. nvidia-smi's header does; collect_env's driver line, a bare
    ``Driver Version:`` line, ``nvidia-driver-470`` or "driver 470" in a sentence do not."""
    out: list[Fact] = []
    driver = first.get("driver.version")
    if driver is not None and "driver.max_cuda" not in first:
        cuda = max_cuda_for_driver(str(driver.value), gpus)
        if cuda is not None:
            out.append(Fact(path="driver.max_cuda", value=cuda, line=driver.line))
    out.extend(_torch_without_cuda(first))
    out.extend(_torch_from_arch_list(first))
    return out


def _torch_from_arch_list(first: Mapping[str, Fact]) -> list[Fact]:
    """torch printing the architectures of its build (``torch.cuda.get_arch_list()``, torch's
    "supports CUDA capabilities" list) is torch installed, with that list to judge the GPU by,
    whether or not the paste prints its version."""
    listed = first.get("frameworks.pytorch.build.arch_list")
    if listed is None or "frameworks.pytorch.installed" in first:
        return []
    return [Fact(path="frameworks.pytorch.installed", value=True, line=listed.line)]


def _torch_without_cuda(first: Mapping[str, Fact]) -> list[Fact]:
    """torch saying it was built without CUDA (``torch.version.cuda`` printing None,
    ``torch.backends.cuda.is_built()`` False) on a machine with an NVIDIA driver: the CPU build.
    A ROCm or XPU build has no CUDA either, so this holds only next to an NVIDIA driver, where no
    build is stated and the version's local label names neither."""
    built = first.get("torch.built_with_cuda")
    if built is None or built.value is not False or "driver.version" not in first:
        return []
    if "frameworks.pytorch.build.flavour" in first:
        return []
    version = first.get("frameworks.pytorch.version")
    if version is not None and any(k in str(version.value) for k in ("+rocm", "+xpu")):
        return []
    return [
        Fact(path="frameworks.pytorch.installed", value=True, line=built.line),
        Fact(path="frameworks.pytorch.build.flavour", value="cpu", line=built.line),
    ]


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in ``doc`` unless something is there already."""
    node = doc
    parts = path.split(".")
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node.setdefault(parts[-1], value)


def build(
    base: Mapping[str, Any] | None, facts: Mapping[str, Fact], origin: str, gpus: GpuTable
) -> dict[str, Any]:
    """The facts document: the collect_env report's (if any), completed from the other blocks
    (a GPU's compute capability or gfx target from ``gpus``)."""
    doc: dict[str, Any] = copy.deepcopy(dict(base)) if base else {"schema_version": 1}
    if not base:
        doc["source"] = {"format": "paste", "path": origin}
    values = {path: fact.value for path, fact in facts.items()}
    for path, value in values.items():
        # The Windows build (and whether it is a preview), the libc and a WSL named in prose have no field in the facts document.
        if path.startswith(("frameworks.", "os.", "python.")) and path not in (
            "os.windows_build",
            "os.windows_preview",
            "os.libc",
            "os.wsl_named",
        ):
            _set(doc, path, _wsl_number(value) if path == "os.wsl" else value)
    _platform(doc)
    _companions(doc, values)
    _accelerators(doc, values, gpus)
    return doc


def _wsl_number(value: Any) -> Any:
    """The WSL version a signature's template captured ("1", "2") as the document's int: a string
    there fails the document's type check and is dropped, and WSL 1 then goes unseen."""
    return int(value) if isinstance(value, str) and value in ("1", "2") else value


def _platform(doc: dict[str, Any]) -> None:
    osd = doc.get("os")
    if not isinstance(osd, dict):
        return
    plat = str(osd.get("python_platform") or osd.get("release") or "").lower()
    if "microsoft" in plat and "wsl" not in osd:
        osd["wsl"] = 2 if ("wsl2" in plat or "microsoft-standard" in plat) else 1
    if plat.startswith("linux") or "microsoft" in plat:
        osd.setdefault("system", "Linux")
    elif plat.startswith(("macos", "darwin")):
        osd.setdefault("system", "Darwin")
    elif plat.startswith("windows"):
        osd.setdefault("system", "Windows")


def _companions(doc: dict[str, Any], values: Mapping[str, Any]) -> None:
    frameworks = doc.get("frameworks")
    if not isinstance(frameworks, dict):
        return
    torch = frameworks.get("pytorch")
    if isinstance(torch, dict):
        for name in ("torchvision", "torchaudio"):
            if f"package.{name}" in values:
                torch.setdefault(name, values[f"package.{name}"])
    jax = frameworks.get("jax")
    if isinstance(jax, dict):
        if "package.jaxlib" in values:
            jax.setdefault("jaxlib", values["package.jaxlib"])
        plugins = [p for p in _JAX_PLUGINS if f"package.{p}" in values]
        if plugins:
            jax.setdefault("plugins", plugins)


def _gpu_indices(values: Mapping[str, Any]) -> list[int]:
    found = {
        int(p.split(".")[1]) for p in values if re.fullmatch(r"gpu\.[0-9]{1,2}\.[a-z]{1,8}", p)
    }
    return sorted(found)


def _nvidia(acc: object) -> bool:
    return isinstance(acc, dict) and acc.get("vendor") == Accelerator.CUDA.info.vendor


#: Words a GPU name may carry or drop ("NVIDIA GeForce GTX 1080 Ti" is "GTX 1080 Ti").
_BRAND_WORDS = frozenset({Accelerator.CUDA.info.vendor, "geforce"})


def _words(name: str) -> list[str]:
    return [w for w in name.lower().split() if w not in _BRAND_WORDS]


def unresolved_gpus(base: Mapping[str, Any] | None) -> bool:
    """True when a report lists NVIDIA GPUs and none has a compute capability: rows cut short of
    the model name ("GPU 0: NVIDIA GeForce GTX"), which a sentence elsewhere may complete."""
    listed = (base or {}).get("accelerators")
    nvidia = [a for a in listed if _nvidia(a)] if isinstance(listed, list) else []
    return bool(nvidia) and not any(a.get("compute_capability") for a in nvidia)


def _complete(acc: dict[str, Any], values: Mapping[str, Any], table) -> None:
    """Fill a cut-short GPU name ("Tesla P", "NVIDIA GeForce GTX") from a named GPU that starts
    with the same text ("Tesla P40", "GeForce GTX 1080 Ti")."""
    have = " ".join(_words(str(acc.get("name") or "")))
    for index in _gpu_indices(values):
        name = str(values.get(f"gpu.{index}.name") or "")
        cc = compute_capability(name, table) if name else None
        if cc and " ".join(_words(name)).startswith(have):
            acc["name"], acc["compute_capability"] = name, cc
            return


def _accelerators(doc: dict[str, Any], values: Mapping[str, Any], table: GpuTable) -> None:
    driver, max_cuda = values.get("driver.version"), values.get("driver.max_cuda")
    listed = doc.get("accelerators")
    if isinstance(listed, list) and listed:
        for acc in listed:
            if _nvidia(acc):
                if driver and "driver_version" not in acc:
                    acc["driver_version"] = driver
                if max_cuda and "max_cuda" not in acc:
                    acc["max_cuda"] = max_cuda
                if not acc.get("compute_capability"):
                    _complete(acc, values, table)
        return
    out: list[dict[str, Any]] = []
    for index in _gpu_indices(values):
        out.append(_gpu(index, values, table, driver, max_cuda))
    if not out and (driver or max_cuda):
        out.append(
            {"kind": "cuda", "vendor": "nvidia", "driver_version": driver, "max_cuda": max_cuda}
        )
    if out:
        doc["accelerators"] = [{k: v for k, v in acc.items() if v is not None} for acc in out]


def _gpu(
    index: int, values: Mapping[str, Any], table, driver: Any, max_cuda: Any
) -> dict[str, Any]:
    name = values.get(f"gpu.{index}.name")
    gfx = values.get(f"gpu.{index}.gfx")
    text = str(name or "")
    amd = gfx is not None or any(w in text for w in ("AMD", "Radeon", "Instinct", "gfx"))
    if amd:
        gfx = gfx or (amd_gfx(text, table) if text else None)
        return {"kind": "rocm", "vendor": "amd", "index": index, "name": name, "gfx": gfx}
    cc = values.get(f"gpu.{index}.cc") or (compute_capability(text, table) if text else None)
    return {
        "kind": "cuda",
        "vendor": "nvidia",
        "index": index,
        "name": name,
        "compute_capability": cc,
        "driver_version": driver,
        "max_cuda": max_cuda,
    }
