"""A TensorFlow custom op built for another TensorFlow major: a compiled module asks for
``libtensorflow_framework.so.N`` and the loader cannot open it, while the paste states a
TensorFlow of major M (M != N).

TensorFlow's framework library carries the release's major in its file name: the build writes
``libtensorflow_framework.so.<VERSION_MAJOR>`` (tensorflow/tensorflow.bzl, SOURCE), so TensorFlow
1.14-1.15 ship ``libtensorflow_framework.so.1`` and every 2.x ``libtensorflow_framework.so.2`` only
(tensorflow/tensorflow#32910: "Only libtensorflow_framework.so.2 is present" in 2.0). A custom op
(tensorflow-addons, tensorflow-text, a repository's own ``*_ops.so``) linked against the other
major's file was built for that TensorFlow: installing or linking the missing file hides that.
A warning beside the missing library: inferred from names.
"""

from __future__ import annotations

import re
from dataclasses import replace

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.library_release import INFERRED
from recommender.facts.reports import Paste

SOURCE = "https://github.com/tensorflow/tensorflow/blob/v2.0.0/tensorflow/tensorflow.bzl"
_ASKED = re.compile(r"libtensorflow_framework\.so\.(?P<major>[12])(?![0-9])")
_FAILED = re.compile(r"cannot open shared object|No such file|not found", re.IGNORECASE)


def _asked(paste: Paste) -> tuple[int, int] | None:
    """(line, TensorFlow major) of the first framework library the loader failed on."""
    for number, line in enumerate(paste.lines[:2000], start=1):
        m = _ASKED.search(line[:2000])
        if m is not None and _FAILED.search(line[m.end() : m.end() + 80]):
            return number, int(m.group("major"))
    return None


def custom_op_of_another_tensorflow(paste: Paste) -> list[Finding]:
    """A custom op asking for another TensorFlow major's framework library than the one stated."""
    asked = _asked(paste)
    fact = paste.facts.get("frameworks.tensorflow.version")
    if asked is None or fact is None:
        return []
    head = str(fact.value).split(".")[0]
    if not is_digits(head) or int(head) == asked[1]:
        return []
    number, major = asked
    finding = INFERRED.finding(
        paste,
        "tf-framework-release",
        "warn",
        title="A TensorFlow custom op was built for another TensorFlow major than the one installed",
        detail=f"libtensorflow_framework.so.{major} is TensorFlow {major}.x's framework library; "
        f"the paste states TensorFlow {fact.value}: the compiled op asking for it was built "
        "against the other major (inferred from the library's name)",
        fix=f"Install the op's package release built for TensorFlow {head}.x (or rebuild the op "
        "against the installed TensorFlow), rather than linking the missing file",
        proof=[number, fact],
        source=SOURCE,
    )
    return [replace(finding, also=(*finding.also, Category.MISSING_LIBRARY.value))]
