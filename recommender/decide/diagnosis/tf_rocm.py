"""tensorflow-rocm's release against the ROCm release the paste states. AMD numbers each
tensorflow-rocm wheel ``<TensorFlow release>.<ROCm release without dots>`` (2.12.0.560 for ROCm
5.6, 2.13.0.570 for 5.7, 2.14.0.600 for 6.0: AMD's third-party support matrix, "For TensorFlow the
exact version follows the <TensorFlowVersion>.<ROCmVersionWithoutCommas> format"; PyPI's release
history of tensorflow-rocm), and the wheel links the system's ROCm libraries rather than bundling
them (AMD's install guide: install the tensorflow-rocm built for the machine's ROCm; verified
2026-12-07 against both pages and `pip index versions tensorflow-rocm`). A ROCm of
another major has another HIP runtime soname (libamdhip64.so.5 / .6), so the wheel cannot load:
a fail. Another minor of the same major is a pair AMD did not build or test: a warning."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind, major_minor
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

_KIND = FindingKind("tf-rocm", Category.VERSION_MISMATCH.value)
URL = (
    "https://rocm.docs.amd.com/projects/install-on-linux/en/docs-6.0.2/reference/"
    "3rd-party-support-matrix.html"
)
#: The ROCm release a tensorflow-rocm version names: its fourth part, three digits (560 -> 5.6).
_SUFFIX = re.compile(r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{1,2}\.(?P<major>[1-9])(?P<minor>[0-9])[0-9]$")


def built_for(version: str) -> tuple[int, int] | None:
    """The ROCm (major, minor) a tensorflow-rocm release was built for, or None where its version
    carries no ROCm part (the releases before AMD added it, 2.11 and older)."""
    m = _SUFFIX.match(version.strip())
    return (int(m.group("major")), int(m.group("minor"))) if m else None


def tf_rocm_findings(paste: Paste) -> list[Finding]:
    """A tensorflow-rocm built for another ROCm release than the one the paste states."""
    dist = paste.facts.get("frameworks.tensorflow.distribution")
    tf = paste.facts.get("frameworks.tensorflow.version")
    rocm = paste.facts.get("rocm.release")
    if dist is None or str(dist.value) != "tensorflow-rocm" or tf is None or rocm is None:
        return []
    built, have = built_for(str(tf.value)), major_minor(rocm.value)
    if built is None or have is None or built == have:
        return []
    wheel, system = f"{built[0]}.{built[1]}", f"{have[0]}.{have[1]}"
    other_major = built[0] != have[0]
    detail = (
        f"tensorflow-rocm {tf.value} was built for ROCm {wheel} (the version's last part names "
        f"it) and links the system's ROCm libraries; the paste states ROCm {system}"
        + (
            f", whose HIP runtime is libamdhip64.so.{have[0]}, not the .so.{built[0]} it needs"
            if other_major
            else ", a pair AMD did not build or test"
        )
    )
    return [
        _KIND.finding(
            paste,
            "release",
            "fail" if other_major else "warn",
            f"tensorflow-rocm was built for ROCm {wheel}, the machine runs ROCm {system}",
            detail,
            f"Install the tensorflow-rocm built for ROCm {system} (its version ends in "
            f".{have[0]}{have[1]}0; AMD's support matrix lists the TensorFlow releases per ROCm), "
            f"or the ROCm {wheel} it was built for",
            [tf, rocm],
            URL,
        )
    ]
