"""What a paste shows, read the same way by every source of findings: its lines quoted, the
lines of a family of facts, whether it shows a GPU, a version's major and minor, a fact's version."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from recommender.core.catalog import Accelerator
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis.findings import Finding, Quote
from recommender.facts.reports import Fact, Paste
from recommender.facts.reports.prose import FORMAT as PROSE

_QUOTE_CHARS = 240

MAX_QUOTES = 6


def _quote(paste: Paste, number: int) -> Quote:
    text = paste.line(number).strip()
    if len(text) > _QUOTE_CHARS:
        text = text[: _QUOTE_CHARS - 1] + "…"
    return Quote(line=number, text=text)


def fact_version(fact: Fact | None) -> Version | None:
    """The release a fact states (``2.1.0``, ``0.4.30+cuda12``); None when absent or no version."""
    if fact is None:
        return None
    try:
        return Version(str(fact.value).strip())
    except InvalidVersion:
        return None


def quote_lines(paste: Paste, lines: Sequence[int]) -> tuple[Quote, ...]:
    unique = sorted(dict.fromkeys(n for n in lines if n > 0))[:MAX_QUOTES]
    return tuple(_quote(paste, n) for n in unique)


@dataclass(frozen=True, slots=True)
class FindingKind:
    """What every finding of one check shares: its id's prefix and its categories."""

    prefix: str
    category: str
    also: tuple[str, ...] = ()

    def finding(
        self,
        paste: Paste,
        key: str,
        status: str,
        title: str,
        detail: str,
        fix: str | None,
        proof: Sequence[int | Fact],
        source: str,
    ) -> Finding:
        """The finding ``prefix:key``, quoting the lines of ``proof`` (line numbers or facts)."""
        lines = [p if isinstance(p, int) else p.line for p in proof]
        return Finding(
            id=f"{self.prefix}:{key}",
            category=self.category,
            also=self.also,
            status=status,
            title=title,
            detail=detail,
            fix=fix,
            quotes=quote_lines(paste, lines),
            source=source,
        )


def stated_in_prose(paste: Paste, fact: Fact) -> bool:
    """``fact`` comes from a sentence (the prose reader's block), not from tool output: an
    inference from it is a warning (what a sentence names is often not what is installed)."""
    return any(block.format == PROSE and fact in block.facts for block in paste.blocks)


def fact_lines(paste: Paste, prefixes: Sequence[str]) -> list[int]:
    return [f.line for path, f in paste.facts.items() if path.startswith(tuple(prefixes))]


#: What shows an NVIDIA driver at work: its kernel module's version, its own, its libcuda's, the
#: CUDA it supports (nvidia-smi's header).
_DRIVER_EVIDENCE = ("driver.kernel", "driver.version", "driver.library", "driver.max_cuda")


def shows_driver(paste: Paste) -> bool:
    """The paste shows an NVIDIA driver at work (its kernel module's or its own version, the
    CUDA it supports)."""
    return any(paste.facts.get(path) for path in _DRIVER_EVIDENCE)


def shows_gpu(paste: Paste) -> bool:
    """The paste shows an accelerator: a GPU listed, a driver line, a device a framework saw."""
    facts = paste.facts
    if any(isinstance(a, Mapping) for a in paste.doc.get("accelerators") or ()):
        return True
    if (
        facts.get("frameworks.pytorch.cuda_available")
        and facts["frameworks.pytorch.cuda_available"].value
    ):
        return True
    devices = facts.get("jax.devices")
    return bool(devices and "gpu" in str(devices.value)) or any(
        p.startswith(("gpu.", "driver.")) for p in facts
    )


def shows_only_apple_gpu(paste: Paste) -> bool:
    """The only accelerator the paste shows is Apple silicon's (MPS): no NVIDIA driver, no CUDA
    device. A CUDA library's message there is about a build that cannot use that GPU anyway."""
    accelerators = [a for a in paste.doc.get("accelerators") or () if isinstance(a, Mapping)]
    return (
        bool(accelerators)
        and all(a.get("kind") == Accelerator.MPS for a in accelerators)
        and not any(p.startswith("driver.") for p in paste.facts)
    )


def shows_no_cuda_machine(paste: Paste, lines: list[int]) -> bool:
    """The paste shows a machine CUDA builds never run on: its only GPUs are Apple silicon's or
    Intel's (``accelerators`` of kind mps or xpu), or it names an Apple M-series Mac apart from
    the message's ``lines``, and it shows no NVIDIA driver, CUDA device or AMD GPU. A "not
    compiled with CUDA" message there is code asking for CUDA, not a wrong build."""
    accelerators = [a for a in paste.doc.get("accelerators") or () if isinstance(a, Mapping)]
    kinds = {a.get("kind") for a in accelerators}
    if shows_driver(paste) or kinds & {Accelerator.CUDA, Accelerator.ROCM}:
        return False
    cuda = paste.facts.get("frameworks.pytorch.cuda_available")
    if cuda is not None and cuda.value is True:
        return False
    if kinds and kinds <= {Accelerator.MPS, Accelerator.XPU}:
        return True
    return not kinds and names_elsewhere(paste, lines, APPLE_GPU)


#: A TPU machine named in the text: a TPU VM or chip generation, jax[tpu], libtpu, the TPU device
#: files, a template's accelerator answer "TPU" on a line of its own
#: (https://cloud.google.com/tpu/docs/run-calculation-jax), jax's default backend "tpu" that
#: transformers' env dump prints after the Flax version ("Flax version (CPU?/GPU?/TPU?): 0.7.4
#: (tpu)", transformers/commands/env.py).
TPU_MACHINE = re.compile(
    r"\btpu[ -]?v[2-7]|\btpu[ -]vm\b|jax\[tpu\]|libtpu|/dev/accel|^\s*tpus?\s*$|\(tpu\)\s*$",
    re.IGNORECASE,
)
#: Apple's GPU named in the text: the tensorflow-metal plugin, its start-up line, an M-series chip
#: (https://developer.apple.com/metal/tensorflow-plugin/).
APPLE_GPU = re.compile(
    r"tensorflow[- ]metal|metal device set to|libmetal_plugin|apple (?:m[1-5]|silicon)"
    r"|\bm[1-5] (?:pro|max|ultra|mac|laptop|chip|gpu)"
    r"|\bmac(?:book)?(?: (?:pro|air|mini|studio))? \(?m[1-5]\b",
    re.IGNORECASE,
)


def names_elsewhere(paste: Paste, lines: list[int], pattern: re.Pattern[str]) -> bool:
    """``pattern`` found on a line of the paste other than the message's own ``lines``."""
    own = set(lines)
    return any(pattern.search(text) for n, text in enumerate(paste.lines, start=1) if n not in own)


def major_minor(value: object) -> tuple[int, int] | None:
    parts = str(value).split(".")
    if len(parts) < 2 or not is_digits(parts[0]) or not is_digits(parts[1][:2]):
        return None
    return int(parts[0]), int("".join(ch for ch in parts[1][:2] if is_digits(ch)))


#: A CUDA release stated on a line ("cuda12.1", "CUDA 11.8", "`cuda-11.6.2`", "CUDA toolkit
#: 12.2", "CUDA version: 12.1", "cuda is '9.0.176'", nvcc's "Cuda compilation tools, release
#: 11.7", a table row "| CUDA toolkit (nvcc) | 12.4.131 |"); nvidia-smi's header line is the
#: driver's newest CUDA, not an install, and is skipped.
_STATED_CUDA = re.compile(
    r"\bcuda(?: compilation tools, release |[ _-]?(?:toolkit[ _-]?)?(?:version)?"
    r"(?: ?\([^()\n]{0,40}\))?[ :=|]{0,4}(?:is {1,2})?['\"`]?v?)"
    r"(?P<major>[0-9]{1,2})\.(?P<minor>[0-9])",
    re.IGNORECASE,
)
_CUDA_FACTS = ("toolkit.cuda", "frameworks.pytorch.build.cuda", "frameworks.tensorflow.build.cuda")


def stated_cuda(paste: Paste, own: Sequence[int] = ()) -> set[tuple[int, int]]:
    """The CUDA releases (major, minor) the paste states apart from the lines ``own``: the
    toolkit's, a framework build's, or one named on a line (not nvidia-smi's driver header)."""
    return set(stated_cuda_lines(paste, own))


def stated_cuda_lines(paste: Paste, own: Sequence[int] = ()) -> dict[tuple[int, int], int]:
    """stated_cuda's releases, each with the first line that states it."""
    found: dict[tuple[int, int], int] = {}
    for path in _CUDA_FACTS:
        fact = paste.facts.get(path)
        release = major_minor(fact.value) if fact else None
        if fact is not None and release is not None:
            found.setdefault(release, fact.line)
    for number, text in enumerate(paste.lines[:2000], start=1):
        if number in own or "Driver Version" in text or Accelerator.CUDA.value not in text.lower():
            continue
        for m in _STATED_CUDA.finditer(text[:2000]):
            found.setdefault((int(m.group("major")), int(m.group("minor"))), number)
    return found


def shows_cuda_build(paste: Paste) -> bool:
    """The paste states a CUDA build of torch (``+cu117``, collect_env's CUDA used to build)."""
    fact = paste.facts.get("frameworks.pytorch.build.flavour")
    return fact is not None and fact.value == Accelerator.CUDA.value


#: A line that is the loader's own exception: Python's ImportError (an extension module's dlopen,
#: Python/dynload_shlib.c) or ctypes' OSError, whose message is dlerror()'s "NAME: cannot open
#: shared object file" (https://docs.python.org/3/library/ctypes.html#loading-shared-libraries).
#: A program's own exception that retells it ("RuntimeError: CuPy failed to load ...") is that
#: program's message, read by its own signature.
_RAISED = re.compile(
    r"\s{0,8}(?:ImportError|OSError): [^ :]{1,300}: cannot open shared object file"
)


def loader_raised(paste: Paste, lines: list[int]) -> bool:
    """A matched line is the exception that ended the program. A CUDA library that a crashed
    import needed is then a failure whether the paste shows a GPU or not, unlike an optional
    probe's miss that a CPU run logs and survives. (A CUDA call refused on a machine without a
    GPU stays harmless: the code, not the environment, asked for CUDA.)"""
    return any(_RAISED.match(paste.line(n)) for n in lines)
