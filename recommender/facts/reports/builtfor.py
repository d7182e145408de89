"""What a companion's build says it was built for: the torch release (and CUDA) named in its wheel's
local version, its conda build string, or the wheel index it was installed from.

Builds of torch extensions carry the torch they were compiled against in their names, whatever
the package: PyG's ``torch_scatter 2.1.2+pt20cu118`` (torch 2.0, CUDA 11.8; ``+pt113cu117`` is
torch 1.13), its conda builds ``py310_torch_1.12.0_cu113``, flash-attn's wheels
``+cu118torch2.2cxx11abiFALSE``, and the indexes these are installed from
(``-f https://data.pyg.org/whl/torch-2.4.0+cu118.html``,
``https://download.openmmlab.com/mmcv/dist/cu101/torch1.6/index.html``,
``https://dl.fbaipublicfiles.com/detectron2/wheels/cu113/torch1.10/index.html``). Each such
line gives ``builtfor.<package>.torch`` (``"2.0"``) and, when named, ``builtfor.<package>.cuda``
(``"11.8"``). torch itself and its own companions (torchvision, torchaudio, whose ``+cu121``
labels the checklist reads) are left out: their labels name a CUDA, not another torch."""

from __future__ import annotations

import re

from recommender.facts.reports.model import Fact

#: ``pt20`` / ``pt113`` / ``pt21`` in a local version: torch major (one digit) and minor.
_PT = re.compile(
    r"(?:^|[^a-z0-9])pt(?P<major>[12])(?P<minor>[0-9]{1,2})(?=cu|cpu|rocm|[^a-z0-9]|$)"
)
#: ``torch-2.4.0``, ``torch1.10``, ``torch_1.12.0``, ``torch2.2`` in a URL, build or label.
_TORCH = re.compile(r"torch[-_]?(?P<major>[12])\.(?P<minor>[0-9]{1,2})")
_CUDA = re.compile(r"(?<![a-z])cu(?P<cuda>[0-9]{2,3})(?![0-9])")
#: A wheel file or pip's ``name-version`` token: ``torch_scatter-2.1.2%2Bpt20cu117-cp310...``.
_WHEEL = re.compile(
    r"(?:^|[/\s])(?P<name>[A-Za-z][A-Za-z0-9_.-]{0,60}?)-(?P<version>[0-9][0-9A-Za-z.]{0,30})"
    r"(?:\+|%2B)(?P<local>[A-Za-z0-9._]{1,60})(?=-cp|-py|\s|$|,)"
)
#: ``pip install NAME ... -f URL`` / ``--find-links URL``: the package installed from that index.
_INSTALL = re.compile(r"\binstall\s+(?P<rest>.{0,400})")
_NOT_COMPANIONS = frozenset(
    ("torch", "pytorch", "torchvision", "torchaudio", "libtorch", "pytorch-cuda")
)
_CHEAP = ("torch", "+pt", "%2bpt", "_pt")


def _name(text: str) -> str:
    return text.strip().lower().replace("_", "-")


def tags(text: str) -> tuple[str | None, str | None]:
    """(torch release "X.Y", CUDA "X.Y") that a label, build string or URL names."""
    low = text.lower()
    torch = None
    m = _PT.search(low)
    if m is not None:
        torch = f"{m.group('major')}.{int(m.group('minor'))}"
    else:
        t = _TORCH.search(low)
        if t is not None:
            torch = f"{t.group('major')}.{int(t.group('minor'))}"
    if torch is None:
        return None, None
    c = _CUDA.search(low)
    cuda = None
    if c is not None:
        digits = c.group("cuda")
        cuda = f"{digits[:-1]}.{digits[-1]}"
    return torch, cuda


def _facts(name: str, label: str, number: int) -> list[Fact]:
    name = _name(name)
    if not name or name in _NOT_COMPANIONS:
        return []
    torch, cuda = tags(label)
    if torch is None:
        return []
    out = [Fact(path=f"builtfor.{name}.torch", value=torch, line=number)]
    if cuda is not None:
        out.append(Fact(path=f"builtfor.{name}.cuda", value=cuda, line=number))
    return out


def _installed_from_index(line: str, number: int) -> list[Fact]:
    """``pip install mmcv-full -f https://.../cu101/torch1.6/index.html``: the first package named."""
    m = _INSTALL.search(line)
    if m is None or ("-f " not in line and "--find-links" not in line and "index-url" not in line):
        return []
    names = [t for t in m.group("rest").split() if not t.startswith(("-", "http", "'", '"'))]
    urls = [t for t in m.group("rest").split() if "://" in t]
    if not names or not urls:
        return []
    name = re.split(r"[=<>~!\[]", names[0], maxsplit=1)[0]
    return _facts(name, " ".join(urls), number)


def may_name(line: str) -> bool:
    """A cheap first look: can the line name a torch release at all?"""
    low = line[:1000].lower()
    return any(c in low for c in _CHEAP)


def read_line(line: str, number: int, fields: tuple[str, str, str, str] | None) -> list[Fact]:
    """The built-for facts of one line; ``fields`` is the package listing's (name, version,
    build, channel) where the line is one."""
    if not may_name(line):
        return []
    if fields is not None:
        name, version, build, _ = fields
        local = version.partition("+")[2]
        found = _facts(name, f"{local} {build}", number) if (local or build) else []
        if found:
            return found
    found = _installed_from_index(line[:1000], number)
    if found:
        return found
    out: list[Fact] = []
    for m in _WHEEL.finditer(line[:1000]):
        out.extend(_facts(m.group("name"), m.group("local"), number))
    return out
