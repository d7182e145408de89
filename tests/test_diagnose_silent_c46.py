"""Session 46 (issue 21), engineer T: pastes that are read but get no finding where the thread
found a version pair, a missing library or a CPU build. Each rule with a text written for it and a
neighbouring text that must stay quiet."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fact, read

# -- a framework's release glued to its name ("tensorflow2.7.0") -----------------------------


@pytest.mark.parametrize(
    ("sentence", "framework", "version"),
    [
        ("pip installed tensorflow2.7.0 automatically, my CUDA 10.2 is old", "tensorflow", "2.7.0"),
        ("I use torch1.13.1 and cuda 11.7", "pytorch", "1.13.1"),
        ("my env: pytorch2.1.0, cuda 12.1", "pytorch", "2.1.0"),
        ("running on tensorflow-gpu1.14.0 with CUDA 10.0", "tensorflow", "1.14.0"),
        ("installed jax0.4.26 with cuda 12", "jax", "0.4.26"),
    ],
)
def test_a_release_glued_to_the_framework_name_is_read(sentence, framework, version):
    result = read(sentence)
    assert result is not None
    assert fact(result, f"frameworks.{framework}.version") == version


@pytest.mark.parametrize(
    "sentence",
    [
        "my env lives in /home/u/envs/torch1.13/lib and CUDA 11.7",
        "I use libtorch2.1.0 with cuda 11.8",
        "we have a keras-tensorflow2.4 image, cuda 11.0",
        "my setup needs torch2.1.0 with cuda 11.8",
        "I use tf2.4 and CUDA 11.0",
    ],
)
def test_a_glued_name_in_a_path_a_longer_name_or_a_requirement_is_not_a_release(sentence):
    result = read(sentence)
    for framework in ("pytorch", "tensorflow"):
        assert result is None or fact(result, f"frameworks.{framework}.version") is None


def test_a_glued_tensorflow_release_meets_the_stated_cuda():
    text = "it installed tensorflow2.7.0 automatically, my CUDA 10.2 is not compatible with it\n"
    assert "version-mismatch" in categories(text)


def test_a_glued_tensorflow_release_with_its_own_cuda_stays_quiet():
    text = "it installed tensorflow2.7.0 automatically, my CUDA 11.2 and cuDNN 8.1 are there\n"
    assert "version-mismatch" not in categories(text)
