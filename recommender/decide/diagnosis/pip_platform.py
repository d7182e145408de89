"""pip finding no wheel at all (``(from versions: none)``, ``No matching distribution found``)
where the paste shows an interpreter or machine that no compiled ML library publishes wheels for:
Python 2, a 32-bit Python, or a 32-bit or uncommon CPU (armv7l, i686, ppc64le, s390x). A wheel
installs only where one of its tags names this interpreter, ABI and platform (the platform
compatibility tags specification); torch, TensorFlow, jaxlib, onnxruntime and their companions
publish CPython 3 wheels for 64-bit x86-64 and aarch64 (and macOS, Windows x86-64) only, so pip
lists no version at all. Named as the root of the message, as musl is (musl.py)."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

URL = "https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/"
_KIND = FindingKind("pip-platform", Category.NO_MATCHING_WHEEL.value)
_NONE = re.compile(
    r"(?:Could not find a version that satisfies the requirement|No matching distribution "
    r"found for) (?P<req>[A-Za-z0-9][A-Za-z0-9._-]{0,80})"
)
#: An interpreter's banner or ``python --version``: ``Python 2.7.18``, ``Python 3.8.5 (tags/...)
#: [MSC v.1926 32 bit (Intel)] on win32``.
_PYTHON = re.compile(r"^\s{0,8}Python (?P<v>[23]\.[0-9]{1,2})(?:\.[0-9]{1,2})?\b")
_32_BIT = re.compile(r"\b32 bit \((?:Intel|ARM)\)|\(32-bit\)|32-bit Python|Python 32-bit", re.I)
#: ``uname -m`` / ``uname -a`` words of CPUs without such wheels.
_MACHINE = re.compile(
    r"(?<![A-Za-z0-9_])(?P<m>armv7l|armv6l|i686|i386|ppc64le|s390x)(?![A-Za-z0-9_])"
)
_MAX_LINES = 5000
#: The compiled libraries whose wheels the module docstring describes (by their PyPI names).
_COMPILED = (
    "torch",
    "tensorflow",
    "tf-nightly",
    "jax",
    "onnxruntime",
    "paddlepaddle",
    "triton",
    "xformers",
    "vllm",
    "bitsandbytes",
    "cupy",
    "mxnet",
)


def _reasons(paste: Paste) -> list[tuple[str, int]]:
    """What the paste shows that no wheel covers, each with its line."""
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for number, text in enumerate(paste.lines[:_MAX_LINES], 1):
        head = text[:600]
        python = _PYTHON.match(head)
        if python and python.group("v").startswith("2.") and "python2" not in seen:
            seen.add("python2")
            out.append((f"Python {python.group('v')} (Python 2)", number))
        if _32_BIT.search(head) and "32bit" not in seen:
            seen.add("32bit")
            out.append(("a 32-bit Python", number))
        machine = _MACHINE.search(head)
        if machine and "machine" not in seen:
            seen.add("machine")
            out.append((f"the {machine.group('m')} CPU", number))
    return out


def pip_platform_findings(paste: Paste) -> list[Finding]:
    """pip's empty answer where the paste shows an interpreter or CPU without such wheels."""
    failed = next(
        (
            (m.group("req"), number)
            for number, text in enumerate(paste.lines[:_MAX_LINES], 1)
            if (m := _NONE.search(text[:1000])) is not None
        ),
        None,
    )
    if failed is None or not failed[0].lower().replace("_", "-").startswith(_COMPILED):
        return []
    reasons = _reasons(paste)
    if not reasons:
        return []
    requirement, line = failed
    where = " and ".join(r for r, _ in reasons)
    return [
        _KIND.finding(
            paste,
            requirement.lower(),
            "fail",
            f"pip found no wheel of {requirement} for {where}",
            f"a wheel installs only where its tags name this interpreter and CPU; compiled ML "
            f"libraries publish CPython 3 wheels for 64-bit x86-64 and aarch64 only, so pip lists "
            f"no version of {requirement} for {where}",
            "Use a 64-bit CPython 3 of a release the library publishes wheels for, on x86-64 or "
            "aarch64 (a 64-bit OS on the board, or a container), or the vendor's own build for this "
            "device (NVIDIA's Jetson wheels, a community build for the Raspberry Pi)",
            [line, *(n for _, n in reasons)],
            URL,
        )
    ]


__all__ = ["pip_platform_findings"]
