"""Findings from the known error messages found in the text (rules/signatures.yaml)."""

from __future__ import annotations

from collections.abc import Mapping

from recommender.core.catalog import Diagnosis as Category
from recommender.core.catalog import Framework
from recommender.decide.checklist.build import Checklist
from recommender.decide.diagnosis._paste import quote_lines, shows_gpu, shows_only_apple_gpu
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.items import planner_fix
from recommender.decide.diagnosis.kernels import (
    extension_built_for_other_cuda,
    library_kernels_in_use,
)
from recommender.facts.reports import Paste, Signature
from recommender.rulebase.checklist.template import Status

#: Categories of a message about the driver's own library (libcuda) not being found or loaded.
_DRIVER_LIBRARY = frozenset(
    {Category.MISSING_LIBRARY.value, Category.NO_DRIVER.value, Category.NO_DEVICE.value}
)


#: Under WSL 2 there is no Linux driver to install: nvidia-smi, NVML and the CUDA runtime reach
#: the Windows driver through /usr/lib/wsl/lib, so "no driver" or "no device" there is WSL's GPU
#: path (Windows build and driver, a Linux driver installed inside WSL), not a driver to add.
_NO_GPU_UNDER_WSL = frozenset({Category.NO_DEVICE.value, Category.NO_DRIVER.value})


def _on_wsl2(paste: Paste) -> bool:
    """WSL 2, from a platform string or the WSL issue template's ticked box; or WSL named in
    prose ("WSL2", "Windows Subsystem for Linux") where nothing says WSL 1 (which has no GPU at
    all): libcuda comes from the Windows driver there either way."""
    fact = paste.facts.get("os.wsl")
    wsl = (paste.doc.get("os") or {}).get("wsl")
    if (fact is not None and str(fact.value) == "2") or wsl == 2:
        return True
    named = paste.facts.get("os.wsl_named")
    return named is not None and wsl != 1 and (fact is None or str(fact.value) != "1")


def _names_libcuda(paste: Paste, lines: list[int]) -> bool:
    """On WSL 2 libcuda is the Windows driver's, mounted at /usr/lib/wsl/lib: a message that it
    is missing is WSL's library path, not a CUDA toolkit to install. (A CUDA initialisation that
    fails there although the driver answers, category no-device, is the same path: a Linux driver
    or a hand-made libcuda shadows the Windows one.)"""
    return any("libcuda.so" in paste.line(n).lower() for n in lines)


#: A message whose inferred cause the versions the paste states can refute: signature id -> the
#: checklist item (key) that passes when they are a matching set, and the package whose stated
#: version that item must have judged. torchvision's missing operator usually means a torchvision
#: built for another torch; next to a stated matching pair from one index it comes from other code
#: (torch.hub fetching torchvision's main branch, a second environment),
#: https://github.com/pytorch/pytorch/issues/157648.
_REFUTED_BY_ITEM: Mapping[str, tuple[str, str]] = {
    "torchvision-operator-missing": ("companions", "torchvision"),
}


def _label(version: object) -> str:
    """A version's local label (``+cpu``, ``+cu121``), or "" for PyPI's plain release."""
    text = str(version)
    return text.split("+", 1)[1] if "+" in text else ""


def _refuted(sid: str, paste: Paste, checklists: Mapping[str, Checklist]) -> str | None:
    """The passing item's detail where the stated versions refute the message's cause: the item
    judged the package's stated version, and both builds carry the same label (one index)."""
    key, package = _REFUTED_BY_ITEM.get(sid, ("", ""))
    torch, other = (
        paste.facts.get("frameworks.pytorch.version"),
        paste.facts.get(f"package.{package}"),
    )
    if not key or torch is None or other is None or _label(torch.value) != _label(other.value):
        return None
    for checklist in checklists.values():
        for item in checklist.items:
            if item.id == key and item.status is Status.OK and f"{package} " in item.detail:
                return item.detail
    return None


def _names_jax_elsewhere(paste: Paste, lines: list[int]) -> bool:
    """jax (or flax, its layer library) named on a line other than the message's own: an env
    block, a package row, an import, a traceback through jax, prose. A torch trainer or a
    diffusers command that merely imports jax prints jax's CPU fallback with no other mention."""
    own = set(lines)
    return any(
        Framework.JAX.value in text.lower()
        for n, text in enumerate(paste.lines, start=1)
        if n not in own
    )


def _harmless(sig: Signature, paste: Paste, gpu: bool, lines: list[int]) -> str | None:
    """Why a message that ``needs`` a corroborating fact is only a warning here, or None."""
    if sig.needs == "gpu" and not gpu:
        return "the paste shows no GPU"
    if sig.needs == "gpu" and shows_only_apple_gpu(paste):
        return "the only GPU the paste shows is Apple silicon's, which CUDA builds never use"
    if sig.needs == "no-gpu" and gpu:
        return "the paste shows a GPU"
    if sig.needs == Framework.JAX and not _names_jax_elsewhere(paste, lines):
        return "nothing else in the paste names jax (a library that imports jax prints it too)"
    return None


def message_findings(
    paste: Paste, signatures: Mapping[str, Signature], checklists: Mapping[str, Checklist]
) -> list[Finding]:
    out = []
    gpu = shows_gpu(paste)
    wsl2 = _on_wsl2(paste)
    for sid in dict.fromkeys(h.signature for h in paste.hits):
        sig = signatures[sid]
        if sig.status == "fact":
            continue
        lines = [h.line for h in paste.hits if h.signature == sid]
        if sig.status == "ok":
            out.append(_not_the_environment(paste, sig, lines))
            continue
        harmless = _harmless(sig, paste, gpu, lines)
        refuted = _refuted(sid, paste, checklists)
        if refuted and not harmless:
            harmless = (
                f"the versions the paste states match ({refuted}), so the message comes from "
                "code not built with them"
            )
        also = sig.also
        if sig.diagnosis == Category.ARCH_UNSUPPORTED.value and library_kernels_in_use(
            paste, checklists
        ):
            also = (*also, Category.LIBRARY_KERNELS_UNSUPPORTED.value)
        if sig.diagnosis == Category.MISSING_LIBRARY.value and extension_built_for_other_cuda(
            paste, lines
        ):
            also = (*also, Category.VERSION_MISMATCH.value)
        if (
            sig.diagnosis in _DRIVER_LIBRARY
            and wsl2
            and (_names_libcuda(paste, lines) or sig.diagnosis in _NO_GPU_UNDER_WSL)
        ):
            also = (*also, Category.WSL_ISSUE.value)
        out.append(
            Finding(
                id=f"signature:{sid}",
                category=sig.diagnosis,
                also=also,
                status="warn" if harmless else sig.status,
                title=sig.title,
                detail=f"the text shows a known message ({sid})"
                + (f"; harmless here: {harmless}" if harmless else ""),
                fix=planner_fix(checklists, sig.fix_item) or sig.fix_text,
                quotes=quote_lines(paste, lines),
                source=sig.source,
            )
        )
    return out


def _not_the_environment(paste: Paste, sig: Signature, lines: list[int]) -> Finding:
    """A message that proves nothing against the environment: the program's own fault, or noise
    a library prints on every healthy start. Said, so that nobody blames the installation."""
    return Finding(
        id=f"signature:{sig.id}",
        category=Category.HEALTHY.value,
        status="ok",
        title=sig.title,
        detail=f"the text shows a known message ({sig.id}); it does not point at the environment",
        fix=sig.fix_text,
        quotes=quote_lines(paste, lines),
        source=sig.source,
    )
