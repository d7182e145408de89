"""The cause that remains where torch cannot see the GPU but the paste rules out the other two.

torch's own troubleshooting of a False ``torch.cuda.is_available()`` names three causes: a CPU-only
build, no NVIDIA driver (or one older than the build's CUDA), and no GPU visible to the process
(CUDA_VISIBLE_DEVICES empty or -1, a container started without the GPU, device nodes the user may
not open). Where the paste shows a CUDA build (a +cuXXX label, torch.version.cuda, collect_env's
"CUDA used to build PyTorch") and a driver that lists the GPU (nvidia-smi's table, collect_env's
GPU models, which it takes from nvidia-smi when torch sees none) whose newest CUDA is at least the
build's, the first two are ruled out by the text itself: what remains is the process's view of
the devices (no-device). A warning: the paste may have been taken in two places."""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.core.catalog import Framework
from recommender.decide.diagnosis._paste import fact_version, major_minor
from recommender.decide.diagnosis.inferred import Inference
from recommender.facts.reports import Paste

#: CUDA's own description of CUDA_VISIBLE_DEVICES (which devices a process may see, renumbered
#: from 0; an empty or invalid list hides every GPU).
VISIBLE_DEVICES_URL = "https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#env-vars"
_LABEL = re.compile(r"^cu(?P<major>[0-9]{2})(?P<minor>[0-9])$")


def _build_cuda(paste: Paste) -> tuple[tuple[int, int], int] | None:
    """The CUDA torch was built for, with the line that states it: a stated build CUDA, else the
    version's +cuXXX label. None for a CPU build or where the build is unstated."""
    stated = paste.facts.get("frameworks.pytorch.build.cuda")
    if stated is not None and (cuda := major_minor(stated.value)) is not None:
        return cuda, stated.line
    fact = paste.facts.get("frameworks.pytorch.version")
    version = fact_version(fact)
    label = _LABEL.match(version.local or "") if version is not None else None
    if fact is None or label is None:
        return None
    return (int(label["major"]), int(label["minor"])), fact.line


def _driver_lists_gpu(paste: Paste) -> list[int]:
    """The driver's line and the GPU rows where a driver is shown listing a GPU, else []."""
    driver = paste.facts.get("driver.version")
    if driver is None:
        return []
    rows = [
        f.line
        for p, f in paste.facts.items()
        if p.startswith("gpu.") and p.endswith(".name") and p.count(".") == 2
    ]
    return [driver.line, *rows[:2]] if rows else []


def process_sees_none(paste: Paste, framework: Framework) -> Inference | None:
    """no-device, inferred: torch is a CUDA build and the driver lists the GPU and runs the
    build's CUDA, so the process is what does not see the device."""
    if framework != Framework.PYTORCH:
        return None
    built = _build_cuda(paste)
    shown = _driver_lists_gpu(paste)
    if built is None or not shown:
        return None
    (cuda, line), top = built, paste.facts.get("driver.max_cuda")
    limit = major_minor(top.value) if top is not None else None
    if limit is not None and limit[0] < cuda[0]:
        return None  # a driver older than the build's CUDA major: the driver's cause, not this
    return Inference(
        id="process-sees-no-gpu",
        category=Category.NO_DEVICE.value,
        title="most likely the process does not see the GPU (the build and the driver are fine)",
        detail=(
            f"torch is built for CUDA {cuda[0]}.{cuda[1]} (line {line}) and the NVIDIA driver "
            f"lists the GPU (line {shown[0]}){' and runs CUDA ' + str(top.value) if top else ''}: "
            "neither a CPU-only build nor a missing or too old driver explains it, which leaves "
            "the devices the process is given (CUDA_VISIBLE_DEVICES, a container started without "
            "the GPU, /dev/nvidia* permissions)"
        ),
        fix=(
            "In the same shell as the program: echo $CUDA_VISIBLE_DEVICES (unset it, or list an "
            "index nvidia-smi shows), ls -l /dev/nvidia* (the user needs read and write), and in "
            'a container start it with --gpus all; then check python -c "import torch; '
            'print(torch.cuda.device_count())"'
        ),
        source=VISIBLE_DEVICES_URL,
        lines=(line, *shown),
    )
