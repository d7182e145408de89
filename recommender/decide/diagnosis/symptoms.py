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
from recommender.decide.diagnosis.inferred import MACOS_WORDS, Inference, asked_is_available
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
    (Framework.PYTORCH, "torch.device_count", 0, "torch counts no CUDA device"),
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


def app_expected(paste: Paste) -> bool:
    """An application that runs on the GPU says it found none (AUTOMATIC1111's launch check,
    SD.Next or InvokeAI putting torch on the CPU, Ollama's discovery: ``app.gpu_expected``,
    app_logs.py), where no vendor other than NVIDIA is named and the application was not started
    with its own flag for the CPU (--use-cpu, --cpu): like the user's own
    torch.cuda.is_available(), asking is what a machine with an NVIDIA GPU does, so torch's
    answer is a symptom to explain even where the paste shows no GPU."""
    facts = paste.facts
    return (
        "app.gpu_expected" in facts
        and "app.cpu_chosen" not in facts  # started with its own flag for the CPU
        and not any(_OTHER_VENDOR.search(x[:2000]) for x in paste.lines)
    )


def symptoms(paste: Paste) -> list[Symptom]:
    """Each framework's first answer that it sees no GPU, where the paste shows an NVIDIA GPU (or
    the answer is to the user's own check, or an application that expects one says it found
    none) and no GPU at work."""
    shown = bool(nvidia_lines(paste)) or _asked_on_windows(paste) or app_expected(paste)
    if not shown and not _may_ask(paste):
        return []
    cuda = paste.facts.get("frameworks.pytorch.cuda_available")
    if (cuda is not None and cuda.value is True) or any(
        _WORKED.search(x[:2000]) for x in paste.lines
    ):
        return []
    out: dict[Framework, Symptom] = {}
    for framework, path, value, said in _ANSWERS:
        fact = paste.facts.get(path)
        if fact is None or type(fact.value) is not type(value) or fact.value != value:
            continue
        if framework in out or not (shown or checked(paste, fact.line)):
            continue
        out[framework] = Symptom(framework=framework, said=said, line=fact.line)
    return list(out.values())


#: The user's own check of the GPU, on the answer's line or the line above it: torch's
#: ``is_available()`` / ``device_count()``, TensorFlow's device lists (``list_physical_devices``,
#: 1.x's ``device_lib.list_local_devices()`` and its ``device_type:`` rows, the TensorFlow guide's
#: ``print("Num GPUs Available: ", ...)``), ``jax.devices()`` / ``default_backend()``, a script's
#: ``print("CUDA available:", ...)`` (at the line's start: not collect_env's field). A report's
#: field (collect_env's "Is CUDA available: False", ``transformers-cli env``'s "(GPU?)", a
#: program's log) is no check: a CPU-only machine prints it too, with nothing wrong.
_CHECKED = re.compile(
    r"is_available|device_count|list_physical_devices|is_gpu_available|list_local_devices"
    r"|device_type|physical_device:|jax\.(?:local_)?devices|default_backend|Num GPUs Available"
    r"|^(?:[-*] {1,4})?(?:(?:PyTorch|Torch) )?CUDA available",
    re.IGNORECASE,
)


def checked(paste: Paste, line: int) -> bool:
    """The answer on ``line`` is to the user's own check of the GPU (on it, or the line above)."""
    return any(_CHECKED.search(paste.line(n)[:2000]) for n in (line, line - 1) if n > 0)


def _check_line(paste: Paste, line: int) -> list[int]:
    """The line above ``line`` where the user's check stands there (a session's prompt)."""
    return [line - 1] if line > 1 and _CHECKED.search(paste.line(line - 1)[:2000]) else []


def _may_ask(paste: Paste) -> bool:
    """A paste with no GPU shown whose own check may still be a symptom: not a Mac (no CUDA
    there: an Apple GPU is MPS's) and no other vendor's GPU named (ROCm's or Intel's answer)."""
    return not any(
        _OTHER_VENDOR.search(x[:2000]) or MACOS_WORDS.search(x[:2000]) for x in paste.lines
    )


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


def symptom_shown(paste: Paste) -> bool:
    """The paste shows a framework that cannot see the GPU wanted (a symptom, where the paste
    does not say the CPU is intended): whatever warning explains it, the paste is not healthy."""
    return cpu_intent_line(paste) is None and bool(symptoms(paste))


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
    out = []
    for symptom in symptoms(paste):
        why = infer(paste, symptom.framework, tables)
        if why is not None and not gpu and why.id in _ASSUMES_GPU:
            why = None  # no GPU in the text: nothing says the build is the fault
        out.append(_finding(paste, symptom, gpu, why))
    return out


#: Inferences that rest on a GPU being there (jax without its CUDA plugin, TensorFlow's CUDA
#: libraries): where the text shows none, the answer alone does not pick them over the others.
_ASSUMES_GPU = frozenset({"cpu-jaxlib", "tf-cuda-libraries"})


def _finding(paste: Paste, symptom: Symptom, gpu: Sequence[int], why: Inference | None) -> Finding:
    version = fact_version(paste.facts.get(f"frameworks.{symptom.framework.value}.version"))
    named = f"{symptom.framework.value} {version}" if version else symptom.framework.value
    expected = paste.facts.get("app.gpu_expected")
    shown = f"{symptom.said} (line {symptom.line}), " + (
        "next to the GPU the paste shows or names"
        if gpu
        else f"where {expected.value} (line {expected.line})"
        if expected is not None
        else "to the user's own check"
    )
    if why is None:
        return Finding(
            id=f"symptom:{symptom.framework.value}-no-gpu",
            category=Category.OTHER.value,
            status="warn",
            title=f"{named} cannot see a GPU, and the text does not show why",
            detail=(
                f"{shown}; no message or fact in the paste explains it, so this is not a "
                "healthy environment: the cause is not in the text. In order of how often each "
                "gives this answer: a CPU-only build, no NVIDIA driver or one too old for the "
                "build, or no GPU visible to the process (CUDA_VISIBLE_DEVICES, a container "
                "started without --gpus)"
            ),
            fix=_checks(symptom.framework),
            quotes=quote_lines(paste, [*_check_line(paste, symptom.line), symptom.line, *gpu]),
            source=_CHECKS_URL,
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


#: The one command per framework that tells its CPU-only build from a GPU build.
_BUILD_CHECKS = {
    Framework.PYTORCH: (
        'python -c "import torch; print(torch.__version__, torch.version.cuda)" (a +cpu label '
        "or None is the CPU-only build)"
    ),
    Framework.TENSORFLOW: (
        'python -c "import tensorflow as tf; print(tf.__version__, '
        'tf.test.is_built_with_cuda())" (False is the CPU-only build; native Windows has none '
        "with CUDA after 2.10)"
    ),
    Framework.JAX: (
        "pip list | grep -i jax (no jax-cuda12-plugin or jax-cuda13-plugin is the CPU-only jaxlib)"
    ),
}

#: Where the causes and their checks are written: torch's own troubleshooting of a False
#: is_available() (the build, the driver, what the process sees).
_CHECKS_URL = "https://pytorch.org/get-started/locally/"


def _checks(framework: Framework) -> str:
    """What to run where the text holds no cause: one command for each of the three causes."""
    build = _BUILD_CHECKS.get(framework, _BUILD_CHECKS[Framework.PYTORCH])
    return (
        f"Tell the three causes apart: 1) the build: {build}; 2) the driver: nvidia-smi must "
        "list the GPU, and its CUDA Version must be at least the build's; 3) what the process "
        "sees: echo $CUDA_VISIBLE_DEVICES (empty or -1 hides every GPU), and in a container "
        "nvidia-smi inside it (it fails where the container was started without --gpus all). "
        "Paste python -m torch.utils.collect_env (or the framework's own report) with "
        "nvidia-smi's output"
    )
