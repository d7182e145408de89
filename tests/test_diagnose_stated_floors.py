"""A minimum the paste states (driver, CUDA, cuDNN, compute capability, Python, glibc) against what
the same paste shows (issue 21, session 43, part B). Every text here is written for the test, in
several phrasings, each with a counterpart that meets the minimum and stays quiet."""

from __future__ import annotations

import pytest

from recommender.facts.reports.requirements import stated_requirements
from tests.pastes import categories, fails, read, signature_ids

SMI_470 = "| NVIDIA-SMI 470.57.02    Driver Version: 470.57.02    CUDA Version: 11.4     |"
SMI_535 = "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |"
HF_ENV = (
    "- `transformers` version: 4.30.0\n- Platform: Linux-5.15.0-x86_64-with-glibc2.31\n"
    "- Python version: {py}\n- PyTorch version (GPU?): 2.0.1+cu117 (True)\n"
)


def _read(line: str) -> list[tuple[str, str]]:
    return [(r.subject, r.version) for r in stated_requirements([line])]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("This release requires CUDA>=11.8 and cuDNN>=8.6.", [("cuda", "11.8"), ("cudnn", "8.6")]),
        ("It needs NVIDIA driver 470.82.01.", [("driver", "470.82.01")]),
        ("Minimum driver version: 525.60.13", [("driver", "525.60.13")]),
        ("GPU #0: FATAL: the 'x' kernel requires 5.0 capability!", [("capability", "5.0")]),
        ("Kernels need compute capability 8.0 or higher", [("capability", "8.0")]),
        ("the wheels support only sm_70 and above", [("capability", "7.0")]),
        ("requires cuda capability sm_50", [("capability", "5.0")]),
        ("ERROR: this package requires Python >= 3.9", [("python", "3.9")]),
        ("the binary needs glibc 2.28", [("glibc", "2.28")]),
        ("官方说明需要 CUDA 12.1 以上", [("cuda", "12.1")]),
        ("这个库要求计算能力 7.0 以上", [("capability", "7.0")]),
    ],
)
def test_minimums_in_their_wordings_are_read(line: str, expected: list[tuple[str, str]]) -> None:
    assert _read(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "I have CUDA 11.8 and driver 520.61.05",  # the writer's own
        "needs a fix, my driver is 470.57.02",  # own words between the need and the version
        "It should not require cuda>=12.4.",  # denied
        "Does it require CUDA 12.1?",  # a question
        "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cuda:1!",
        "ERROR: No matching distribution found for jaxlib==0.4.25+cuda12.cudnn89 (required)",
        "undefined symbol (required by /envs/x/lib/python3.7/site-packages/torch/_C.so)",
        "my driver only supports CUDA 12.2",  # a ceiling, not a floor
        "The current PyTorch install supports CUDA capabilities sm_50 sm_60 sm_70 sm_75 sm_80.",
    ],
)
def test_versions_that_are_no_minimum_are_not_read(line: str) -> None:
    assert _read(line) == []


def test_a_gpu_below_a_stated_capability_is_arch_unsupported() -> None:
    text = "Ran on a T4 fine.\n[12:01:02] GPU #0: FATAL: the 'k' kernel requires 5.0 capability!\nNow on a Tesla K80.\n"
    result = read(text)
    assert result is not None
    found = [f for f in result.findings if f.id == "requirement:capability-stated"]
    assert found and found[0].status == "warn" and found[0].category == "arch-unsupported"
    assert "K80 is 3.7" in found[0].detail
    assert "healthy" not in result.categories and not fails(text)


def test_a_gpu_listed_by_nvidia_smi_below_a_sentence_s_minimum() -> None:
    text = (
        "Flash kernels need a GPU with compute capability 8.0 or higher.\n" + SMI_535 + "\n"
        "|   0  Tesla V100-SXM2-16GB  On   | 00000000:00:1E.0 Off |                    0 |\n"
    )
    assert "arch-unsupported" in categories(text)
    ok = text.replace("Tesla V100-SXM2-16GB", "NVIDIA A100-SXM4-40GB")
    assert "arch-unsupported" not in categories(
        ok
    ) and "requirement:capability-stated" not in signature_ids(ok)


@pytest.mark.parametrize(
    "sentence",
    [
        "The README says it needs NVIDIA driver 470.82.01 or newer.",
        "Minimum driver version: 525.60.13",
        "要求驱动版本 >= 525",
    ],
)
def test_a_driver_below_a_stated_driver_floor(sentence: str) -> None:
    text = (
        sentence + "\n" + SMI_470.replace("470.57.02", "460.32.03").replace("11.4", "11.2") + "\n"
    )
    assert "requirement:driver-stated" in signature_ids(text)
    assert "driver-too-old" in categories(text) and not fails(text)
    ok = sentence + "\n" + SMI_535 + "\n"
    assert "requirement:driver-stated" not in signature_ids(ok)


@pytest.mark.parametrize(
    "sentence",
    [
        "This release requires CUDA>=11.8 and cuDNN>=8.6.",
        "官方说明需要 CUDA 12.1 以上，我的环境如下",
        "CUDA 12.1 or later is required",
    ],
)
def test_a_driver_whose_cuda_ceiling_is_below_a_stated_cuda(sentence: str) -> None:
    text = sentence + "\n" + SMI_470 + "\n"
    assert "requirement:cuda-stated" in signature_ids(text)
    assert "driver-too-old" in categories(text)
    assert "requirement:cuda-stated" not in signature_ids(sentence + "\n" + SMI_535 + "\n")


def test_nvcc_below_a_stated_cuda_is_a_version_mismatch() -> None:
    nvcc = "nvcc: NVIDIA (R) Cuda compiler driver\nCuda compilation tools, release {v}, V{v}.99\n"
    text = "Building this extension requires CUDA 11.8 or later.\n" + nvcc.format(v="11.7")
    assert "requirement:nvcc-stated" in signature_ids(text)
    assert "version-mismatch" in categories(text)
    ok = "Building this extension requires CUDA 11.8 or later.\n" + nvcc.format(v="12.1")
    assert "requirement:nvcc-stated" not in signature_ids(ok)


def test_python_and_glibc_below_stated_minimums() -> None:
    text = "This package requires Python >= 3.9.\n\n" + HF_ENV.format(py="3.8.10")
    assert "requirement:python-stated" in signature_ids(text)
    assert "no-matching-wheel" in categories(text) and not fails(text)
    assert "requirement:python-stated" not in signature_ids(
        "This package requires Python >= 3.9.\n\n" + HF_ENV.format(py="3.10.12")
    )
    libc = "The wheel needs glibc 2.28 or newer.\n$ ldd --version\nldd (GNU libc) {v}\n"
    assert "requirement:glibc-stated" in signature_ids(libc.format(v="2.17"))
    assert "requirement:glibc-stated" not in signature_ids(libc.format(v="2.31"))


def test_a_version_the_writer_has_is_no_requirement() -> None:
    text = (
        "I have CUDA 12.1 and my driver is 525.60.13, and it needs nothing more\n" + SMI_470 + "\n"
    )
    assert not {i for i in signature_ids(text) if i.startswith("requirement:")}


def test_a_known_message_s_own_minimum_is_left_to_its_signature() -> None:
    text = (
        "Found Tesla P100 which is too old to be supported by the triton GPU compiler, which is used "
        "as the backend. Triton only supports devices of CUDA Capability >= 7.0, but your device is "
        "of CUDA capability 6.0\n"
    )
    assert "requirement:capability-stated" not in signature_ids(text)
