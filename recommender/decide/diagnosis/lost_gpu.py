"""A machine whose nvidia-smi lists fewer GPUs than the poster says it has: a card lost from the bus.

nvidia-smi lists every GPU the driver attached. A card that dropped off the PCIe bus (Xid 79), or
failed to come up at boot, is absent from the list while the others work; a reboot, or reseating
the card and checking its power, brings it back (NVIDIA's Xid catalogue, Xid 79 "GPU has fallen
off the bus": https://docs.nvidia.com/deploy/xid-errors/analyzing-xid-catalog.html; a four-GPU
node listing three until rebooted: https://github.com/cBio/cbio-cluster/issues/39; both verified
2026-12-06). The poster's own count ("four GPUs", "2x 3090", "8 A100s") against the table's rows
is the evidence; a table cut short in the paste lists fewer too, so this is a warning.
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

URL = "https://github.com/cBio/cbio-cluster/issues/39"

_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_N = r"(?P<n>two|three|four|five|six|seven|eight|[2-8]|16)"
#: A GPU count in the poster's words: "four GPUs", "4 cards", "a 4-GPU node", "2x 3090",
#: "8x A100", "2 x RTX 4090", "8 A100s".
_STATED = (
    re.compile(
        rf"\b{_N}[ -](?:GPUs|graphics cards|video cards|cards|GPU (?:node|machine|server|box|rig|"
        r"workstation))\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b{_N} ?[x×] ?(?:NVIDIA |GeForce |RTX |GTX |Tesla |Quadro )?"
        r"(?:[AHLPTV][0-9]{1,3}|[0-9]{4})\b"
    ),
    re.compile(rf"\b{_N} (?:NVIDIA |Tesla )?[AHLV][0-9]{{2,3}}s\b", re.IGNORECASE),
)
_MAX_LINE = 500
#: A selection of GPUs that nvidia-smi then lists alone: a container given some GPUs (docker's
#: ``--gpus device=``, NVIDIA_VISIBLE_DEVICES, a Kubernetes ``nvidia.com/gpu`` limit), a Slurm
#: allocation (``--gres=gpu:N``: its cgroup hides the other devices), ``nvidia-smi -i``.
_SELECTED = ("device=", "nvidia_visible_devices=", "nvidia.com/gpu", "--gres", "nvidia-smi -i")


def _stated(paste: Paste) -> tuple[int, int] | None:
    """(count, line) of the largest GPU count a sentence of the poster's states."""
    best: tuple[int, int] | None = None
    for number, text in enumerate(paste.lines[:2000], start=1):
        if text.lstrip().startswith(("|", "+")):
            continue  # a table's own row
        for pattern in _STATED:
            for m in pattern.finditer(text[:_MAX_LINE]):
                word = m.group("n").lower()
                n = _NUMBERS.get(word) or int(word)
                if best is None or n > best[0]:
                    best = (n, number)
    return best


def _listed(paste: Paste) -> tuple[int, int] | None:
    """(count, line) of the GPUs an nvidia-smi table of the paste lists (the largest table)."""
    counts = [
        (int(f.value), f.line)
        for block in paste.blocks
        if block.format == "nvidia-smi"
        for f in block.facts
        if f.path == "gpu.count" and isinstance(f.value, int)
    ]
    return max(counts) if counts else None


def fewer_gpus_listed(paste: Paste) -> list[Finding]:
    """nvidia-smi lists fewer GPUs than the poster says the machine has."""
    listed = _listed(paste)
    if any(word in line.lower() for line in paste.lines for word in _SELECTED):
        return []
    stated = _stated(paste) if listed else None
    if listed is None or stated is None or stated[0] <= listed[0]:
        return []
    return [
        Finding(
            id="device:fewer-gpus-listed",
            category=Category.NO_DEVICE.value,
            status="warn",
            title="nvidia-smi lists fewer GPUs than the machine has",
            detail=(
                f"the text says {stated[0]} GPUs (line {stated[1]}), and nvidia-smi lists "
                f"{listed[0]}: a GPU the driver did not attach (fallen off the bus, or not come "
                "up at boot), unless the table was cut short in the paste"
            ),
            fix=(
                "Reboot the machine; if the GPU stays missing, power off, reseat the card and its "
                "power connectors, and look for Xid 79 (`sudo dmesg | grep -i xid`) and the card "
                "in `lspci | grep -i nvidia`; nvidia-smi must list every GPU"
            ),
            quotes=quote_lines(paste, [stated[1], listed[1]]),
            source=URL,
        )
    ]
