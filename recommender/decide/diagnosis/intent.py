"""What the paste says the user wants: a CPU build where the paste states that the GPU is not
wanted or needed is the intended install, not a fault (issue 21, "judge by what the text proves").

jax's "An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not installed.
Falling back to cpu." proves a CPU jaxlib on a machine with NVIDIA device files
(jax/_src/xla_bridge.py ``_suggest_missing_backends``, hardware_utils.has_visible_nvidia_gpu:
``/dev/nvidia*`` exists), and jax then runs on the CPU, as it says. Whether that is the problem
depends on what the user wants: where the paste says the work is meant for the CPU ("we don't
want to run it on a GPU", "CPU only on purpose"), the finding is a warning with that line quoted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import MAX_QUOTES, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

#: A negated want/need of the GPU: "we don't need a GPU", "I don't think we care unless we want to
#: run it on a GPU", "there's no need to use CUDA". The words between the verb and the GPU are
#: checked apart: "I don't want the CPU, I want the GPU" names the CPU there and is no such line.
#: Present tense only: "I never needed a GPU before, now I do" is a wish for one.
_NOT_WANTED = re.compile(
    r"\b(?:don'?t|do not|doesn'?t|does not)\s+(?:\w+\s+){0,3}?(?:want|need|care|plan|intend|require)"
    r"\w*\b([^.!?\n]{0,60}?)\b(?:gpus?|cuda)\b"
    r"|\bno need (?:to|for)\b([^.!?\n]{0,40}?)\b(?:gpus?|cuda)\b",
    re.IGNORECASE,
)

#: The CPU stated as the intended device: "CPU only on purpose", "meant to run on the CPU". ("On
#: the CPU it is fine" is no such line: it is how a GPU complaint begins.)
_CPU_INTENDED = re.compile(
    r"\bcpu[- ]only\b[^.!?\n]{0,20}\b(?:on purpose|by design|intended|intentionally|is fine|is enough)\b"
    r"|\b(?:intended|meant|designed|supposed)\s+to\s+run\s+on\s+(?:the\s+)?cpu\b",
    re.IGNORECASE,
)


#: A CPU-targeted build chosen on purpose, shown by the set-up rather than said: a shell prompt
#: whose active environment is named for the CPU ("(vllm-cpu) root@host:~#", "(cpu) $"), vLLM's
#: CPU backend selected at build time (VLLM_TARGET_DEVICE=cpu, docs.vllm.ai "CPU" installation) or
#: its CPU build's version label ("vLLM Version: 0.6.3+cpu").
_CPU_BUILD_CHOSEN = re.compile(
    r"^\s*\((?:[\w.-]{1,40}[-_])?cpu\)\s"
    r"|\bVLLM_TARGET_DEVICE\s*=\s*[\"']?cpu\b"
    r"|\bvllm(?: version)?\s{0,40}[:=]{1,2}\s{0,40}v?[0-9][0-9.]{0,20}(?:[a-z]{1,8}[0-9]{0,4})?\+cpu\b",
    re.IGNORECASE,
)


def cpu_intent_line(paste: Paste) -> int | None:
    """The first line where the paste says the GPU is not wanted (the CPU is intended), or shows
    a CPU build chosen on purpose, or None."""
    for number, line in enumerate(paste.lines, start=1):
        if _CPU_INTENDED.search(line) or _CPU_BUILD_CHOSEN.search(line):
            return number
        for match in _NOT_WANTED.finditer(line):
            between = match.group(1) or match.group(2) or ""
            if "cpu" not in between.lower():
                return number
    return None


def cpu_intended(paste: Paste, found: Sequence[Finding]) -> list[Finding]:
    """``found`` with each CPU-build fail a warning where the paste says the CPU is intended."""
    if not any(f.status == "fail" and f.category == Category.CPU_WHEEL_ON_GPU.value for f in found):
        return list(found)
    line = cpu_intent_line(paste)
    if line is None:
        return list(found)
    chosen = _CPU_BUILD_CHOSEN.search(paste.lines[line - 1])
    reason = "shows a CPU build chosen on purpose" if chosen else "says the GPU is not wanted"
    out = []
    for f in found:
        if f.status == "fail" and f.category == Category.CPU_WHEEL_ON_GPU.value:
            # The intent line is always quoted: it is what makes this a warning.
            kept = [q for q in f.quotes if q.line != line][: MAX_QUOTES - 1]
            quotes = {q.line: q for q in (*kept, *quote_lines(paste, [line]))}
            f = replace(
                f,
                status="warn",
                detail=(
                    f"{f.detail}; but the paste {reason} here (line {line}): "
                    "a CPU build is then the intended install"
                ),
                quotes=tuple(quotes[n] for n in sorted(quotes)),
            )
        out.append(f)
    return out
