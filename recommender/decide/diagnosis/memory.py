"""A GPU that nvidia-smi shows nearly full before the job: another process holds its memory, so the
job runs out of memory there (the environment itself works)."""

from __future__ import annotations

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

#: Used / total at or above this is "full": a framework's allocator cannot start there.
FULL = 0.9
NVIDIA_SMI_URL = "https://docs.nvidia.com/deploy/nvidia-smi/index.html"


def busy_gpus(paste: Paste) -> list[Finding]:
    full = []
    for path, fact in paste.facts.items():
        if not path.endswith(".memory_used"):
            continue
        total = paste.facts.get(path.removesuffix("_used"))
        if total is None or not isinstance(total.value, int) or total.value <= 0:
            continue
        if isinstance(fact.value, int) and fact.value >= FULL * total.value:
            full.append((path.split(".")[1], fact, total))
    if not full:
        return []
    index, first, total = full[0]
    return [
        Finding(
            id="memory:gpu-full",
            category=Category.OUT_OF_MEMORY.value,
            status="warn",
            title="A GPU is nearly full already",
            detail=(
                f"GPU {index} has {first.value} of {total.value} MiB in use: a job started there "
                "runs out of memory (another process holds it)"
            ),
            fix="Pick a free GPU (CUDA_VISIBLE_DEVICES=<index of an idle one>), or stop the process that holds the memory (nvidia-smi lists it)",
            quotes=quote_lines(paste, [used.line for _, used, _ in full]),
            source=NVIDIA_SMI_URL,
        )
    ]
