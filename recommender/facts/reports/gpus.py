"""GPU names -> NVIDIA compute capability or AMD gfx target, driver versions -> max CUDA
(rules/gpus.yaml).

collect_env prints ``nvidia-smi -L`` names ("NVIDIA A100-SXM4-80GB") and the driver version
("535.86.10"), never the compute capability or the CUDA version the driver runs. Both come from
the cited table in ``rules/gpus.yaml``; a name or driver the table lacks stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

from recommender.core.documents.yaml_text import load_bundled


class GpuTableError(ValueError):
    """``rules/gpus.yaml`` is missing or malformed (a packaging bug, not bad user input)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GpuTable:
    """The loaded table: normalised GPU name -> compute capability, driver branch rows."""

    compute_capability: Mapping[str, str]
    #: (lowest driver branch, CUDA version), ascending by branch.
    driver_branches: tuple[tuple[int, str], ...]
    #: Drivers in a newer branch than this have an unknown max CUDA.
    valid_through: int
    #: CUDA "X.Y" -> its GA driver (Linux), where its branch also holds older drivers.
    first_ga: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: MappingProxyType({}))
    verified: str
    #: normalised AMD GPU name -> its gfx target ("radeon rx 6750 xt" -> "gfx1031").
    amd_gfx: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def gpu_table_path() -> Path:
    """Where the bundled table lives. The one place that knows this path."""
    return Path(__file__).resolve().parents[2] / "rules" / "gpus.yaml"


# Words and suffixes that name a variant of a GPU, not a different GPU. Applied to the table's
# names and to the report's names alike, so "NVIDIA A100-SXM4-80GB" and "NVIDIA A100" meet.
_DROP = tuple(
    re.compile(p, re.IGNORECASE | re.ASCII)
    for p in (
        r"\((?:uuid|gfx)[^()]*\)",  # "(UUID: GPU-...)", an AMD "(gfx90a)" never reaches here
        r"\([^()]*\)",  # "TITAN X (Pascal)"
        r"\bwith max-q design\b",
        r"\b(?:laptop gpu|laptop|mobile|max-q|notebook)\b",
        r"\bsuper\b",  # the SUPER refreshes are the same chip generation as their series
        r"[-\s](?:sxm\d*|pcie|nvl|hbm\d*e?|oem)\b",
        r"[-\s]\d{1,4}\s?gb\b",  # "80GB", "-16GB", "24GB"
        r"\b(?:nvidia|tesla)\b",
    )
)


def normalise_gpu_name(name: str) -> str:
    """A GPU name as a lookup key: lower case, variant words dropped, spaces collapsed."""
    key = name[:200]
    for pattern in _DROP:
        key = pattern.sub(" ", key)
    key = re.sub(r"\bada generation\b", "ada", key, flags=re.IGNORECASE)
    return " ".join(key.lower().replace("-", " ").split())


def _read(path: Path) -> Mapping[str, object]:
    try:
        doc = load_bundled(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GpuTableError(f"{path}: cannot read the GPU table: {exc}") from exc
    if not isinstance(doc, Mapping):
        raise GpuTableError(f"{path}: expected a mapping at the top level")
    return doc


def _names(doc: Mapping[str, object], path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    groups = doc.get("gpus")
    if not isinstance(groups, list):
        raise GpuTableError(f"{path}: 'gpus' must be a list of groups")
    for group in groups:
        if not isinstance(group, Mapping) or not isinstance(group.get("cc"), str):
            raise GpuTableError(f"{path}: each gpus group needs a string 'cc': {group!r:.80}")
        _add(table, group, group["cc"], f"group {group['cc']}", normalise_gpu_name, path)
    return table


def _add(
    table: dict[str, str],
    group: Mapping[str, object],
    value: str,
    label: str,
    normalise: Callable[[str], str],
    path: Path,
) -> None:
    """A group's names, each normalised, as keys of ``value``; a name listed twice is refused."""
    names = group.get("names")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise GpuTableError(f"{path}: {label} needs a list of names")
    for name in names:
        key = normalise(name)
        if table.get(key, value) != value:
            raise GpuTableError(f"{path}: {name!r} is listed as {table[key]} and {value}")
        table[key] = value


def _branches(doc: Mapping[str, object], path: Path) -> tuple[tuple[tuple[int, str], ...], int]:
    section = doc.get("driver_branches")
    rows = section.get("min_branch") if isinstance(section, Mapping) else None
    valid = section.get("valid_through") if isinstance(section, Mapping) else None
    if not isinstance(rows, Mapping) or not isinstance(valid, int):
        raise GpuTableError(f"{path}: driver_branches needs 'min_branch' and 'valid_through'")
    if not all(isinstance(c, str) and isinstance(b, int) for c, b in rows.items()):
        raise GpuTableError(f'{path}: driver_branches.min_branch maps "X.Y" to a branch number')
    return tuple(sorted((b, c) for c, b in rows.items())), valid


def _first_ga(doc: Mapping[str, object], path: Path) -> dict[str, tuple[int, ...]]:
    section = doc.get("driver_branches")
    rows = section.get("first_ga", {}) if isinstance(section, Mapping) else {}
    out: dict[str, tuple[int, ...]] = {}
    for cuda, driver in (rows or {}).items():
        if not (isinstance(driver, str) and _DRIVER.match(driver)):
            raise GpuTableError(f'{path}: driver_branches.first_ga maps "X.Y" to a driver "NNN.NN"')
        out[str(cuda)] = _driver_tuple(driver)
    return out


def _driver_tuple(driver: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"[0-9]+", driver.strip())[:3])


_GFX_NAME = re.compile(r"gfx[0-9a-f]{3,5}", re.ASCII)


def normalise_amd_name(name: str) -> str:
    """An AMD GPU name as a lookup key: lower case, no "AMD" word, no "(gfx...)" suffix."""
    key = re.sub(r"\([^()]*\)", " ", name[:200])
    key = re.sub(r"\bamd\b", " ", key, flags=re.IGNORECASE | re.ASCII)
    return " ".join(key.lower().split())


def _amd(doc: Mapping[str, object], path: Path) -> dict[str, str]:
    listed = doc.get("sources")
    known = (
        {s.get("id") for s in listed if isinstance(s, Mapping)}
        if isinstance(listed, list)
        else set()
    )
    table: dict[str, str] = {}
    groups = doc.get("amd_gfx") or []
    if not isinstance(groups, list):
        raise GpuTableError(f"{path}: 'amd_gfx' must be a list of groups")
    for group in groups:
        gfx = group.get("gfx") if isinstance(group, Mapping) else None
        if not isinstance(gfx, str) or not _GFX_NAME.fullmatch(gfx):
            raise GpuTableError(f"{path}: each amd_gfx group needs a 'gfx' such as gfx1030")
        source = group.get("source")
        cited = [source] if isinstance(source, str) else source
        if not isinstance(cited, list) or not cited or not set(cited) <= known:
            raise GpuTableError(f"{path}: amd_gfx {gfx} needs a 'source' listed under sources")
        _add(table, group, gfx, f"amd_gfx {gfx}", normalise_amd_name, path)
    return table


def amd_gfx(name: str, table: GpuTable) -> str | None:
    """The gfx target of an AMD GPU by name, or None when the table lacks it."""
    return table.amd_gfx.get(normalise_amd_name(name))


def load_gpu_table(path: Path | None = None) -> GpuTable:
    """Read and check the table (the bundled one unless ``path`` is given). Each call reads the
    file: the run that needs the table loads it once and passes it down."""
    path = gpu_table_path() if path is None else path
    doc = _read(path)
    branches, valid = _branches(doc, path)
    return GpuTable(
        compute_capability=MappingProxyType(_names(doc, path)),
        driver_branches=branches,
        valid_through=valid,
        first_ga=MappingProxyType(_first_ga(doc, path)),
        verified=str(doc.get("verified")),
        amd_gfx=MappingProxyType(_amd(doc, path)),
    )


#: A model number run together with its suffix, as people type it: "5070TI", "5090D", "4060ti".
_GLUED_SUFFIX = re.compile(r"(?<=[0-9])(ti|d)\b", re.ASCII)
#: nvidia-smi cuts a long name to its column and ends it with "...": "NVIDIA RTX PRO 1000 Blac...".
_ELLIPSES = ("...", "\u2026")


#: The form-factor words normalise_gpu_name drops; nvidia-smi's cut can fall inside one
#: ("Tesla V100S-PCI...": the cut "PCIe"), which is then no part of the model's name.
_FORM_FACTORS = ("pcie", "sxm2", "sxm3", "sxm4", "sxm5", "nvl", "oem")


def _without_cut_form_factor(key: str) -> str:
    """``key`` less a last word that is the start of a form-factor word ("v100s pci" -> "v100s")."""
    head, _, last = key.rpartition(" ")
    cut_word = any(word.startswith(last) and word != last for word in _FORM_FACTORS)
    return head if head and last and cut_word else key


def _cut_name(name: str) -> str | None:
    """The name before nvidia-smi's "..." when it ends with one (string ends, no regex)."""
    stripped = name.rstrip()
    for mark in _ELLIPSES:
        if stripped.endswith(mark):
            return stripped[: -len(mark)]
    return None


def compute_capability(name: str, table: GpuTable) -> str | None:
    """The compute capability of an NVIDIA GPU by name, or None when the table lacks it.

    Besides the exact (normalised) name, three ways people and tools write a name the table
    holds are read, none by similarity: a suffix run into the number ("5070TI"), a GeForce
    model without its family words ("5070 Ti", "RTX 5070 Ti"), and nvidia-smi's cut name
    ("... Blac..."). The last two are kept only where every table name they can stand for has
    the same compute capability."""
    ccs = table.compute_capability
    cut = _cut_name(name[:200])
    key = _GLUED_SUFFIX.sub(r" \1", normalise_gpu_name(name if cut is None else cut))
    if cut is None and key in ccs:
        return ccs[key]
    if cut is not None:
        key = _without_cut_form_factor(key)
        if key in ccs:
            return ccs[key]
        found = {cc for known, cc in ccs.items() if known.startswith(key) and len(key) >= 6}
    else:
        bare = key.removeprefix("geforce ")
        found = {
            ccs[f"geforce {family}{bare}"]
            for family in ("", "rtx ", "gtx ")
            if f"geforce {family}{bare}" in ccs and (family or bare[:3] in ("rtx", "gtx"))
        }
    return found.pop() if len(found) == 1 else None


#: A driver version, or its branch alone ("driver 470", as people write it in prose).
_DRIVER = re.compile(r"^\s*([0-9]{3})(?:\.[0-9]{1,3}){0,2}\b", re.ASCII)


def max_cuda_for_driver(driver: str, table: GpuTable) -> str | None:
    """The newest CUDA a driver version (``535.86.10``, or the branch ``535``) runs, or None
    when unknown."""
    match = _DRIVER.match(driver)
    if not match:
        return None
    branch = int(match.group(1))
    if branch > table.valid_through:
        return None
    found, previous = None, None
    for lowest, cuda in table.driver_branches:
        if branch >= lowest:
            found, previous = cuda, found
    ga = table.first_ga.get(found) if found else None
    if ga is not None and ga[0] == branch and _driver_tuple(driver) < ga:
        return previous  # an early driver of the branch, before the release's GA driver
    return found


def cuda_from_driver_api(value: int) -> str | None:
    """CUDA's driver API number as a version: 11040 -> "11.4" (torch's "found version")."""
    if not 1000 <= value <= 99999:
        return None
    return f"{value // 1000}.{(value % 1000) // 10}"


def cc_from_sm(sm: str) -> str | None:
    """ "sm_86" -> "8.6", "sm_120" -> "12.0" (the last digit is the minor version)."""
    match = re.fullmatch(r"sm_([0-9]{1,2})([0-9])[a-z]?", sm, re.ASCII)
    return f"{int(match.group(1))}.{match.group(2)}" if match else None
