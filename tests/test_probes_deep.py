"""`--deep`: each framework is imported in its own bounded child (fake frameworks on PYTHONPATH)."""

from __future__ import annotations

import os
import time

import pytest

from recommender.facts.collect import deep_probe


@pytest.fixture
def fake_fw(tmp_path):
    site = tmp_path / "site"
    site.mkdir()

    def make(module: str, source: str) -> dict[str, str]:
        pkg = site / module
        pkg.mkdir(exist_ok=True)
        (pkg / "__init__.py").write_text(source)
        return {**os.environ, "PYTHONPATH": str(site)}

    return make


def test_deep_reports_the_devices_the_framework_sees(fake_fw):
    env = fake_fw(
        "tensorflow",
        """
__version__ = "9.9.9"
class _D:
    def __init__(self, t, n): self.device_type, self.name = t, n
class config:
    @staticmethod
    def list_physical_devices(): return [_D("CPU", "/physical_device:CPU:0"), _D("GPU", "/physical_device:GPU:0")]
""",
    )
    doc = deep_probe("tensorflow", env, timeout=20)
    assert doc["ok"] is True and doc["version"] == "9.9.9"
    assert [d["type"] for d in doc["devices"]] == ["cpu", "gpu"]


def test_deep_import_error_is_a_result(fake_fw):
    env = fake_fw("keras", "raise ImportError('libcudnn.so.9: cannot open shared object file')\n")
    doc = deep_probe("keras", env, timeout=20)
    assert doc["ok"] is False and "libcudnn" in doc["error"]


def test_deep_illegal_instruction_is_explained(fake_fw):
    env = fake_fw("torch", "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n")
    doc = deep_probe("pytorch", env, timeout=20)
    assert doc["ok"] is False and "SIGILL" in doc["error"] and "AVX" in doc["error"]


def test_deep_hanging_import_is_bounded(fake_fw):
    env = fake_fw("jax", "import time\ntime.sleep(1000)\n")
    start = time.monotonic()
    doc = deep_probe("jax", env, timeout=1.0)
    assert time.monotonic() - start < 5
    assert doc == {"ok": False, "error": "import did not finish within 1s"}
