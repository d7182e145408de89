"""Every GPU hidden from the process by CUDA_VISIBLE_DEVICES (issue 21, session 48).

CUDA shows a process only the devices CUDA_VISIBLE_DEVICES lists: set to an empty string it shows
none, and the devices after an invalid index (-1) are not shown, so a value that starts with one
shows none either (CUDA Programming Guide, "CUDA Environment Variables",
https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/environment-variables.html;
verified 2026-12-07). A paste that sets it so (``export CUDA_VISIBLE_DEVICES=-1``,
``CUDA_VISIBLE_DEVICES="" python ...``, ``os.environ["CUDA_VISIBLE_DEVICES"] = "-1"``) and shows a
framework that then sees no GPU shows the cause: the driver and the GPU may be fine."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.memory import no_gpu_seen_lines
from recommender.facts.reports import Paste

SOURCE_URL = (
    "https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/environment-variables.html"
)
#: An assignment whose value is empty or starts with an invalid (negative) index.
_HIDING = re.compile(
    r"CUDA_VISIBLE_DEVICES(?:[\"']\])? {0,3}= {0,3}(?:[\"']?-[0-9]|\"\"|''|[\"'] {0,3}$|$)"
)
#: No-device messages a hidden GPU explains (rules/signatures.yaml).
_NO_DEVICE_MESSAGES = ("signature:", "family:")


def _hiding_line(paste: Paste) -> int | None:
    for number, text in enumerate(paste.lines[:5000], start=1):
        if "CUDA_VISIBLE_DEVICES" in text and _HIDING.search(text.rstrip()[:400]):
            return number
    return None


def hidden_gpus(paste: Paste, found: list[Finding]) -> list[Finding]:
    """A fail where the paste hides every GPU with CUDA_VISIBLE_DEVICES and a framework, or a
    no-device message, then says it sees none."""
    line = _hiding_line(paste)
    if line is None:
        return []
    seen = no_gpu_seen_lines(paste)
    messages = [
        q.line
        for f in found
        if f.category == Category.NO_DEVICE.value and f.id.startswith(_NO_DEVICE_MESSAGES)
        for q in f.quotes[:1]
    ]
    if not seen and not messages:
        return []
    return [
        Finding(
            id="device:visible-devices-hidden",
            category=Category.NO_DEVICE.value,
            status="fail",
            title="CUDA_VISIBLE_DEVICES hides every GPU from the process",
            detail=(
                "the paste sets CUDA_VISIBLE_DEVICES to an empty value or one that starts with an "
                "invalid index (-1), which makes CUDA show the process no GPU at all; the "
                "framework then sees none"
            ),
            fix=(
                "Unset CUDA_VISIBLE_DEVICES (unset CUDA_VISIBLE_DEVICES), or set it to the "
                "indices or UUIDs of the GPUs to use (nvidia-smi -L lists them), before the "
                "program starts"
            ),
            quotes=quote_lines(paste, [line, *seen[:1], *messages[:1]]),
            source=SOURCE_URL,
        )
    ]
