"""A GPU index beyond the GPUs the paste shows (issue 21, session 48, engineer Q2).

CUDA numbers the GPUs a process sees from 0. ``CUDA_VISIBLE_DEVICES`` lists the ones it may see; an
index that does not exist is invalid, and only the devices listed before it stay visible, so
``CUDA_VISIBLE_DEVICES=1`` on a one-GPU machine shows the process no GPU at all (CUDA Programming
Guide, "CUDA Environment Variables",
https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/environment-variables.html).
A device asked for by index (``cuda:1``) beyond the GPUs present answers "invalid device ordinal"
(cudaErrorInvalidDevice, https://docs.nvidia.com/cuda/cuda-runtime-api/group__CUDART__TYPES.html).
The GPUs present: the rows of nvidia-smi's table (nvidia-smi ignores CUDA_VISIBLE_DEVICES and lists
every GPU), or the poster's "one GPU" / "single GPU". A fail where the paste also shows the process
seeing no GPU or a no-device message; a warning otherwise (the program may not use that index).
verified: 2026-12-07.
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.hidden_gpus import SOURCE_URL
from recommender.decide.diagnosis.memory import no_gpu_seen_lines
from recommender.facts.reports import Paste

#: ``CUDA_VISIBLE_DEVICES=1``, ``export CUDA_VISIBLE_DEVICES="2,3"``, ``os.environ[...] = '1'``:
#: the first index listed.
_VISIBLE = re.compile(r"CUDA_VISIBLE_DEVICES(?:[\"']\])? {0,3}= {0,3}[\"']?(?P<i>[0-9]{1,2})\b")
#: ``cuda:1``, ``torch.device("cuda", 1)``, ``torch.cuda.set_device(1)``; not a Docker image's
#: tag (``nvidia/cuda:12.4.1-runtime``: after a slash, a release with a dot), which names a CUDA.
_ASKED = re.compile(
    r"(?<![/.-])\bcuda:(?P<i>[0-9]{1,2})\b(?![.][0-9])|cuda[\"'], (?P<j>[0-9]{1,2})\)|set_device\((?P<k>[0-9]{1,2})\)"
)
#: The poster's own "one GPU": a single-GPU machine.
_ONE_GPU = re.compile(
    r"\b(?:only (?:one|1|a single)|just (?:one|1)|a single|single|one) GPU\b", re.IGNORECASE
)
_MAX_LINES = 5000
_MAX_LINE = 400


def _present(paste: Paste) -> tuple[int, int] | None:
    """(count, line) of the GPUs the paste shows: nvidia-smi's rows, else the poster's "one GPU"."""
    counts = [
        (int(f.value), f.line)
        for block in paste.blocks
        if block.format == "nvidia-smi"
        for f in block.facts
        if f.path == "gpu.count" and isinstance(f.value, int) and f.value > 0
    ]
    if counts:
        return max(counts)
    for number, text in enumerate(paste.lines[:_MAX_LINES], start=1):
        if _ONE_GPU.search(text[:_MAX_LINE]):
            return (1, number)
    return None


def _asked(paste: Paste) -> tuple[int, int, bool] | None:
    """(index, line, by CUDA_VISIBLE_DEVICES) of the largest GPU index the paste asks for."""
    best: tuple[int, int, bool] | None = None
    visible = any("CUDA_VISIBLE_DEVICES" in text for text in paste.lines[:_MAX_LINES])
    for number, text in enumerate(paste.lines[:_MAX_LINES], start=1):
        line = text[:_MAX_LINE]
        m = _VISIBLE.search(line) if "CUDA_VISIBLE_DEVICES" in line else None
        hit = (int(m.group("i")), number, True) if m else None
        a = None if visible or hit else _ASKED.search(line)
        if a is not None:
            hit = (int(a.group("i") or a.group("j") or a.group("k")), number, False)
        if hit is not None and (best is None or hit[0] > best[0]):
            best = hit
    return best


def index_beyond_gpus(paste: Paste, found: list[Finding]) -> list[Finding]:
    """A GPU index (CUDA_VISIBLE_DEVICES's first, or cuda:N) at or past the GPUs the paste shows."""
    asked = _asked(paste)
    present = _present(paste) if asked else None
    if asked is None or present is None or asked[0] < present[0]:
        return []
    seen = no_gpu_seen_lines(paste)
    messages = [
        q.line
        for f in found
        if f.category == Category.NO_DEVICE.value and f.status == "fail"
        for q in f.quotes[:1]
    ]
    how = "CUDA_VISIBLE_DEVICES names" if asked[2] else "the program asks for"
    return [
        Finding(
            id="device:index-beyond-gpus",
            category=Category.NO_DEVICE.value,
            status="fail" if seen or messages else "warn",
            title="The GPU index asked for is beyond the GPUs the machine has",
            detail=(
                f"{how} GPU {asked[0]} (line {asked[1]}), and the paste shows {present[0]} "
                f"GPU(s) (line {present[1]}), numbered from 0: that index does not exist"
                + (", so CUDA shows the process no GPU" if asked[2] else "")
            ),
            fix=(
                "Number GPUs from 0: on a one-GPU machine use CUDA_VISIBLE_DEVICES=0 (or leave it "
                "unset) and cuda:0; nvidia-smi -L lists the indices there are"
            ),
            quotes=quote_lines(paste, [asked[1], present[1], *seen[:1], *messages[:1]]),
            source=SOURCE_URL,
        )
    ]
