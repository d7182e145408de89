"""A refusal that names the GPU's compute capability, read against the capabilities the same paste
states for its GPUs.

Programs with their own CUDA kernels refuse a GPU in their own words and print the number of the
GPU they checked: llama.cpp's "ggml was not compiled with any CUDA arch <= 750" names the device's
architecture as 100 x major + 10 x minor (ggml_cuda_highest_compiled_arch,
https://github.com/ggml-org/llama.cpp/blob/master/ggml/src/ggml-cuda/common.cuh), text-embeddings-
inference's "Runtime compute cap 75 is not compatible with compile time compute cap 80" as
10 x major + minor. Where the paste also lists its GPUs with their compute capability (ggml's
"Device 0: ..., compute capability 12.0" lines, Ollama's "Compute Capability 8.0", a ``compute=``
field) and none of them has the number the message names, the message is not about these GPUs:
a check in the program fired wrongly (a bug of that release), and the build/GPU pairing is not
the cause.

A signature opts in by naming the group that carries the GPU's number ``device_arch``.
"""

from __future__ import annotations

import re

from recommender.core.numfmt import is_digits
from recommender.facts.reports import Paste, Signature

#: The group of a signature's pattern that carries the checked GPU's architecture number.
DEVICE_ARCH = "device_arch"

#: A GPU's compute capability as a device listing states it.
_STATED = re.compile(
    r"\bcompute capability:? {0,2}(?P<major>[0-9]{1,2})\.(?P<minor>[0-9])\b"
    r"|\bcompute=(?P<major2>[0-9]{1,2})\.(?P<minor2>[0-9])\b",
    re.IGNORECASE,
)


def arch_to_cc(raw: str) -> tuple[int, int] | None:
    """A program's architecture number as (major, minor): 300 and above are ggml's
    100 x major + 10 x minor (750, 1200), below that 10 x major + minor (75, 120)."""
    if not is_digits(raw) or not 2 <= len(raw) <= 4:
        return None
    value = int(raw)
    if value >= 300:
        return (value // 100, (value % 100) // 10) if value % 10 == 0 else None
    return (value // 10, value % 10) if value >= 30 else None


def stated_capabilities(paste: Paste) -> set[tuple[int, int]]:
    """The compute capabilities the paste's own device lines state."""
    out = set()
    for line in paste.lines:
        for m in _STATED.finditer(line):
            major = m.group("major") or m.group("major2")
            minor = m.group("minor") or m.group("minor2")
            out.add((int(major), int(minor)))
    return out


def capability_not_listed(paste: Paste, sig: Signature) -> str | None:
    """Why a refusal naming a GPU's capability is not about the GPUs the paste lists, or None."""
    named = {
        cc
        for h in paste.hits
        if h.signature == sig.id
        for cc in [arch_to_cc(h.groups.get(DEVICE_ARCH) or "")]
        if cc is not None
    }
    listed = stated_capabilities(paste)
    if not named or not listed or named & listed:
        return None
    said = ", ".join(f"{a}.{b}" for a, b in sorted(named))
    shown = ", ".join(f"{a}.{b}" for a, b in sorted(listed))
    return (
        f"the message names compute capability {said}, but the GPUs the paste lists are {shown}: "
        "it is not about these GPUs (a check in the program fired wrongly)"
    )
