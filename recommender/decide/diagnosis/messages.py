"""Findings from the known error messages found in the text (rules/signatures.yaml)."""

from __future__ import annotations

from collections.abc import Mapping

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.checklist.build import Checklist
from recommender.decide.diagnosis._paste import quote_lines, shows_gpu
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.items import planner_fix
from recommender.decide.diagnosis.kernels import library_kernels_in_use
from recommender.facts.reports import Paste, Signature


def message_findings(
    paste: Paste, signatures: Mapping[str, Signature], checklists: Mapping[str, Checklist]
) -> list[Finding]:
    out = []
    gpu = shows_gpu(paste)
    for sid in dict.fromkeys(h.signature for h in paste.hits):
        sig = signatures[sid]
        if sig.status == "fact":
            continue
        lines = [h.line for h in paste.hits if h.signature == sid]
        harmless = (sig.needs == "gpu" and not gpu) or (sig.needs == "no-gpu" and gpu)
        also = sig.also
        if sig.diagnosis == Category.ARCH_UNSUPPORTED.value and library_kernels_in_use(
            paste, checklists
        ):
            also = (*also, Category.LIBRARY_KERNELS_UNSUPPORTED.value)
        out.append(
            Finding(
                id=f"signature:{sid}",
                category=sig.diagnosis,
                also=also,
                status="warn" if harmless else sig.status,
                title=sig.title,
                detail=f"the text shows a known message ({sid})"
                + (
                    f"; harmless here: the paste shows {'a' if gpu else 'no'} GPU"
                    if harmless
                    else ""
                ),
                fix=planner_fix(checklists, sig.fix_item) or sig.fix_text,
                quotes=quote_lines(paste, lines),
                source=sig.source,
            )
        )
    return out
