"""PaddlePaddle's CUDA against the driver's: Paddle's own start-up line, and the CUDA its
``paddlepaddle-gpu`` release was built for.

On its first GPU call Paddle logs ``device: 0, GPU Compute Capability: 7.5, Driver API Version:
10.1, Runtime API Version: 10.2`` (paddle/phi/backends/gpu/gpu_resources.cc): the driver's newest
CUDA beside the CUDA its build ships. A runtime of a later major release than the driver, or any
later runtime before CUDA 11 (no minor version compatibility then), cannot start there: Paddle
then finds no GPU ("Compiled with WITH_GPU, but no GPU found in runtime") or fails its first
kernel. Within one major release from CUDA 11 on, the runtime runs on the older driver (NVIDIA's
minor version compatibility), so nothing is said.

Without that line, the release says the build: a ``.postNNN`` suffix names its CUDA (``2.5.2.post117``
is CUDA 11.7, ``2.4.2.post112`` CUDA 11.2; Paddle 1.x put cuDNN's major last, ``1.8.4.post107``
being CUDA 10.0 with cuDNN 7, and is not read), and the plain ``paddlepaddle-gpu`` wheels of 2.3-2.5 on
PyPI are the CUDA 10.2 builds (Paddle's install commands for those releases; Paddle 2.6 dropped
CUDA 10.2). The driver's newest CUDA must come from the paste (nvidia-smi's header, a stated
driver); a release outside those the table knows says nothing.
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import major_minor, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

#: Paddle's start-up line (the same words since Paddle 1.x).
START_URL = (
    "https://github.com/PaddlePaddle/Paddle/blob/develop/paddle/phi/backends/gpu/gpu_resources.cc"
)
#: The plain paddlepaddle-gpu wheels of 2.4 on PyPI are CUDA 10.2's (the .postNNN wheels are on
#: Paddle's own index); Paddle's install pages of 2.3-2.5 give the same command for CUDA 10.2.
RELEASES_URL = "https://github.com/PaddlePaddle/Paddle/discussions/56329"

_START = re.compile(
    r"Driver API Version: (?P<driver>[0-9]{1,2}\.[0-9]{1,2}), "
    r"Runtime API Version: (?P<runtime>[0-9]{1,2}\.[0-9]{1,2})"
)
_POST = re.compile(r"\.post(?P<major>1[0-9])(?P<minor>[0-9])$")
#: Paddle 1.x named cuDNN's major last (1.8.4.post107: CUDA 10.0 with cuDNN 7): read 2.x on only.
_FROM_2 = re.compile(r"^[2-9]\.")
_PLAIN_102 = re.compile(r"^2\.[3-5]\.[0-9]{1,2}$")
#: The first CUDA major with minor version compatibility.
_MINOR_COMPAT_FROM = 11


def _too_old(driver: tuple[int, int], runtime: tuple[int, int]) -> bool:
    """A runtime this driver cannot start: a later major, or a later release before CUDA 11."""
    if runtime <= driver:
        return False
    return runtime[0] > driver[0] or runtime[0] < _MINOR_COMPAT_FROM


def _finding(paste: Paste, runtime: str, driver: str, lines: list[int], source: str) -> Finding:
    return Finding(
        id="paddle:runtime-past-driver",
        category=Category.DRIVER_TOO_OLD.value,
        status="fail",
        title="PaddlePaddle's CUDA is newer than the NVIDIA driver supports",
        detail=(
            f"this Paddle build ships the CUDA {runtime} runtime; the driver supports CUDA "
            f"{driver} at most, and a runtime of a later major release (or any later one before "
            "CUDA 11) does not start on it, so Paddle finds no GPU"
        ),
        fix=(
            f"Upgrade the NVIDIA driver to one for CUDA {runtime}, or install the paddlepaddle-gpu "
            f"build for CUDA {driver} or older (paddlepaddle.org.cn's install page lists the "
            ".postNNN builds of each CUDA)"
        ),
        quotes=quote_lines(paste, lines),
        source=source,
    )


def _started(paste: Paste) -> Finding | None:
    for number, line in enumerate(paste.lines, start=1):
        if "Runtime API Version" not in line:
            continue
        match = _START.search(line)
        driver = major_minor(match.group("driver")) if match else None
        runtime = major_minor(match.group("runtime")) if match else None
        if match and driver and runtime and _too_old(driver, runtime):
            return _finding(
                paste, match.group("runtime"), match.group("driver"), [number], START_URL
            )
    return None


def _release_cuda(version: str) -> str | None:
    """The CUDA a paddlepaddle-gpu release was built for, where its name or the table says."""
    post = _POST.search(version) if _FROM_2.match(version) else None
    if post is not None:
        return f"{post.group('major')}.{post.group('minor')}"
    return "10.2" if _PLAIN_102.match(version) else None


def _released(paste: Paste) -> Finding | None:
    package, top = paste.facts.get("package.paddlepaddle-gpu"), paste.facts.get("driver.max_cuda")
    if package is None or top is None:
        return None
    runtime = _release_cuda(str(package.value).strip())
    have, limit = major_minor(runtime or ""), major_minor(top.value)
    if runtime is None or have is None or limit is None or not _too_old(limit, have):
        return None
    return _finding(paste, runtime, str(top.value), [package.line, top.line], RELEASES_URL)


def paddle_driver_findings(paste: Paste) -> list[Finding]:
    """A fail where Paddle's CUDA runtime cannot start on the driver the paste shows."""
    found = _started(paste) or _released(paste)
    return [found] if found is not None else []
