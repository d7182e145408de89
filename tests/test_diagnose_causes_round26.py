"""Issue 21, blind round 26 (21h: whole issue bodies as users write them, and healthy pastes):
the causes its misses showed, fixed in general and tested on text written here (not the corpus
cases): a retyped session whose arrow a word processor or chat client made typographic
(``torch.__version__ → 2.9.1+cpu``) or written as an assignment (``torch.__version__ = "2.1.0"``);
WSL named without its version (WSL 1 has no GPU at all, so the WSL fail also names wsl1 and the
fix starts with ``wsl -l -v``); pip's resolver messages quoted in a sentence without their
requirement (a warning: the package is unsaid); an install command naming a PyTorch index that
has no builds (cu114). Each has a healthy or a stated counterpart that must not change."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import fact, run


def _fails(result) -> list[str]:
    return [f.category for f in result.findings if f.status == "fail"]


# --- a retyped session with a typographic arrow or an assignment --------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "torch.__version__ → 2.9.1+cpu",
        "torch.__version__ ⇒ 2.9.1+cpu",
        "- torch.__version__ → 2.9.1+cpu",
        'torch.__version__ = "2.9.1+cpu"',
        "torch.__version__ = '2.9.1+cpu'",
        "`torch.__version__` → `2.9.1+cpu`",
    ],
)
def test_a_retyped_version_with_an_arrow_or_assignment_is_read(line: str) -> None:
    result = run(
        "I installed torch but it only uses the CPU.\n\n"
        f"{line}\n"
        "torch.cuda.is_available() → False\n\n"
        "GPU: NVIDIA GeForce RTX 3080\nDriver Version: 573.44\n"
    )
    assert fact(result, "frameworks.pytorch.version") == "2.9.1+cpu"
    assert "cpu-wheel-on-gpu" in _fails(result)


def test_an_arrow_answer_to_the_availability_check_is_read() -> None:
    result = run("torch.cuda.is_available() → True\nGPU: NVIDIA GeForce RTX 4090\n")
    assert fact(result, "frameworks.pytorch.cuda_available") is True
    assert not result.failed


def test_a_sentence_retelling_the_check_with_an_arrow_is_read() -> None:
    result = run("On my RTX 4090 machine torch.cuda.is_available() ⇒ False every time.\n")
    assert fact(result, "frameworks.pytorch.cuda_available") is False


def test_a_cuda_build_retyped_with_an_arrow_stays_healthy() -> None:
    result = run(
        "torch.__version__ → 2.9.1+cu128\ntorch.cuda.is_available() → True\n"
        "GPU: NVIDIA GeForce RTX 3080\nDriver Version: 573.44\n"
    )
    assert fact(result, "frameworks.pytorch.version") == "2.9.1+cu128"
    assert not result.failed


def test_an_assignment_in_code_is_not_read_as_a_fact() -> None:
    # Only the expressions the session reader knows are read: ``device = ...`` is code.
    with pytest.raises(NothingFound):
        run("device = cuda\nmodel = model.to(device)\n")


# --- WSL named without its version ---------------------------------------------------------------

_NO_DRIVER = (
    "nvidia-smi says \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA "
    'driver. Make sure that the latest NVIDIA driver is installed and running."'
)


@pytest.mark.parametrize(
    "where",
    [
        "I tried to use WSL (windows 10 subsystem for linux) as my environment.",
        "I am running Ubuntu on Windows Subsystem for Linux.",
        "Everything is installed inside WSL.",
    ],
)
def test_wsl_without_its_version_names_wsl1_too(where: str) -> None:
    result = run(f"{where} {_NO_DRIVER}\n")
    fail = next(f for f in result.findings if f.status == "fail")
    assert fail.category == "wsl-issue"
    assert "wsl1" in fail.also
    assert "wsl -l -v" in (fail.fix or "")


@pytest.mark.parametrize(
    "where",
    [
        "I use WSL2 with Ubuntu 22.04.",
        "### WSL Version\n\n- [X] WSL 2\n- [ ] WSL 1\n\nInside WSL:",
    ],
)
def test_wsl2_stated_keeps_wsl2s_fix_alone(where: str) -> None:
    result = run(f"{where}\n{_NO_DRIVER}\n")
    fail = next(f for f in result.findings if f.status == "fail")
    assert fail.category == "wsl-issue"
    assert "wsl1" not in fail.also
    assert "wsl -l -v" not in (fail.fix or "")


def test_native_linux_nvidia_smi_failure_is_not_a_wsl_finding() -> None:
    result = run(f"Ubuntu 22.04 on a desktop. {_NO_DRIVER}\n")
    assert "wsl1" not in result.categories
    assert "wsl-issue" not in result.categories


# --- pip's resolver messages quoted without their requirement -------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "the setup script crashes with `No matching distribution found`.",
        'pip says "No matching distribution found" for the cu121 build',
        "It fails: No matching distribution found",
        "I get Could not find a version that satisfies the requirement.",
    ],
)
def test_a_quoted_resolver_message_is_a_no_matching_wheel_warning(line: str) -> None:
    result = run(f"On Windows 11 with an RTX 4060 Laptop GPU, {line}\n")
    found = [f for f in result.findings if f.category == "no-matching-wheel"]
    assert found and all(f.status == "warn" for f in found)


def test_the_full_resolver_message_stays_one_fail() -> None:
    result = run("ERROR: No matching distribution found for torch==2.6.0+cu121\n")
    found = [f for f in result.findings if f.category == "no-matching-wheel"]
    assert [f.status for f in found] == ["fail"]


def test_a_sentence_about_distributions_is_not_the_message() -> None:
    with pytest.raises(NothingFound):
        run("The matching distribution found on PyPI works fine for me.\n")


# --- an install command naming a PyTorch index without builds ------------------------------------


def test_an_extra_index_without_builds_warns_of_pypis_cpu_torch() -> None:
    result = run(
        "I have a GeForce GTX 1080 Ti, driver 472.84 and CUDA toolkit 11.4 on Windows. I ran:\n"
        "pip3 install torch torchvision torchaudio --extra-index-url "
        "https://download.pytorch.org/whl/cu114\n"
    )
    found = [f for f in result.findings if f.category == "cpu-wheel-on-gpu"]
    assert found and found[0].status == "warn"
    assert "cu113" in (found[0].fix or "")


def test_the_only_index_without_builds_warns_that_pip_finds_nothing() -> None:
    result = run("pip install torch --index-url https://download.pytorch.org/whl/cu114\n")
    assert "no-matching-wheel" in result.categories
    assert not result.failed


@pytest.mark.parametrize("tag", ["cu113", "cu118", "cu1140", "cu121"])
def test_an_index_pytorch_publishes_is_not_flagged(tag: str) -> None:
    result = run(
        f"pip3 install torch --extra-index-url https://download.pytorch.org/whl/{tag}\n"
        f"pip3 install torch --index-url https://download.pytorch.org/whl/{tag}\n"
        ">>> torch.cuda.is_available()\nTrue\n"
    )
    assert "cpu-wheel-on-gpu" not in result.categories
    assert "no-matching-wheel" not in result.categories


# --- a torch build whose wheel tag is retold apart from its version ------------------------------


@pytest.mark.parametrize(
    ("sentence", "version"),
    [
        ("I installed torch 2.1 with cu121", "2.1+cu121"),
        ("and then pytorch 2.1.0 (cu121) from the site", "2.1.0+cu121"),
        ("I have torch==2.1.0 for cu121 in the venv", "2.1.0+cu121"),
        ("installed torch 2.1.0 built with cu121", "2.1.0+cu121"),
        ("torch 2.1.0, cu121 is what pip gave me", "2.1.0+cu121"),
        ("torch 2.1.0 cu121 is what pip gave me", "2.1.0+cu121"),
    ],
)
def test_a_build_tag_retold_apart_from_the_version_is_read(sentence: str, version: str) -> None:
    result = run(
        f"I have an RTX 3060 with driver 470. {sentence}. torch.cuda.is_available() returns False\n"
    )
    assert fact(result, "frameworks.pytorch.version") == version
    assert "driver-too-old" in _fails(result)


def test_a_cpu_tag_retold_apart_is_a_cpu_build() -> None:
    result = run("pip gave me torch 2.4.0 cpu version although I have an RTX 4090\n")
    assert fact(result, "frameworks.pytorch.version") == "2.4.0+cpu"
    assert "cpu-wheel-on-gpu" in _fails(result)


def test_a_banner_naming_the_device_it_picked_is_not_a_cpu_build() -> None:
    # Ultralytics' banner names the device: "CPU" where CUDA failed to start, not the build.
    result = run(
        "Driver version 435.21\nYOLOv5 v4.0-14-gb75c432 torch 1.7.1 CPU\n"
        "UserWarning: CUDA initialization: The NVIDIA driver on your system is too old "
        "(found version 10010).\n"
    )
    assert fact(result, "frameworks.pytorch.build.flavour") is None
    assert "cpu-wheel-on-gpu" not in _fails(result)
    assert "driver-too-old" in _fails(result)


@pytest.mark.parametrize(
    "sentence",
    [
        # CUDA named as a release may be the toolkit beside torch, not the build: unread.
        "I have an RTX 3060 with driver 470 and torch 2.1 with CUDA 12.1 installed.",
        # what a library was built for is not what is installed
        "The extension was built for torch 2.1 with cu121, my RTX 3060 has driver 470.",
    ],
)
def test_a_release_or_a_requirement_is_not_read_as_the_build(sentence: str) -> None:
    result = run(f"{sentence} torch.cuda.is_available() returns False\n")
    assert fact(result, "frameworks.pytorch.build.cuda") is None
    assert "driver-too-old" not in _fails(result)
