"""A GPU that nvidia-smi shows nearly full before the job: another process holds its memory, so the
job runs out of memory there (the environment itself works). A GPU whose compute mode admits no
new process: Prohibited, or Exclusive_Process with a process already holding it. A container
started without GPUs, where the framework then sees none."""

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
    held = [
        f"{f.value} (PID {p.rsplit('.', 1)[1]})"
        for p, f in paste.facts.items()
        if p.startswith(f"gpu.{index}.process.")
    ]
    holders = f"; nvidia-smi shows it held by {', '.join(held[:4])}" if held else ""
    return [
        Finding(
            id="memory:gpu-full",
            category=Category.OUT_OF_MEMORY.value,
            status="warn",
            title="A GPU is nearly full already",
            detail=(
                f"GPU {index} has {first.value} of {total.value} MiB in use: a job started there "
                f"runs out of memory (another process holds it){holders}"
            ),
            fix="Pick a free GPU (CUDA_VISIBLE_DEVICES=<index of an idle one>), or stop the process that holds the memory (nvidia-smi lists it)",
            quotes=quote_lines(
                paste,
                [used.line for _, used, _ in full]
                + [f.line for p, f in paste.facts.items() if p.startswith(f"gpu.{index}.process.")],
            ),
            source=NVIDIA_SMI_URL,
        )
    ]


#: CUDA's compute modes (nvidia-smi's table shows them as Default, E. Process, Prohibited):
#: Exclusive_Process admits one process per device, Prohibited none (cudaComputeMode).
COMPUTE_MODE_URL = (
    "https://developer.download.nvidia.com/compute/DevZone/docs/html/C/doc/html/"
    "group__CUDART__TYPES_g7eb25f5413a962faad0956d92bae10d0.html"
)
#: Memory in use from which a process holds the GPU (a CUDA context takes a few hundred MiB; an
#: idle GPU shows a few MiB for the display or nothing).
HELD_MIB = 100


def closed_gpus(paste: Paste) -> list[Finding]:
    """GPUs no new process can use: in Prohibited mode, or in Exclusive_Process mode while a
    process holds them (memory in use). CUDA then answers "all CUDA-capable devices are busy or
    unavailable" (cudaErrorDevicesUnavailable). A warning: the holder may be the job itself."""
    closed: list[tuple[str, str, int]] = []
    for path, fact in paste.facts.items():
        if not path.endswith(".compute_mode") or fact.value == "Default":
            continue
        index = path.split(".")[1]
        used = paste.facts.get(f"gpu.{index}.memory_used")
        mib = used.value if used is not None and isinstance(used.value, int) else 0
        if fact.value == "Prohibited":
            closed.append((index, "in Prohibited mode (no process may use it)", fact.line))
        elif mib >= HELD_MIB:
            closed.append((index, f"in {fact.value} mode and held ({mib} MiB in use)", fact.line))
    if not closed:
        return []
    shown = [p for p in paste.facts if p.endswith(".compute_mode")]
    every = len(closed) == len(shown)
    return [
        Finding(
            id="device:compute-mode",
            category=Category.NO_DEVICE.value,
            status="warn",
            title=(
                "No GPU admits a new process (compute mode)"
                if every
                else "Some GPUs admit no new process (compute mode)"
            ),
            detail=(
                "; ".join(f"GPU {i} is {why}" for i, why, _ in closed[:4])
                + ': another process asking for it gets "all CUDA-capable devices are busy or '
                'unavailable" (a process of an earlier job that never ended, or a second worker)'
            ),
            fix=(
                "Find and stop the processes that hold the GPUs (nvidia-smi's process list, "
                "`nvidia-smi --query-compute-apps=pid,used_memory --format=csv`), pick a free GPU "
                "with CUDA_VISIBLE_DEVICES, or ask the administrators to set the Default compute "
                "mode (`nvidia-smi -c 0`)"
            ),
            quotes=quote_lines(paste, [line for _, _, line in closed]),
            source=COMPUTE_MODE_URL,
        )
    ]


CONTAINER_GPUS_URL = "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html"
#: Facts by which a framework says it sees no GPU.
NO_GPU_SEEN = (
    ("frameworks.pytorch.cuda_available", False),
    ("torch.gpu_visible", False),
    ("torch.device_count", 0),
    ("tf.gpu_visible", False),
)


def no_gpu_seen_lines(paste: Paste) -> list[int]:
    """The lines where a framework says it sees no GPU (NO_GPU_SEEN's facts)."""
    return [
        paste.facts[path].line
        for path, value in NO_GPU_SEEN
        if path in paste.facts and paste.facts[path].value == value
    ]


def container_without_gpus(paste: Paste) -> list[Finding]:
    """A container started with no GPU passed to it (docker run without --gpus), where the
    framework then sees none: the GPUs stay on the host."""
    started = paste.facts.get("os.container_gpus")
    if started is None or started.value != "none":
        return []
    seen = [
        paste.facts[path]
        for path, value in NO_GPU_SEEN
        if path in paste.facts and paste.facts[path].value == value
    ]
    if not seen:
        return []
    return [
        Finding(
            id="device:container-without-gpus",
            category=Category.NO_DEVICE.value,
            status="warn",
            title="The container was started without GPUs",
            detail=(
                "docker run passed no GPU to the container (no --gpus, no nvidia runtime), and "
                "the framework inside it sees none: the GPUs and the host's driver stay outside"
            ),
            fix=(
                "Start the container with `docker run --gpus all ...` (install the NVIDIA "
                "Container Toolkit on the host, then `sudo nvidia-ctk runtime configure "
                "--runtime=docker && sudo systemctl restart docker`); nvidia-smi inside it must "
                "list the GPU"
            ),
            quotes=quote_lines(paste, [started.line, *(f.line for f in seen)]),
            source=CONTAINER_GPUS_URL,
        )
    ]
