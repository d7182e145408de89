"""The CUDA libraries TensorFlow asks for by name, and the CUDA release those names belong to.

Before ``tensorflow[and-cuda]`` (2.14), TensorFlow opened the system's CUDA libraries by soname
(``libcusolver.so.10``, ``cudart64_100.dll``), names fixed when the wheel was built. A library
that fails to load is therefore a *version* fact: where the paste states an installed CUDA that
never ships that name, TensorFlow (a release, a nightly or a community wheel) was built for
another CUDA, and installing the one named is the fix, not a library path. The same for cuDNN:
``libcudnn.so.8`` next to a stated cuDNN 7.

And a TensorFlow 2.0-2.3 device list with an ``XLA_GPU`` but no ``GPU``: the XLA device is made
from the driver alone, the GPU device only once TensorFlow has loaded the CUDA/cuDNN libraries of
its build, so the pair is that load failing (tensorflow/tensorflow#35702, #38990).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from recommender.core.catalog import Accelerator, Framework
from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import quote_lines, stated_cuda_lines
from recommender.decide.diagnosis.cudnn import archive_majors
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import (
    BUILD,
    INFERRED,
    Span,
    first_of_another_release,
    outside,
    shipped_by,
)
from recommender.facts.reports import Paste

#: NVIDIA's "CUDA Toolkit Major Component Versions" (release notes of each toolkit, e.g.
#: https://docs.nvidia.com/cuda/archive/11.2.1/cuda-toolkit-release-notes/index.html: CUDA 11.2
#: ships cuSOLVER 11.1, cuFFT 10.4, cuSPARSE 11.4, cuBLAS 11.4; 11.0 ships cuSOLVER 10.x; 12.0
#: cuFFT 11.0, cuSPARSE 12.0, cuBLAS 12.0, cuSOLVER 11.4). Up to CUDA 10.0 every library's soname
#: carried the toolkit's major.minor (``libcublas.so.10.0``; ``libcudart.so.X.Y`` until 10.2);
#: after it, a library's own major: (library, soname major) -> the CUDA releases that ship it.
#: verified: 2026-12-05. CUDA 13 is not read (no claim is made against it).
CUDA_NOTES_URL = "https://docs.nvidia.com/cuda/archive/11.2.1/cuda-toolkit-release-notes/index.html"
_SONAME_MAJOR: dict[tuple[str, int], tuple[tuple[int, int], tuple[int, int]]] = {
    ("cudart", 11): ((11, 0), (11, 99)),  # libcudart.so.11.0 for every CUDA 11
    ("cudart", 12): ((12, 0), (12, 99)),
    ("cublas", 10): ((10, 1), (10, 2)),
    ("cublas", 11): ((11, 0), (11, 99)),
    ("cublas", 12): ((12, 0), (12, 99)),
    ("cublaslt", 10): ((10, 1), (10, 2)),
    ("cublaslt", 11): ((11, 0), (11, 99)),
    ("cublaslt", 12): ((12, 0), (12, 99)),
    ("cusolver", 10): ((10, 1), (11, 0)),
    ("cusolver", 11): ((11, 1), (12, 99)),
    ("cufft", 10): ((10, 1), (11, 99)),
    ("cufft", 11): ((12, 0), (12, 99)),
    ("cusparse", 10): ((10, 1), (10, 2)),
    ("cusparse", 11): ((11, 0), (11, 99)),
    ("cusparse", 12): ((12, 0), (12, 99)),
    ("curand", 10): ((10, 1), (12, 99)),
}
KNOWN_UP_TO = (12, 99)
#: What both TensorFlow findings propose: the release its build names, or the build for yours.
_FIX = (
    "Install the CUDA/cuDNN release whose libraries TensorFlow names (its release's tested "
    "configuration), or the TensorFlow build made for the CUDA/cuDNN you have"
)

#: TensorFlow's own words for a library it could not open: the dso_loader (``Could not load
#: dynamic library 'X'``, 2.0 betas ``Could not dlopen library 'X'``, 1.x ``Couldn't open CUDA
#: library X``) and the Windows preload check of 1.x-2.0 (``Could not find 'X'. TensorFlow
#: requires that this DLL be installed``, tensorflow/python/platform/self_check.py).
_TF_LOAD = re.compile(
    r"(?:Could not load dynamic library|Could not dlopen library|Couldn't open CUDA library|"
    r"Could not find) '?(?P<lib>[A-Za-z][A-Za-z0-9_]{1,30}(?:\.so[0-9.]{0,10}|\.dll))"
)
#: The dynamic loader's own words, read only where the paste is TensorFlow's (1.x's ImportError).
_LOADER = re.compile(
    r"(?P<lib>lib[a-z][A-Za-z0-9_]{1,30}\.so[0-9.]{0,10}): cannot open shared object"
)
_LINUX = re.compile(r"^lib(?P<base>[a-z][A-Za-z]{2,12})\.so\.(?P<ver>[0-9]{1,2}(?:\.[0-9]{1,2})?)$")
_WINDOWS = re.compile(r"^(?P<base>[a-z][A-Za-z]{2,12})64_(?P<digits>[0-9]{1,3})\.dll$")


def soname(lib: str) -> tuple[str, str] | None:
    """(library, soname version) of ``libcusolver.so.10`` / ``cusolver64_10.dll``: the Windows
    digits read as Linux's (``100`` is 10.0, ``110`` is 11.0, ``90`` is 9.0, ``10`` a major)."""
    linux = _LINUX.match(lib)
    if linux:
        return linux.group("base").lower(), linux.group("ver")
    win = _WINDOWS.match(lib)
    if not win:
        return None
    digits = win.group("digits")
    if len(digits) == 1 or digits in ("10", "11", "12", "13"):
        return win.group("base").lower(), digits
    return win.group("base").lower(), f"{digits[:-1]}.{digits[-1]}"


def cuda_range(base: str, version: str) -> Span | None:
    """The CUDA releases that ship this soname, or None where the table does not know it."""
    head, _, tail = version.partition(".")
    if not is_digits(head):
        return None
    major = int(head)
    if tail and is_digits(tail) and (major <= 10 or base == "cudart"):
        if base == "cudart" and major >= 11:
            return _SONAME_MAJOR.get((base, major))
        return (major, int(tail)), (major, int(tail))
    return _SONAME_MAJOR.get((base, major)) if not tail else None


def _shipping(lib: str) -> Span | None:
    """The CUDA releases that ship the library TensorFlow names, or None where not known."""
    name = soname(lib)
    return cuda_range(*name) if name else None


def _tensorflow_paste(paste: Paste) -> bool:
    return "frameworks.tensorflow.installed" in paste.facts or any(
        Framework.TENSORFLOW.value in line.lower() for line in paste.lines[:2000]
    )


def _failed_loads(paste: Paste) -> list[tuple[int, str]]:
    """(line, library) for each library TensorFlow says it could not open."""
    loader = _tensorflow_paste(paste)
    out = []
    for number, text in enumerate(paste.lines[:2000], start=1):
        m = _TF_LOAD.search(text[:2000]) or (_LOADER.search(text[:2000]) if loader else None)
        if m:
            out.append((number, m.group("lib").rstrip(".")))
    return out


def _cudnn_major(lib: str) -> int | None:
    m = re.fullmatch(r"(?:libcudnn\.so\.|cudnn64_)(?P<n>[0-9]{1,2})(?:\.dll)?", lib)
    return int(m.group("n")) if m else None


def _cuda_outside(
    paste: Paste, loads: Sequence[tuple[int, str]]
) -> tuple[int, str, str, list[int]] | None:
    """The first failed load whose CUDA no stated installed CUDA ships: (line, library, the
    releases that ship it, the lines that state the installed CUDA)."""
    installed = stated_cuda_lines(paste, [n for n, _ in loads])
    if not installed or any(release > KNOWN_UP_TO for release in installed):
        return None
    found = first_of_another_release(loads, installed, _shipping)
    return (*found, sorted(installed.values())) if found is not None else None


def _cudnn_outside(paste: Paste, loads: Sequence[tuple[int, str]]) -> tuple[int, str] | None:
    stated = paste.facts.get("toolkit.cudnn")
    head = str(stated.value).split(".")[0] if stated else ""
    if not is_digits(head):
        return None
    for number, lib in loads:
        wanted = _cudnn_major(lib)
        if wanted is not None and wanted != int(head):
            return number, lib
    return None


def library_versions(paste: Paste) -> list[Finding]:
    """A CUDA/cuDNN library TensorFlow could not open whose name belongs to another release than
    the CUDA/cuDNN the paste states installed: the build was made for that other release."""
    loads = _failed_loads(paste)
    if not loads:
        return []
    cuda = _cuda_outside(paste, loads)
    cudnn = _cudnn_outside(paste, loads)
    if cuda is None and cudnn is None:
        return []
    parts: list[str] = []
    lines: list[int] = []
    if cuda is not None:
        number, lib, shown, stated_lines = cuda
        parts.append(f"{lib} is the name CUDA {shown} gives that library, not the CUDA installed")
        lines += [number, *stated_lines]
    if cudnn is not None:
        number, lib = cudnn
        cudnn_fact = paste.facts["toolkit.cudnn"]
        parts.append(
            f"{lib} is cuDNN {_cudnn_major(lib)}'s library; cuDNN {cudnn_fact.value} is installed"
        )
        lines += [number, cudnn_fact.line]
    return [
        BUILD.finding(
            paste,
            "tensorflow-library-release",
            "fail",
            title="TensorFlow asks for the libraries of another CUDA/cuDNN release than the one installed",
            detail="; ".join(parts)
            + ": this TensorFlow build was made for that release, so it cannot load these",
            fix=_FIX,
            proof=lines,
            source=CUDA_NOTES_URL,
        )
    ]


#: A cuDNN release named on a line ("cuDNN 8.1", "libcudnn 5.1", "cudnn-7.6", "cuDNN v8.0.5");
#: a library file name (``libcudnn.so.8``, ``cudnn64_8.dll``) is a load, not a statement.
_STATED_CUDNN = re.compile(
    r"\b(?:lib)?cudnn[ _-]?(?:version)?[ :=]{0,3}v?(?P<major>[0-9]{1,2})\.(?P<minor>[0-9])",
    re.IGNORECASE,
)
#: A CUDA release named bare after "install" on a line that names CUDA ("CUDA 10.1 ... I just
#: install 10.2", "I have installed 11.8"): majors 10-13 only, which no cuDNN release has.
_INSTALLED_BARE = re.compile(
    r"\binstall(?:ed)? (?:the |version |v)?(?P<major>1[0-3])\.(?P<minor>[0-9])\b(?! ?(?:cudnn|cu?dnn))",
    re.IGNORECASE,
)


def _named_releases(
    paste: Paste, own: Sequence[int]
) -> tuple[dict[tuple[int, int], int], dict[int, int]]:
    """The CUDA releases (stated_cuda_lines, and a bare one after "install") and the cuDNN majors
    the paste names apart from the lines ``own``, each with the first line naming it."""
    cuda = dict(stated_cuda_lines(paste, own))
    cudnn: dict[int, int] = {}
    stated = paste.facts.get("toolkit.cudnn")
    head = str(stated.value).split(".")[0] if stated else ""
    if stated is not None and is_digits(head):
        cudnn[int(head)] = stated.line
    # a line a reader took toolkit facts from ("CUDA/cuDNN version: 10.1/7.6.5") is read there
    read = {f.line for path, f in paste.facts.items() if path.startswith("toolkit.")}
    for number, text in enumerate(paste.lines[:2000], start=1):
        if number in own or number in read:
            continue
        low = text[:2000].lower()
        archives = archive_majors(text[:2000]) if "cudnn-" in low else set()
        for major in sorted(archives):  # NVIDIA's archive names: their CUDA number is not cuDNN's
            cudnn.setdefault(major, number)
        if "cudnn" in low and "cuda/cudnn" not in low and not archives:
            for m in _STATED_CUDNN.finditer(text[:2000]):
                cudnn.setdefault(int(m.group("major")), number)
        if Accelerator.CUDA.value in low and "install" in low:
            for m in _INSTALLED_BARE.finditer(text[:2000]):
                cuda.setdefault((int(m.group("major")), int(m.group("minor"))), number)
    return cuda, cudnn


def _other_release(
    lib: str, cuda: Mapping[tuple[int, int], int], cudnn: Mapping[int, int]
) -> tuple[str, int] | None:
    """(what the paste names instead, its line) where ``lib`` belongs to another release than one
    the paste names; None where every named release ships it, or none is named."""
    wanted = _cudnn_major(lib)
    if wanted is not None:
        other = next(((m, n) for m, n in sorted(cudnn.items()) if m != wanted), None)
        return (f"cuDNN {other[0]} (the library is cuDNN {wanted}'s)", other[1]) if other else None
    span = _shipping(lib)
    if span is None or any(release > KNOWN_UP_TO for release in cuda):
        return None
    named = next(((r, n) for r, n in sorted(cuda.items()) if outside(span, r)), None)
    if named is None:
        return None
    (major, minor), line = named
    return f"CUDA {major}.{minor} (the library is CUDA {shipped_by(span)}'s)", line


def library_release_named(paste: Paste) -> list[Finding]:
    """A library TensorFlow could not open, where the paste also names another CUDA/cuDNN release
    than the one that library belongs to: that other release, if it is the one installed, is the
    cause (the build was made for the library's own). A warning: the paste names both, and a
    sentence does not say which is installed (library_versions fails where every release named
    is another)."""
    loads = _failed_loads(paste)
    if not loads:
        return []
    cuda, cudnn = _named_releases(paste, [n for n, _ in loads])
    for number, lib in loads:
        other = _other_release(lib, cuda, cudnn)
        if other is None:
            continue
        named, line = other
        return [
            INFERRED.finding(
                paste,
                "tensorflow-library-release-named",
                "warn",
                title="TensorFlow asks for a library of another CUDA/cuDNN release than one the paste names",
                detail=f"{lib} did not load, and the paste names {named}: if that release is the one "
                "installed, this TensorFlow build was made for another and cannot load it "
                "(inferred: the text names both releases)",
                fix=_FIX,
                proof=[number, line],
                source=CUDA_NOTES_URL,
            )
        ]
    return []


XLA_GPU_URL = "https://github.com/tensorflow/tensorflow/issues/35702"


def xla_gpu_only(paste: Paste) -> list[Finding]:
    """An XLA_GPU device listed and no GPU device (facts.reports.tf_devices): TensorFlow reached
    the driver but did not load the CUDA/cuDNN libraries its build needs (another release
    installed, or none)."""
    seen = paste.facts.get("tf.xla_gpu_only")
    if seen is None or seen.value is not True:
        return []
    return [
        Finding(
            id="build:tensorflow-xla-gpu-only",
            category=Category.VERSION_MISMATCH.value,
            status="fail",
            title="TensorFlow lists an XLA_GPU but no GPU: it could not load its CUDA libraries",
            detail="the XLA device needs only the driver; the GPU device appears once TensorFlow has loaded the CUDA and cuDNN release its build was made for, so those are missing or of another release",
            fix="Install the CUDA and cuDNN versions of this TensorFlow release's tested build configuration (https://www.tensorflow.org/install/source#gpu) and put them on the library path",
            quotes=quote_lines(paste, [seen.line]),
            source=XLA_GPU_URL,
        )
    ]
