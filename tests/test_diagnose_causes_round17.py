"""Issue 21, blind round 17 (21c, mixed pastes in the issue's proportions): the causes behind its
misses, fixed in general and tested on text written here (not the corpus cases), each with a
counterpart that must not fail:

* a known message the paste breaks across two lines (an issue's or a terminal's wrap, or the
  library's own line break inside a sentence, as torch's warnings in torch/cuda/__init__.py):
  found where it starts, matched in that line joined to the next, both lines quoted;
* NVIDIA Fabric Manager refusing a driver of another version (both of its wordings);
* a program's own start-up check that torch finds no GPU (AUTOMATIC1111's launch check and the
  trainers that copy it, heretic's accelerator report), where the paste shows the GPU."""

from __future__ import annotations

import pytest

from recommender.facts.reports.lines import Text, paste_lines
from recommender.facts.reports.signatures import load_signatures
from tests.pastes import run


def _fails(result) -> set[str]:
    return {f.category for f in result.findings if f.status == "fail"}


def _finding(result, category: str):
    return next(f for f in result.findings if f.category == category and f.status == "fail")


NVIDIA_SMI = """\
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 580.95.05              Driver Version: 580.95.05      CUDA Version: 13.0     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|=========================================+========================+======================|
|   0  NVIDIA GeForce RTX 4090        Off |   00000000:01:00.0 Off |                  Off |
|  0%   35C    P8             20W /  450W |       1MiB /  24564MiB |      0%      Default |
+-----------------------------------------+------------------------+----------------------+
"""


# --- a message broken across two lines --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # torch's warning broken after "on your" (an issue body wrapped at 80 columns)
        (
            "/venv/lib/python3.12/site-packages/torch/cuda/__init__.py:187: UserWarning: CUDA initialization: The NVIDIA driver on your\n"
            "system is too old (found version 12040). Please update your GPU driver\n",
            "driver-too-old",
        ),
        # ... broken inside the number's parenthesis, the rest indented by the log
        (
            "UserWarning: CUDA initialization: The NVIDIA driver on your system is too old (found version\n"
            "    11040). Please update your GPU driver by downloading and installing a new version\n",
            "driver-too-old",
        ),
        # the CUDA runtime's status string, broken by a terminal at its width
        (
            "RuntimeError: CUDA error: CUDA driver version is insufficient for\n"
            "CUDA runtime version\n",
            "driver-too-old",
        ),
        # NVML's, as nvidia-smi prints it, broken in a quoted reply
        (
            "nvidia-smi says: Failed to initialize NVML: Driver/library\nversion mismatch\n",
            "driver-mismatch",
        ),
        # torch's assertion, broken after "with"
        (
            '  File "train.py", line 10, in <module>\n'
            "AssertionError: Torch not compiled with\n"
            "  CUDA enabled\n",
            "cpu-wheel-on-gpu",
        ),
    ],
)
def test_a_message_broken_across_two_lines_is_found(text: str, category: str) -> None:
    result = run(text + "\n" + NVIDIA_SMI)
    assert category in _fails(result)
    # Both lines are quoted: the second holds what proves it (the driver's version, the word
    # that names the mismatch).
    quoted = {q.line for q in _finding(result, category).quotes}
    assert any(n + 1 in quoted for n in quoted)


def test_a_message_on_one_line_is_one_hit_quoting_one_line() -> None:
    text = (
        "UserWarning: CUDA initialization: The NVIDIA driver on your system is too old (found version 11040).\n"
        "Please update your GPU driver by downloading and installing a new version\n"
    )
    sig = next(s for s in load_signatures() if s.id == "torch-driver-too-old")
    hits = list(sig.find(Text(paste_lines(text))))
    assert [(h.line, h.wraps, h.lines) for h in hits] == [(1, False, (1,))]
    assert hits[0].groups["code"] == "11040"


def test_the_joined_hit_keeps_the_groups_of_the_next_line() -> None:
    text = "The NVIDIA driver on your system is too old (found version\n  12020). Please update\n"
    sig = next(s for s in load_signatures() if s.id == "torch-driver-too-old")
    (hit,) = sig.find(Text(paste_lines(text)))
    assert hit.wraps and hit.lines == (1, 2)
    assert hit.groups["code"] == "12020"
    assert (
        hit.text
        == "The NVIDIA driver on your system is too old (found version 12020). Please update"
    )


@pytest.mark.parametrize(
    "text",
    [
        # a blank line between is two paragraphs, not a broken message
        "The NVIDIA driver on your\n\nsystem is too old (found version 12040)\n",
        # the next line goes on with other words: no message
        "I read that the NVIDIA driver on your\nsystem is fine when nvidia-smi works\n",
        "Is the CUDA driver version insufficient for\nthis build? nvidia-smi says 12.4\n",
    ],
)
def test_lines_that_do_not_hold_a_broken_message_are_no_finding(text: str) -> None:
    result = run(text + NVIDIA_SMI)
    assert "driver-too-old" not in result.categories
    assert not result.failed


# --- Fabric Manager and the driver of another version -------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "nv-fabricmanager[3228]: fabric manager NVIDIA GPU driver interface version 530.30.02 don't match with driver version 530.41.03. Please update with matching NVIDIA driver package.",
        "Nov 05 13:55:26 node1 nv-fabricmanager[104230]: fabric manager NVIDIA GPU driver interface version 550.127.05 doesn't match with driver version 550.120. Please update with the matching NVIDIA driver package.",
        "`fabric manager NVIDIA GPU driver interface version 460.91.03 don't match with driver version 460.73.01.`",
    ],
)
def test_fabric_manager_of_another_version_is_a_driver_mismatch(line: str) -> None:
    result = run(line + "\n")
    assert "driver-mismatch" in _fails(result)
    assert any("fabric manager" in q.text for q in _finding(result, "driver-mismatch").quotes)


def test_a_fabric_manager_that_started_is_no_driver_mismatch() -> None:
    text = (
        "Feb 24 09:28:18 host systemd[1]: Starting NVIDIA fabric manager service...\n"
        "Feb 24 09:28:21 host nv-fabricmanager[1507]: Successfully configured all the available NVSwitches to route GPU NVLink traffic. NVLink Peer-to-Peer support will be enabled once the GPUs are successfully registered with the NVLink fabric.\n"
        "Feb 24 09:28:21 host systemd[1]: Started NVIDIA fabric manager service.\n"
    )
    result = run(text + NVIDIA_SMI)
    assert "driver-mismatch" not in result.categories


# --- a program's own check that torch finds no GPU ------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "RuntimeError: Torch is not able to use GPU; add --skip-torch-cuda-test to COMMANDLINE_ARGS variable to disable this check",
        "ERROR    Torch is not able to use GPU, please check your torch installation.",
        "No GPU or other accelerator detected. Operations will be slow.",
        "**No GPU or other accelerator detected.**",
    ],
)
def test_a_programs_no_gpu_check_next_to_a_listed_gpu_is_the_cpu_build(message: str) -> None:
    result = run(message + "\n\n$ nvidia-smi\n" + NVIDIA_SMI)
    assert "cpu-wheel-on-gpu" in _fails(result)


def test_the_same_check_without_a_gpu_in_the_paste_is_no_fail() -> None:
    result = run("No GPU or other accelerator detected. Operations will be slow.\n")
    assert "cpu-wheel-on-gpu" not in _fails(result)
    assert not result.failed


def test_a_driver_failure_in_the_same_paste_explains_the_check_instead() -> None:
    text = (
        "UserWarning: CUDA initialization: The NVIDIA driver on your system is too old (found version 11040).\n"
        "RuntimeError: Torch is not able to use GPU; add --skip-torch-cuda-test to COMMANDLINE_ARGS variable to disable this check\n"
        "$ nvidia-smi\n" + NVIDIA_SMI.replace("CUDA Version: 13.0", "CUDA Version: 11.4")
    )
    result = run(text)
    assert "driver-too-old" in _fails(result)
    assert "cpu-wheel-on-gpu" not in result.categories


def test_a_working_gpu_reported_by_the_program_is_no_finding() -> None:
    text = (
        "Detected 1 CUDA device(s) (24.00 GB total VRAM)\n* GPU 0: NVIDIA GeForce RTX 4090\n"
        + NVIDIA_SMI
    )
    result = run(text)
    assert "cpu-wheel-on-gpu" not in result.categories
    assert not result.failed
