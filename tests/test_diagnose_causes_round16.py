"""Issue 21, blind round 16 (21c, forum questions whose facts are stated in prose): the causes its
misses showed, fixed in general and tested on text written here (not the corpus cases): the WSL
version a sentence says the user runs (read as stated-in-prose, weaker than a kernel release or a
message), torch's capability check in both of its wordings ("which is of cuda capability X.Y."
below the build's minimum) and GeForce cards typed in lower case ("gtx1060")."""

from __future__ import annotations

import pytest

from recommender.facts.reports.prose import read as read_prose
from recommender.facts.reports.prose import read_stated
from tests.pastes import REFERENCE
from tests.pastes import run as _run


def _stated(text: str) -> dict:
    return {
        f.path: f.value for b in read_stated(text.splitlines(), REFERENCE.hardware) for f in b.facts
    }


ERROR = "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx\n"


# --- the WSL version stated in a sentence ----------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "version"),
    [
        ("I'm using wsl 1 on windows 10.", 1),
        ("I am running WSL1 with Ubuntu 20.04", 1),
        ("This is on WSL-1 (Debian).", 1),
        ("installed under WSL 1 because my Windows is old", 1),
        ("I'm using WSL2 with Ubuntu 22.04", 2),
        ("running in wsl 2 on Windows 11", 2),
    ],
)
def test_a_sentence_stating_the_wsl_version_is_read(sentence: str, version: int) -> None:
    assert _stated(sentence)["os.wsl"] == version


@pytest.mark.parametrize(
    "sentence",
    [
        "- [ ] WSL 1",  # an unticked box of an issue template
        "I upgraded from WSL 1 to WSL 2 and now it works",
        "I was running WSL 1, updated to WSL2 and it is fine now",
        "I was running under WSL 1 but switched to the native install",
        "Does this work on WSL 1?",
        "It works on WSL 2 but not on WSL 1",
        "wsl --set-version Ubuntu 2 then run on WSL 2",
        "The WSL1 docs say nothing about it",
    ],
)
def test_a_sentence_that_does_not_say_what_runs_sets_no_wsl_version(sentence: str) -> None:
    assert "os.wsl" not in _stated(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "I'm using wsl 1 on windows 10.",
        "I am running WSL1 with Ubuntu 20.04",
        "This is on WSL-1 (Debian), nothing else changed.",
    ],
)
def test_wsl_1_stated_in_prose_fails_as_wsl1_and_says_so(sentence: str) -> None:
    result = _run(ERROR + sentence + "\n")
    assert "wsl1" in result.categories
    finding = next(f for f in result.findings if f.category == "wsl1")
    assert finding.status == "fail"
    assert "stated in prose" in finding.detail
    assert any(sentence in q.text for q in finding.quotes)


def test_wsl_2_stated_in_prose_is_no_wsl1_failure() -> None:
    result = _run(ERROR + "I'm using WSL2 with Ubuntu 22.04\n")
    assert "wsl1" not in result.categories


def test_a_wsl_2_kernel_release_beats_a_sentence_saying_wsl_1() -> None:
    text = (
        "I'm using wsl 1 on windows 10.\n$ uname -r\n5.15.133.1-microsoft-standard-WSL2\n" + ERROR
    )
    result = _run(text)
    assert "wsl1" not in result.categories


def test_a_wsl_library_path_beats_a_sentence_saying_wsl_1() -> None:
    text = "I'm using wsl 1 on windows 10.\nCould not load library /usr/lib/wsl/lib/libcuda.so.1\n"
    assert "wsl1" not in _run(text).categories


def test_a_wsl_1_kernel_release_still_fails_without_any_sentence() -> None:
    text = "$ uname -r\n4.4.0-19041-Microsoft\n" + ERROR
    assert "wsl1" in _run(text).categories


def test_a_question_about_wsl_1_on_a_healthy_machine_does_not_fail() -> None:
    text = (
        "Training works fine on my RTX 3090, thanks! Does this project also work on WSL 1?\n"
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x2 and 6x64)\n"
    )
    result = _run(text)
    assert "wsl1" not in result.categories
    assert not result.failed


# --- torch's capability check, both wordings ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # 2.7+: the range on the next line
        "UserWarning:\n    Found GPU0 NVIDIA GeForce GTX 1070 which is of cuda capability 6.1.\n"
        "    Minimum and Maximum cuda capability supported by this version of PyTorch is\n    (7.0) - (12.0)\n",
        # the same, joined on one line by a forum's formatting
        "Found GPU0 Tesla P100-PCIE-16GB which is of cuda capability 6.0. Minimum and Maximum cuda capability supported by this version of PyTorch is (7.0) - (12.0)\n",
        # up to 2.6, without the "too old" line pasted
        "Found GPU0 GeForce GTX 760 which is of cuda capability 3.0.\n",
        "(APIServer pid=1)     Found GPU1 Quadro M4000 which is of cuda capability 5.2.\n",
    ],
)
def test_torchs_capability_check_below_the_minimum_is_arch_unsupported(text: str) -> None:
    result = _run(text)
    assert "arch-unsupported" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "text",
    [
        # GB10 (12.1) above a 12.0 maximum: binary compatible, the warning is cosmetic
        "Found GPU0 NVIDIA GB10 which is of cuda capability 12.1.\n"
        "Minimum and Maximum cuda capability supported by this version of PyTorch is (8.0) - (12.0)\n",
        # the template itself, pasted from the source
        "Found GPU%d %s which is of cuda capability %d.%d.\n",
        # Tegra's wording is another signature's (a warning, not this fail)
        "Found GPU0 Orin which is of compute capability (CC) 8.7.\n",
    ],
)
def test_a_capability_line_that_is_not_below_a_minimum_is_not_this_fail(text: str) -> None:
    result = _run(text + "I have an RTX 3090 and torch.cuda.is_available() prints True\n")
    assert not any(f.id == "signature:torch-gpu-below-minimum" for f in result.findings)


# --- GeForce cards typed in lower case ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("on my gtx1060 it doesn't work", "GTX 1060"),
        ("I have an rtx 3090 and 64GB RAM", "RTX 3090"),
        ("gtx 1080 Ti here", "GTX 1080 Ti"),
    ],
)
def test_a_lower_case_geforce_name_is_read(line: str, name: str) -> None:
    names = [
        f.value
        for b in read_prose([line], REFERENCE.hardware)
        for f in b.facts
        if f.path.endswith(".name")
    ]
    assert names and name in names[0]


@pytest.mark.parametrize("line", ["rtx3090_config.yaml", "see gtx_1060 notes", "mygtx1060"])
def test_a_lower_case_family_inside_a_word_is_not_a_gpu(line: str) -> None:
    assert read_prose([line], REFERENCE.hardware) == []
