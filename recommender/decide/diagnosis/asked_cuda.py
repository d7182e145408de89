"""The CUDA release a library asked for by name belongs to, against the CUDA the environment has.

A compiled package (an extension, onnxruntime's CUDA provider, CTranslate2, a vLLM wheel, Paddle,
TensorFlow before 2.14) opens the CUDA runtime libraries by a name fixed when it was built, and the
name carries the CUDA release: ``libcudart.so.13`` and ``cudart64_12.dll`` are CUDA 13's and 12's,
``libcublasLt.so.11`` CUDA 11's, ``libcudart.so.10.1`` and ``cudart64_101.dll`` CUDA 10.1's (NVIDIA's
component versions, tf_libraries.CUDA_NOTES_URL; CUDA 13.0 ships cudart and cuBLAS 13.0,
CUDA_13_NOTES_URL). So a library of CUDA N that the loader did not find, in a paste that states the
environment's CUDA as M (nvcc's release line, a torch ``+cuXYZ`` build, an image tag ``cu130`` or
``cuda:12.4``, pip's ``-cu12`` wheels, "CUDA SDK 12.0", "CUDA 12 environments", the library itself
present at release M), is a package built for CUDA N in an environment of CUDA M: installing the
named file alone hides that. The loader's wordings are read by where the name stands: after the
words that ask for a library (load, open, needs, links against, called, ImportError:) or before the
words of a failure (cannot open shared object file, not found, cannot be loaded, not present).

nvidia-smi's "CUDA Version" is the driver's newest CUDA, not an installed one, and is not read;
"built for/against CUDA N" describes the package, not the environment, and is not read either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import stated_cuda_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED, Span, first_of_another_release
from recommender.decide.diagnosis.tf_libraries import cuda_range, soname
from recommender.facts.reports import Paste

CUDA_13_NOTES_URL = (
    "https://docs.nvidia.com/cuda/archive/13.0.0/cuda-toolkit-release-notes/index.html"
)
#: The libraries whose soname carries CUDA's own major from CUDA 13 on (cudart 13.0.48 and cuBLAS
#: 13.0 in CUDA 13.0's component table); older majors are tf_libraries' table.
_NUMBERED_13 = frozenset({"cudart", "cublas", "cublaslt"})

#: A CUDA library by the name its loader opens: Linux sonames and Windows DLLs.
_NAME = re.compile(
    r"(?<![A-Za-z0-9_])(?P<lib>lib(?:cudart|cublasLt|cublas|cufft|curand|cusparse|cusolver|cudnn|nvrtc)"
    r"\.so\.[0-9]{1,2}(?:\.[0-9]{1,2})?"
    r"|(?:cudart|cublasLt|cublas|cufft|curand|cusparse|cusolver|cudnn)64_[0-9]{1,3}\.dll"
    r"|nvrtc64_[0-9]{2,3}_0\.dll)"
    r"(?![0-9])"
)
#: Words before a name that ask for it (within _BEFORE characters).
_ASKS = re.compile(
    r"(?:load(?:ing)?|open|dlopen|locate|find(?: module)?|needs?|requir\w{0,4}|links? (?:against|to)|linked (?:against|to)"
    r"|looking for|called|missing|ImportError:|dlerror:|Library|library \(|with error:|any of \{)"
    r"[^A-Za-z0-9]{0,6}$",
    re.IGNORECASE,
)
#: Words after a name that say it failed (within _AFTER characters).
_FAILED = re.compile(
    r"^[^A-Za-z0-9]{0,6}(?:[A-Za-z0-9_.]{0,40}[: ]{1,3})?"
    r"(?:cannot open shared object|No such file|(?:is |was )?not (?:found|present)"
    r"|cannot be (?:found|loaded)|could not be (?:found|loaded)|is missing|which is not)",
    re.IGNORECASE,
)
_BEFORE = 40
_AFTER = 80

#: A CUDA release stated in words the general reader (_paste.stated_cuda_lines) leaves: "CUDA SDK
#: 12.0", "CUDA 12 environments", "CUDA toolkit 11"; a major alone counts as that major.
_CUDA_WORDS = re.compile(
    r"\bcuda(?:[ _-]?(?:sdk|toolkit|runtime|version))?[ :=_/\\-]{0,3}v?(?P<major>[0-9]{1,2})"
    r"(?:\.(?P<minor>[0-9]{1,2}|x))?(?![0-9])",
    re.IGNORECASE,
)
#: A build tag of the environment: torch's ``+cu121``, an index or image ``cu130``, pip's ``-cu12``
#: wheels, ``nvidia/cu13`` directories.
_CU_TAG = re.compile(r"(?<![A-Za-z])cu(?P<digits>1[0-3][0-9]?|[89][0-9])(?![0-9A-Za-z])")
#: Words that make the CUDA after them (within 30 characters) the package's, not the
#: environment's: "built against CUDA 12", "a hard dependency on CUDA SDK 11.x", "Require CUDA 12.*".
_PACKAGE_CUDA = re.compile(
    r"\b(?:built|compiled|packaged|dependency|depends|requires?|required|needs?|against)\b",
    re.IGNORECASE,
)


def _plain(text: str) -> str:
    """The line without markdown emphasis and code marks (``**12**``, `` `libcudart.so.12` ``)."""
    return text[:2000].replace("*", "").replace("`", "")


#: Words before a name that say it was loaded ("Successfully opened dynamic library X").
_LOADED = re.compile(r"successfully|opened|loaded", re.IGNORECASE)


#: Where a path ends going back: the words that ask for a library stand before its directory.
_PATH_ENDS = frozenset(" \t'\"(")


def _path_start(text: str, start: int) -> int:
    """Where the path whose last part starts at ``start`` begins (300 characters at most)."""
    at = start
    while at > 0 and start - at < 300 and text[at - 1] not in _PATH_ENDS:
        at -= 1
    return at


def _asked(text: str, start: int, end: int) -> bool:
    start = _path_start(text, start)
    before = text[max(0, start - _BEFORE) : start]
    after = text[end : end + _AFTER]
    if _LOADED.search(before):
        return bool(_FAILED.search(after))
    return bool(_ASKS.search(before) or _FAILED.search(after))


def asked_libraries(paste: Paste) -> tuple[list[tuple[int, str]], set[str]]:
    """((line, library) for each CUDA library asked for and not loaded, every name the paste
    mentions): the names the loader's words surround, in any tool's wording."""
    asked: list[tuple[int, str]] = []
    named: set[str] = set()
    for number, line in enumerate(paste.lines[:2000], start=1):
        text = _plain(line)
        for m in _NAME.finditer(text):
            named.add(m.group("lib"))
            if _asked(text, m.start(), m.end()):
                asked.append((number, m.group("lib")))
    return asked, named


def _release(text: str, whole: int) -> tuple[int, int]:
    """``10.2`` -> (10, 2); a major alone (``12``) -> (12, ``whole``)."""
    major, _, minor = text.partition(".")
    return int(major), int(minor) if minor else whole


def cudnn_spans(tables: Mapping[str, Any]) -> dict[int, Span]:
    """cuDNN major -> the CUDA releases it was built for (compat.yaml ``cudnn_cuda``)."""
    return {
        int(row["cudnn"]): (_release(str(row["lowest"]), 0), _release(str(row["highest"]), 99))
        for row in tables.get("cudnn_cuda") or ()
    }


#: NVRTC's file names: ``libnvrtc.so.X.Y`` carried the toolkit's release up to CUDA 11.1, and every
#: CUDA 11 from 11.2 on keeps ``libnvrtc.so.11.2`` (Debian's libnvrtc11.2 package is CUDA 11.2.152's
#: and 11.8.89's, NVRTC_URL); from CUDA 12 the name carries the major alone (``libnvrtc.so.12``,
#: ``nvrtc64_120_0.dll``; Windows' digits are the Linux name's, ``nvrtc64_112_0.dll``).
NVRTC_URL = "https://packages.debian.org/bookworm/libs/libnvrtc11.2"
_NVRTC_WINDOWS = re.compile(r"^nvrtc64_(?P<major>[0-9]{1,2}?)(?P<minor>[0-9])_0\.dll$")
_NVRTC_LINUX = re.compile(r"^libnvrtc\.so\.(?P<major>[0-9]{1,2})(?:\.(?P<minor>[0-9]{1,2}))?$")


def nvrtc_release(lib: str) -> Span | None:
    """The CUDA releases that ship an NVRTC file, or None where ``lib`` is not one or unknown."""
    m = _NVRTC_LINUX.match(lib) or _NVRTC_WINDOWS.match(lib)
    if m is None:
        return None
    major, minor = int(m.group("major")), m.group("minor")
    if major >= 12:
        return (major, 0), (major, 99)
    if minor is None:
        return None
    if major == 11 and int(minor) >= 2:
        return (11, 2), (11, 99)
    return (major, int(minor)), (major, int(minor))


def asked_release(lib: str, cudnn: Mapping[int, Span]) -> Span | None:
    """The CUDA releases that ship ``lib`` (a cuDNN file: that cuDNN major was built for,
    ``cudnn``), or None where that is not known."""
    if "nvrtc" in lib:
        return nvrtc_release(lib)
    name = soname(lib)
    if name is None:
        return None
    base, version = name
    head = version.split(".")[0]
    if not is_digits(head):
        return None
    if base == "cudnn":
        return cudnn.get(int(head))
    if int(head) >= 13:
        return ((int(head), 0), (int(head), 99)) if base in _NUMBERED_13 else None
    # from CUDA 11 a file's minor is the library's own (libcublas.so.12.1.3.1 is CUDA 12's)
    return cuda_range(base, head if int(head) >= 11 else version)


def _releases_in(text: str) -> list[tuple[int, int | None]]:
    """The CUDA releases a line states in words or tags, the package's own left out."""
    out: list[tuple[int, int | None]] = []
    for m in _CUDA_WORDS.finditer(text):
        minor = m.group("minor")
        if _PACKAGE_CUDA.search(text[max(0, m.start() - 30) : m.start()]) or (
            ":" in m.group(0) and minor is None  # a device, "cuda:1", not a release
        ):
            continue
        out.append((int(m.group("major")), int(minor) if minor and is_digits(minor) else None))
    for m in _CU_TAG.finditer(text):
        digits = m.group("digits")
        if len(digits) == 2 and digits.startswith("1"):
            out.append((int(digits), None))
        else:
            out.append((int(digits[:-1]), int(digits[-1])))
    return [(major, minor) for major, minor in out if 7 <= major <= 13]


#: The installed CUDA as facts the readers keep: the toolkit (nvcc, version.txt, version.json,
#: collect_env's "CUDA runtime version") and the packages that are a CUDA release (conda's
#: cudatoolkit and pytorch-cuda, pip's CUDA runtime wheels, whose version is the CUDA release's).
_INSTALLED_FACTS = (
    "toolkit.nvcc",
    "package.cudatoolkit",
    "package.pytorch-cuda",
    "package.nvidia-cuda-runtime",
    "package.nvidia-cuda-runtime-cu11",
    "package.nvidia-cuda-runtime-cu12",
)
#: A package list's line of a package whose version is a CUDA release (pip list / freeze, conda
#: list, an environment file's ``- cudatoolkit=11.3``): conda's cuda-version, cuda-cudart,
#: cuda-runtime, cuda-toolkit and cuda-nvcc (conda-forge's CUDA 12 packages), and the ones above.
_LISTED = re.compile(
    r"^[ \t-]{0,8}(?:cudatoolkit|cuda-(?:version|cudart|runtime|toolkit|nvcc|nvrtc)|pytorch-cuda"
    r"|nvidia-cuda-(?:runtime|nvrtc)(?:-cu1[0-9])?)(?:={1,2}| {1,60})"
    r"(?P<major>[0-9]{1,2})\.(?P<minor>[0-9]{1,2})(?![0-9])",
    re.IGNORECASE,
)


def _installed_facts(paste: Paste) -> dict[tuple[int, int | None], int]:
    """The CUDA releases the readers' facts state installed, each with its line."""
    found: dict[tuple[int, int | None], int] = {}
    for path in _INSTALLED_FACTS:
        fact = paste.facts.get(path)
        head = str(fact.value).split(".")[:2] if fact is not None else []
        if fact is not None and len(head) == 2 and all(is_digits(x) for x in head):
            found.setdefault((int(head[0]), int(head[1])), fact.line)
    return found


def environment_cuda(
    paste: Paste, own: Sequence[int], asked: set[str], named: set[str], cudnn: Mapping[int, Span]
) -> dict[tuple[int, int | None], int]:
    """The CUDA releases the paste states for the environment apart from the lines ``own``, each
    with its first line: a minor of None where only the major is said."""
    found: dict[tuple[int, int | None], int] = {}
    for release, first in stated_cuda_lines(paste, own).items():
        found[release] = first
    for fact_release, first in _installed_facts(paste).items():
        found.setdefault(fact_release, first)
    present = named - asked
    for number, line in enumerate(paste.lines[:2000], start=1):
        if "Driver Version" in line:
            continue
        text = _plain(line)
        for said in _releases_in(text) if number not in own else ():
            found.setdefault(said, number)
        listed = _LISTED.match(text)
        if listed is not None and number not in own:
            found.setdefault((int(listed.group("major")), int(listed.group("minor"))), number)
        for lib in present:
            span = asked_release(lib, cudnn) if lib in text else None
            if span is not None and span[0][0] == span[1][0]:
                exact = span[0][1] if span[0] == span[1] else None
                found.setdefault((span[0][0], exact), number)
    return found


def other_cuda(
    paste: Paste, tables: Mapping[str, Any]
) -> tuple[int, str, str, Mapping[tuple[int, int | None], int]] | None:
    """(line, library, the CUDA it belongs to, the environment's releases) for the first library
    asked for whose CUDA is none the paste states for the environment."""
    asked, named = asked_libraries(paste)
    if not asked:
        return None
    cudnn = cudnn_spans(tables)
    env = environment_cuda(paste, [n for n, _ in asked], {lib for _, lib in asked}, named, cudnn)
    if not env:
        return None
    found = first_of_another_release(asked, env, lambda lib: asked_release(lib, cudnn))
    return (*found, env) if found is not None else None


def asked_other_cuda(paste: Paste, lines: Sequence[int], tables: Mapping[str, Any]) -> bool:
    """A library of another CUDA than the environment's is asked for on one of ``lines``."""
    found = other_cuda(paste, tables)
    return found is not None and found[0] in lines


def _source(lib: str, tables: Mapping[str, Any]) -> str:
    """The cited table row of a cuDNN file's major (compat.yaml ``cudnn_cuda``), else NVIDIA's notes."""
    name = soname(lib)
    if name is None or name[0] != "cudnn":
        return CUDA_13_NOTES_URL
    major = name[1].split(".")[0]
    rows = [row for row in tables.get("cudnn_cuda") or () if str(row["cudnn"]) == major]
    return str(rows[0]["source"]) if rows else CUDA_13_NOTES_URL


def _named(lib: str, shown: str) -> str:
    """What the library's name says of its CUDA release."""
    if "cudnn" in lib:
        return f"{lib} is a cuDNN file of a major that NVIDIA built for CUDA {shown} only"
    return f"{lib} is the name CUDA {shown} gives that library"


def library_cuda_release(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """A CUDA library asked for and not loaded whose CUDA release is none the paste states for the
    environment: the package asking was built for another CUDA. A warning: inferred from names."""
    found = other_cuda(paste, tables)
    if found is None:
        return []
    number, lib, shown, env = found
    # The named library is not there to load: the build for another CUDA is the cause, the missing
    # file its symptom (both names, as precedence.py folds a missing library into its mismatch).
    said = ", ".join(
        f"CUDA {major}" + (f".{minor}" if minor is not None else "")
        for major, minor in sorted(env, key=lambda r: (r[0], r[1] or 0))
    )
    finding = INFERRED.finding(
        paste,
        "library-cuda-release",
        "warn",
        title="A package asks for the CUDA libraries of another release than the environment's",
        detail=f"{_named(lib, shown)}; the paste states {said} for "
        "the environment: the package asking for it was built for another CUDA (inferred from "
        "the library's name)",
        fix="Install the build of the package made for the environment's CUDA (its cuXYZ "
        "wheel, index or image), or the CUDA release whose libraries it names",
        proof=[number, *sorted(env.values())[:2]],
        source=_source(lib, tables),
    )
    return [replace(finding, also=(*finding.also, Category.MISSING_LIBRARY.value))]
