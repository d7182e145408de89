"""cuDNN of two major versions in one environment: a library asks for cuDNN N's files while the
paste shows cuDNN M (M != N) beside it, so the missing file is the symptom and the pairing the
cause (CTranslate2 before 4.5 / an onnxruntime-gpu or TensorFlow built for cuDNN 8 next to a torch
that ships cuDNN 9, and the reverse).

What shows cuDNN M: its files (``libcudnn*.so.M``, ``cudnn*64_M.dll``) or its name with a
version (``cuDNN 9``) on a line that does not say they are missing, its pip package (``nvidia-cudnn-cu12 9.1.0.70``), a stated cuDNN version
(``cuDNN version: 90100``), or a torch release whose PyPI Linux wheel pins cuDNN M (compat.yaml
``torch_pypi_linux_cudnn``, read from the registry's Requires-Dist). A torch built without CUDA
(``+cpu``, ``+rocm``) ships no cuDNN and says nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.core.numfmt import is_digits
from recommender.facts.reports import Paste

#: A cuDNN library file and its major version: ``libcudnn_ops_infer.so.8``, ``libcudnn.so.9.1.0``,
#: ``cudnn_ops64_9.dll``, ``cudnn64_8.dll``.
_FILE = re.compile(r"cudnn[a-z_]{0,20}(?:\.so\.(?P<so>[0-9]{1,2})\b|64_(?P<dll>[0-9]{1,2})\.dll)")
#: A line that says a file is missing rather than present.
_MISSING = re.compile(
    r"cannot open|not found|no such file|could not|unable to load|failed to load|not load",
    re.IGNORECASE,
)
#: cuDNN's pip packages with their version (pip list, pip freeze, Requires-Dist).
_PACKAGE = re.compile(r"\bnvidia-cudnn-cu1[0-9](?:==| +|\s*\(==)(?P<major>[0-9]{1,2})\.")
#: cuDNN's conda package in a conda list or an environment file (``cudnn  9.1.1.17  cuda12_0``,
#: ``- cudnn=8.2.1``): the line starts with the name, so a sentence or a path is not read.
_CONDA_PACKAGE = re.compile(r"^[ \t-]{0,8}cudnn(?:={1,2}| {1,60})(?P<major>[0-9]{1,2})\.")


#: NVIDIA's cuDNN archives by name: before 8.3 the CUDA release comes first and cuDNN's after
#: "-v" (``cudnn-11.2-windows-x64-v8.1.0.77.zip``, ``cudnn-10.0-linux-x64-v7.6.5.32.tgz``, the
#: cuDNN archive page, ARCHIVE_URL); from 8.3 the platform first and cuDNN's version before
#: "_cudaN" (``cudnn-windows-x86_64-9.1.0.70_cuda12-archive.zip``, the redistributable index,
#: REDIST_URL). Read as the cuDNN release they are, never their CUDA number as a cuDNN.
ARCHIVE_URL = "https://developer.nvidia.com/rdp/cudnn-archive"
REDIST_URL = "https://developer.download.nvidia.com/compute/cudnn/redist/cudnn/"
_ARCHIVE = re.compile(
    r"cudnn-[0-9]{1,2}\.[0-9]{1,2}-[a-z0-9]{1,12}-[a-z0-9_]{1,8}-v(?P<old>[0-9]{1,2})\."
    r"|cudnn-[a-z]{1,8}-[a-z0-9_]{1,8}-(?P<new>[0-9]{1,2})\.[0-9.]{1,12}_cuda",
    re.IGNORECASE,
)


def archive_majors(line: str) -> set[int]:
    """The cuDNN majors of the NVIDIA archives a line names (none where it names none)."""
    return {int(m.group("old") or m.group("new")) for m in _ARCHIVE.finditer(line)}


def _named_majors(line: str) -> set[int]:
    """The cuDNN majors a line names: an archive's by its naming, else ``cuDNN 9``-like words."""
    archives = archive_majors(line)
    if archives:
        return archives
    return {
        n for m in _NAMED.finditer(line) if (n := _stated_major(m.group("version"))) is not None
    }


def _package(line: str) -> re.Match[str] | None:
    """cuDNN's pip or conda package with its version on ``line``."""
    return _PACKAGE.search(line) or _CONDA_PACKAGE.match(line)


#: ``pip show``'s record: the name and the version on lines of their own (``Name:
#: nvidia-cudnn-cu12`` then ``Version: 8.9.2.26``), https://pip.pypa.io/en/stable/cli/pip_show/.
_SHOW_NAME = re.compile(r"^\s{0,8}Name: nvidia-cudnn-cu1[0-9]\s*$")
_SHOW_VERSION = re.compile(r"^\s{0,8}Version: (?P<major>[0-9]{1,2})\.")


def _shown_package(paste: Paste, number: int) -> re.Match[str] | None:
    """cuDNN's pip package where ``number`` is the Name line of a ``pip show`` record."""
    if not _SHOW_NAME.match(paste.line(number)) or number >= len(paste.lines):
        return None
    return _SHOW_VERSION.match(paste.line(number + 1))


#: cuDNN named with its version in prose or a report line: ``cuDNN 9``, ``cudnn version: 8.9.2``,
#: ``CUDNN_VERSION 90100``.
_NAMED = re.compile(
    r"\bcudnn[ _-]?(?:v|version[ =:]{0,4})?(?P<version>[0-9]{1,6}(?:\.[0-9]{1,4}){0,3})\b",
    re.IGNORECASE,
)
#: TensorFlow's template line naming CUDA and cuDNN together (``CUDA/cuDNN version: 10.1/7.6.5``):
#: its first number is CUDA's, so the line is left to the reader's ``toolkit.cudnn`` fact.
_PAIR = re.compile(r"cuda\s{0,3}/\s{0,3}cudnn", re.IGNORECASE)
#: torch named with a release in prose, a pin or a list.
_TORCH = re.compile(
    r"\btorch(?:==| |-|: )v?(?P<version>[0-9]{1,2}\.[0-9]{1,3}(?:\.[0-9]{1,3})?(?:\+[a-z0-9.]{1,16})?)"
    r"(?![0-9.])"
)
#: torch builds that ship no cuDNN.
_NO_CUDNN_LABEL = re.compile(r"\+(?:cpu|rocm|xpu)")


def file_majors(line: str) -> set[int]:
    """The cuDNN major versions of the files a line names."""
    return {int(m.group("so") or m.group("dll")) for m in _FILE.finditer(line)}


def _stated_major(value: object) -> int | None:
    """cuDNN's major from a stated version: ``9``, ``8.9.2``, ``9.1.0.70``, jaxlib's ``86``, or
    torch's integer form (``8902``, ``90100``)."""
    text = str(value).strip()
    if is_digits(text):
        number = int(text)
        if number < 20:  # a major alone: "cuDNN 9"
            return number
        if number < 100:  # major and minor run together: jaxlib's "+cuda11.cudnn86" is 8.6
            return number // 10
        return number // 10000 if number >= 10000 else number // 1000 if number >= 1000 else None
    head = re.match(r"v?([0-9]{1,2})\.", text)
    return int(head.group(1)) if head else None


def torch_cudnn_major(version: str, table: Sequence[Any]) -> int | None:
    """The cuDNN major PyPI's Linux torch wheel of ``version`` pins, from compat.yaml's
    ``torch_pypi_linux_cudnn`` rows; None for a CPU/ROCm build or a release the table lacks."""
    if _NO_CUDNN_LABEL.search(version):
        return None
    try:
        release = Version(version.split("+", 1)[0])
    except InvalidVersion:
        return None
    for row in table:
        if not isinstance(row, Mapping):
            continue
        try:
            if release in SpecifierSet(str(row.get("versions", ""))):
                return _stated_major(row.get("cudnn"))
        except InvalidSpecifier:
            continue
    return None


def _torch_versions(paste: Paste) -> list[tuple[str, int]]:
    found = []
    fact = paste.facts.get("frameworks.pytorch.version")
    if fact is not None:
        found.append((str(fact.value), fact.line))
    for number, line in enumerate(paste.lines, 1):
        found.extend((m.group("version"), number) for m in _TORCH.finditer(line))
    return found


def other_cudnn(
    paste: Paste, lines: Sequence[int], tables: Mapping[str, Any]
) -> tuple[int, int, str] | None:
    """Where the missing-library ``lines`` ask for cuDNN N and the paste shows cuDNN M != N:
    (N, the line that shows M, what shows it); None when the text shows no other major."""
    wanted = set().union(*(file_majors(paste.line(n)) for n in lines)) if lines else set()
    if len(wanted) != 1:
        return None
    (major,) = wanted
    for number, line in enumerate(paste.lines, 1):
        if number in lines or _MISSING.search(line):
            continue
        other = file_majors(line) - {major}
        package = _package(line) or _shown_package(paste, number)
        if package and int(package.group("major")) != major:
            return major, number, f"cuDNN {package.group('major')} installed as a package"
        if other:
            return major, number, f"cuDNN {min(other)}'s files"
        if _PAIR.search(line):  # "CUDA/cuDNN version: 10.1/7.6.5": read as toolkit.cudnn below
            continue
        named = _named_majors(line) - {major}
        if named:
            return major, number, f"cuDNN {min(n for n in named if n is not None)} named"
    stated = paste.facts.get("toolkit.cudnn")
    if stated is not None and _stated_major(stated.value) not in (None, major):
        return major, stated.line, f"cuDNN {_stated_major(stated.value)} stated"
    table = tables.get("torch_pypi_linux_cudnn") or ()
    for version, number in _torch_versions(paste):
        ships = torch_cudnn_major(version, table)
        if ships is not None and ships != major:
            return major, number, f"torch {version}, whose CUDA wheels ship cuDNN {ships}"
    return None


def named_cudnn(paste: Paste, skip: Sequence[int] = ()) -> tuple[int, int] | None:
    """The cuDNN major the paste states (a pip package, a sentence, a report's field) and its
    line, outside the ``skip`` lines and lines that say a file is missing."""
    for number, line in enumerate(paste.lines[:5000], 1):
        if number in skip or _MISSING.search(line) or _PAIR.search(line):
            continue
        package = _package(line) or _shown_package(paste, number)
        if package:
            return int(package.group("major")), number
        named = _named_majors(line)
        if named:
            return min(n for n in named if n is not None), number
    stated = paste.facts.get("toolkit.cudnn")
    major = _stated_major(stated.value) if stated is not None else None
    return (major, stated.line) if stated is not None and major is not None else None


__all__ = ["archive_majors", "file_majors", "named_cudnn", "other_cudnn", "torch_cudnn_major"]
