"""Findings from the known error messages found in the text (rules/signatures.yaml)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from recommender.core.catalog import Accelerator, Framework
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.checklist.build import Checklist
from recommender.decide.diagnosis._paste import (
    APPLE_GPU,
    TPU_MACHINE,
    loader_raised,
    major_minor,
    names_elsewhere,
    quote_lines,
    shows_cuda_build,
    shows_driver,
    shows_gpu,
    shows_no_cuda_machine,
    shows_only_apple_gpu,
    stated_cuda,
)
from recommender.decide.diagnosis.arch_names import kernel_owner
from recommender.decide.diagnosis.capability import capability_not_listed
from recommender.decide.diagnosis.cudnn import other_cudnn
from recommender.decide.diagnosis.extensions import extension_built_for_other_cuda
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.items import planner_fix
from recommender.decide.diagnosis.message_verdicts import contradicted, not_the_environment
from recommender.decide.diagnosis.missing_names import asked_by
from recommender.decide.diagnosis.symptoms import app_expected
from recommender.decide.diagnosis.wsl import (
    LINUX_DRIVER_SYMPTOMS,
    NO_GPU_UNDER_WSL,
    ROCM_WSL_FIX,
    WSL_FIX,
    WSL_FIX_UNSAID,
    names_libcuda,
    names_linux_driver,
    on_wsl2,
    rocm_unreached,
    wsl_version_unsaid,
)
from recommender.facts.reports import Paste, Signature
from recommender.rulebase.checklist.template import Status

#: Categories of a message about the driver's own library (libcuda) not being found or loaded.
_MISSING = Category.MISSING_LIBRARY.value
_ROCM = Category.ROCM_ISSUE.value
_NO_TABLES: Mapping[str, Any] = MappingProxyType({})
#: CTranslate2's cuDNN per release: 4.5 and later cuDNN 9, before it cuDNN 8
#: (https://github.com/SYSTRAN/faster-whisper/issues/1086).
_CUDNN_PAIR_FIX = (
    "Use one cuDNN major version for both: pair the releases (e.g. CTranslate2 4.5 or later, built"
    " for cuDNN 9, with a torch that ships cuDNN 9; before 4.5 with a torch that ships cuDNN 8), or"
    " install the library's build for the other cuDNN; installing cuDNN {major} beside the other"
    " and putting it on the library path also works"
)

_DRIVER_LIBRARY = frozenset(
    {Category.MISSING_LIBRARY.value, Category.NO_DRIVER.value, Category.NO_DEVICE.value}
)


#: Categories of a message that says why CUDA could not start although the build has it: a
#: framework's "no GPU, falling back to the CPU" next to one of them is its consequence, not a
#: CPU-only build (a CPU build has no CUDA code to call cuInit with).
_CUDA_START_FAILED = frozenset(
    c.value for c in (Category.NO_DEVICE, Category.NO_DRIVER, Category.DRIVER_TOO_OLD)
) | {Category.DRIVER_MISMATCH.value}


def _fallback_only(sig: Signature) -> bool:
    """A CPU-build finding inferred from a framework falling back to the CPU (jax's "No GPU/TPU
    found", Lightning's accelerator check), not from the build itself (its flavour or version)."""
    return sig.diagnosis == Category.CPU_WHEEL_ON_GPU.value and not any(
        key.endswith("build.flavour") for key in sig.proves
    )


#: Checklist items that verify exactly what a message's diagnosis claims, from the versions the
#: paste states: where the item passes, the stated facts contradict the message, and direct
#: evidence wins (the message came from another copy of the library: torch.hub's download of a
#: repository's default branch, a source checkout, another environment).
_VERIFIED_BY_ITEM = frozenset({"companions"})


def _label(version: object) -> str:
    """A version's local label (``+cpu``, ``+cu121``), or "" for PyPI's plain release."""
    text = str(version)
    return text.split("+", 1)[1] if "+" in text else ""


def _one_index(paste: Paste) -> bool:
    """torch and the companions the paste states carry one label, so they come from one index
    (21h: torch ``2.9.0+cpu`` next to PyPI's plain ``torchvision 0.24.0``, a CUDA build, is two)."""
    torch = paste.facts.get("frameworks.pytorch.version")
    if torch is None:
        return False
    others = [paste.facts.get(f"package.{name}") for name in ("torchvision", "torchaudio")]
    return all(_label(f.value) == _label(torch.value) for f in others if f is not None)


def _stated_facts_pass(
    paste: Paste, checklists: Mapping[str, Checklist], key: str | None
) -> str | None:
    """The passing detail of the item ``key`` where it verifies the message's claim."""
    if key not in _VERIFIED_BY_ITEM or not _one_index(paste):
        return None
    for checklist in checklists.values():
        for item in checklist.items:
            if item.id == key and item.status is Status.OK:
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


#: The categories a "built without CUDA" message names: the build lacks CUDA.
_CUDA_BUILD_MISSING = frozenset(
    (Category.CPU_WHEEL_ON_GPU.value, Category.LIBRARY_KERNELS_UNSUPPORTED.value)
)


def _app_symptom(sig: Signature, paste: Paste) -> bool:
    """The message is an application's check that torch sees no GPU (it proves CUDA is not
    available), and the application expects one: not harmless where the paste shows no GPU, but
    a symptom whose cause symptoms.py infers or says the text does not hold."""
    return sig.proves.get("frameworks.pytorch.cuda_available") is False and app_expected(paste)


def _harmless(sig: Signature, paste: Paste, gpu: bool, lines: list[int]) -> str | None:
    """Why a message that ``needs`` a corroborating fact is only a warning here, or None."""
    if sig.diagnosis in _CUDA_BUILD_MISSING and shows_no_cuda_machine(paste, lines):
        return (
            "the paste shows only Apple's or Intel's GPU, which CUDA builds never use: "
            "the code asked for CUDA on a machine without it"
        )
    cuda_build = sig.needs == "cuda-expected" and shows_cuda_build(paste)
    if sig.needs in ("gpu", "cuda-expected") and not (
        gpu or cuda_build or (sig.diagnosis == _MISSING and loader_raised(paste, lines))
    ):
        return "the paste shows no GPU" + (" and no CUDA build" if sig.needs != "gpu" else "")
    if sig.needs == "gpu" and shows_only_apple_gpu(paste):
        return "the only GPU the paste shows is Apple silicon's, which CUDA builds never use"
    if sig.needs == "no-gpu" and gpu:
        return "the paste shows a GPU"
    if sig.needs == Framework.JAX and not _names_jax_elsewhere(paste, lines):
        return "nothing else in the paste names jax (a library that imports jax prints it too)"
    if sig.needs == Accelerator.TPU and (gpu or not names_elsewhere(paste, lines, TPU_MACHINE)):
        return "the paste shows no TPU machine apart from the message"
    if sig.needs == "apple-gpu" and not (
        shows_only_apple_gpu(paste) or names_elsewhere(paste, lines, APPLE_GPU)
    ):
        return "the paste shows no Apple GPU (tensorflow-metal, an M-series chip)"
    if sig.driver_below is not None and not _driver_below(paste, sig.driver_below):
        return (
            f"the paste shows no driver older than CUDA {sig.driver_below}'s, and the message "
            "has other causes on a newer one"
        )
    if sig.needs == "not-wsl" and on_wsl2(paste):
        return "WSL 2 prints it with the GPU working too (older Windows builds and images)"
    if sig.needs == "wsl" and not on_wsl2(paste):
        return "the paste is not from WSL 2 (native Linux logs the same probe)"
    if sig.needs == "not-torch" and any(_TORCH_WORD.search(paste.line(n)) for n in lines):
        return "the line names torch itself, whose own build other lines show"
    not_listed = capability_not_listed(paste, sig)
    if not_listed is not None:
        return not_listed
    if sig.diagnosis == Category.NO_DRIVER.value and _torch_cuda_works(paste):
        return (
            "the same paste shows torch.cuda.is_available() True, so the driver answered; "
            "this failure was passing, or another process's"
        )
    return None


def _only_retold(paste: Paste, sid: str) -> str | None:
    """Why a message found only by the tolerant pass (retold.py) as a sentence with other
    punctuation or separators is a warning: dropping punctuation can join two phrases into its
    words, and a person who retypes a sentence may be paraphrasing it. A status name spelled
    another way ("CUDA Error - Insufficient Driver") keeps its status: the name's words in that
    order name one status of one library, whatever the case or separator."""
    kinds = {h.retold for h in paste.hits if h.signature == sid}
    if kinds == {"wording"}:
        return "its words are there, with other punctuation or separators (retold)"
    return None


def _retold_note(paste: Paste, sid: str) -> str:
    """Said in the detail where only the tolerant pass found the message."""
    if any(h.retold is None for h in paste.hits if h.signature == sid):
        return ""
    return " in another spelling (its words, in other case or separators)"


#: torch named as a word ("pytorch", "torch"; not "torch_scatter" or "torchvision").
_TORCH_WORD = re.compile(r"\b(?:py)?torch\b(?![_-])", re.IGNORECASE)


def _driver_below(paste: Paste, release: str) -> bool:
    """The paste shows a driver whose newest CUDA (nvidia-smi's header, or the driver version
    through rules/gpus.yaml) is older than ``release``."""
    fact = paste.facts.get("driver.max_cuda")
    have, limit = major_minor(fact.value) if fact else None, major_minor(release)
    return have is not None and limit is not None and have < limit


def _cuda_past_driver(paste: Paste, lines: list[int]) -> bool:
    """The paste states a CUDA (a toolkit, a build, "cuda-11.6.2" in a sentence) newer than the
    newest its driver runs: code that CUDA compiled (XLA's and Triton's kernels are built at run
    time by the toolkit's ptxas) does not load on that driver, which the runtime may report as a
    missing kernel image (https://github.com/jax-ml/jax/issues/5723)."""
    fact = paste.facts.get("driver.max_cuda")
    driver = major_minor(fact.value) if fact else None
    return driver is not None and any(release > driver for release in stated_cuda(paste, lines))


def _torch_cuda_works(paste: Paste) -> bool:
    """Direct evidence that the driver works: torch says CUDA is available (a session, collect_env,
    an env dump), which it cannot without the driver (torch/cuda/__init__.py is_available)."""
    fact = paste.facts.get("frameworks.pytorch.cuda_available")
    return fact is not None and fact.value is True


def _libcuda_without_driver(paste: Paste, lines: list[int]) -> bool:
    """libcuda (libcuda.so.1) is the NVIDIA driver's user-space library, not the CUDA toolkit's
    (https://forums.developer.nvidia.com/t/nvidia-hpc-sdk-and-cuda-toolkits/288080): a message
    that it cannot be loaded, where nothing in the paste shows a driver (a kernel module version,
    a driver version, nvidia-smi), means no driver is installed; with a driver shown it is the
    library path (missing-library alone)."""
    if not names_libcuda(paste, lines):
        return False
    return not shows_driver(paste)


#: Words by which a message says it is a framework's own check, not a bare CUDA status.
_FRAMEWORK_WORDS = ("pytorch", "/torch/", "\\torch\\", "tensorflow")


#: Words of torch's compiler stack at work (inductor's log prefix, Triton's frames): a line that
#: carries them is Triton's refusal relayed through torch's log, not torch's own check (round 31).
_COMPILER_WORDS = ("_inductor", "triton")


def _names_framework(paste: Paste, lines: list[int]) -> bool:
    """The matched lines are a framework's own check (torch's or TensorFlow's warning names it)."""
    texts = [paste.line(n).lower() for n in lines]
    return any(
        word in text and not any(w in text for w in _COMPILER_WORDS)
        for text in texts
        for word in _FRAMEWORK_WORDS
    )


def message_findings(
    paste: Paste,
    signatures: Mapping[str, Signature],
    checklists: Mapping[str, Checklist],
    tables: Mapping[str, Any] = _NO_TABLES,
) -> list[Finding]:
    """The known messages in ``paste``, judged in its setting; ``tables``: compat.yaml's."""
    out = []
    gpu = shows_gpu(paste)
    wsl2 = on_wsl2(paste)
    hit_ids = list(dict.fromkeys(h.signature for h in paste.hits))
    # a GPU library that failed to load explains the CPU fallback a warning infers a CPU build from
    load_failed = any(
        signatures[h].status == "fail" and signatures[h].diagnosis == Category.MISSING_LIBRARY.value
        for h in hit_ids
    )
    start_failed = any(
        signatures[h].status in ("fail", "warn") and signatures[h].diagnosis in _CUDA_START_FAILED
        for h in hit_ids
    )
    # A framework's own warning that it lacks the GPU's kernels explains a bare "no kernel image".
    framework_arch = any(
        signatures[h.signature].diagnosis == Category.ARCH_UNSUPPORTED.value
        and signatures[h.signature].status == "fail"
        and _names_framework(paste, [h.line])
        for h in paste.hits
    )
    for sid in hit_ids:
        sig = signatures[sid]
        if (
            sig.status in ("fact", "family")
            or (start_failed and _fallback_only(sig))
            or (load_failed and sig.status == "warn" and _fallback_only(sig))
        ):
            continue
        lines = sorted({n for h in paste.hits if h.signature == sid for n in h.lines})
        if sig.status == "ok":
            out.append(not_the_environment(paste, sig, lines))
            continue
        harmless = _harmless(sig, paste, gpu, lines) or _only_retold(paste, sid)
        if harmless and sig.needs in ("wsl", "not-torch"):
            continue  # a routine probe's line on native Linux, torch's build retold: not a finding
        if harmless and _app_symptom(sig, paste):
            continue  # an application's own check that torch sees no GPU: symptoms.py says why
        also = sig.also
        category = sig.diagnosis
        if sig.diagnosis == Category.ARCH_UNSUPPORTED.value:
            category, also = kernel_owner(
                paste, checklists, also, _names_framework(paste, lines) or framework_arch
            )
        if sig.diagnosis == Category.ARCH_UNSUPPORTED.value and _cuda_past_driver(paste, lines):
            also = (*also, Category.DRIVER_TOO_OLD.value)
        if sig.diagnosis == Category.MISSING_LIBRARY.value and extension_built_for_other_cuda(
            paste, lines, tables
        ):
            also = (*also, Category.VERSION_MISMATCH.value)
        cudnn = other_cudnn(paste, lines, tables) if sig.diagnosis == _MISSING else None
        if cudnn is not None:
            # cuDNN N asked for where the paste shows cuDNN M: the pairing is the cause, the
            # missing file its symptom.
            category, also = Category.VERSION_MISMATCH.value, (_MISSING, *also)
            lines = sorted({*lines, cudnn[1]})
        if (
            sig.diagnosis == Category.MISSING_LIBRARY.value
            and not wsl2
            and _libcuda_without_driver(paste, lines)
        ):
            also = (*also, Category.NO_DRIVER.value)
        fix = planner_fix(checklists, sig.fix_item) or sig.fix_text
        if wsl2 and sig.diagnosis in NO_GPU_UNDER_WSL:
            # No Linux driver to install there: the cause to act on is WSL's GPU path.
            category, also = Category.WSL_ISSUE.value, (sig.diagnosis, *also)
            fix = ROCM_WSL_FIX if _ROCM in sig.also else WSL_FIX
            if wsl_version_unsaid(paste):
                also, fix = (*also, Category.WSL1.value), WSL_FIX_UNSAID
        elif wsl2 and sig.diagnosis == _ROCM and rocm_unreached(paste, lines):
            # ROCm under WSL 2 has no kfd of its own: the Windows driver's path is the cause.
            category, also, fix = Category.WSL_ISSUE.value, (sig.diagnosis, *also), ROCM_WSL_FIX
        elif sig.diagnosis in _DRIVER_LIBRARY and wsl2 and names_libcuda(paste, lines, linker=True):
            also = (*also, Category.WSL_ISSUE.value)
        elif wsl2 and (
            sig.diagnosis in (Category.DRIVER_MISMATCH.value, Category.DRIVER_TOO_OLD.value)
            or (sig.diagnosis in LINUX_DRIVER_SYMPTOMS and names_linux_driver(paste, lines))
        ):
            # WSL 2 has no NVIDIA kernel module to mismatch: NVML's "version mismatch" there, or
            # a Linux driver's versioned libcuda, is a Linux driver installed inside WSL 2 that
            # shadows the Windows driver's libraries: WSL's GPU path. A driver too old there is
            # the Windows driver (or a Linux one shadowing it): the same path to mend.
            also, fix = (*also, Category.WSL_ISSUE.value), WSL_FIX
        passed = _stated_facts_pass(paste, checklists, sig.fix_item)
        if passed is not None and not harmless:
            out.append(contradicted(paste, sig, lines, passed))
            continue
        out.append(
            Finding(
                id=f"signature:{sid}",
                category=category,
                also=also,
                status="warn" if harmless else sig.status,
                title=sig.title,
                detail=f"the text shows a known message ({sid})"
                + _retold_note(paste, sid)
                + asked_by(paste, sid, lines)
                + (f"; harmless here: {harmless}" if harmless else "")
                + (
                    f"; it asks for cuDNN {cudnn[0]} next to {cudnn[2]} (line {cudnn[1]}):"
                    " built for two cuDNN major versions"
                    if cudnn
                    else ""
                ),
                fix=_CUDNN_PAIR_FIX.format(major=cudnn[0]) if cudnn else fix,
                quotes=quote_lines(paste, lines),
                source=sig.source,
            )
        )
    return out
