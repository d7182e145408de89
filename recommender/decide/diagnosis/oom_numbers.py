"""A GPU out of memory because another process holds it, proved by the OOM message's own numbers.

torch's CUDA out-of-memory error states the GPU's total, what is free, and what this process
holds: ``GPU 0 has a total capacity of 23.65 GiB of which 18.56 MiB is free. Including non-PyTorch
memory, this process has 2.10 GiB memory in use`` (torch 2.1 on), or ``(GPU 0; 23.69 GiB total
capacity; 1.20 GiB already allocated; 5.56 MiB free; 1.30 GiB reserved in total by PyTorch)``
(earlier releases, where what PyTorch reserved is the process's share less its CUDA context).
Total less free less this process's share is held elsewhere: another process (an earlier run, a
second worker, a notebook kernel, the desktop) on the same GPU. Where that is most of the GPU,
the job did not fill the GPU itself: a warning, inferred from the numbers.
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

OOM_URL = "https://pytorch.org/docs/stable/notes/cuda.html#memory-management"
_SIZE = r"(?P<{}>[0-9]{{1,7}}(?:\.[0-9]{{1,3}})?) (?P<{}_unit>GiB|MiB|KiB|bytes|B)"
_NEW_TOTAL = re.compile(
    r"has a total capacity of "
    + _SIZE.format("total", "total")
    + r" of which "
    + _SIZE.format("free", "free")
    + r" is free"
)
_NEW_OWN = re.compile(r"this process has " + _SIZE.format("own", "own") + r" memory in use")
_OLD = re.compile(
    _SIZE.format("total", "total")
    + r" total capacity; [^;]{0,60}; "
    + _SIZE.format("free", "free")
    + r" free; "
    + _SIZE.format("own", "own")
    + r" reserved in total by PyTorch"
)
_MIB = {"GiB": 1024.0, "MiB": 1.0, "KiB": 1 / 1024, "bytes": 1 / 1048576, "B": 1 / 1048576}
#: Held elsewhere from this share of the GPU (and at least 1 GiB) on: the job did not fill it.
ELSEWHERE_SHARE = 0.25
ELSEWHERE_MIN_MIB = 1024.0
_MAX_LINES = 4000


def _mib(match: re.Match[str], name: str) -> float:
    return float(match.group(name)) * _MIB[match.group(f"{name}_unit")]


def _numbers(line: str) -> tuple[float, float, float, bool] | None:
    """(total, free, this process's) MiB from one line of torch's OOM message, and whether this
    process's share counts its memory outside PyTorch (torch 2.1 on); or None."""
    if "total capacity" not in line:
        return None
    new = _NEW_TOTAL.search(line)
    if new is not None:
        own = _NEW_OWN.search(line)
        return (_mib(new, "total"), _mib(new, "free"), _mib(own, "own"), True) if own else None
    old = _OLD.search(line)
    return (_mib(old, "total"), _mib(old, "free"), _mib(old, "own"), False) if old else None


def _gib(mib: float) -> str:
    return f"{mib / 1024:.2f} GiB"


def memory_held_elsewhere(paste: Paste) -> list[Finding]:
    for number, line in enumerate(paste.lines[:_MAX_LINES], 1):
        found = _numbers(line)
        if found is None:
            continue
        total, free, own, whole = found
        elsewhere = total - free - own
        if total <= 0 or elsewhere < max(ELSEWHERE_MIN_MIB, ELSEWHERE_SHARE * total):
            continue
        return [
            Finding(
                id="memory:held-elsewhere",
                category=Category.OUT_OF_MEMORY.value,
                status="warn",
                title="Another process holds much of this GPU's memory",
                detail=(
                    f"the GPU has {_gib(total)}, {_gib(free)} free, and this process holds "
                    f"{_gib(own)}{'' if whole else ' through PyTorch'}: {_gib(elsewhere)} is held "
                    "elsewhere, by another process on the same GPU"
                    f"{'' if whole else ' (or by a library outside PyTorch in this process)'} "
                    "(inferred from the out-of-memory message's own numbers)"
                ),
                fix=(
                    "Find the process that holds the GPU (nvidia-smi's process list, `nvidia-smi "
                    "--query-compute-apps=pid,used_memory --format=csv`) and stop it (an earlier "
                    "run, a notebook kernel, a second worker), or pick a free GPU with "
                    "CUDA_VISIBLE_DEVICES"
                ),
                quotes=quote_lines(paste, [number]),
                source=OOM_URL,
            )
        ]
    return []
