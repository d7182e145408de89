"""A proven symptom that no finding explains: the framework answers that it cannot use the NVIDIA
GPU the paste shows (``torch.cuda.is_available()`` False next to a GPU or a driver, TensorFlow's
GPU list empty, jax's devices only its CPU), and no known message or check says why.

Calling that paste healthy misleads the user: the text proves a failure. The most likely cause is
inferred from what the paste does state (the platform, how the version is labelled, the driver's
newest CUDA, a container), each inference cited and said to be inferred; a warning, since other
causes give the same answer. Where the text states nothing to infer from, the finding says so and
names what to check. A paste whose framework sees its GPU, or shows none, has no such symptom.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import Accelerator, Framework
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import fact_version, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.inferences import infer, on_windows
from recommender.decide.diagnosis.inferred import Inference, asked_is_available
from recommender.decide.diagnosis.intent import cpu_intent_line
from recommender.facts.reports import Paste

#: Findings of these categories say why a framework cannot use the GPU: where one is in the paste
#: (a fail, or a warning), the symptom has its cause and nothing is inferred here.
_EXPLAINS = frozenset(
    {
        Category.CPU_WHEEL_ON_GPU.value,
        Category.DRIVER_TOO_OLD.value,
        Category.ARCH_UNSUPPORTED.value,
        Category.NO_DRIVER.value,
        Category.DRIVER_MISMATCH.value,
        Category.MISSING_LIBRARY.value,
        Category.VERSION_MISMATCH.value,
        Category.NO_DEVICE.value,
        Category.ROCM_ISSUE.value,
        Category.MPS_ISSUE.value,
        Category.TPU_ISSUE.value,
        Category.WSL_ISSUE.value,
        Category.WSL1.value,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Symptom:
    """A framework's own answer that it cannot use a GPU: which framework, in words, its line."""

    framework: Framework
    said: str
    line: int


#: The facts by which a framework answers that it sees no GPU, and how to say it.
_ANSWERS: tuple[tuple[Framework, str, object, str], ...] = (
    (
        Framework.PYTORCH,
        "frameworks.pytorch.cuda_available",
        False,
        "torch answers that CUDA is not available",
    ),
    (Framework.PYTORCH, "torch.gpu_visible", False, "torch answers that it sees no GPU"),
    (Framework.TENSORFLOW, "tf.gpu_visible", False, "TensorFlow lists no GPU"),
    (Framework.JAX, "jax.devices", "cpu", "jax lists only its CPU"),
)


#: A GPU at work in the same paste (a tensor printed on a CUDA device, torch answering True): the
#: answer that none is seen came from another process or environment, or is a passing fault.
_WORKED = re.compile(
    r"device=.cuda|is_available\(\)[`*]{0,2} {0,4}(?:returns?|==|->|:|is) {0,4}True\b"
)


def _asked_on_windows(paste: Paste) -> bool:
    """The user's own torch.cuda.is_available() answered False on Windows: asking is what a user
    with an NVIDIA GPU does, and on Windows the usual answer is PyPI's CPU-only wheel."""
    cuda = paste.facts.get("frameworks.pytorch.cuda_available")
    return (
        cuda is not None
        and cuda.value is False
        and asked_is_available(paste, cuda.line)
        and not any(_OTHER_VENDOR.search(x[:2000]) for x in paste.lines)
        and on_windows(paste)
    )


def symptoms(paste: Paste) -> list[Symptom]:
    """Each framework's first answer that it sees no GPU, where the paste shows an NVIDIA GPU and
    no GPU at work."""
    if not nvidia_lines(paste) and not _asked_on_windows(paste):
        return []
    cuda = paste.facts.get("frameworks.pytorch.cuda_available")
    if (cuda is not None and cuda.value is True) or any(
        _WORKED.search(x[:2000]) for x in paste.lines
    ):
        return []
    out: dict[Framework, Symptom] = {}
    for framework, path, value, said in _ANSWERS:
        fact = paste.facts.get(path)
        if fact is None or fact.value != value or framework in out:
            continue
        out[framework] = Symptom(framework=framework, said=said, line=fact.line)
    return list(out.values())


#: The user saying the machine has a GPU ("my GPU is not available anymore", "our GPUs", "I have
#: an NVIDIA GPU"): a GPU the paste shows, where no vendor other than NVIDIA is named.
_OWN_GPU = re.compile(
    r"\b(?:my|our) (?:nvidia |cuda |dedicated |graphics )?(?:gpus?|graphics cards?|video cards?)\b"
    r"|\bi have an? (?:nvidia |dedicated )?gpu\b",
    re.IGNORECASE,
)
_OTHER_VENDOR = re.compile(r"\b(?:amd|radeon|rocm|intel arc|apple|mps|xpu)\b", re.IGNORECASE)


def nvidia_lines(paste: Paste) -> list[int]:
    """The lines that show an NVIDIA GPU or driver: an NVIDIA driver's version or newest CUDA, a
    GPU the reports list as a CUDA device (nvidia-smi, collect_env, a GPU named in prose), or the
    user saying the machine has one where no other vendor's GPU is named."""
    lines = [f.line for p, f in paste.facts.items() if p in ("driver.version", "driver.max_cuda")]
    kinds = {
        str(a.get("index")): a.get("kind")
        for a in paste.doc.get("accelerators") or ()
        if isinstance(a, Mapping)
    }
    for path, fact in paste.facts.items():
        parts = path.split(".")
        if len(parts) == 3 and parts[0] == "gpu" and parts[2] == "name":
            if kinds.get(parts[1]) == Accelerator.CUDA.value:
                lines.append(fact.line)
    if lines or any(_OTHER_VENDOR.search(x[:2000]) for x in paste.lines):
        return sorted(set(lines))
    return [n for n, x in enumerate(paste.lines, 1) if _OWN_GPU.search(x[:2000])][:2]


def unexplained(paste: Paste, found: Sequence[Finding], tables: Mapping[str, Any]) -> list[Finding]:
    """A warning for each framework that cannot use the GPU the paste shows where no finding
    says why: its most likely cause inferred from the facts, or the plain statement that the text
    does not hold it and what to check."""
    if any(f.status == "fail" for f in found):
        return []
    if any(f.status == "warn" and f.category in _EXPLAINS for f in found):
        return []
    if cpu_intent_line(paste) is not None:  # the CPU is what the user wants
        return []
    gpu = nvidia_lines(paste)
    return [_finding(paste, s, gpu, infer(paste, s.framework, tables)) for s in symptoms(paste)]


def _finding(paste: Paste, symptom: Symptom, gpu: Sequence[int], why: Inference | None) -> Finding:
    version = fact_version(paste.facts.get(f"frameworks.{symptom.framework.value}.version"))
    named = f"{symptom.framework.value} {version}" if version else symptom.framework.value
    shown = f"{symptom.said} (line {symptom.line}), " + (
        "next to the GPU the paste shows or names" if gpu else "to the user's own check"
    )
    if why is None:
        return Finding(
            id=f"symptom:{symptom.framework.value}-no-gpu",
            category=Category.OTHER.value,
            status="warn",
            title=f"{named} cannot use the GPU, and the text does not say why",
            detail=(
                f"{shown}; no message or fact in the paste explains it, so this is not a "
                "healthy environment: the cause is not in the text"
            ),
            fix=_CHECKS,
            quotes=quote_lines(paste, [symptom.line, *gpu]),
            source="",
        )
    return Finding(
        id=f"symptom:{symptom.framework.value}-{why.id}",
        category=why.category,
        also=why.also,
        status="warn",
        title=f"{named} cannot use the GPU: {why.title} (inferred)",
        detail=f"{shown}; no message says why, and inferred from what the paste states: {why.detail}",
        fix=why.fix,
        quotes=quote_lines(paste, [symptom.line, *why.lines, *gpu]),
        source=why.source,
    )


#: What to check where the text holds no cause: the build, the driver, what the process sees.
_CHECKS = (
    "Paste the output of `python -m torch.utils.collect_env` (or the framework's own environment "
    "report) and `nvidia-smi`; check that the framework is a GPU build (torch.version.cuda is not "
    "None, tf.test.is_built_with_cuda(), a jax CUDA plugin), that nvidia-smi's CUDA version is at "
    "least the build's, and that CUDA_VISIBLE_DEVICES does not hide the GPU"
)
