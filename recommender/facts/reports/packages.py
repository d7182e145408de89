"""``pip list``, ``pip freeze`` and ``conda list``: the versions of the packages that matter.

pip list prints ``name  version`` under a ``Package  Version`` header; pip freeze
``name==version``; conda list ``name  version  build  channel``, where a ``pypi_0`` build with
channel ``pypi`` is pip's own package listed by conda (installed once, by pip). A conda build
string says what the pytorch package was built for (``py3.10_cuda11.8_cudnn8.7.0_0``,
``py3.10_cpu_0``); a pip version's local label does (``2.1.0+cu121``, ``2.1.0+cpu``).
collect_env's ``[pip3]`` / ``[conda]`` prefixes are read too, so a fragment of its package list
is a package list."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.catalog import Framework
from recommender.core.numfmt import is_digits
from recommender.facts.reports.builtfor import may_name, read_line
from recommender.facts.reports.conda_builds import BUILD_OF, QUOTED_ROW, conda_flavour
from recommender.facts.reports.conda_exports import export_row
from recommender.facts.reports.lines import local_build
from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.package_names import WATCHED
from recommender.facts.reports.package_names import is_read as _read
from recommender.facts.reports.usage import imports, site_packages

#: conda's own meta-packages start with an underscore (``_pytorch_select``, ``_tflow_select``).
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,80}$")
_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+!_-]{0,60}$")
_BUILD = re.compile(r"^(?:pypi_0|[A-Za-z0-9.+-]{0,40}[_0-9][A-Za-z0-9_.+-]{0,60})$")
#: conda's mutex and selector meta-packages, whose build string is the bare name of the variant
#: they select (``_tflow_select 2.3.0 mkl``, ``pytorch-mutex 1.0 cuda``, ``_openmp_mutex 4.5
#: 2_gnu``, ``blas 1.0 mkl``): a word without digits, read as a build only for such names, since
#: prose has none (anaconda.org/pytorch/pytorch-mutex: "Metapackage to select the PyTorch
#: variant", builds ``cpu`` and ``cuda``; AnacondaRecipes' _tflow_select: ``gpu``/``mkl``/``eigen``).
_MUTEX_NAME = re.compile(r"^_|[-_](?:mutex|select)$")
_MUTEX_BUILD = re.compile(r"^[a-z][a-z_]{1,19}$")
_PREFIX = ("[pip3] ", "[pip] ", "[conda] ")
#: uv lists what it installed as " + name==version" (and what it removed as " - name==version"),
#: e.g. jax-ml/jax#29068; astral-sh/uv crates/uv/src/commands/pip/loggers.rs prints them.
_UV_ADDED = "+ "
#: The size column of mamba's install plan (``20MB``, ``8 kB``, ``Cached``).
_SIZE = re.compile(r"^(?:[0-9][0-9.]{0,8}(?:[kKMG]i?B)?|[kKMG]i?B|Cached)$")
#: pip list's header and rule, conda list's header.
_HEADERS = ("Package ", "# Name ", "# packages in environment")


#: A word wrapped in single asterisks inside a name: GitHub's e-mail replies render a grep
#: match that way (``py*torch*-*cuda*``); a bullet's "* " is left alone.
_EMPHASIS = re.compile(r"\*([A-Za-z0-9_][A-Za-z0-9_.-]{0,60}?)\*")


def _plain(line: str) -> str:
    return _EMPHASIS.sub(r"\1", line) if "*" in line else line


def _fields(line: str) -> tuple[str, str, str, str] | None:
    """(name, version, build, channel) of a package line in any of the three layouts."""
    line = _plain(line)
    for prefix in _PREFIX:
        if line.startswith(prefix):
            line = line[len(prefix) :]
            break
    added = line.startswith(_UV_ADDED)
    if added:  # uv's install summary: " + torch==2.5.1" (" - " is removed)
        line = line[len(_UV_ADDED) :]
    if "==" in line and " " not in line.strip():
        name, _, version = line.strip().partition("==")
        build = channel = ""
    else:
        parts = line.split()
        while added and len(parts) > 4 and _SIZE.match(parts[-1]):
            parts = parts[
                :-1
            ]  # mamba's plan: "+ pytorch  2.1.0  cpu_generic_py311h..  conda-forge  20MB"
        if len(parts) == 5 and parts[3].startswith("["):  # old conda: a [feature] column
            cpu = parts[3] == "[cpuonly]" and "cpu" not in parts[2]
            parts = [*parts[:2], f"{parts[2]}_cpu" if cpu else parts[2], parts[4]]
        if not 2 <= len(parts) <= 4:
            return None
        name, version = parts[0], parts[1]
        build = parts[2] if len(parts) > 2 else ""
        channel = parts[3] if len(parts) > 3 else ""
        if build and not (
            _BUILD.match(build)
            or build.startswith(("/", "C:", "c:"))
            or (_MUTEX_NAME.search(name) and _MUTEX_BUILD.match(build))
        ):
            return None  # prose ("torch 2.0 works"), not a listing
    name = name.lower()
    if not _NAME.match(name) or not _VERSION.match(version):
        return None
    return name, version, build, channel


def _table_row(line: str) -> str:
    """A Markdown table's row (``| pytorch | 2.0.1 | py3.10_cpu_0 | pytorch |``, a listing pasted
    as a table) as the columns of a plain listing; any other line as it is."""
    if not (line.startswith("|") and line.endswith("|") and line.count("|") <= 6):
        return line
    return "   ".join(cell.strip() for cell in line.strip("|").split("|"))


def _may_list(line: str) -> bool:
    """A cheap first look: does the line start with a package dlrec reads (or pip show's Name)?"""
    if not line:
        return False
    head = _plain(line[:200])[:90].split(None, 2)
    if not head:
        return False
    first = head[0]
    if first in ("[pip3]", "[pip]", "[conda]", "+") and len(head) > 1:
        first = head[1]
    return _read(first.partition("==")[0].lower()) or first == "Name:"


#: The pytorch channel's torchvision/torchaudio build strings name their CUDA (``py39_cu116``,
#: ``py310_cpu``), as pip's local label does: they are read as that label.
_CONDA_COMPANION = re.compile(r"(?:^|_)(cu[0-9]{2,3}|cpu)(?:_|$)")
_COMPANIONS = ("torchvision", "torchaudio")


#: TensorFlow's CPU-only distributions: tensorflow-cpu, and tensorflow-intel, the build that the
#: tensorflow package installs on native Windows from 2.11 (setup.py requires it under
#: platform_system == "Windows"; 2.10 was the last release with GPU support there).
_TF_CPU_DISTRIBUTIONS = ("tensorflow-cpu", "tensorflow-intel")


def _facts(name: str, version: str, build: str, channel: str, number: int) -> list[Fact]:
    if name in _COMPANIONS and "+" not in version and build and build != "pypi_0":
        label = _CONDA_COMPANION.search(build)
        if label is not None:
            version = f"{version}+{label.group(1)}"
    out = [Fact(path=f"package.{name.lstrip('_').replace('_', '-')}", value=version, line=number)]
    if (
        channel and BUILD_OF.get(name) == Framework.PYTORCH and build != "pypi_0"
    ):  # whose build it is
        out.append(Fact(path="conda.channel.pytorch", value=channel, line=number))
    framework = WATCHED.get(name)
    if framework is None:
        # jaxlib, tensorflow-base, _pytorch_select...: the framework's build, from conda's string
        built = BUILD_OF.get(name)
        flavour = conda_flavour(name, version, build) if built else {}
        out.extend(
            Fact(path=f"frameworks.{built}.build.{key}", value=value, line=number)
            for key, value in flavour.items()
        )
        return out
    prefix = f"frameworks.{framework}"
    out.append(Fact(path=f"{prefix}.installed", value=True, line=number))
    out.append(Fact(path=f"{prefix}.version", value=version, line=number))
    flavour = local_build(version)
    if not flavour and name in BUILD_OF:
        flavour = conda_flavour(name, version, build)
    if name in _TF_CPU_DISTRIBUTIONS:
        flavour = {"flavour": "cpu"}
    if name == "tensorflow-rocm":  # AMD's build (vendor_build.py, tf_rocm.py read it)
        out.append(Fact(path=f"{prefix}.distribution", value=name, line=number))
    for key, value in flavour.items():
        out.append(Fact(path=f"{prefix}.build.{key}", value=value, line=number))
    return out


def listed(name: str, version: str, number: int) -> list[Fact]:
    """The facts of one ``name version`` pair another report lists (Lightning's ``- torch:
    2.6.0+cu118``), for the packages dlrec reads; nothing for the others."""
    fields = _fields(f"{name} {version}")
    if fields is None or not _read(fields[0]):
        return []
    return _facts(*fields, number)


#: Lines pip prints around an install, which pip_output.py reads.
_PIP_SAYS = ("Successfully installed ", "Requirement already satisfied: ")
_CONDA_INSTALL = ("conda install ", "mamba install ", "conda create ")


def _conda_install(line: str, number: int) -> list[Fact]:
    """``conda install pytorch cudatoolkit=11.3 -c pytorch``: the pinned packages it installs."""
    out: list[Fact] = []
    for token in line.split()[:100]:
        name, sep, version = token.strip("'\"").partition("=")
        version = version.lstrip("=")
        fields = _fields(f"{name} {version}") if sep and version else None
        if fields and _read(fields[0]):
            out.extend(_facts(*fields, number))
    return out


#: PyTorch's wheel indexes: ``/whl/cpu`` serves CPU builds only, ``/whl/cu121`` builds for CUDA
#: 12.1 only (https://pytorch.org/get-started/locally/; verified 2026-12-07). An install command
#: that names one installs a build of that flavour.
_INDEX = "download.pytorch.org/whl/"
_CPU_INDEX = "download.pytorch.org/whl/cpu"
_CUDA_INDEX = re.compile(
    r"download\.pytorch\.org/whl/(?:nightly/)?cu(?P<cuda>1[0-9]{2,3})(?![0-9A-Za-z])"
)
_TORCH_PIN = re.compile(r"(?:^|\s)[\"']?torch==(?P<version>[0-9][0-9A-Za-z.+]{0,30})")


def _index_flavour(line: str) -> list[tuple[str, str]]:
    """The build facts the wheel index an install command names proves, or none."""
    low = line.lower()
    at = low.find(_CPU_INDEX)
    if at >= 0 and low[at + len(_CPU_INDEX) : at + len(_CPU_INDEX) + 1] in ("", "/", " ", '"', "'"):
        return [("frameworks.pytorch.build.flavour", "cpu")]
    m = _CUDA_INDEX.search(low[:2000])
    if m is None:
        return []
    digits = m.group("cuda")
    return [("frameworks.pytorch.build.cuda", f"{digits[:-1]}.{digits[-1]}")]


def _index_install(line: str, number: int) -> list[Fact]:
    """``pip install torch==2.6.0 --index-url https://download.pytorch.org/whl/cpu``: a CPU build
    of torch (the index serves nothing else); ``.../whl/cu121``: a build for CUDA 12.1."""
    low = line.lower()
    if " install " not in low or " torch" not in low:
        return []
    built = _index_flavour(line)
    if not built:
        return []
    out = [Fact(path="frameworks.pytorch.installed", value=True, line=number)]
    out.extend(Fact(path=path, value=value, line=number) for path, value in built)
    pin = _TORCH_PIN.search(line[:2000])
    if pin is not None:
        out.append(Fact(path="frameworks.pytorch.version", value=pin.group("version"), line=number))
    return out


def _conda_transaction(line: str, number: int) -> list[Fact]:
    """conda's plan, ``pytorch   pytorch/win-64::pytorch-1.10.0-py3.8_cpu_0``: the package, its
    version and the build string it is about to install (``name-version-build`` after ``::``; of
    an update ``old --> new``, the new one)."""
    if " --> " in line:  # an update, "name  chan::name-old-build --> chan::name-new-build": the new
        name, _, target = line.partition(" ")
        channel, sep, spec = target.rpartition(" --> ")[2].strip().partition("::")
        head = f"{name} {channel}"
    else:
        head, sep, spec = line.partition("::")
    parts = head.split()
    if not sep or len(parts) != 2 or " " in spec.strip():
        return []
    name, version, build = (spec.strip().rsplit("-", 2) + ["", ""])[:3]
    if name != parts[0] or not is_digits(version[:1]) or not build:
        return []
    fields = _fields(f"{name} {version} {build} {parts[1].partition('/')[0]}")
    if fields is None or not _read(fields[0]):
        return []
    return _facts(*fields, number)


def _conda_download(line: str, number: int) -> list[Fact]:
    """conda's table of packages to download, ``pytorch-1.4.0   |  py3.7_cuda10.1.243_cudnn7.6.3_0
    432.9 MB  pytorch`` or ``_tflow_select-2.1.0  |  gpu  2 KB``: name-version, then the build."""
    spec, _, rest = line.partition("|")
    name, sep, version = spec.strip().rpartition("-")
    build = rest.split(None, 1)[0] if rest.strip() else ""
    if not sep or " " in spec.strip() or not is_digits(version[:1]) or not build:
        return []
    fields = _fields(f"{name} {version} {build}")
    if fields is None or not _read(fields[0]):
        return []
    return _facts(*fields, number)


def _pip_show(lines: Sequence[str], number: int, line: str) -> tuple[str, str, str, str] | None:
    """``pip show``'s ``Name: torch`` with ``Version: 2.4.0+cu121`` on the next line."""
    if not line.startswith("Name: ") or number >= len(lines):
        return None
    following = lines[number].strip()
    if not following.startswith("Version: "):
        return None
    return _fields(f"{line[6:].strip()} {following[9:].strip()}")


#: torch's own Requires-Dist names the CUDA runtime wheel its build needs (PyPI's Linux builds).
_CUDA_RUNTIME_WHEEL = re.compile(r"\bnvidia-cuda-runtime-cu(?P<major>1[0-9])\b")


def _torch_requires(line: str, number: int, facts: Sequence[Fact]) -> list[Fact]:
    """``pip show torch``'s ``Requires:`` line: the CUDA major of the build, as its metadata says."""
    shown = next((f for f in reversed(facts) if f.path == "package.torch"), None)
    m = _CUDA_RUNTIME_WHEEL.search(line[:4000])
    if shown is None or m is None or number - shown.line > 12:
        return []
    return [Fact(path="frameworks.pytorch.build.cuda_major", value=m.group("major"), line=number)]


def read(lines: Sequence[str]) -> list[Block]:
    """Package lines of watched packages; a run of them (or a header) makes a block."""
    blocks: list[Block] = []
    facts: list[Fact] = []
    start = end = 0
    for number, raw in enumerate(lines, 1):
        line = _table_row(raw.strip())
        found = []
        if may_name(line):
            found = read_line(line, number, _fields(line))
        if found:
            start = start if facts else number
            facts.extend(found)
            end = number
            if not _may_list(line):
                continue
            found = []
        if line.startswith(_PIP_SAYS):
            continue  # pip's own output: pip_output.py reads it
        if (" install " in line or "conda create " in line) and any(
            c in line for c in _CONDA_INSTALL
        ):
            found = _conda_install(line, number)
        elif "site-packages" in line:
            found = site_packages(line, number)
        elif "::" in line:
            found = _conda_transaction(line, number)
        elif "|" in line[:120] and not line.startswith("|"):
            found = _conda_download(line, number)
        elif line.startswith(("import ", "from ", ">>> import ", ">>> from ")):
            found = imports(line, number)
        elif "   " in line and not _may_list(line) and (row := QUOTED_ROW.search(line[:400])):
            found = _facts(row["name"], row["version"], row["build"], row["channel"], number)
        if not found and _INDEX in line:
            found = _index_install(line, number)
        if not found and (exported := export_row(line)) is not None:
            spec = _fields(" ".join(exported))
            found = _facts(*spec, number) if spec is not None and _read(spec[0]) else []
        if found:
            start = start if facts else number
            facts.extend(found)
            end = number
            continue
        if line.startswith("Requires: ") and (found := _torch_requires(line, number, facts)):
            facts.extend(found)
            end = number
            continue
        fields = (_pip_show(lines, number, line) or _fields(line)) if _may_list(line) else None
        if fields is None or not _read(fields[0]):
            if facts and number - end > 40:  # a list ends where no package appears for a while
                blocks.append(_block(lines, start, end, facts))
                facts = []
            continue
        if not facts:
            start = number
        facts.extend(_facts(*fields, number))
        end = number
    if facts:
        blocks.append(_block(lines, start, end, facts))
    return blocks


def _block(lines: Sequence[str], start: int, end: int, facts: list[Fact]) -> Block:
    """A run of package facts; one made only of imports is a session's or script's, not a list."""
    imports_only = all(f.value == "imported" for f in facts)
    fmt = "python-session" if imports_only else _format(lines, start, end)
    return Block(format=fmt, start=start, end=end, facts=tuple(facts))


def _format(lines: Sequence[str], start: int, end: int) -> str:
    sample = lines[start - 1 : end]
    if any(line.strip().startswith("[conda]") for line in sample):
        return "collect-env-packages"
    if any(export_row(line.strip()) for line in sample):
        return "conda-list"
    if any("==" in line for line in sample):
        return "pip-freeze"
    if any(len(line.split()) >= 3 for line in sample):
        return "conda-list"
    return "pip-list"
