"""A process's "no NVIDIA driver" inside a container started without the GPU (issue 21, session 48).

A container never carries the host's driver: the NVIDIA Container Toolkit mounts the driver's
user-space libraries (libcuda, nvidia-smi) and the device nodes into it only when the engine is
asked for the GPU. Without that, torch's CUDA build inside the container answers "Found no NVIDIA
driver on your system" on a host whose driver works. How each engine is asked for the GPU:

- Docker: ``docker run --gpus all`` (or ``--runtime=nvidia``, ``NVIDIA_VISIBLE_DEVICES``); Compose:
  ``runtime: nvidia`` or a ``deploy.resources.reservations.devices`` entry with ``driver: nvidia``
  and ``capabilities: [gpu]`` (https://docs.docker.com/compose/how-tos/gpu-support/;
  https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html);
- Podman: CDI, ``--device nvidia.com/gpu=all``
  (https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/cdi-support.html);
- Singularity / Apptainer: ``--nv`` (https://apptainer.org/docs/user/main/gpu.html);
- Kubernetes: a ``nvidia.com/gpu`` resource limit on the pod, with the NVIDIA device plugin
  (https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/).

What proves the paste was taken in a container (not the word "container" in prose): the engine's
own command line (``docker run``/``exec``, ``docker compose``, ``podman run``, ``singularity exec``,
``apptainer run``, ``kubectl``), a Dockerfile's ``FROM image`` line, ``/.dockerenv``, or a shell
prompt whose hostname is a container id (``root@3f2a1b9c8d7e:/#``: Docker names a container's host
after the first 12 hex digits of its id, https://docs.docker.com/reference/run/#network-settings).
There, where the paste shows neither the driver at work nor a GPU passed, the finding becomes
``no-device`` (a fail; ``no-driver`` stays among its categories: the host may lack the driver too).
verified: 2026-12-07.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import MAX_QUOTES, quote_lines, shows_driver
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.precedence import container_line
from recommender.facts.reports import Paste

#: A process's own "no driver" messages: torch's CUDA build (libcuda did not load), TensorFlow/XLA's
#: "kernel driver does not appear to be running on this host" (no /proc/driver/nvidia/version),
#: NVML's library not found (pynvml, a monitor): what a container not given the GPU lacks.
_PROCESS_NO_DRIVER = frozenset(
    {
        "signature:torch-no-nvidia-driver",
        "signature:xla-no-kernel-driver",
        "signature:nvml-library-not-found",
    }
)

#: The engine's command line, a Dockerfile's base image, Docker's marker file, a prompt whose
#: hostname is a 12-hex-digit container id. Each alternative is a literal or a bounded class.
_MARKS = (
    ("podman", re.compile(r"\bpodman (?:run|exec|start|compose)\b")),
    ("singularity", re.compile(r"\b(?:singularity|apptainer) (?:exec|run|shell|instance)\b")),
    ("kubernetes", re.compile(r"\bkubectl (?:logs|exec|run|apply|describe|get)\b")),
    (
        "docker",
        re.compile(
            r"\bdocker(?:-compose| compose)? (?:run|exec|up|start|attach)\b"
            r"|^\s{0,4}FROM [\w.:/@-]{1,200}(?: (?:AS|as) [\w.-]{1,60})?\s{0,4}$"
            r"|/\.dockerenv|\broot@[0-9a-f]{12}:"
        ),
    ),
)

#: Words that ask an engine for the GPU (any engine): then the container was started with it.
_GPU_PASSED = re.compile(
    r"--gpus|--runtime[= ]nvidia|runtime: ?nvidia|NVIDIA_VISIBLE_DEVICES|nvidia\.com/gpu"
    r"|driver: ?nvidia|capabilities: ?\[ ?\"?gpu|(?:^|\s)--nv\b|nvidia-docker|/dev/nvidia"
)

_MAX_LINE = 2000

_FIXES = {
    "docker": "start the container with the GPU: `docker run --gpus all ...` (Compose: "
    "`runtime: nvidia`, or a `deploy.resources.reservations.devices` entry with `driver: "
    "nvidia` and `capabilities: [gpu]`)",
    "podman": "start the container with the GPU through CDI: `podman run --device "
    "nvidia.com/gpu=all ...` (after `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`)",
    "singularity": "add --nv: `singularity exec --nv IMAGE ...` (apptainer the same)",
    "kubernetes": "ask for the GPU in the pod spec (`resources: limits: nvidia.com/gpu: 1`), with "
    "the NVIDIA device plugin (or GPU Operator) on the cluster",
}
_FIX_TAIL = (
    ", with the NVIDIA Container Toolkit installed on the host; `nvidia-smi` inside the container "
    "must then list the GPU. If nvidia-smi fails on the host too, install the host's driver "
    "(the container never needs one of its own)"
)
_URLS = {
    "docker": "https://docs.docker.com/compose/how-tos/gpu-support/",
    "podman": "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/cdi-support.html",
    "singularity": "https://apptainer.org/docs/user/main/gpu.html",
    "kubernetes": "https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/",
}


@dataclass(frozen=True)
class ContainerProof:
    """The line that puts the paste in a container, the engine, and whether a GPU was passed."""

    line: int
    engine: str
    gpu_passed: bool


def container_proof(paste: Paste) -> ContainerProof | None:
    """The first line that proves the paste ran in a container, or None."""
    passed = False
    found: tuple[int, str] | None = None
    for number, raw in enumerate(paste.lines, 1):
        line = raw[:_MAX_LINE]
        passed = passed or _GPU_PASSED.search(line) is not None
        if found is None:
            engine = next((name for name, mark in _MARKS if mark.search(line)), None)
            found = (number, engine) if engine else None
    if found is None:
        return None
    return ContainerProof(line=found[0], engine=found[1], gpu_passed=passed)


def _reread(paste: Paste, f: Finding, proof: ContainerProof) -> Finding:
    also = tuple(dict.fromkeys(c for c in (f.category, *f.also) if c != Category.NO_DEVICE.value))
    return replace(
        f,
        category=Category.NO_DEVICE.value,
        also=also,
        status="fail",
        detail=f"{f.detail.split('; harmless here')[0]}; the paste runs in a {proof.engine} "
        f"container (line {proof.line}) started without the GPU: the driver lives on the host "
        "and reaches the container only when the GPU is passed to it",
        fix=_FIXES[proof.engine][:1].upper() + _FIXES[proof.engine][1:] + _FIX_TAIL,
        source=_URLS[proof.engine],
        quotes=quote_lines(paste, [proof.line, *(q.line for q in f.quotes)])[:MAX_QUOTES],
    )


def _alternative(f: Finding) -> Finding:
    """``f`` with no-device among its categories: the container may not have been given the GPU."""
    if Category.NO_DEVICE.value in f.also:
        return f
    return replace(f, also=(*f.also, Category.NO_DEVICE.value))


def container_without_gpu(paste: Paste, found: Sequence[Finding]) -> list[Finding]:
    """``found`` with a process's "no driver" inside a GPU-less container reread as no-device; where
    the paste only names a container (or passed the GPU to one), no-device is kept beside it."""
    if not any(f.id in _PROCESS_NO_DRIVER for f in found):
        return list(found)
    proof = container_proof(paste)
    reread = proof is not None and not proof.gpu_passed and not shows_driver(paste)
    named = proof is not None or container_line(paste) is not None
    out = []
    for f in found:
        if f.id in _PROCESS_NO_DRIVER and f.category == Category.NO_DRIVER.value:
            if reread and proof is not None:
                f = _reread(paste, f, proof)
            elif named:
                f = _alternative(f)
        out.append(f)
    return out
