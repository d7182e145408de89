"""pip falling back to a source archive of a library that publishes compiled wheels: pip takes a
source archive only when no wheel of the release matches this Python and platform (pip's
documentation, "pip install": it prefers wheels and builds an sdist only where none fits). For
libraries whose releases ship compiled wheels (``rules/platform_wheels.yaml``), fetching
``xformers-0.0.23.tar.gz`` says the wheel tags did not match (a Python newer or older than the
release's wheels, a 32-bit Python, a platform it does not publish for), and what follows is a
C++/CUDA build; torch's only source archives on PyPI (0.1 to 0.1.2.post2) are placeholders that
never build (https://github.com/pytorch/pytorch/issues/939). ``no-matching-wheel``: a failure
where the paste shows the build failing or the placeholder, a warning else (a build can work)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.inferences import on_windows
from recommender.decide.diagnosis.platform_wheels import paste_platform
from recommender.facts.reports import Fact, Paste
from recommender.rulebase.platform_wheels import Library

PIP_URL = "https://pip.pypa.io/en/stable/cli/pip_install/#installation-order"
PLACEHOLDER_URL = "https://github.com/pytorch/pytorch/issues/939"
_KIND = FindingKind("source-fallback", Category.NO_MATCHING_WHEEL.value)
#: The placeholder source archives a library keeps on PyPI (their setup.py raises at once):
#: torch's 0.1 to 0.1.2.post2, and tensorflow-gpu's 2.12.0, the "empty package that generates an
#: error upon installation" left when the name was retired in December 2022 (pypi.org/project/
#: tensorflow-gpu; https://github.com/tensorflow/tensorflow/issues/60886).
_PLACEHOLDERS = {
    "torch": SpecifierSet("<=0.1.2.post2"),
    "tensorflow-gpu": SpecifierSet(">=2.12"),
}
#: What to install instead of a placeholder, where the name itself was retired.
_INSTEAD = {
    "tensorflow-gpu": "Install tensorflow instead (the same package since 2.1; on Linux "
    'pip install "tensorflow[and-cuda]" brings its CUDA libraries); tensorflow-gpu has no '
    "release after 2.11",
}
_NAMES = {
    "windows": "Windows",
    "macos-arm64": "macOS on Apple silicon",
    "macos-x86_64": "macOS on Intel",
    "linux-aarch64": "Linux on aarch64",
}
#: pip's and setuptools' words for a source build that failed.
_BUILD_FAILED = re.compile(
    r"(?:Building wheel for|Running setup\.py install for|Preparing metadata \([a-z.]{1,20}\) "
    r"\.\.\. error|Failed to build |Could not build wheels for |Failed building wheel for )",
    re.IGNORECASE,
)


def _release(fact: Fact) -> Version | None:
    """The release a source archive's file name states (``xformers-0.0.23.tar.gz``)."""
    text = str(fact.value).removesuffix(".tar.gz").removesuffix(".zip").rpartition("-")[2]
    try:
        return Version(text)
    except InvalidVersion:
        return None


#: pip's words for a build step that failed, said without the package's name: they belong to the
#: source archive pip named just before ("Using cached deepspeed-0.10.1.tar.gz", then "Preparing
#: metadata (setup.py) ... error").
_STEP_FAILED = re.compile(
    r"Preparing metadata \([a-z.]{1,20}\) \.\.\. error|egg_info did not run successfully"
    r"|subprocess-exited-with-error",
    re.IGNORECASE,
)
#: How many lines after the archive's own line pip reports its metadata step.
_STEP_WINDOW = 6


def _build_failed(paste: Paste, name: str, fact: Fact | None = None) -> int | None:
    """The line where pip says the source build of ``name`` failed: a line naming it, or a failed
    build step within a few lines after the line that named its source archive (``fact``)."""
    spellings = {name, name.replace("-", "_")}
    for number, text in enumerate(paste.lines[:5000], 1):
        m = _BUILD_FAILED.search(text[:2000])
        if m is None:
            continue
        rest = text[m.end() : m.end() + 200].lower()
        if any(s in rest for s in spellings) and (
            "error" in text.lower() or m.group(0).lower().startswith(("failed", "could not"))
        ):
            return number
    if fact is None or fact.line is None:
        return None
    last = min(fact.line + _STEP_WINDOW, len(paste.lines))
    return next(
        (n for n in range(fact.line + 1, last + 1) if _STEP_FAILED.search(paste.line(n)[:2000])),
        None,
    )


def _where(paste: Paste) -> tuple[str, list[Fact]]:
    """The Python and platform the paste states, in words, with the facts that state them."""
    facts: list[Fact] = []
    words: list[str] = []
    python = paste.facts.get("python.version")
    if python is not None:
        facts.append(python)
        words.append(f"Python {python.value}")
    found = paste_platform(paste)
    if found is not None and found[0] in _NAMES:
        facts.extend(found[1])
        words.append(_NAMES[found[0]])
    return (" on ".join(words) if words else "this Python and platform"), facts


def _finding(paste: Paste, name: str, fact: Fact, release: Version, lib: Library) -> Finding:
    placeholder = name in _PLACEHOLDERS and release in _PLACEHOLDERS[name]
    failed = _build_failed(paste, name, fact)
    where, where_facts = _where(paste)
    windows = (
        sorted(lib.built("windows"))
        if release not in lib.built("linux-x86_64") | lib.built("windows")
        else []
    )
    if windows:
        where = where.replace("this Python and platform", "Windows")
    detail = (
        f"{fact.value} is a placeholder that never builds: pip found no wheel of {name} for {where}"
        if placeholder
        else f"{name} {release} has no Windows wheel (its Windows wheels: "
        f"{', '.join(map(str, windows))}), so pip builds its source archive there, and the build "
        "failed (its Linux-only parts do not compile on Windows)"
        if windows
        else f"{name} {release} ships compiled wheels, and pip builds its source archive only "
        f"when none matches {where} (a C++/CUDA build follows)"
    )
    have = sorted(lib.built("linux-x86_64"))
    return _KIND.finding(
        paste,
        name,
        # where the release has no Windows wheel the build fails for that or for another
        # reason the same lines may state (a CUDA toolkit that is not torch's): a warning
        "fail" if placeholder or (failed is not None and not windows) else "warn",
        f"pip found no {name} wheel for {where} and fell back to its source archive",
        detail,
        _INSTEAD.get(name)
        or (
            f'Install a release with a Windows wheel (pip install "{name}=={windows[-1]}"), or '
            "run it on Linux (WSL 2 or a container), where it builds"
            if windows
            else None
        )
        or f"Use a 64-bit Python that {name} publishes wheels for (pip download {name} "
        "--only-binary=:all: --no-deps shows whether one matches), or pin a release with a wheel "
        "for it"
        + (f" ({name} {have[-1]} is the newest the table knows)" if have else ""),
        [fact, *([failed] if failed is not None else []), *where_facts],
        PLACEHOLDER_URL if placeholder else lib.source if windows else PIP_URL,
    )


def _windows_only_wheels(
    paste: Paste, name: str, fact: Fact, release: Version, lib: Library
) -> bool:
    """A library that builds from source everywhere but publishes Windows wheels for some
    releases (DeepSpeed: its ops need libaio and other Linux-only parts to compile), whose source
    build of another release failed on Windows: the missing Windows wheel is the cause."""
    if release in lib.built("windows") or not lib.built("windows"):
        return False
    return on_windows(paste) and _build_failed(paste, name, fact) is not None


def source_fallback_findings(
    paste: Paste, libraries: Mapping[str, Library], reported: frozenset[str] = frozenset()
) -> list[Finding]:
    """Source archives pip fetched of libraries that publish compiled wheels; ``reported``: the
    libraries a platform finding already speaks for."""
    out: list[Finding] = []
    for name, lib in libraries.items():
        fact = paste.facts.get(f"dist.{name}")
        if name in reported or fact is None:
            continue
        if not str(fact.value).endswith((".tar.gz", ".zip")):
            continue
        release = _release(fact)
        if release is None:
            continue
        placeholder = name in _PLACEHOLDERS and release in _PLACEHOLDERS[name]
        compiled = any(release in lib.built(p) for p in ("linux-x86_64", *_NAMES))
        if placeholder or compiled or _windows_only_wheels(paste, name, fact, release, lib):
            out.append(_finding(paste, name, fact, release, lib))
    return out


__all__ = ["source_fallback_findings"]
