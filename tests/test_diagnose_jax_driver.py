"""JAX's own driver floor (issue 21, session 43, part B): an NVIDIA driver below every CUDA build
of the JAX a paste is about (compat.yaml's jax_cuda_drivers, from JAX's installation page and
changelog) is driver-too-old: a failure where the paste names the build, a warning where it names
only the release or nothing but JAX. Texts written here, each with a quiet counterpart."""

from __future__ import annotations

import pytest

from tests.pastes import fails, read

SMI = "| NVIDIA-SMI {d}   Driver Version: {d}   CUDA Version: {c}     |\n"
OLD = SMI.format(d="470.223.02", c="11.4")
NEW = SMI.format(d="535.104.05", c="12.2")
ENV = (
    ">>> import jax; jax.print_environment_info()\njax:    {v}\njaxlib: {v}\nnumpy:  1.26.4\n"
    "python: 3.11.9 (main, Apr 19 2024, 16:48:06) [GCC 11.2.0]\n"
    "jax.devices (1 total, 1 local): [CpuDevice(id=0)]\nprocess_count: 1\n\n$ nvidia-smi\n"
)


def _found(text: str):
    result = read(text)
    assert result is not None
    return [f for f in result.findings if f.id.startswith("jax-driver:")]


def test_a_named_cuda12_build_on_a_cuda11_driver_fails() -> None:
    text = "jax==0.4.30\njaxlib==0.4.30\njax-cuda12-plugin==0.4.30\njax-cuda12-pjrt==0.4.30\n" + OLD
    found = _found(text)
    assert found and found[0].status == "fail" and "525.60.13" in found[0].detail
    assert "driver-too-old" in fails(text)
    assert not _found(text.replace(OLD, NEW))


def test_a_release_without_its_build_named_is_a_warning() -> None:
    found = _found(ENV.format(v="0.4.30") + OLD)
    assert found and found[0].status == "warn" and "525.60.13" in found[0].detail
    assert not _found(ENV.format(v="0.4.30") + NEW)


def test_a_release_that_still_shipped_cuda11_wheels_is_judged_by_their_floor() -> None:
    # jaxlib 0.4.26 dropped CUDA 11; 0.4.20 had CUDA 11 wheels, whose floor is 450.80.02
    assert not _found(ENV.format(v="0.4.20") + OLD)
    found = _found(ENV.format(v="0.4.20") + SMI.format(d="440.33.01", c="10.2"))
    assert found and "450.80.02" in found[0].detail


@pytest.mark.parametrize(
    "text",
    [
        ">>> jax.devices()\n[CudaDevice(id=0)]\n" + OLD,  # JAX sees the GPU: the driver runs it
        "jax==0.3.25\njaxlib==0.3.25\n" + OLD,  # older than the table
        "torch==2.1.0\n" + OLD,  # not about JAX
    ],
)
def test_quiet_where_the_floor_does_not_apply(text: str) -> None:
    assert not _found(text)


def test_a_release_jax_never_made_reads_no_floor() -> None:
    assert not _found("I use jax 4.13 and get the error below\n" + OLD)


def test_only_nvidia_smi_in_jax_s_own_tracker_is_a_warning() -> None:
    text = "GPU not found after pip install -U jax[cuda12]\n" + OLD
    result = read(text, repository="jax-ml/jax")
    assert result is not None
    found = [f for f in result.findings if f.id.startswith("jax-driver:")]
    assert found and found[0].status == "warn" and "inferred" in found[0].detail
    assert (
        not [f for f in (read(text) or result).findings if f.id.startswith("jax-driver:")]
        or read(text) is None
    )
