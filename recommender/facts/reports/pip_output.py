"""What pip prints around an install: the versions it installed (``Successfully installed
torch-2.1.0 torchaudio-0.10.0``), found (``Requirement already satisfied: torch==1.10.0 in
/usr/... (from torchaudio) (1.10.0+cu111)``, pip >= 20.3 prints the installed version last) and
calls a conflict (``tensorflow 2.13.1 requires keras<2.14,>=2.13.1, but you have keras 3.1.1
which is incompatible.``; pip < 20.3: ``... has requirement ..., but you'll have ...``). A conflict
line states both installed versions; whether they work together is for the tables to judge (pip
calls TensorFlow 2.15 with Keras 3 a conflict, Keras documents it as working)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.catalog import Framework
from recommender.facts.reports.dist_files import dist_facts
from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.package_names import WATCHED
from recommender.facts.reports.packages import listed
from recommender.facts.reports.resolver import Need, normal, requirement

FORMAT = "pip-output"
_INSTALLED = "Successfully installed "
_SATISFIED = re.compile(
    r"^Requirement already satisfied: (?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,80})[^ ]{0,80} in "
    r"\S.{0,900}\((?P<version>[0-9][0-9A-Za-z.+!_-]{0,60})\)$"
)
_CONFLICT = re.compile(
    r"^(?:ERROR: )?(?P<a>[A-Za-z0-9][A-Za-z0-9._-]{0,80}) (?P<av>[0-9][0-9A-Za-z.+!_-]{0,60}) "
    r"(?:requires|has requirement) (?P<req>\S{1,300}), but you(?: have|'ll have) "
    r"(?P<b>[A-Za-z0-9][A-Za-z0-9._-]{0,80}) (?P<bv>[0-9][0-9A-Za-z.+!_-]{0,60}) which is incompatible"
)
#: ``Collecting torch==2.0.0 (from xformers==0.0.19)``: a package pins the framework release, as
#: pip read from its metadata (pip is about to install that release over the one there).
_PULLED = re.compile(
    r"^Collecting (?P<fw>torch|tensorflow|jax|jaxlib)==(?P<v>[0-9][0-9A-Za-z.+]{0,30}) \(from "
    r"(?P<pkg>[A-Za-z0-9][A-Za-z0-9._-]{0,80})"
)
_FRAMEWORKS = ("torch", "tensorflow", "jax", "jaxlib")
#: pip replacing a framework: ``Successfully uninstalled torch-1.12.1`` and the wheel it fetched
#: instead (``Using cached torch-2.0.1-cp310-...whl``, ``Downloading .../torch-2.0.1%2Bcu118-...``).
_UNINSTALLED = re.compile(
    r"^Successfully uninstalled (?P<fw>torch|tensorflow|jax|jaxlib)-(?P<v>[0-9][0-9A-Za-z.+]{0,30})$"
)
_FETCHED = re.compile(
    r"^(?:Using cached|Downloading|Processing) (?:\S{0,300}[/\\])?(?P<fw>torch|tensorflow|jax|jaxlib)-"
    r"(?P<v>[0-9][0-9A-Za-z.]{0,30})(?:(?:\+|%2B)(?P<local>[A-Za-z0-9.]{1,30}))?-(?:cp|py)[0-9]"
)
#: pip fetching a file, or told to install one: the file's name states the library, its release
#: and, for a wheel, its platform (dist_files.py).
_FILE_LINES = (
    "Downloading ",
    "Using cached ",
    "Collecting ",
    "pip install ",
    "pip3 install ",
    "python -m pip install ",
    "python3 -m pip install ",
    "$ pip install ",
    "$ pip3 install ",
    "!pip install ",
    "`pip install ",
    "`python -m pip install ",
)
#: Lines between them that keep a run of pip's output together.
_PIP_LINES = (
    "Collecting ",
    "Downloading ",
    "Installing collected packages",
    "Attempting uninstall",
    "Found existing installation",
    "Uninstalling ",
    "Successfully uninstalled",
    "ERROR: pip's dependency resolver",
    "This behaviour is the source",
)


#: PyPI's torch wheels for Windows are CPU-only builds (https://pytorch.org/get-started/locally/:
#: on Windows the CUDA builds come from download.pytorch.org/whl/cuXXX); the PyTorch index's files
#: carry a +cuXXX label or sit under a /cuXXX/ path (old torch_stable.html default CUDA builds).
_PYTORCH_INDEX = ("download.pytorch.org", "/cu1", "/cu9", "/cu8", "/rocm", "/xpu")


def _pypi_windows_torch(m: re.Match[str], line: str, number: int) -> list[Fact]:
    """A torch wheel for Windows fetched from PyPI (or a mirror of it): the CPU-only build."""
    if (
        WATCHED.get(m.group("fw")) != Framework.PYTORCH
        or m.group("local")
        or "win_amd64" not in line[:600]
        or any(index in line[:600] for index in _PYTORCH_INDEX)
    ):
        return []
    return [
        Fact(path="frameworks.pytorch.installed", value=True, line=number),
        Fact(path="frameworks.pytorch.build.flavour", value="cpu", line=number),
    ]


def _cpu_label(m: re.Match[str], number: int) -> list[Fact]:
    """A wheel whose local label says CPU (``torch-2.1.0%2Bcpu-cp310-...whl`` from the PyTorch
    index's /whl/cpu, https://download.pytorch.org/whl/cpu): the CPU-only build being installed,
    read as a listing of that version would be. Other labels (+cu121) stay the fetched file's."""
    local = m.group("local") or ""
    if not local.lower().startswith("cpu"):
        return []
    return listed(m.group("fw"), f"{m.group('v')}+{local}", number)


def _installed(line: str, number: int) -> list[Fact]:
    out: list[Fact] = []
    for item in line[len(_INSTALLED) :].split()[:200]:
        name, _, version = item.rpartition("-")
        if name:
            out.extend(listed(name, version, number))
    return out


def _requires(m: re.Match[str], number: int) -> list[Fact]:
    """The requirement a conflict line states (``torchvision 0.6.1 has requirement torch==1.5.1``)."""
    req = requirement(m.group("req"))
    if req is None or not req[1]:
        return []
    by = normal(m.group("a"))
    need = Need("pip", *req, by=by, by_version=m.group("av"))
    return [Fact(path=f"pip.requires.{by}.{req[0]}", value=need, line=number)]


def _line_facts(line: str, number: int) -> list[Fact] | None:
    """The facts of one of pip's lines; None for a line that is not pip's."""
    if line.startswith(_INSTALLED):
        return _installed(line, number)
    if line.startswith("Requirement already satisfied: "):
        m = _SATISFIED.match(line[:1200])
        return listed(m.group("name"), m.group("version"), number) if m else []
    if "which is incompatible" in line:
        m = _CONFLICT.match(line[:1000])
        if m is None:
            return None
        return [
            *listed(m.group("a"), m.group("av"), number),
            *listed(m.group("b"), m.group("bv"), number),
            *_requires(m, number),
        ]
    if line.startswith("Successfully uninstalled "):
        m = _UNINSTALLED.match(line[:200])
        return (
            [Fact(path=f"pip.uninstalled.{m.group('fw')}", value=m.group("v"), line=number)]
            if m
            else []
        )
    if line.startswith(("Using cached ", "Downloading ", "Processing ")):
        m = _FETCHED.match(line[:600])
        if m is not None:
            version = m.group("v") + (f"+{m.group('local')}" if m.group("local") else "")
            fetched = Fact(path=f"pip.fetched.{m.group('fw')}", value=version, line=number)
            return [fetched, *_pypi_windows_torch(m, line, number), *_cpu_label(m, number)]
    if line.startswith("Collecting "):
        m = _PULLED.match(line[:400])
        name = m.group("pkg").lower().replace("_", "-") if m is not None else ""
        if m is not None and name not in _FRAMEWORKS:
            return [Fact(path=f"pins.{name}.{m.group('fw')}", value=m.group("v"), line=number)]
    if line.startswith(_FILE_LINES):
        return dist_facts(line, number)
    return [] if line.startswith(_PIP_LINES) else None


def read(lines: Sequence[str]) -> list[Block]:
    """Runs of pip's output that state a version dlrec reads, one block each."""
    blocks: list[Block] = []
    facts: list[Fact] = []
    start = end = 0
    for number, raw in enumerate(lines, 1):
        found = _line_facts(raw.strip(), number)
        if found is None:
            if facts and number - end > 5:
                blocks.append(Block(format=FORMAT, start=start, end=end, facts=tuple(facts)))
                facts = []
            continue
        if found:
            start = start if facts else number
            facts.extend(found)
            end = number
    if facts:
        blocks.append(Block(format=FORMAT, start=start, end=end, facts=tuple(facts)))
    return blocks
