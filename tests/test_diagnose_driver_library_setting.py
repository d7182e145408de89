"""nvidia-smi runs but cannot load libnvidia-ml.so: which cause comes first follows the setting.

The message names the driver and the library path alike. On a host whose paste shows no driver at
work, the driver missing or half installed comes first (its own library is what is missing); in a
container, or next to a driver that answers, the library path (a stale linker cache) does. Texts
written here, not taken from the corpus."""

from __future__ import annotations

from pastes import fails, run

_MESSAGE = (
    "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. Please make sure that the "
    "NVIDIA Display Driver is properly installed and present in your system.\n"
    "Please also try adding directory that contains libnvidia-ml.so to your system PATH.\n"
)

HOST = (
    "After a reboot the GPU is gone on my workstation (Ubuntu 22.04):\n\n$ nvidia-smi\n" + _MESSAGE
)

CONTAINER = (
    "Inside the image it fails, on the host it works:\n\n"
    "$ docker run --rm --gpus all nvidia/cuda:12.2.0-base-ubuntu22.04 nvidia-smi\n" + _MESSAGE
)

DRIVER_SHOWN = (
    "As root it works:\n"
    "| NVIDIA-SMI 535.129.03             Driver Version: 535.129.03   CUDA Version: 12.2     |\n"
    "As my own user it does not:\n" + _MESSAGE
)


def _first(text: str) -> tuple[str, set[str]]:
    finding = next(f for f in run(text).findings if f.id == "signature:nvidia-smi-nvml-not-found")
    return finding.category, {finding.category, *finding.also}


def test_host_without_a_driver_shown_names_the_driver_first() -> None:
    first, named = _first(HOST)
    assert first == "no-driver"
    assert "missing-library" in named


def test_container_names_the_library_path_first() -> None:
    first, named = _first(CONTAINER)
    assert first == "missing-library"
    assert "no-driver" in named


def test_driver_at_work_names_the_library_path_first() -> None:
    first, _ = _first(DRIVER_SHOWN)
    assert first == "missing-library"


def test_a_driver_that_answers_stays_quiet() -> None:
    healthy = (
        "$ nvidia-smi\n"
        "| NVIDIA-SMI 535.129.03             Driver Version: 535.129.03   CUDA Version: 12.2     |\n"
    )
    assert not fails(healthy) & {"no-driver", "missing-library"}
