"""A "built without CUDA" message on a machine CUDA builds never run on (an Intel GPU machine, an
Apple silicon Mac, no NVIDIA driver or device shown) is code asking for CUDA, not a wrong build:
a warning, never a failure. The same message next to an NVIDIA or AMD GPU stays a failure. Texts
written here, not corpus cases."""

from __future__ import annotations

import pytest

from tests.pastes import fails, run, status

_XPU_REPORT = (
    "Is CUDA available: False\n"
    "CUDA runtime version: No CUDA\n"
    "GPU models and configuration: No CUDA\n"
    "Nvidia driver version: No CUDA\n"
    "Is XPU available: True\n"
    "XPU used to build PyTorch: 20250101\n"
    "Intel GPU models onboard:\n"
    "* Intel(R) Arc(TM) A770 Graphics\n"
    "Intel GPU models detected:\n"
    "* [0] _XpuDeviceProperties(name='Intel(R) Arc(TM) A770 Graphics', platform_name='Intel(R) "
    "Level-Zero', type='gpu', driver_version='1.3.29735', total_memory=15930MB)\n"
)
_NOT_COMPILED = "AssertionError: Torch not compiled with CUDA enabled\n"


def test_torch_asked_for_cuda_on_an_intel_gpu_machine_is_a_warning() -> None:
    text = "Running the CUDA tests of my package:\n" + _NOT_COMPILED + _XPU_REPORT
    result = run(text)
    assert "cpu-wheel-on-gpu" not in fails(text)
    assert status(result, "cpu-wheel-on-gpu") == "warn"
    assert any("never use" in f.title or "never use" in f.detail for f in result.findings)


@pytest.mark.parametrize(
    "machine",
    [
        "I am on a MacBook Air M2.\n",
        "Hardware: Mac mini (M4), macOS 15.1\n",
        "This is an Apple M3 Max laptop\n",
    ],
)
@pytest.mark.parametrize(
    "message",
    [
        "ValueError: This CTranslate2 package was not compiled with CUDA support\n",
        _NOT_COMPILED,
    ],
)
def test_a_cuda_less_build_on_an_apple_silicon_mac_is_no_failure(
    machine: str, message: str
) -> None:
    text = machine + "When I start the app:\n" + message
    assert not fails(text) & {"cpu-wheel-on-gpu", "library-kernels-unsupported"}


@pytest.mark.parametrize(
    "machine",
    [
        "GPU 0: NVIDIA GeForce RTX 3060 (UUID: GPU-1c2d3e4f-0000-1111-2222-333344445555)\n",
        "| NVIDIA-SMI 550.54.14    Driver Version: 550.54.14    CUDA Version: 12.4 |\n",
    ],
)
def test_the_same_message_next_to_an_nvidia_gpu_stays_a_failure(machine: str) -> None:
    assert "cpu-wheel-on-gpu" in fails(machine + _NOT_COMPILED)
    ctranslate = "ValueError: This CTranslate2 package was not compiled with CUDA support\n"
    assert "library-kernels-unsupported" in fails(machine + ctranslate)


def test_an_nvidia_gpu_on_a_mac_named_in_prose_still_fails() -> None:
    # an eGPU-era MacBook Pro with an NVIDIA driver shown: the Mac words do not excuse it
    text = (
        "My old MacBook Pro (M1 is my other machine) runs Linux now.\n"
        "| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4 |\n"
        + _NOT_COMPILED
    )
    assert "cpu-wheel-on-gpu" in fails(text)
