"""Session 43 (issue 21): the general words of a kind of failure (signatures of status
``family``), read where no known message or check names a cause: a warning of that kind, said to be
read from the wording; quiet beside a finding that names a cause, and on a line a known message
(a harmless one too) already reads. Wordings written here, in no table of exact messages."""

from __future__ import annotations

import pytest

from recommender.facts.reports.signatures import SignatureError, load_signatures
from tests.pastes import run

NEW_WORDINGS = [
    ("out-of-memory", "[engine] kv-cache init: device 0 ran out of memory while reserving 12 GiB"),
    ("out-of-memory", "worker 3: RESOURCE_EXHAUSTED while compiling the step function"),
    ("missing-library", "plugin loader: libfoo_gpu.so.3: cannot open shared object file"),
    ("missing-library", "backend selection: Could not load library vkbackend64.dll, skipping"),
    (
        "driver-too-old",
        "gpu runtime: the installed driver is too old for this build, update your NVIDIA driver",
    ),
    ("driver-mismatch", "health check: NVML library version mismatch, restart the node"),
    ("no-driver", "probe: unable to communicate with the NVIDIA driver, is it installed?"),
    ("no-device", "scheduler: No GPUs found on this worker, refusing the job"),
    ("arch-unsupported", "kernels: unsupported GPU architecture sm_37 in this package"),
    (
        "version-mismatch",
        "ImportError: /opt/venv/lib/mylib/_ops.so: undefined symbol: ZN3foo3barEv",
    ),
    ("no-matching-wheel", "ERROR: No matching distribution found for superpkg-gpu==9.1"),
    ("cpu-wheel-on-gpu", "engine: this wheel was built without CUDA support, using the CPU"),
    ("rocm-issue", "render: hipErrorLaunchFailure in kernel blur_v (code 719)"),
    ("tpu-issue", "trainer: Failed to connect to the TPU worker at 10.0.0.2:8470"),
    ("mps-issue", "sampler: the MPS backend refused a 3-D grid here"),
]


@pytest.mark.parametrize(("category", "line"), NEW_WORDINGS)
def test_a_new_wording_of_a_known_kind_is_read_as_that_kind(category, line):
    result = run(f"$ ./serve --gpu\n{line}\n")
    found = [f for f in result.findings if f.category == category]
    assert found, [f.id for f in result.findings]
    family = [f for f in found if f.id.startswith("family:")]
    if family:  # no exact message read it first
        assert family[0].status == "warn"
        assert "read from the wording" in family[0].title
        assert any(line[:40] in q.text for q in family[0].quotes)


def test_a_family_says_nothing_beside_a_finding_that_names_a_cause():
    text = (
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
        "worker: ran out of memory during warm-up\n"
    )
    ids = {f.id for f in run(text).findings}
    assert not any(i.startswith("family:") for i in ids)


def test_a_line_a_harmless_message_reads_is_not_read_again():
    text = (
        "2023-05-01 10:00:00.000000: W tensorflow/compiler/xla/stream_executor/platform/default/"
        "dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so.7'; dlerror: "
        "libnvinfer.so.7: cannot open shared object file: No such file or directory\n"
        "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]\n"
    )
    result = run(text)
    assert not [f for f in result.findings if f.id.startswith("family:")]
    assert not [f for f in result.findings if f.status == "fail"]


def test_a_driver_library_mismatch_is_not_also_read_as_a_package_version_mismatch():
    result = run("monitor: NVML: Driver/library version mismatch (exporter restarting)\n")
    assert "driver-mismatch" in result.categories
    assert "version-mismatch" not in result.categories


def test_family_is_a_status_the_loader_accepts_and_checks_like_the_others(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "signatures:\n"
        "  - id: family-x\n"
        "    pattern: 'ran dry of gpu memory'\n"
        "    status: family\n"
        "    diagnosis: out-of-memory\n"
        "    title: t\n"
        "    source: https://example.org/doc\n"
        "    verified: 2026-12-06\n",
        encoding="utf-8",
    )
    assert load_signatures(good)[0].status == "family"
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text(encoding="utf-8").replace("'ran dry", "'(a+)+ran dry"))
    with pytest.raises(SignatureError):
        load_signatures(bad)
