"""A container the paste was taken in, and whether it was given the GPUs.

``docker run`` passes no GPU unless told to: ``--gpus``, the ``nvidia`` runtime, an
``/dev/nvidia*`` device or ``NVIDIA_VISIBLE_DEVICES`` (NVIDIA Container Toolkit, "Specialized
configurations with Docker"; ``nvidia-docker run`` is the old wrapper that adds them). A container
started without them sees neither the GPUs nor the host's driver, whatever image it runs.
verified: 2026-12-05, https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.prose import FORMAT

_RUN = re.compile(r"(?:^|[\s$#>]|sudo )docker run(?= )")
#: What passes GPUs to the container (a line continued with a backslash may pass them later).
_GPU_FLAGS = (
    "--gpus",
    "--runtime=nvidia",
    "--runtime nvidia",
    "/dev/nvidia",
    "--device nvidia",
    "--device=nvidia",
    "NVIDIA_VISIBLE_DEVICES",
)
_MAX_LINE = 2000


def read(lines: Sequence[str]) -> list[Block]:
    """A ``docker run`` command line that passes no GPU: the container has none."""
    for number, raw in enumerate(lines, 1):
        if "docker run" not in raw:
            continue
        line = raw[:_MAX_LINE].rstrip()
        if "nvidia-docker run" in line or _RUN.search(line) is None:
            continue
        if line.endswith("\\") or any(flag in line for flag in _GPU_FLAGS):
            continue
        facts = (
            Fact(path="os.container", value="docker", line=number),
            Fact(path="os.container_gpus", value="none", line=number),
        )
        return [Block(format=FORMAT, start=number, end=number, facts=facts)]
    return []
