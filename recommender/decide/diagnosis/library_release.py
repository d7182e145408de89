"""A CUDA library of another release: the one way a library's name is set against the CUDA the
paste states, and the one finding that says so.

A library's file name carries the CUDA release that ships it (``libcublas.so.11`` is CUDA 11.0 to
11.x's: tf_libraries' table of NVIDIA's component versions, asked_cuda's for CUDA 13). Where every
release the paste states lies outside that span, the package opening the library was built for
another CUDA. Two callers read the libraries their own way (TensorFlow's failed loads,
tf_libraries; any loader's words, asked_cuda) and give their own wording; the span, the test and the
finding's kind (its id's prefix and category) are here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind

#: The CUDA releases that ship a library: (lowest, highest) as (major, minor); a minor of 99 is
#: "every minor of that major".
Span = tuple[tuple[int, int], tuple[int, int]]
#: A CUDA release a paste states: a minor of None where only the major is said.
Release = tuple[int, int | None]

#: The finding, built one way: ``inferred:`` where the release is inferred from names or only
#: named (a warning), ``build:`` where the paste states it installed (a failure).
INFERRED = FindingKind("inferred", Category.VERSION_MISMATCH.value)
BUILD = FindingKind("build", Category.VERSION_MISMATCH.value)


def _span_text(low: tuple[int, int], high: tuple[int, int]) -> str:
    top = f"{high[0]}.x" if high[1] == 99 else f"{high[0]}.{high[1]}"
    return f"{low[0]}.{low[1]} to {top}" if low != (high[0], 0) else f"{high[0]}.x"


def shipped_by(span: Span) -> str:
    """The releases of ``span`` as the findings say them: ``10.0``, ``11.x``, ``10.1 to 11.x``."""
    low, high = span
    return f"{low[0]}.{low[1]}" if low == high else _span_text(low, high)


def outside(span: Span, release: Release) -> bool:
    """``release`` does not ship the library (a major alone: no release of that major does)."""
    low, high = span
    major, minor = release
    if minor is None:
        return not low[0] <= major <= high[0]
    return not low <= (major, minor) <= high


def first_of_another_release(
    libraries: Sequence[tuple[int, str]],
    releases: Collection[Release],
    span_of: Callable[[str], Span | None],
) -> tuple[int, str, str] | None:
    """(line, library, the releases that ship it) for the first of ``libraries`` that no release
    of ``releases`` ships; None where each is shipped by one, or its span is not known."""
    for number, lib in libraries:
        span = span_of(lib)
        if span is not None and all(outside(span, release) for release in releases):
            return number, lib, shipped_by(span)
    return None
