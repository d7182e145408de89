"""Session 46: a report carried by a launcher, a log collector or a page is read as its lines.

A collect_env or a Python session that torchrun (``[rank0]:``), a Ray or vLLM worker
(``(VllmWorker rank=0 pid=12)``), docker compose (``trainer-1  | ``), Kubernetes' container log
(``...Z stdout F ``), BuildKit (``#8 1.23 ``) or pytest (``E       ``) printed, or that a terminal
coloured, or that a page kept as HTML (``&gt;&gt;&gt;``), was read as prose: the line-start
readers never saw its labels or its prompts. Each shape is tested on text written here, with a
counterpart that stays as it is.
"""

from __future__ import annotations

import time

import pytest

from recommender.facts.reports.lines import paste_lines
from tests.pastes import fails, read

COLLECT_ENV = """PyTorch version: 2.1.0+cu121
Is debug build: False
CUDA used to build PyTorch: 12.1
OS: Ubuntu 22.04.3 LTS (x86_64)
Python version: 3.10.12
Is CUDA available: False
CUDA runtime version: 12.1.105
GPU models and configuration: GPU 0: NVIDIA GeForce RTX 3090
Nvidia driver version: 470.57.02
cuDNN version: Could not collect"""

SESSION = """>>> import torch
>>> torch.__version__
'2.1.0+cpu'
>>> torch.cuda.is_available()
False"""


def _each(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.split("\n"))


CARRIERS = {
    "torchrun": "[rank0]: ",
    "torchrun-tee": "[default0]:",
    "vllm-worker": "(VllmWorker rank=0 pid=4121) ",
    "ray-worker": "(RayWorkerWrapper pid=77, ip=10.0.0.2) ",
    "compose": "trainer-1  | ",
    "compose-v1": "trainer_1   | ",
    "kubernetes": "2024-01-02T10:11:12.123456789Z stdout F ",
    "buildkit": "#8 12.34 ",
    "pytest": "E       ",
    "colour": "\x1b[0;31m",
    "colour-bare": "[0;31m[0m",
}


def _formats(text: str) -> set[str]:
    result = read(text)
    return set() if result is None else set(result.formats)


@pytest.mark.parametrize("name", sorted(CARRIERS))
def test_a_carried_collect_env_is_read_as_one(name: str) -> None:
    carried = _each(COLLECT_ENV, CARRIERS[name])
    assert "torch-collect-env" in _formats(carried)
    assert "driver-too-old" in fails(carried)


@pytest.mark.parametrize("name", sorted(CARRIERS))
def test_a_carried_session_is_read_as_one(name: str) -> None:
    assert "python-session" in _formats(_each(SESSION, CARRIERS[name]))


def test_html_references_are_read_as_their_characters() -> None:
    page = SESSION.replace(">", "&gt;").replace("'", "&#39;")
    assert "python-session" in _formats(page)
    assert paste_lines("&lt;b&gt; &quot;x&quot; &amp; &#x27;y&#x27;") == ("<b> \"x\" & 'y'",)


def test_colour_codes_inside_a_line_are_dropped() -> None:
    line = "\x1b[1;31mRuntimeError\x1b[0m: CUDA error: no kernel image \x1b[K"
    assert paste_lines(line) == ("RuntimeError: CUDA error: no kernel image",)
    assert paste_lines("[0;31mValueError[0m: bad") == ("ValueError: bad",)


def test_lines_that_only_look_like_a_carrier_stay_as_they_are() -> None:
    quiet = (
        "E: Unable to locate package nvidia-driver-535",  # apt, not pytest
        "Error   | the table's first column",  # no number before the bar
        "[rank] is a word in brackets: fine",
        "(pid=12) before a message",  # no worker name
        "#8 is the build step",  # no elapsed time
        "see [1] and [2m] in the notes",  # not a colour code
        "AT&T; R&D; &unknown;",  # not a reference this reader knows
        "2024-01-02 10:11:12 INFO the program's own logger",  # kept: a reader may need it
        "| NVIDIA-SMI 535.54.03    Driver Version: 535.54.03    CUDA Version: 12.2     |",
    )
    assert paste_lines("\n".join(quiet)) == quiet


def test_a_healthy_carried_session_stays_quiet() -> None:
    healthy = """>>> import torch
>>> torch.__version__
'2.1.0+cu121'
>>> torch.cuda.is_available()
True
>>> torch.cuda.get_device_name(0)
'NVIDIA GeForce RTX 3090'"""
    carried = _each(healthy, "[rank0]: ")
    assert "python-session" in _formats(carried)
    assert not fails(carried)


def test_line_numbers_are_kept() -> None:
    text = "intro\n" + _each(COLLECT_ENV, "svc-1  | ")
    assert len(paste_lines(text)) == len(text.split("\n"))


@pytest.mark.parametrize(
    "near_miss",
    [
        "[rank" + "1" * 4000,
        "(Worker" + " a=1" * 1000 + " pid=",
        "svc" + "-" * 3000 + "1" + " " * 30 + "|",
        "2024-01-02T" + "1" * 4000,
        "E" + " " * 4000,
        "[0m[0" + ";0" * 2000 + "m",
        "&" * 4000,
        "\x1b]" + "a" * 4000,
        "\x1b[" + ";" * 4000,
    ],
)
def test_stripping_is_linear(near_miss: str) -> None:
    """Each near miss, 200 lines and 2000 lines: ten times the lines, about ten times the time."""

    def timed(count: int) -> float:
        text = "\n".join([near_miss] * count)
        start = time.perf_counter()
        paste_lines(text)
        return time.perf_counter() - start

    small = max(timed(200), 1e-4)
    assert timed(2000) / small < 40
