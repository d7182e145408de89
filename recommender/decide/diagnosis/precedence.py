"""Precedence between findings: one cause, one fail (issue 21, "judge by what the text proves").

A paste often shows a cause and its consequences: a driver whose kernel module and libcuda differ
also makes cuInit answer CUDA_ERROR_NO_DEVICE; WSL 1 also makes nvidia-smi fail. Reported as two
fails, the consequence reads as a second problem to fix. Here:

- a finding is read in the setting the paste states: under WSL 2 a driver-side failure the
  message reader already tied to WSL is WSL's GPU path; in a container, nvidia-smi missing or
  unable to reach a driver is the container started without the GPU (the NVIDIA Container
  Toolkit injects nvidia-smi and the driver's libraries), not a driver to install;
- a fail that a root cause in the same paste explains becomes a note under that cause: its lines
  are quoted there and its category joins the cause's ``also``;
- a fail whose claim direct evidence in the paste contradicts (a kernel driver version next to
  "no kernel driver", a CUDA plugin of jax next to "a CUDA-enabled jaxlib is not installed")
  is a warning, not a fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import MAX_QUOTES, shows_driver, stated_in_prose
from recommender.decide.diagnosis.device_access import root_only
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.wsl import NO_GPU_UNDER_WSL
from recommender.facts.reports import Paste

#: Words that put the paste inside a container runtime (the command, the image, the tool; the
#: toolkit's variable that passes GPUs; Unraid, whose applications are Docker containers).
_CONTAINER = re.compile(
    r"\b(?:docker|nvidia-docker|podman|containerd|kubernetes|kubectl|singularity|apptainer|"
    r"enroot|container|unraid|k8s|nvidia_visible_devices)\b|/\.dockerenv",
    re.IGNORECASE,
)

#: nvidia-smi missing or unable to reach the driver: what a container started without the GPU
#: shows, since the driver's libraries and binaries (nvidia-smi among them) are mounted from the
#: host only when the container is started with the NVIDIA runtime / --gpus (a maintainer in
#: https://github.com/NVIDIA/nvidia-docker/issues/225; the toolkit's user guide,
#: https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/1.11.0/user-guide.html;
#: verified 2026-12-05).
_NVIDIA_SMI_ABSENT = frozenset({"signature:nvidia-smi-not-found", "signature:nvidia-smi-no-driver"})

#: nvidia-smi runs but cannot load the driver's own management library (libnvidia-ml.so.1, which
#: the driver installs beside it); the message names both causes ("make sure that the NVIDIA
#: Display Driver is properly installed", "try adding directory that contains libnvidia-ml.so to
#: your system PATH"). In a container, or where the paste shows the driver at work, the library
#: path is the cause (the toolkit mounts the host driver's libraries, and a stale linker cache
#: hides them: https://github.com/NVIDIA/libnvidia-container/issues/67); on a host that shows no
#: driver, the driver missing or half installed comes first (a maintainer, "points rather heavily
#: to a driver install": https://github.com/NVIDIA/nvidia-docker/issues/876; both verified
#: 2026-12-06).
_DRIVER_LIBRARY_UNFOUND = frozenset({"signature:nvidia-smi-nvml-not-found"})

#: A process's own "no driver" (torch asks the CUDA runtime for the driver's version and gets 0:
#: libcuda could not be loaded in that process; c10/cuda/CUDAFunctions.cpp). Where the paste's
#: tool output shows the driver at work (nvidia-smi's header, the kernel module's version), the
#: driver is installed: the process is the one that sees no GPU, most often a container started
#: without --gpus, whose libcuda the NVIDIA Container Toolkit did not mount ("you don't need to
#: install nvidia driver in container, containers use driver in host ... run docker with --gpus
#: all": https://github.com/traveller59/spconv/issues/185; verified 2026-12-07).
_PROCESS_NO_DRIVER = frozenset({"signature:torch-no-nvidia-driver"})

#: Tool output that shows the driver at work (not a sentence naming a version).
_RUNNING_DRIVER = ("driver.kernel", "driver.max_cuda", "driver.library")


def container_line(paste: Paste) -> int | None:
    """The first line that puts the paste inside a container, or None."""
    fact = paste.facts.get("os.container")
    if fact is not None:
        return fact.line
    return next((n for n, line in enumerate(paste.lines, 1) if _CONTAINER.search(line)), None)


def _in_container(paste: Paste) -> bool:
    return container_line(paste) is not None


def _driver_running(paste: Paste) -> bool:
    """Tool output in the paste shows the NVIDIA driver at work (a version in a sentence, and what
    is derived from it on the same line, does not)."""
    stated = {f.line for f in paste.facts.values() if stated_in_prose(paste, f)}
    facts = [paste.facts.get(path) for path in _RUNNING_DRIVER]
    return any(f is not None and f.line not in stated for f in facts)


def _flip(f: Finding, to: str) -> Finding:
    """``f`` with ``to`` as its category and its old one among ``also``."""
    also = tuple(dict.fromkeys(c for c in (f.category, *f.also) if c != to))
    return replace(f, category=to, also=also)


def _setting(paste: Paste, found: Sequence[Finding], wsl2: bool) -> list[Finding]:
    container = _in_container(paste)
    out = []
    for f in found:
        if f.status == "fail" and wsl2 and Category.WSL_ISSUE.value in f.also:
            f = _flip(f, Category.WSL_ISSUE.value)
        elif f.status == "fail" and wsl2 and f.category in NO_GPU_UNDER_WSL:
            # A checklist's "no driver / no GPU visible" under WSL 2: there is no Linux driver to
            # install there, the GPU comes through the Windows driver (issue 21, session 46).
            f = _flip(f, Category.WSL_ISSUE.value)
        elif (
            f.status == "fail"
            and container
            and f.id in _NVIDIA_SMI_ABSENT
            and f.category == Category.NO_DRIVER.value
            and Category.NO_DEVICE.value in f.also
        ):
            f = _flip(f, Category.NO_DEVICE.value)
        elif (
            f.status == "fail"
            and f.id in _PROCESS_NO_DRIVER
            and f.category == Category.NO_DRIVER.value
            and _driver_running(paste)
        ):
            f = replace(
                _flip(f, Category.NO_DEVICE.value),
                detail=f"{f.detail}; the paste shows the driver at work, so this process is the "
                "one that sees no GPU (a container started without --gpus)",
            )
        elif (
            f.status == "fail"
            and f.id in _DRIVER_LIBRARY_UNFOUND
            and f.category == Category.MISSING_LIBRARY.value
            and Category.NO_DRIVER.value in f.also
            and not (container or wsl2 or shows_driver(paste))
        ):
            f = _flip(f, Category.NO_DRIVER.value)
        out.append(f)
    return out


def _cuda_stack_mismatch(f: Finding) -> bool:
    """A version mismatch between the build and the CUDA/cuDNN libraries it loads (not torch's
    companions): a library of the other version cannot be found because of it."""
    return f.id.startswith("build:")


#: A root cause -> the categories of the fails it explains, and whether a warning of it may be
#: the root (promoted to the fail).
_ROOTS: Mapping[str, tuple[frozenset[str], Callable[[Finding], bool]]] = {
    # kernel module and libcuda of two versions: cuInit fails, no device, nvidia-smi fails
    Category.DRIVER_MISMATCH.value: (
        frozenset({Category.NO_DEVICE.value, Category.NO_DRIVER.value}),
        lambda f: False,
    ),
    # WSL 1 has no GPU at all: every driver/device/libcuda failure follows
    Category.WSL1.value: (
        frozenset(
            {Category.NO_DEVICE.value, Category.NO_DRIVER.value, Category.MISSING_LIBRARY.value}
        ),
        lambda f: False,
    ),
    Category.WSL_ISSUE.value: (
        frozenset(
            {Category.NO_DEVICE.value, Category.NO_DRIVER.value, Category.MISSING_LIBRARY.value}
        ),
        lambda f: False,
    ),
    # no driver: no process can see a GPU (and the CUDA runtime words a driver it cannot load as
    # an insufficient one, cudaErrorInsufficientDriver)
    Category.NO_DRIVER.value: (
        frozenset({Category.NO_DEVICE.value, Category.DRIVER_TOO_OLD.value}),
        lambda f: False,
    ),
    # a TPU host: jax's CUDA backend finding no GPU is its probe, not a missing GPU
    Category.TPU_ISSUE.value: (frozenset({Category.NO_DEVICE.value}), lambda f: False),
    # TensorFlow built for another CUDA/cuDNN: the libraries it asks for are not there
    Category.VERSION_MISMATCH.value: (
        frozenset({Category.MISSING_LIBRARY.value}),
        _cuda_stack_mismatch,
    ),
}


def _fold(root: Finding, symptoms: Sequence[Finding]) -> Finding:
    quotes = {q.line: q for f in (root, *symptoms) for q in f.quotes}
    also = (*root.also, *(c for s in symptoms for c in (s.category, *s.also)))
    names = ", ".join(s.title for s in symptoms)
    return replace(
        root,
        status="fail",
        also=tuple(dict.fromkeys(c for c in also if c != root.category)),
        detail=f"{root.detail}; it also explains: {names}",
        quotes=tuple(quotes[n] for n in sorted(quotes))[:MAX_QUOTES],
    )


def _symptoms(found: Sequence[Finding]) -> list[Finding]:
    """Fold each fail a root cause in the paste explains into that root (and each fail that names
    the root's category among its own readings: libcuda missing where no driver shows is the
    missing driver). A root is a fail, or a
    warning whose condition allows it (TensorFlow's tested-library mismatch): the failing line
    it explains is its consequence, so it becomes the fail."""
    out = list(found)
    for category, (explained, promotable) in _ROOTS.items():
        roots = [
            f
            for f in out
            if f.category == category
            and (f.status == "fail" or (f.status == "warn" and promotable(f)))
        ]
        symptoms = [
            f
            for f in out
            if f.status == "fail"
            and f not in roots
            and (f.category in explained or category in f.also)
        ]
        if not roots or not symptoms:
            continue
        root = next((f for f in roots if f.status == "fail"), roots[0])
        out = [_fold(root, symptoms) if f is root else f for f in out if f not in symptoms]
    return out


#: Direct evidence that a CUDA plugin of jax is installed (its module, its package, its
#: initialisation, a traceback frame in its jax_plugins/xla_cuda12 directory): the plugin is
#: there, so "a CUDA-enabled jaxlib is not installed" is only jax's fallback wording after the
#: plugin failed to start
#: (https://github.com/jax-ml/jax/blob/main/jax/_src/xla_bridge.py).
_JAX_CUDA_PLUGIN = re.compile(
    r"jax_plugins[./\\]xla_cuda|jax[-_]cuda\d+[-_](?:plugin|pjrt)|xla_cuda\d+\.initialize",
    re.IGNORECASE,
)


#: The GPU reachable as root only (device_access.py): torch's "True" is its own evidence.
_ROOT_ONLY = "host:gpu-root-only"

#: Fails that say no process can reach a GPU: torch's own "CUDA is available" contradicts them.
_GPU_UNREACHABLE = frozenset({Category.NO_DRIVER.value, Category.NO_DEVICE.value})


def _contradicted(paste: Paste, f: Finding) -> str | None:
    """Why the paste's direct evidence contradicts a fail, or None."""
    if f.id == "signature:jaxlib-not-cuda" and any(_JAX_CUDA_PLUGIN.search(x) for x in paste.lines):
        return "the paste shows jax's CUDA plugin installed; its failure to start is the cause"
    if (
        f.category == Category.NO_DRIVER.value
        and f.id == "signature:xla-no-kernel-driver"
        and "driver.kernel" in paste.facts
    ):
        kernel = paste.facts["driver.kernel"]
        return f"the kernel driver {kernel.value} is loaded (line {kernel.line})"
    if f.category == Category.CPU_WHEEL_ON_GPU.value and root_only(paste) is not None:
        return (
            "the same check answers True when run as root: a GPU build whose device files this "
            "user may not open"
        )
    if f.category in _GPU_UNREACHABLE and not f.id.startswith(("conflict", _ROOT_ONLY)):
        seen = paste.facts.get("frameworks.pytorch.cuda_available")
        if seen is not None and seen.value is True:
            return (
                f"torch answers that CUDA is available (line {seen.line}): the driver and a GPU "
                "work there, so the message came from another process, another environment or "
                "a passing failure"
            )
    return None


def _direct_evidence(paste: Paste, found: Sequence[Finding]) -> list[Finding]:
    out = []
    for f in found:
        why = _contradicted(paste, f) if f.status == "fail" else None
        out.append(
            replace(f, status="warn", detail=f"{f.detail}; not a fail here: {why}") if why else f
        )
    return out


def precedence(paste: Paste, found: Sequence[Finding], *, wsl2: bool) -> list[Finding]:
    """``found`` with the setting applied, contradicted fails demoted and symptoms folded."""
    return _symptoms(_direct_evidence(paste, _setting(paste, found, wsl2)))
