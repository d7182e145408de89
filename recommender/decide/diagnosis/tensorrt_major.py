"""TensorRT's Python bindings asking for the engine library of another major than the TensorRT
the paste shows. The ``tensorrt`` module is linked against one release's ``libnvinfer.so.N``
(``nvinfer_N.dll`` from TensorRT 10 on Windows); where the paste states TensorRT M (a pip package,
a tar/zip folder such as ``TensorRT-8.6.1.6``, a sentence) and M differs, the library is missing
because bindings and libraries come from different releases ("The tensorrt-py and the tensorrt
c++ need to be the same version", https://github.com/wang-xinyu/tensorrtx/issues/1501), not
because TensorRT is absent. A warning: the paste may hold both releases."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, fact_version
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

URL = "https://github.com/wang-xinyu/tensorrtx/issues/1501"
_KIND = FindingKind("tensorrt-major", Category.VERSION_MISMATCH.value)
#: The signature that reads TensorRT's own load failure (rules/signatures.yaml).
_SIGNATURE = "tensorrt-library-not-loaded"
_ASKED = re.compile(
    r"libnv(?:infer|infer_plugin|onnxparser|parsers)\.so\.(?P<so>[0-9]{1,2})\b|nvinfer_(?P<dll>[0-9]{1,2})\.dll"
)
_PACKAGES = ("tensorrt", "tensorrt-cu12", "tensorrt-cu11", "tensorrt-libs", "tensorrt-cu12-libs")
#: TensorRT named with its release: ``TensorRT 8.6``, ``TensorRT-8.6.1.6``, ``tensorrt==10.0.1``.
_NAMED = re.compile(r"\btensorrt(?:[ -]|==|: )v?(?P<major>[0-9]{1,2})\.[0-9]", re.IGNORECASE)


def _stated(paste: Paste, skip: set[int]) -> tuple[int, int] | None:
    """The TensorRT major the paste states and its line."""
    for name in _PACKAGES:
        fact = paste.facts.get(f"package.{name}")
        version = fact_version(fact)
        if fact is not None and version is not None:
            return version.major, fact.line
    for number, text in enumerate(paste.lines[:5000], 1):
        m = _NAMED.search(text[:2000]) if number not in skip else None
        if m:
            return int(m.group("major")), number
    return None


def tensorrt_major_findings(paste: Paste) -> list[Finding]:
    """TensorRT's load failure naming libnvinfer of one major where the paste states another."""
    lines = {h.line for h in paste.hits if h.signature == _SIGNATURE}
    asked = {
        int(m.group("so") or m.group("dll"))
        for n in lines
        for m in _ASKED.finditer(paste.line(n)[:2000])
    }
    if len(asked) != 1:
        return []
    (major,) = asked
    stated = _stated(paste, lines)
    if stated is None or stated[0] == major:
        return []
    return [
        _KIND.finding(
            paste,
            "libnvinfer",
            "warn",
            f"TensorRT's bindings ask for TensorRT {major}'s libnvinfer, and the paste states "
            f"TensorRT {stated[0]}",
            f"the tensorrt module loads the libnvinfer of the release it was built with ({major}); "
            f"TensorRT {stated[0]}'s libraries carry another major in their names, so it is not found",
            f"Install the tensorrt Python package of the TensorRT release present ({stated[0]}.x), "
            f"or TensorRT {major}'s libraries on the library path; bindings and libraries must be "
            "one release",
            [min(lines), stated[1]],
            URL,
        )
    ]


__all__ = ["tensorrt_major_findings"]
