"""Alpine (musl libc) stated in the text: torch, TensorFlow and jax publish only manylinux (glibc)
wheels, so pip on Alpine finds none of them, whatever version it asks for. The platform is often
only in a Dockerfile's base image or an apk index line, with pip's error cut away or reworded."""

from __future__ import annotations

import re
from collections.abc import Callable

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

MUSL_URL = "https://github.com/pytorch/pytorch/issues/71381"

#: A framework that publishes no musl wheel, named as a package (a requirement, an import, prose).
_FRAMEWORK = re.compile(
    r"(?<![A-Za-z0-9_.-])(?:torch|pytorch|tensorflow(?:-cpu|-gpu)?|jaxlib|jax|tf-nightly)"
    r"(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
#: pip's resolver failing for the platform (its own words).
_PIP_FAILED = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Ignored the following versions that require",
    "is not a supported wheel on this platform",
)
_MAX_LINES = 2000
#: A line that names Alpine only to leave it or set it apart ("we moved away from the Alpine
#: image", "unlike Alpine Linux, slim works") says nothing about the machine as it is.
_AWAY = (
    "instead",
    "switch",
    "moved",
    "migrat",
    "away from",
    "unlike",
    "rather than",
    "not ",
    "n't",
)


def _first(paste: Paste, wanted: Callable[[str], bool]) -> int | None:
    for number, line in enumerate(paste.lines[:_MAX_LINES], 1):
        if wanted(line[:2000]):
            return number
    return None


def musl_without_wheels(paste: Paste) -> list[Finding]:
    """A musl (Alpine) machine, and a framework named or pip's resolver failing there."""
    libc = paste.facts.get("os.libc")
    if libc is None or str(libc.value) != "musl":
        return []
    if any(word in paste.line(libc.line).lower() for word in _AWAY):
        return []
    pip = _first(paste, lambda line: any(words in line for words in _PIP_FAILED))
    named = _first(paste, lambda line: _FRAMEWORK.search(line) is not None)
    if pip is None and named is None:
        return []
    return [
        Finding(
            id="platform:musl-no-wheels",
            category=Category.NO_MATCHING_WHEEL.value,
            status="fail",
            title="Alpine (musl libc): torch, TensorFlow and jax publish no wheels for it",
            detail=(
                "the text shows a musl system (Alpine); the frameworks' Linux wheels are "
                "manylinux (glibc) only, so pip there finds no build of them at any version"
            ),
            fix=(
                "Use a glibc-based image or distribution (Debian, Ubuntu, python:3.X-slim); "
                "torch, TensorFlow and jax publish no musl builds"
            ),
            quotes=quote_lines(paste, [libc.line, *(n for n in (named, pip) if n is not None)]),
            source=MUSL_URL,
        )
    ]
