"""The CUDA runtime's "driver version is insufficient" inside a container whose host driver is
new: most often the container does not see the host's driver at all.

The CUDA runtime answers cudaErrorInsufficientDriver (35) where the libcuda it loads is older
than itself, and also where it finds no usable libcuda: a container started without the GPU
(no ``--gpus``, NVIDIA_VISIBLE_DEVICES unset) has none of the host driver's libraries mounted
(a maintainer: "we need to mount the driver libraries from the host inside the container",
https://github.com/NVIDIA/nvidia-docker/issues/24; "fixed by running the container with
`--gpus all`", https://github.com/NVIDIA/nvidia-docker/issues/400). Where the paste shows a host
driver of CUDA 12 or newer and states no CUDA newer than that driver runs, a runtime of the
driver's own major release runs there (minor version compatibility), so the message is the
container's view, not the driver's age: a warning of the device not reaching the container,
with the old driver as the other cause left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import major_minor, stated_cuda
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

#: The runtime's own wording of the error (its message, its status name).
INSUFFICIENT = frozenset(
    {"signature:cuda-driver-insufficient", "signature:cuda-error-insufficient-driver"}
)
#: The first CUDA major whose runtimes run on any driver of that major (12.x on 525 and later;
#: CUDA 11's minor compatibility needs 450.80.02 and later, which 11.0's own drivers are not).
_FROM_MAJOR = 12
SOURCE = "https://github.com/NVIDIA/nvidia-docker/issues/400"
#: The finding's id: a failure the paste shows (the runtime could not start), its cause inferred.
KEY = "container:insufficient-driver"


def _new_driver(paste: Paste) -> bool:
    """The paste shows a driver of CUDA 12 or newer, and states no CUDA beyond its major."""
    top = paste.facts.get("driver.max_cuda")
    limit = major_minor(top.value) if top else None
    if limit is None or limit[0] < _FROM_MAJOR:
        return False
    return all(release[0] <= limit[0] for release in stated_cuda(paste))


def in_container(paste: Paste, found: Sequence[Finding], container: bool) -> list[Finding]:
    """``found`` with the runtime's insufficient-driver fail read as a container that does not
    see the host's driver, where the paste is from a container and shows a new driver."""
    if not container or not any(f.id in INSUFFICIENT for f in found) or not _new_driver(paste):
        return list(found)
    return [_reread(f) if f.id in INSUFFICIENT and f.status == "fail" else f for f in found]


def _reread(f: Finding) -> Finding:
    also = tuple(dict.fromkeys(c for c in (f.category, *f.also) if c != Category.NO_DEVICE.value))
    return replace(
        f,
        id=KEY,
        category=Category.NO_DEVICE.value,
        also=also,
        status="warn",
        title=(
            "In a container on a new driver, 'driver version is insufficient' most often means "
            "the container does not see the host's driver"
        ),
        detail=(
            f"{f.detail}; the host driver runs CUDA 12 and the paste states no newer CUDA, and a "
            "container started without the GPU has no driver library mounted, which the CUDA "
            "runtime reports in these words. A container image built for a CUDA newer than the "
            "driver remains possible"
        ),
        fix=(
            "Start the container with the GPU: docker run --gpus all (or the nvidia runtime with "
            "NVIDIA_VISIBLE_DEVICES=all, and the NVIDIA Container Toolkit on the host); nvidia-smi "
            "inside the container must list the GPU. If it does, the image's CUDA is newer than "
            "the driver: upgrade the driver or use an image for its CUDA"
        ),
        source=SOURCE,
    )
