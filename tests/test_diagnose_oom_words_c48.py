"""Every wording of a process killed for memory (issue 21, session 48, engineer Y2).

A process the kernel's OOM killer stops gets SIGKILL (mm/oom_kill.c); each tool words that signal
in its own way: an exit code 137 (128 + 9, Docker's "exit status" docs), a return code -9
(Python's subprocess), "signal 9", "Killed: 9" (macOS's shell), a quoted "Killed". Allocation
failures have their own words: C++'s std::bad_alloc, ENOMEM's "[Errno 12]", Windows' error 1455
(the paging file is too small) and STATUS_NO_MEMORY (0xC0000017). Each is a warning of the
out-of-memory family, read only where nothing else names a cause. Texts written for these rules;
each has a neighbour that must stay quiet (another exit code, "killed" in other prose)."""

from __future__ import annotations

import pytest

from tests.pastes import categories, diagnosed, statuses

OOM = "out-of-memory"

KILLED_WORDINGS = (
    "Training stops after epoch 2 with error code -9\n",
    "The job dies, the log only says: Error code 137\n",
    "Pod terminated. Exit Code: 137\n",
    "Process finished with exit code 137 (interrupted by signal 9: SIGKILL)\n",
    "CalledProcessError: Command '['python', 'train.py']' died, returncode=-9\n",
    "worker exited with code -9\n",
    "DataLoader worker (pid 4242) is killed by signal 9\n",
    "The trainer received SIGKILL while loading the checkpoint\n",
    'Loading the 70B model I always get a "Killed" error\n',
    "zsh: Killed: 9  python convert.py\n",
    "[12345.678] oom_reaper: reaped process 4242 (python), now anon-rss:0kB\n",
)

ALLOC_WORDINGS = (
    "terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\n",
    "OSError: [Errno 12] Impossible d'allouer de la memoire\n",
    "Error: The paging file is too small (os error 1455)\n",
    "OSError: [WinError 1455] Le fichier de pagination est insuffisant\n",
    "Process finished with exit code -1073741801 (0xC0000017)\n",
)

QUIET = (
    "The script fails with exit code 1\n",
    "Process finished with exit code 1370\n",
    "I killed the old server by hand, restarted it and the job runs fine now\n",
    "error code -90 from the camera driver\n",
    "Process finished with exit code -1073741819 (0xC0000005)\n",  # access violation
    "signal 90 arrived\n",
)


@pytest.mark.parametrize("text", KILLED_WORDINGS + ALLOC_WORDINGS)
def test_each_wording_is_an_out_of_memory_warning(text: str) -> None:
    assert OOM in categories(text)
    result = diagnosed(text)
    assert statuses(result, OOM) == {"warn"}


@pytest.mark.parametrize("text", QUIET)
def test_other_codes_and_prose_stay_quiet(text: str) -> None:
    assert OOM not in categories(text)


# --- nvidia-smi: a nearly full GPU in the table shapes pastes take ------------------------------

SMI_HEAD = (
    "+---------------------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    "|=========================================+======================+======================|\n"
)


def _smi(name: str, used: int, *, gap: str = "") -> str:
    return (
        SMI_HEAD
        + f"|   0  {name:<30}Off | 00000000:01:00.0 Off |                  N/A |\n"
        + gap
        + f"| 30%   45C    P2             120W / 350W |  {used:5d}MiB / 24576MiB |"
        + "     35%      Default |\n"
        + "+-----------------------------------------+----------------------+----------------------+\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        _smi("NVIDIA GeForce RTX 3090", 23800, gap="\n"),  # double-spaced paste
        _smi("Graphics Device", 23800),  # a GPU newer than the driver's name table
        _smi("A2", 23800),  # named bare by drivers before R510
    ],
)
def test_a_nearly_full_gpu_is_read_in_each_table_shape(text: str) -> None:
    result = diagnosed("CUDA out of memory on the second run, nvidia-smi:\n" + text)
    assert "memory:gpu-full" in {f.id for f in result.findings}


@pytest.mark.parametrize(
    "text",
    [_smi("NVIDIA GeForce RTX 3090", 12000, gap="\n"), _smi("Graphics Device", 12000)],
)
def test_a_half_full_gpu_stays_quiet(text: str) -> None:
    result = diagnosed(text)
    assert "memory:gpu-full" not in {f.id for f in result.findings}
    assert OOM not in categories(text)


PROCESSES = (
    "+---------------------------------------------------------------------------------------+\n"
    "| Processes:                                                                            |\n"
    "|  GPU   GI   CI        PID   Type   Process name                            GPU Memory |\n"
    "|=======================================================================================|\n"
    "|    0   N/A  N/A      1234      C   python train.py                           23790MiB |\n"
    "|    0   N/A  N/A      5678      G   /usr/lib/xorg/Xorg                            8MiB |\n"
    "+---------------------------------------------------------------------------------------+\n"
)


def test_the_full_gpus_warning_names_the_processes_holding_it() -> None:
    result = diagnosed(
        "CUDA out of memory again\n" + _smi("NVIDIA GeForce RTX 3090", 23800) + PROCESSES
    )
    full = next(f for f in result.findings if f.id == "memory:gpu-full")
    assert full.status == "warn"
    assert "python train.py (23790 MiB) (PID 1234)" in full.detail
    assert "PID 5678" in full.detail


def test_processes_on_a_half_full_gpu_stay_quiet() -> None:
    result = diagnosed(_smi("NVIDIA GeForce RTX 3090", 12000) + PROCESSES)
    assert "memory:gpu-full" not in {f.id for f in result.findings}
