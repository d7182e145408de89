"""The general words of a kind of failure, where no known message or check names a cause.

rules/signatures.yaml's ``family`` entries hold the words every program uses for one kind of
failure ("out of memory", "cannot open shared object file", "driver version is insufficient",
"no kernel image"), not one program's sentence. A new program, or a new release's rewording, is
the commonest reason a paste of a known kind reads as nothing: its exact message is in no table
yet, but its kind is plain from its words. Each family found is a warning of its category that says
it was read from the wording, quoting the line; where any other finding names a cause, the families
say nothing (that finding is the more exact one), nor on a line a known message reads (a
harmless one, such as TensorFlow's optional TensorRT, included)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.arch_names import native_program
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.wsl import (
    LINUX_DRIVER_SYMPTOMS,
    NO_GPU_UNDER_WSL,
    WSL_FIX,
    WSL_FIX_UNSAID,
    names_libcuda,
    names_linux_driver,
    on_wsl2,
    wsl_version_unsaid,
)
from recommender.facts.reports import Paste
from recommender.facts.reports.signatures import Signature

#: The id prefix of a family's finding.
FAMILY = "family:"


def _names_cause(f: Finding) -> bool:
    """A finding that names a cause; not the symptom whose cause the text does not hold
    (symptoms.py: a framework that cannot use the GPU, "the text does not say why"), beside which
    the family's words are the closest reading of the cause."""
    uncaused = f.id.startswith("symptom:") and f.id.endswith("-no-gpu")
    return f.status in ("fail", "warn") and f.category != Category.HEALTHY.value and not uncaused


def _also(paste: Paste, category: str, also: tuple[str, ...]) -> tuple[str, ...]:
    """A missing kernel in a program that shows no framework is its own build's: both names."""
    if category == Category.ARCH_UNSUPPORTED.value and native_program(paste):
        return (*also, Category.LIBRARY_KERNELS_UNSUPPORTED.value)
    return also


def _under_wsl(
    paste: Paste, category: str, also: tuple[str, ...], fix: str | None, lines: list[int]
) -> tuple[str, tuple[str, ...], str | None]:
    """A family's reading under WSL 2, as messages.py reads a known message there: a GPU or
    driver worded as missing is WSL's GPU path (WSL 1 beside it where the version is unsaid); a
    missing libcuda, a driver/library mismatch or a Linux driver's versioned library is WSL's
    library path too (no kernel module there; libcuda is the Windows driver's)."""
    if category in NO_GPU_UNDER_WSL:
        if wsl_version_unsaid(paste):
            return Category.WSL_ISSUE.value, (category, *also, Category.WSL1.value), WSL_FIX_UNSAID
        return Category.WSL_ISSUE.value, (category, *also), WSL_FIX
    if (
        (category == Category.MISSING_LIBRARY.value and names_libcuda(paste, lines, linker=True))
        or category == Category.DRIVER_MISMATCH.value
        or (category in LINUX_DRIVER_SYMPTOMS and names_linux_driver(paste, lines))
    ):
        return category, (*also, Category.WSL_ISSUE.value), WSL_FIX
    return category, also, fix


def family_findings(
    paste: Paste, signatures: Mapping[str, Signature], found: Sequence[Finding]
) -> list[Finding]:
    """One warning per category whose family words the paste shows, where nothing in ``found``
    names a cause (the first line of each family, in the paste's order)."""
    if any(_names_cause(f) for f in found):
        return []
    known = {
        n
        for hit in paste.hits
        if hit.signature in signatures and signatures[hit.signature].status != "family"
        for n in hit.lines
    }
    lines: dict[str, list[int]] = {}
    for hit in paste.hits:
        sig = signatures.get(hit.signature)
        if sig is None or sig.status != "family" or known.intersection(hit.lines):
            continue  # a line a known message reads (a harmless one too) is not read again
        lines.setdefault(sig.id, []).extend(hit.lines)
    out: list[Finding] = []
    categories: set[str] = set()
    wsl2 = on_wsl2(paste)
    for sid, numbers in lines.items():
        sig = signatures[sid]
        if sig.diagnosis in categories:
            continue
        categories.add(sig.diagnosis)
        category, also, fix = sig.diagnosis, _also(paste, sig.diagnosis, sig.also), sig.fix_text
        if wsl2:
            # as for a known message (messages.py): under WSL no Linux driver is to be installed
            category, also, fix = _under_wsl(paste, category, also, fix, sorted(set(numbers)))
        out.append(
            Finding(
                id=f"{FAMILY}{sid}",
                category=category,
                also=also,
                status="warn",
                title=f"{sig.title} (read from the wording, not a known message)",
                detail=(
                    "no known message or check in the paste names a cause, but this line words "
                    "a failure of this kind; the exact cause is not in the text"
                ),
                fix=fix,
                quotes=quote_lines(paste, sorted(set(numbers))[:2]),
                source=sig.source,
            )
        )
    return out
