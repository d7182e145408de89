"""A DeepSpeed op that ``ds_report`` marks incompatible, where the paste uses it.

``ds_report``'s op table says, per op, whether this machine can build it, and the op builder says
why not ("[WARNING]  sparse_attn requires CUDA version 10.1+, does not currently support >=11 or
<10.1"; "async_io requires the dev libaio .so object and headers"). Healthy reports carry such
rows too (most people never use sparse_attn or async_io), so an incompatible op is a finding only
where the paste names the op outside the report: the program uses it. A requirement of a version
(torch's, CUDA's, Triton's) is ``version-mismatch``; of a library or its headers,
``missing-library``. A warning: the op's requirement is the builder's own, not a failure seen.
(https://www.deepspeed.ai/tutorials/advanced-install/: ops are checked and JIT-built per machine.)
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import FindingKind
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

URL = "https://www.deepspeed.ai/tutorials/advanced-install/"
_VERSION = FindingKind("ds-op", Category.VERSION_MISMATCH.value)
_LIBRARY = FindingKind("ds-op", Category.MISSING_LIBRARY.value)
_NEEDS_VERSION = re.compile(r"\bversion\b|[<>]=?[0-9]", re.IGNORECASE)
_NEEDS_LIBRARY = re.compile(r"\.so\b|headers|\blibrar(?:y|ies)\b", re.IGNORECASE)
#: How many lines the search for the op's use reads.
_LIMIT = 5000


def _spellings(op: str) -> tuple[str, ...]:
    """How a person names the op: ``sparse_attn``, "sparse attn", "sparse attention"."""
    spaced = op.replace("_", " ")
    return tuple(dict.fromkeys((op, spaced, spaced.replace(" attn", " attention"))))


def _used(paste: Paste, op: str, own: set[int]) -> int | None:
    """The first line outside the report that names the op."""
    names = _spellings(op)
    for number, text in enumerate(paste.lines[:_LIMIT], 1):
        if number in own or "...." in text or "[WARNING]" in text:
            continue
        low = text[:2000].lower()
        if any(name in low for name in names):
            return number
    return None


def ds_op_findings(paste: Paste) -> list[Finding]:
    """Incompatible ops the paste uses, with the op builder's stated requirement."""
    out: list[Finding] = []
    for path, fact in paste.facts.items():
        if not path.startswith("deepspeed.op.") or fact.value != "incompatible":
            continue
        op = path.removeprefix("deepspeed.op.")
        requires = paste.facts.get(f"deepspeed.op_requires.{op}")
        if requires is None:
            continue
        what = str(requires.value)
        kind = (
            _VERSION
            if _NEEDS_VERSION.search(what)
            else _LIBRARY
            if _NEEDS_LIBRARY.search(what)
            else None
        )
        used = _used(paste, op, {fact.line, requires.line})
        if kind is None or used is None:
            continue
        out.append(
            kind.finding(
                paste,
                op,
                "warn",
                f"DeepSpeed's {op} op, which the paste uses, cannot be built here",
                f"ds_report marks {op} incompatible on this machine: it {what}",
                f"Meet the op's requirement ({what.removeprefix('requires ')}), or run without "
                f"the {op} op; ds_report shows which ops this machine can build",
                [used, fact, requires],
                URL,
            )
        )
    return out


__all__ = ["ds_op_findings"]
