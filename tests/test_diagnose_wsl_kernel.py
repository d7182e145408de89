"""A WSL kernel release stated anywhere in a paste tells WSL 1 from WSL 2 (issue 21).

WSL 1 reports a 4.4.0 kernel numbered with the Windows build and a capital "Microsoft"
(``4.4.0-19041-Microsoft``); WSL 2 runs a real kernel named ``-microsoft-standard`` (``-WSL2``
from 5.x on). People paste it through ``uname -r``, /proc/version or a DKMS error, not only
through collect_env's platform line; a WSL 1 release is the cause of "no GPU" there."""

from __future__ import annotations

import pytest

from tests.pastes import diagnosed

NO_DRIVER = (
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
    "Make sure that the latest NVIDIA driver is installed and running."
)


@pytest.mark.parametrize(
    "line",
    [
        "Error! Your kernel headers for kernel 4.4.0-19041-Microsoft cannot be found.",
        "$ uname -r\n4.4.0-18362-Microsoft",
        "Linux version 4.4.0-22621-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) ) #2215-Microsoft",
    ],
)
def test_a_wsl1_kernel_release_is_wsl1(line: str) -> None:
    result = diagnosed(f"{NO_DRIVER}\n{line}\n", "paste.txt")
    assert "wsl1" in result.categories
    wsl1 = next(f for f in result.findings if f.category == "wsl1")
    assert wsl1.status == "fail"
    assert any("Microsoft" in q.text for q in wsl1.quotes)


@pytest.mark.parametrize(
    "release",
    [
        "4.19.128-microsoft-standard",
        "5.15.153.1-microsoft-standard-WSL2",
        "6.6.36.3-microsoft-standard-WSL2",
    ],
)
def test_a_wsl2_kernel_release_is_not_wsl1(release: str) -> None:
    result = diagnosed(f"{NO_DRIVER}\n$ uname -r\n{release}\n", "paste.txt")
    assert "wsl1" not in result.categories
    assert "wsl-issue" in result.categories  # WSL 2 named: a no-driver message there is WSL's


@pytest.mark.parametrize(
    "line",
    [
        "$ uname -r\n5.15.0-91-generic",
        "I bought it from Microsoft in 2019-10 and it has 4.4.0 firmware",
        "kernel 4.4.0-19041-Microsoftish build",  # not a release: more letters follow
    ],
)
def test_other_kernels_and_words_say_nothing_about_wsl(line: str) -> None:
    result = diagnosed(f"{NO_DRIVER}\n{line}\n", "paste.txt")
    assert "wsl1" not in result.categories
