"""A framework's own library (or a CUDA library) that the loader refuses for a symbol it lacks.

The dynamic loader's ``<file>.so: undefined symbol: <name>`` on a file of torch, TensorFlow,
jaxlib or Paddle themselves (``site-packages/torch/lib/libtorch_cuda.so``), of their companions
(torchvision, torchaudio), or of a CUDA library (``libcudnn_cnn_infer.so.8``) says that the file
was linked against a release of some library that exports ``<name>``, and the release loaded in
its place does not: another package's or the system's NCCL, MKL, cuDNN or cuBLAS found first on
the loader's path, a Python other than the one the build is for, or files of two installs of the
framework mixed in one directory (dlopen(3); pytorch#119072 is NCCL's case). A library's own
extension refused the same way is extension_loads.py's; the symbols whose owner is known
(``nccl*``, ``cudnn*``, torch's C++ names) have signatures that name the fix. A warning: which
library lacks the symbol is inferred from the loader's words.
"""

from __future__ import annotations

import re

from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED
from recommender.facts.reports import Paste

#: The finding's id (a loader's refusal: a failure the paste shows, whose cause is inferred).
FRAMEWORK_SYMBOL = f"{INFERRED.prefix}:framework-library-symbol"
SOURCE = "https://github.com/pytorch/pytorch/issues/119072"
#: Linux's loader on a library file: ``<path>.so[.N]: undefined symbol: <name>``.
_UNDEFINED = re.compile(
    r"(?P<path>[A-Za-z0-9_./\\+-]{1,300})\.so(?:\.[0-9]{1,3}){0,3}: undefined symbol: "
    r"(?P<sym>[A-Za-z_][A-Za-z0-9_]{0,200})"
)
#: The packages whose own compiled files are the framework's build (site-packages/<name>/...).
_OWN = ("torch", "tensorflow", "jaxlib", "jax", "paddle", "torchvision", "torchaudio", "torchtext")
_PACKAGE = re.compile(r"(?:site|dist)-packages[/\\](?P<pkg>[A-Za-z_][A-Za-z0-9_]{0,60})[/\\]")
#: CUDA's own libraries by file name (``libcudnn_cnn_infer``, ``libcublasLt``, ``libnccl``).
_CUDA_FILE = re.compile(
    r"(?:^|[/\\])lib(?:cudnn|cublas|cusparse|cufft|curand|cusolver|nccl|nvrtc|nvJitLink|cudart"
    r"|nvinfer|cupti)[A-Za-z0-9_]{0,30}$"
)
#: A symbol of CPython's C API: the build is for another Python.
_PYTHON_API = re.compile(r"^_?Py[A-Z_]")


def _owner(path: str) -> str | None:
    """Whose file ``path`` is: a framework's (its package), CUDA's ("CUDA"), or None."""
    package = _PACKAGE.search(path)
    if package is not None:
        name = package.group("pkg")
        return name if name in _OWN else None
    return "CUDA" if _CUDA_FILE.search(path) else None


def _cause(symbol: str) -> str:
    if _PYTHON_API.match(symbol):
        return (
            f"{symbol} is a function of CPython's C API: the build is for another Python "
            "release than the one running it"
        )
    return (
        f"the file was linked against a release of a library that exports {symbol}, and the "
        "release the loader found first does not (another package's or the system's copy on "
        "the library path, or files of two installs mixed)"
    )


def framework_library_symbol(paste: Paste) -> list[Finding]:
    """The first framework or CUDA library file the loader refuses for an undefined symbol: a
    library it links is of another release than the build's (a warning: inferred)."""
    for number, line in enumerate(paste.lines[:2000], start=1):
        if "undefined symbol: " not in line:
            continue
        m = _UNDEFINED.search(line[:2000])
        owner = _owner(m.group("path")) if m is not None else None
        if m is None or owner is None:
            continue
        symbol = m.group("sym")
        return [
            INFERRED.finding(
                paste,
                "framework-library-symbol",
                "warn",
                title=f"A library of {owner}'s build lacks a symbol it was linked against: a "
                "library it loads is of another release than the build's",
                detail=_cause(symbol),
                fix="Load the libraries the build ships or names: reinstall the framework in a "
                "fresh environment (its pip wheels bring their own CUDA, NCCL and cuDNN), take "
                "other copies off LD_LIBRARY_PATH (ldd on the file shows which one is found), "
                "or install the build made for the Python and libraries installed",
                proof=[number],
                source=SOURCE,
            )
        ]
    return []
