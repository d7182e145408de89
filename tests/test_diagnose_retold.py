"""Issue 21: a known message retold in another surface form (retold.py, the tolerant pass).

A status name spelled another way (other case, separators, CamelCase or SNAKE_CASE, a person's
"cuda error: ..." with the words of the name) keeps its signature's status; a sentence of a
message with other punctuation or separators is a warning. Each text is written here, with a
healthy counterpart that stays quiet: the words inside a longer identifier, the words split by a
phrase's end, the words out of order.
"""

from __future__ import annotations

import pytest

from recommender.facts.reports import load_signatures, read_paste
from recommender.facts.reports.retold import Form, Words, forms, retold_hits, words
from tests.pastes import categories, fails, read, statuses

DRIVER_TOO_OLD = "driver-too-old"


@pytest.mark.parametrize(
    "text",
    [
        "cudaErrorInsufficientDriver",
        "CUDAError InsufficientDriver",
        "CUDA_ERROR_INSUFFICIENT_DRIVER",
        "cuda error: insufficient driver",
        "cuda-error-insufficient-driver",
    ],
)
def test_one_status_name_in_every_spelling_gives_the_same_words(text: str) -> None:
    assert words(text) == "cuda error insufficient driver"


def test_a_status_name_retold_in_a_sentence_keeps_its_failure() -> None:
    text = (
        "After the upgrade my renderer stops at start with CUDA Error - Insufficient Driver!\n"
        "The driver is 470.82 on this laptop."
    )
    assert DRIVER_TOO_OLD in fails(text)


def test_the_driver_apis_spelling_of_a_runtime_status_is_that_status() -> None:
    # cudaErrorCallRequiresNewerDriver as a log writes it in words, and cuBLAS's
    # CUBLAS_STATUS_ARCH_MISMATCH as a binding spells it in CamelCase
    assert DRIVER_TOO_OLD in fails("kernel launch failed: cuda error: call requires newer driver")
    assert "arch-unsupported" in fails("gemm returned cublasStatusArchMismatch on the old card")


def test_nvmls_c_enum_is_its_python_exceptions_status() -> None:
    # NVMLError_DriverNotLoaded (pynvml) is NVML_ERROR_DRIVER_NOT_LOADED in nvml.h
    assert "no-driver" in fails("monitor thread: query failed (NVML_ERROR_DRIVER_NOT_LOADED)")


def test_hips_snake_case_name_of_a_camel_case_status() -> None:
    assert "rocm-issue" in fails("hipModuleLoad -> HIP_ERROR_NO_BINARY_FOR_GPU on gfx1032")


def test_a_sentence_retold_with_other_punctuation_is_only_a_warning() -> None:
    result = read("ERROR: CUDA driver version is insufficient for CUDA-runtime version")
    assert result is not None
    assert statuses(result, DRIVER_TOO_OLD) == {"warn"}


def test_a_longer_status_name_is_not_the_shorter_one_it_starts_with() -> None:
    # cudaErrorInvalidDeviceFunction (no kernel for the GPU) is not cudaErrorInvalidDevice
    found = categories("the op aborted with CUDAError InvalidDeviceFunction")
    assert "arch-unsupported" in found
    assert "no-device" not in found


@pytest.mark.parametrize(
    "text",
    [
        # the words inside a longer identifier
        "settings.cuda_error_insufficient_driver_check = True",
        # split by a phrase's end
        "No CUDA error; the insufficient driver warning went away after the update.",
        # out of order
        "the driver was insufficient, but no cuda error was raised",
        # a word that only starts with the name's first word
        "xcuda error insufficient driver",
    ],
)
def test_the_words_elsewhere_stay_quiet(text: str) -> None:
    assert DRIVER_TOO_OLD not in categories(text)


def test_a_message_the_exact_pass_found_is_not_found_again() -> None:
    paste = read_paste("RuntimeError: CUDA error: invalid device function", origin="paste.txt")
    assert paste.hits and all(h.retold is None for h in paste.hits)


def test_the_finding_says_it_read_another_spelling() -> None:
    result = read("the worker logs CUDA Error NoDevice and exits")
    assert result is not None
    retold = [f for f in result.findings if "another spelling" in f.detail]
    assert retold and all(f.status == "fail" for f in retold)


def test_only_literal_wordings_of_enough_words_become_forms() -> None:
    got = forms(
        "x", r"cudaErrorNoDevice|CUDA error|no CUDA-capable device is detected|(?:foo)bar [0-9]+"
    )
    assert [(f.words, f.kind) for f in got] == [
        ("cuda error no device", "name"),
        ("no cuda capable device detected", "wording"),
    ]
    # punctuation that bounds the message (a list's bracket) is part of it: no form
    assert forms("y", r"\['AzureExecutionProvider', 'CPUExecutionProvider'\]") == ()


def test_every_bundled_form_has_a_signature_and_enough_words() -> None:
    for sig in load_signatures():
        for form in sig.forms:
            assert form.signature == sig.id
            said = form.numbered.pattern if form.numbered else form.words
            assert said.count(" ") >= 2, (sig.id, said)


def test_one_hit_per_line_and_signature() -> None:
    lines = ["CUDA_ERROR_NO_DEVICE and again cudaErrorNoDevice", "nothing here"]
    form = Form("s", "cuda error no device", "name")
    assert [at[0] for at in Words(lines).find(form)] == [0]
    hits = retold_hits([form], lines, set())
    assert [(h.line, h.retold) for h in hits] == [(1, "name")]
    assert retold_hits([form], lines, {"s"}) == []


def test_a_wording_with_numbers_retyped_is_a_warning() -> None:
    # Flash Attention's "GPU with CUDA capability 7 5 is not supported", retyped by hand
    result = read("the server log says: gpu with cuda is capability 7 5 is not supported!")
    assert result is not None
    assert statuses(result, "library-kernels-unsupported") == {"warn"}


def test_a_wording_with_numbers_needs_its_numbers() -> None:
    assert "library-kernels-unsupported" not in categories(
        "gpu with cuda capability is not supported on this node"
    )
