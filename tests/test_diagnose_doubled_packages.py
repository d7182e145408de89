"""A CPU-only and a GPU distribution of one import package installed together (issue 21, session
43, part B): TensorFlow's ``tensorflow`` before 2.1 or ``tensorflow-cpu`` next to
``tensorflow-gpu``, MXNet's ``mxnet`` next to an ``mxnet-cuNN`` (compat.yaml's
cpu_gpu_distributions), from pip's own output, pip freeze, pip list and conda list. Every text is
written here; each has a counterpart that lists only the GPU one, or two GPU ones, and stays quiet."""

from __future__ import annotations

import pytest

from tests.pastes import fails, read

SMI = "| NVIDIA-SMI 470.57.02    Driver Version: 470.57.02    CUDA Version: 11.4     |\n"


def _doubled(text: str) -> list:
    result = read(text)
    assert result is not None
    return [f for f in result.findings if f.category == "cpu-wheel-on-gpu"]


@pytest.mark.parametrize(
    ("text", "gpu"),
    [
        (
            "$ pip install tensorflow-gpu==1.14.0 keras\n"
            "Successfully installed keras-2.3.1 tensorflow-1.14.0 tensorflow-gpu-1.14.0\n",
            "tensorflow-gpu==1.14.0",
        ),
        ("tensorflow==1.15.4\ntensorflow-gpu==1.15.4\nnumpy==1.19.5\n", "tensorflow-gpu==1.15.4"),
        ("mxnet==1.8.0.post0\nmxnet-cu101==1.8.0.post0\n", "mxnet-cu101==1.8.0.post0"),
        ("mxnet                 1.9.1\nmxnet-cu112mkl        1.9.1\n", "mxnet-cu112mkl==1.9.1"),
        (
            "tensorflow                1.13.1          mkl_py36h27d456a_0\n"
            "tensorflow-gpu            1.13.1               h0d30ee6_0\n",
            "tensorflow-gpu==1.13.1",
        ),
    ],
)
def test_both_variants_next_to_a_gpu_fail_with_the_gpu_one_reinstalled(text: str, gpu: str) -> None:
    found = _doubled(text + SMI)
    assert found and found[0].status == "fail", found
    assert f"then pip install {gpu}" in (found[0].fix or "")
    assert "cpu-wheel-on-gpu" in fails(text + SMI)


def test_both_variants_without_a_gpu_are_a_warning() -> None:
    found = _doubled("mxnet==1.8.0.post0\nmxnet-cu101==1.8.0.post0\ntorch==2.1.0\n")
    assert found and found[0].status == "warn"


@pytest.mark.parametrize(
    "text",
    [
        "mxnet-cu101==1.8.0.post0\nnumpy==1.21.0\n",  # only the GPU one
        "tensorflow-gpu==1.15.4\nnumpy==1.19.5\n",
        # from 2.1 `tensorflow` has the GPU support of tensorflow-gpu: two GPU builds
        "tensorflow          2.4.1\ntensorflow-gpu      2.4.1\n",
        # conda: tensorflow-gpu is a metapackage over a tensorflow whose build string is the GPU one
        "tensorflow                1.13.1          gpu_py36h3991807_0\n"
        "tensorflow-gpu            1.13.1               h0d30ee6_0\n",
    ],
)
def test_only_gpu_variants_stay_quiet(text: str) -> None:
    assert not _doubled(text + SMI)
    assert "cpu-wheel-on-gpu" not in fails(text + SMI)


def test_an_old_cpu_tensorflow_alone_is_left_to_the_build_checks() -> None:
    found = [
        f
        for f in _doubled("tensorflow==1.15.4\nnumpy==1.19.5\n" + SMI)
        if f.id.startswith("flavours:")
    ]
    assert not found
