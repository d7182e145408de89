""" "CUDA driver version is insufficient for CUDA runtime version" next to a driver that runs that
runtime: the runtime found no usable driver, not an old one.

The CUDA runtime returns cudaErrorInsufficientDriver (35) whenever it cannot use a driver at all:
also where the user-space driver library (libcuda.so.1) is not there to load. A container started
without the GPU gets no libcuda, since the NVIDIA Container Toolkit mounts the host driver's
libraries into it only when it is started with the GPU (``--gpus``, the nvidia runtime,
``NVIDIA_VISIBLE_DEVICES``): a maintainer in https://github.com/NVIDIA/nvidia-docker/issues/24
("we need to mount the driver libraries from the host inside the container"; a 346 host driver,
enough for CUDA 7.0, answered 35 in a CUDA 7.0 container started with only the device nodes);
"--gpus all" fixed it in https://github.com/NVIDIA/nvidia-docker/issues/400. Under WSL 2 libcuda
is the Windows driver's, mounted at /usr/lib/wsl/lib: a recent Windows driver with the same
message there is a library path that misses it (a stub or a Linux driver's libcuda first, the
WSL directory not on the linker path; https://github.com/NVIDIA/nvidia-docker/issues/1437, a WSL
user-guide sample failing with code=35 on Windows driver 465.21).

Whether the shown driver runs the runtime: its newest CUDA (nvidia-smi's header, or its version
through the driver table), or NVIDIA's minor-version compatibility (any 11.x runtime from 450.80.02
on, 12.x from 525.60.13, 13.x from 580.65.06; a call needing a newer driver there answers error 36,
not 35: https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html).
Where the paste names no runtime, a driver that runs every major release is proof (a fail); one
that runs CUDA 12 but not 13 makes the missing GPU the likely cause (a warning naming both).
verified: 2026-12-06.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.checklist.install import version_of
from recommender.decide.diagnosis._paste import MAX_QUOTES, major_minor, quote_lines, stated_cuda
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.precedence import container_line
from recommender.facts.reports import Paste

#: The runtime's "insufficient driver" messages (signatures.yaml).
_INSUFFICIENT = frozenset(
    {"signature:cuda-driver-insufficient", "signature:cuda-error-insufficient-driver"}
)
#: The signatures of CUDA's driver status codes (as error names and numbers, and as deviceQuery
#: and Caffe print them), of which only 35 is the insufficient driver (222, 804 and
#: cudaErrorCallRequiresNewerDriver are a PTX or call that needs a newer driver).
_STATUS_CODES = frozenset(
    {"signature:cuda-status-driver-too-old", "signature:cuda-status-driver-too-old-printed"}
)
_CODE_35 = re.compile(
    r"insufficient.?driver|(?:error|failure)[: (]{0,2}35(?![0-9])|code=35\(|returned 35(?![0-9])"
    r"|\( ?35 vs",
    re.IGNORECASE,
)

#: The suffix of a reread finding's id.
UNSEEN = ":driver-unseen"

CONTAINER_URL = "https://github.com/NVIDIA/nvidia-docker/issues/24"
WSL_URL = "https://github.com/NVIDIA/nvidia-docker/issues/1437"

_CONTAINER_FIX = (
    "Pass the GPU into the container: `docker run --gpus all ...` (podman: `--device "
    "nvidia.com/gpu=all`; Kubernetes: a `nvidia.com/gpu` resource limit; Unraid: "
    "`--runtime=nvidia` in Extra Parameters with NVIDIA_VISIBLE_DEVICES set to the GPU's id), with "
    "the NVIDIA Container Toolkit installed on the host; `nvidia-smi` inside the container must "
    "list the GPU. The host driver needs no upgrade"
)
_WSL_FIX = (
    "Under WSL 2 libcuda is the Windows driver's (/usr/lib/wsl/lib): remove any Linux NVIDIA "
    "driver inside the distribution, make sure no CUDA stub library (cuda/lib64/stubs) or other "
    "libcuda.so comes first on LD_LIBRARY_PATH, and that `ldconfig -p | grep libcuda` lists "
    "/usr/lib/wsl/lib; then restart WSL (wsl --shutdown)"
)


def _runs(
    driver: str, max_cuda: str | None, release: tuple[int, int], floors: Mapping[str, Any]
) -> bool:
    """The driver runs CUDA ``release``: its own newest CUDA, or minor-version compatibility."""
    top = major_minor(max_cuda) if max_cuda else None
    if top is not None and top >= release:
        return True
    have, floor = version_of(driver), version_of(floors.get(str(release[0])))
    return have is not None and floor is not None and have >= floor


def _coverage(paste: Paste, lines: Sequence[int], tables: Mapping[str, Any]) -> str | None:
    """``fail`` where the shown driver runs the paste's CUDA runtime (or, none named, every major
    release), ``warn`` where it runs CUDA 12 (the runtime may be newer), else None."""
    driver = paste.facts.get("driver.version")
    if driver is None:
        return None
    top = paste.facts.get("driver.max_cuda")
    max_cuda = str(top.value) if top is not None else None
    floors = tables.get("cuda_minor_compat_min_driver") or {}
    runtimes = stated_cuda(paste, lines)
    if runtimes:
        ok = all(_runs(str(driver.value), max_cuda, r, floors) for r in runtimes)
        return "fail" if ok else None
    majors = sorted(int(m) for m in floors if is_digits(str(m)))
    if majors and _runs(str(driver.value), max_cuda, (majors[-1], 0), floors):
        return "fail"
    return "warn" if _runs(str(driver.value), max_cuda, (12, 0), floors) else None


def _reread(paste: Paste, f: Finding, status: str, *, wsl2: bool) -> Finding | None:
    driver = paste.facts["driver.version"]
    where = None if wsl2 else container_line(paste)
    if not wsl2 and where is None:
        return None
    to = Category.WSL_ISSUE.value if wsl2 else Category.NO_DEVICE.value
    said = f"driver {driver.value} (line {driver.line}) runs the CUDA runtime" + (
        " the paste names" if status == "fail" else " of CUDA 12 (a CUDA 13 runtime would not)"
    )
    setting = (
        "under WSL 2 the runtime did not load the Windows driver's libcuda (/usr/lib/wsl/lib)"
        if wsl2
        else "inside a container the runtime found no driver library: the container was started "
        "without the GPU, so the host driver's libcuda was not mounted into it"
    )
    quotes = {q.line: q for q in (*f.quotes, *quote_lines(paste, [driver.line, where or 0]))}
    also = tuple(dict.fromkeys(c for c in (f.category, *f.also) if c != to))
    return replace(
        f,
        id=f"{f.id}{UNSEEN}",
        category=to,
        also=also if status == "warn" else tuple(c for c in also if c != f.category),
        status=status,
        title="The CUDA runtime reached no driver, although the driver shown is new enough",
        detail=f"{f.detail}; but {said}: {setting}",
        fix=_WSL_FIX if wsl2 else _CONTAINER_FIX,
        quotes=tuple(quotes[n] for n in sorted(quotes) if n)[:MAX_QUOTES],
        source=WSL_URL if wsl2 else CONTAINER_URL,
    )


def _insufficient(f: Finding) -> bool:
    """The finding is the runtime's "insufficient driver" (error 35), on every line it quotes."""
    if f.id in _INSUFFICIENT:
        return True
    return f.id in _STATUS_CODES and all(_CODE_35.search(q.text) for q in f.quotes)


def driver_unseen(
    paste: Paste, found: Sequence[Finding], tables: Mapping[str, Any], *, wsl2: bool
) -> list[Finding]:
    """``found`` with each "insufficient driver" fail that the shown driver contradicts read in
    its setting (a container: no-device; WSL 2: wsl-issue); elsewhere it stays."""
    out = []
    for f in found:
        status = None
        if f.status == "fail" and _insufficient(f):
            status = _coverage(paste, [q.line for q in f.quotes], tables)
        reread = _reread(paste, f, status, wsl2=wsl2) if status else None
        out.append(reread or f)
    return out
