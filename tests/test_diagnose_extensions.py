"""A versioned CUDA runtime library missing where a compiled extension asks for it is a version
mismatch (the extension's wheel was built for another CUDA than the environment's), whatever the
extension is called: a known library's offshoot (``vllm_flash_attn``), or any module named as build
tools name compiled extensions (``*_cuda``, ``_C``, ``_ext``). The frameworks' own modules are not
extensions: torch's ``_C`` failing to load its runtime is torch's install. Texts written here."""

from __future__ import annotations

import pytest

from recommender.decide.diagnosis.extensions import _imports_extension
from tests.pastes import categories

MISSING = (
    "ImportError: libcudart.so.12: cannot open shared object file: No such file or directory\n"
)


@pytest.mark.parametrize(
    "line",
    [
        "    import vllm_flash_attn_2_cuda as flash_attn_cuda",
        "    from mmcv import _ext",
        "    import selective_scan_cuda",
        '  File "/usr/lib/python3/site-packages/flash_attn_3/__init__.py", line 2, in <module>',
        "    from torchvision import _C",
        "    from .ops import rope_kernels",
    ],
)
def test_compiled_extensions_are_recognised_by_name(line: str) -> None:
    assert _imports_extension(line)


@pytest.mark.parametrize(
    "line",
    [
        "    from torch._C import *  # noqa: F403",
        "    import numpy as np",
        "    from transformers import AutoModel",
        "    import tensorflow._api.v2.compat",
    ],
)
def test_other_imports_are_not_extensions(line: str) -> None:
    assert not _imports_extension(line)


def test_an_offshoot_asking_for_another_cuda_is_a_mismatch() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        '  File "/opt/venv/lib/python3.11/site-packages/vllm_flash_attn/flash_attn_interface.py", line 9, in <module>\n'
        "    import vllm_flash_attn_2_cuda as flash_attn_cuda\n" + MISSING
    )
    assert {"missing-library", "version-mismatch"} <= categories(text)


def test_torch_itself_missing_its_runtime_is_not_an_extension_mismatch() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/opt/venv/lib/python3.11/site-packages/torch/__init__.py", line 237, in <module>\n'
        "    from torch._C import *  # noqa: F403\n" + MISSING
    )
    found = categories(text)
    assert "missing-library" in found
    assert "version-mismatch" not in found
