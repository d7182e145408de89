"""What the host's own tools say about the system, wherever their output is pasted.

One family, one reader: the commands an issue template (or a maintainer) asks for to learn the
operating system, the C library and the NVIDIA driver, each read from the tool's own format:

- ``cat /etc/os-release`` (os-release(5): ``PRETTY_NAME="Ubuntu 22.04.3 LTS"``, ``ID=alpine``)
  and ``lsb_release -a`` (``Distributor ID:`` / ``Description:``): a Linux distribution. Alpine
  is built on musl libc (alpinelinux.org/about), which no framework publishes wheels for.
- ``sw_vers`` (``ProductName: macOS`` / ``ProductVersion: 14.2.1``): macOS and its version.
- ``ldd --version`` (glibc: ``ldd (Ubuntu GLIBC 2.35-0ubuntu3.4) 2.35``; musl: ``musl libc
  (x86_64)``): the C library.
- ``docker info`` (``Kernel Version: 5.15.133.1-microsoft-standard-WSL2`` beside ``Server
  Version:``): the kernel containers run on.
- ``conda info`` / ``micromamba info``: ``platform : linux-64``, ``python version :
  3.11.5.final.0`` and the virtual packages conda detects (docs.conda.io, "Managing virtual
  packages": ``__cuda`` is the newest CUDA the installed driver supports, ``__glibc`` the libc).
- ``nvidia-container-cli info`` (``NVRM version:   535.129.03``, ``CUDA version:   12.2``,
  ``Model:`` and ``Architecture:   8.6`` per device) and ``cat /proc/driver/nvidia/version``
  (``NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03  ...``): the driver.

Each fact keeps its line; a value the tool prints as unknown (``(null)``) is not read."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from recommender.facts.reports.model import Block, Fact

FORMAT = "host tools"
#: Records a fact (the first per path wins).
_Add = Callable[[str, object, int], None]

_OS_RELEASE = re.compile(
    r"^(?P<k>PRETTY_NAME|ID)=(?P<v>\"[^\"]{1,80}\"|'[^']{1,80}'|[A-Za-z0-9._-]{1,40})\s*$"
)
_LSB = re.compile(r"^(?P<k>Distributor ID|Description):\s{0,20}(?P<v>\S.{0,80})$")
_SW_VERS = re.compile(r"^(?P<k>ProductName|ProductVersion):\s{0,20}(?P<v>\S.{0,40})$")
_MAC_VERSION = re.compile(r"[0-9]{2}\.[0-9]{1,2}(?:\.[0-9]{1,2})?")
_LDD = re.compile(r"^ldd \((?P<who>[^()]{1,60})\) (?P<v>[0-9]\.[0-9]{1,3})\s*$")
_MUSL = re.compile(r"^musl libc \((?P<arch>[a-z0-9_]{2,12})\)\s*$")
_DOCKER_MARK = re.compile(r"^(?:Server Version|OSType|Docker Root Dir|Storage Driver):\s")
_KERNEL = re.compile(
    r"^Kernel Version:\s{0,10}(?P<v>[0-9]{1,2}\.[0-9]{1,3}\.[0-9]{1,4}[A-Za-z0-9._+-]{0,60})\s*$"
)
_CONDA_MARK = re.compile(
    r"^(?:conda version|virtual packages|active env location|base environment)\s{0,4}:"
)
_CONDA_PLATFORM = re.compile(
    r"^platform\s{0,4}:\s{0,4}(?P<os>linux|osx|win)-(?P<arch>[a-z0-9_]{2,10})\s*$"
)
_CONDA_PYTHON = re.compile(r"^python version\s{0,4}:\s{0,4}(?P<v>[0-9]\.[0-9]{1,2}\.[0-9]{1,3})")
_VIRTUAL = re.compile(
    r"(?:^|[:\s])(?P<k>__cuda|__glibc|__osx)=(?P<v>[0-9]{1,2}\.[0-9]{1,3})(?:\.[0-9]{1,3})?="
)
#: "NVRM version:   535.129.03" (nvidia-container-cli) or "NVRM version: NVIDIA UNIX x86_64
#: Kernel Module  535.129.03  Thu ..." (/proc/driver/nvidia/version): the first driver number.
_NVRM = re.compile(r"\s(?P<v>[0-9]{3}\.[0-9]{1,3}(?:\.[0-9]{1,3})?)(?:\s|$)")
_CLI = re.compile(r"^(?P<k>CUDA version|Device Index|Model|Architecture):\s{1,20}(?P<v>\S.{0,80})$")
#: What a reader notes to itself (which tool it is in), never a fact of the paste.
_MARKERS = ("os.lsb", "os.sw_vers", "os.alpine")
_CONDA_SYSTEM = {"linux": "Linux", "osx": "Darwin", "win": "Windows"}


def _distribution(line: str, number: int, found: dict[str, Fact], add: _Add) -> None:
    m = _OS_RELEASE.match(line) if "=" in line else None
    if m is not None:
        value = m.group("v").strip("\"'")
        if m.group("k") == "PRETTY_NAME":
            add("os.system", "Linux", number)
            add("os.distro", value, number)
        elif value.lower() == "alpine":
            add("os.alpine", True, number)  # musl only once PRETTY_NAME shows os-release
        return
    lsb = _LSB.match(line) if ":" in line else None
    if lsb is not None and (lsb.group("k") == "Distributor ID" or "os.lsb" in found):
        add("os.lsb", True, number)
        add("os.system", "Linux", number)
        if lsb.group("k") == "Description":
            add("os.distro", lsb.group("v").strip(), number)


def _macos(line: str, number: int, found: dict[str, Fact], add: _Add) -> None:
    m = _SW_VERS.match(line) if line.startswith("Product") else None
    if m is None:
        return
    value = m.group("v").strip()
    if m.group("k") == "ProductName" and value in ("macOS", "Mac OS X"):
        add("os.sw_vers", True, number)
        add("os.system", "Darwin", number)
    elif m.group("k") == "ProductVersion" and "os.sw_vers" in found:
        version = _MAC_VERSION.fullmatch(value)
        if version is not None:
            add("os.version", value, number)


def _libc(line: str, number: int, add: _Add) -> None:
    if not line.startswith(("ldd (", "musl libc (")):
        return
    m = _LDD.match(line)
    if m is not None and "glibc" in m.group("who").lower().replace("gnu libc", "glibc"):
        add("os.libc", f"glibc {m.group('v')}", number)
    elif _MUSL.match(line) is not None:
        add("os.libc", "musl", number)


def _conda(line: str, number: int, conda: bool, add: _Add) -> None:
    if "__" in line:
        for m in _VIRTUAL.finditer(line):
            key, value = m.group("k"), m.group("v")
            if key == "__cuda":
                add("driver.max_cuda", value, number)
            elif key == "__glibc":
                add("os.libc", f"glibc {value}", number)
            else:
                add("os.system", "Darwin", number)
    if not conda:
        return
    p = _CONDA_PLATFORM.match(line) if line.startswith("platform") else None
    if p is not None:
        add("os.system", _CONDA_SYSTEM[p.group("os")], number)
    py = _CONDA_PYTHON.match(line) if line.startswith("python version") else None
    if py is not None:
        add("python.version", py.group("v"), number)


def _driver(line: str, number: int, cli: list[str], add: _Add) -> None:
    if line.startswith("NVRM version:"):
        m = _NVRM.search(line, len("NVRM version:") - 1)
        cli[:] = ["0"]
        if m is not None:
            add("driver.version", m.group("v"), number)
        return
    c = _CLI.match(line) if cli and ":" in line else None
    if c is None:
        return
    key, value = c.group("k"), c.group("v").strip()
    if key == "CUDA version" and re.fullmatch(r"[0-9]{1,2}\.[0-9]", value):
        add("driver.max_cuda", value, number)
    elif key == "Device Index" and re.fullmatch(r"[0-9]{1,2}", value):
        cli[:] = [str(int(value))]
    elif key == "Model" and value != "(null)":
        add(f"gpu.{cli[0]}.name", value, number)
    elif key == "Architecture" and re.fullmatch(r"[0-9]{1,2}\.[0-9]", value):
        add(f"gpu.{cli[0]}.cc", value, number)


def _marks(lines: Sequence[str]) -> tuple[bool, bool]:
    """Whether the paste holds ``docker info`` and ``conda info`` (their own labels)."""
    docker = conda = False
    for raw in lines:
        line = raw.strip()[:80]
        docker = docker or _DOCKER_MARK.match(line) is not None
        conda = conda or _CONDA_MARK.match(line) is not None
        if docker and conda:
            break
    return docker, conda


def read(lines: Sequence[str]) -> list[Block]:
    """One block with what the host tools in the paste state."""
    docker, conda = _marks(lines)
    found: dict[str, Fact] = {}

    def add(path: str, value: object, number: int) -> None:
        if path not in found:
            found[path] = Fact(path=path, value=value, line=number)

    cli: list[str] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()[:400]
        if not line:
            continue
        _distribution(line, number, found, add)
        _macos(line, number, found, add)
        _libc(line, number, add)
        _conda(line, number, conda, add)
        _driver(line, number, cli, add)
        if docker and line.startswith("Kernel Version:"):
            k = _KERNEL.match(line)
            if k is not None:
                add("os.release", k.group("v"), number)
    alpine = found.get("os.alpine")
    if alpine is not None and "os.distro" in found:
        add("os.libc", "musl", alpine.line)
    facts = sorted(
        (f for f in found.values() if f.path not in _MARKERS),
        key=lambda f: f.line,
    )
    if not facts:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
