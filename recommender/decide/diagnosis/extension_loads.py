"""A compiled extension that the loader refuses: the module of a library shipping its own compiled
code (flash-attn's ``flash_attn_2_cuda``, ``vllm._C``, ``mmcv._ext``, ``torchvision._C``, any
``*_cuda``/``_C``/``_ext`` extension), not the framework's own, failing to load as it is imported.

Such a module is compiled against one torch (its C++ API, c10's and ATen's symbols) and one CUDA,
and the loader fails on it in two ways: Windows' ``DLL load failed while importing <module>``
(CPython's Python/dynload_win.c names the module; a DLL it links, or a function of one, is not
there) and Linux's ``<module>.so: undefined symbol: <name>`` (a symbol of the torch it was built
against that this torch lacks). A prebuilt wheel for another torch or CUDA is the common cause
(flash-attn's Windows wheels: Dao-AILab/flash-attention#1164; PyTorch's extension docs say an
extension must be built against the torch it runs with); the fix is the extension's build for the
installed torch. Inferred from the module's name and the loader's words, so a warning: a DLL of
the CUDA runtime or the Visual C++ runtime absent gives the same words (the signatures that name
those say so beside it). The frameworks' own modules (``torch._C``, TensorFlow's
``_pywrap_tensorflow_internal``) are their own builds, not an extension's, and are left out.
"""

from __future__ import annotations

import re

from recommender.decide.diagnosis.extensions import FRAMEWORK_MODULES, extension_module
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED
from recommender.facts.reports import Paste

#: The finding's id: a loader's refusal is a failure the paste shows, though its cause is inferred.
EXTENSION_LOAD = f"{INFERRED.prefix}:extension-load"
SOURCE = "https://pytorch.org/tutorials/advanced/cpp_extension.html"
#: Windows' loader (CPython 3.8+ names the module; older ones do not).
_WINDOWS = re.compile(r"DLL load failed(?: while importing (?P<mod>[A-Za-z0-9_]{1,80}))?")
#: Linux's loader on a module file: ``.../site-packages/vllm/_C.abi3.so: undefined symbol: ...``.
_UNDEFINED = re.compile(
    r"(?P<path>[A-Za-z0-9_./\\-]{1,300})\.so(?:\.[0-9]{1,3}){0,3}: undefined symbol: "
)
#: A source line that imports: ``from mmcv import _ext``, ``import flash_attn_2_cuda as fa``.
_IMPORT = re.compile(
    r"^[ \t>.]{0,40}(?:from (?P<pkg>[A-Za-z0-9_.]{1,120}) import (?P<names>[A-Za-z0-9_, ]{1,200})"
    r"|import (?P<mod>[A-Za-z0-9_.]{1,120}))"
)
#: A traceback frame in an installed package's directory.
_FRAME = re.compile(r"(?:site|dist)-packages[/\\](?P<pkg>[A-Za-z_][A-Za-z0-9_]{0,60})[/\\]")
#: How far above the loader's line the import and its frame are looked for.
_ABOVE = 6


def _imported(paste: Paste, line: int) -> list[str]:
    """The dotted names the import statements just above ``line`` load (a relative import's
    package from the frame above it: ``from . import _C`` in site-packages/detectron2)."""
    out: list[str] = []
    package = ""
    for number in range(max(1, line - _ABOVE), line):
        text = paste.line(number)[:1000]
        frame = _FRAME.search(text)
        package = frame.group("pkg") if frame else package
        m = _IMPORT.match(text)
        if m is None:
            continue
        if m.group("mod"):
            out.append(m.group("mod"))
            continue
        pkg = m.group("pkg")
        pkg = package if pkg.startswith(".") and package else pkg
        out.extend(f"{pkg}.{name.strip()}" for name in m.group("names").split(",") if name.strip())
    return out


def _from_path(path: str) -> str:
    """The module a loaded file is: ``.../site-packages/vllm/_C.abi3`` -> ``vllm._C``."""
    parts = [p for p in re.split(r"[/\\]", path) if p]
    tail = parts[-1].split(".")[0] if parts else ""
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            inside = parts[parts.index(marker) + 1 : -1]
            return ".".join([*inside, tail])
    return f"{parts[-2]}.{tail}" if len(parts) > 1 and tail.startswith("_") else tail


def _failed_module(paste: Paste, number: int) -> str | None:
    """The module whose load failed on line ``number``, or None where the line is no loader
    failure or names no module it can be told from."""
    text = paste.line(number)[:2000]
    linux = _UNDEFINED.search(text)
    if linux is not None:
        return _from_path(linux.group("path"))
    windows = _WINDOWS.search(text)
    if windows is None:
        return None
    mod = windows.group("mod")
    imported = _imported(paste, number)
    if mod is None:
        return imported[-1] if imported else None
    whole = [name for name in imported if name == mod or name.endswith(f".{mod}")]
    return whole[-1] if whole else mod


def _extension(module: str) -> bool:
    """A library's compiled extension; a bare private name (``_C``, ``_pywrap_...``) is left out,
    since whose it is (torch's own ``torch._C`` most often) is not said."""
    return not (module.startswith("_") and "." not in module) and extension_module(module)


def _package(module: str) -> str:
    """The distribution a module belongs to, as pip names it (flash_attn_2_cuda -> flash-attn)."""
    top = module.split(".")[0]
    top = "flash_attn" if top.startswith("flash_attn") else top
    return top.replace("_", "-")


def importing_package(paste: Paste, line: int) -> str | None:
    """The package (as pip names it) whose import, or whose frame, stands just above ``line``;
    None where none does or it is a framework's own."""
    names = _imported(paste, line)
    if not names:
        frames = [_FRAME.search(paste.line(n)[:1000]) for n in range(max(1, line - _ABOVE), line)]
        names = [m.group("pkg") for m in frames if m is not None]
    names = [n for n in names if n.split(".")[0] not in FRAMEWORK_MODULES]
    return _package(names[-1]) if names else None


def extension_load_failures(paste: Paste) -> list[Finding]:
    """A library's compiled extension that the loader refuses as it is imported: built for
    another torch or CUDA than the environment's (a warning: inferred from the loader's words)."""
    for number, line in enumerate(paste.lines[:2000], start=1):
        if "DLL load failed" not in line and "undefined symbol" not in line:
            continue
        module = _failed_module(paste, number)
        if module is None or not _extension(module):
            continue
        package = _package(module)
        return [
            INFERRED.finding(
                paste,
                "extension-load",
                "warn",
                title=f"{package}'s compiled extension {module} does not load: most likely built "
                "for another torch or CUDA than the installed one",
                detail=f"{module} is a compiled module that {package} ships, and the loader refused "
                "it as it was imported: an extension built against another torch (its C++ "
                "symbols) or another CUDA does that (inferred from the loader's words; a missing "
                "runtime DLL gives the same words)",
                fix=f"Reinstall {package} built for the installed torch and CUDA (its wheel for "
                f"this torch release), or rebuild it from source against this torch (pip install "
                f"--no-build-isolation --no-cache-dir --force-reinstall {package})",
                proof=[number],
                source=SOURCE,
            )
        ]
    return []
