"""Versions stated in Chinese sentences (issue 21, session 42): a name right after a Chinese
character is still a name (Python's ``\\b`` runs on through CJK text), and the Chinese words for
"my", "installed", "need" and "upgrade" say whether a release is the writer's or a wish."""

from __future__ import annotations

import pytest

from tests.pastes import fact, read

LIBCUBLAS_11 = "libcublasLt.so.11: cannot open shared object file: No such file or directory\n"


@pytest.mark.parametrize(
    "sentence",
    [
        "报错了，我的CUDA Version: 12.4",
        "我的cuda版本: CUDA 12.4",
        "本机安装了CUDA 12.4，运行报错",
        "环境：CUDA 12.4",
    ],
)
def test_cuda_stated_in_a_chinese_sentence_is_read(sentence):
    result = read(f"{sentence}\n{LIBCUBLAS_11}")
    assert fact(result, "toolkit.cuda") == "12.4"


@pytest.mark.parametrize(
    "sentence",
    ["我需要CUDA 12.4吗？", "建议升级到CUDA 12.4", "是否支持CUDA 12.4"],
)
def test_cuda_wished_for_in_a_chinese_sentence_is_not_the_installed_one(sentence):
    result = read(f"{sentence}\n{LIBCUBLAS_11}")
    assert fact(result, "toolkit.cuda") is None


def test_a_framework_after_a_chinese_character_is_read():
    result = read(
        "我使用torch 2.1.0，报错如下\nRuntimeError: CUDA error: no kernel image is available\n"
    )
    assert fact(result, "frameworks.pytorch.version") == "2.1.0"


def test_a_name_inside_an_ascii_word_is_still_not_a_name():
    result = read(f"I use mycuda 12.4 wrapper\n{LIBCUBLAS_11}")
    assert fact(result, "toolkit.cuda") is None
