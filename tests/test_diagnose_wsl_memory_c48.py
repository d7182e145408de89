"""WSL and out of memory (issue 21, session 48, engineer Y).

(a) A report filed in WSL's own tracker (microsoft/WSL) comes from inside WSL, as a report filed in
a library's tracker is about that library: a GPU or driver worded as missing there is WSL's GPU path
(the Windows driver's libraries; WSL 1 has none), whether a known message or only the wording says
so. The same text filed elsewhere keeps its category.

Texts written for these rules, after NVIDIA's CUDA on WSL user guide
(https://docs.nvidia.com/cuda/wsl-user-guide/index.html)."""

from __future__ import annotations

from tests.pastes import categories

WSL = "wsl-issue"
WSL1 = "wsl1"
OOM = "out-of-memory"

NO_DRIVER_WORDED = (
    "Whatever I try, tensorflow says no graphic driver found, although the card is there\n"
)


# --- (a) the report filed in WSL's tracker ------------------------------------------------------


def test_no_driver_worded_in_wsls_tracker_is_wsls_gpu_path() -> None:
    found = categories(NO_DRIVER_WORDED, repository="microsoft/WSL")
    assert WSL in found
    assert WSL1 in found  # the version is unsaid: WSL 1 has no GPU at all


def test_no_driver_worded_elsewhere_stays_no_driver() -> None:
    found = categories(NO_DRIVER_WORDED, repository="tensorflow/tensorflow")
    assert WSL not in found
    assert "no-driver" in found


def test_known_no_driver_message_in_wsls_tracker_is_wsls_gpu_path() -> None:
    text = (
        "$ nvidia-smi\n"
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure "
        "that the latest NVIDIA driver is installed and running.\n"
    )
    assert WSL in categories(text, repository="microsoft/WSL")
    assert WSL not in categories(text, repository="pytorch/pytorch")


def test_wsl1_stated_in_wsls_tracker_is_not_taken_for_wsl2() -> None:
    text = "I'm using WSL 1 on Windows 10.\n" + NO_DRIVER_WORDED
    found = categories(text, repository="microsoft/WSL")
    assert WSL1 in found
    assert WSL not in found  # WSL 1 said: not WSL 2's driver path
