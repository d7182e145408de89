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

A refusal that states the minimum it needs ("does not have CUDA compute capability 5.0 or
greater", "Triton only supports devices of CUDA Capability >= 7.0") names it in the group
``need``: where every GPU the paste lists meets that minimum, the refusal is not about them either.
"""

from __future__ import annotations

import re

from recommender.core.numfmt import is_digits
from recommender.facts.reports import Paste, Signature

#: The group of a signature's pattern that carries the checked GPU's architecture number.
DEVICE_ARCH = "device_arch"
#: The group of a signature's pattern that carries the minimum compute capability it states.
NEED = "need"

#: A GPU's compute capability as a device listing states it.
_STATED = re.compile(
    r"\bcompute capability:? {0,2}\[?(?P<major>[0-9]{1,2})\.(?P<minor>[0-9])\b"
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


def stated_capabilities(paste: Paste, skip: frozenset[int] = frozenset()) -> set[tuple[int, int]]:
    """The compute capabilities the paste's own device lines state (``skip``: line numbers,
    from 1, to leave out: the message's own)."""
    out = set()
    for number, line in enumerate(paste.lines, start=1):
        if number in skip or ("ompute" not in line and "OMPUTE" not in line):
            continue  # both of _STATED's forms hold the word "compute"
        for m in _STATED.finditer(line):
            major = m.group("major") or m.group("major2")
            minor = m.group("minor") or m.group("minor2")
            out.add((int(major), int(minor)))
    return out


def capability_not_listed(paste: Paste, sig: Signature) -> str | None:
    """Why a refusal naming a GPU's capability is not about the GPUs the paste lists, or None."""
    met = _minimum_met(paste, sig)
    if met is not None:
        return met
    named = {
        cc
        for h in paste.hits
        if h.signature == sig.id
        for cc in [arch_to_cc(h.groups.get(DEVICE_ARCH) or "")]
        if cc is not None
    }
    if not named:
        return None  # the message names no GPU: nothing to read the paste's GPUs against
    listed = stated_capabilities(paste)
    if not listed or named & listed:
        return None
    said = ", ".join(f"{a}.{b}" for a, b in sorted(named))
    shown = ", ".join(f"{a}.{b}" for a, b in sorted(listed))
    return (
        f"the message names compute capability {said}, but the GPUs the paste lists are {shown}: "
        "it is not about these GPUs (a check in the program fired wrongly)"
    )


def _minimum_met(paste: Paste, sig: Signature) -> str | None:
    """Where the refusal states a minimum capability and every GPU the paste lists meets it."""
    hits = [h for h in paste.hits if h.signature == sig.id]
    needs = [
        (int(major), int(minor))
        for h in hits
        for major, _, minor in [(h.groups.get(NEED) or "").partition(".")]
        if is_digits(major) and is_digits(minor)
    ]
    if not needs:
        return None
    listed = stated_capabilities(paste, frozenset(n for h in hits for n in h.lines))
    if not listed or min(listed) < max(needs):
        return None
    need = max(needs)
    shown = ", ".join(f"{a}.{b}" for a, b in sorted(listed))
    return (
        f"the message states a minimum of compute capability {need[0]}.{need[1]}, and the GPUs "
        f"the paste lists ({shown}) meet it: it is not about these GPUs"
    )
