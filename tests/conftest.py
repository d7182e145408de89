"""Shared fixtures: an isolated home and cache, a CLI runner, and a fake host builder."""

from __future__ import annotations

import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_CLEARED = (
    "NO_COLOR",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
    "KERAS_BACKEND",
    "CUDA_VISIBLE_DEVICES",
    "TF_USE_LEGACY_KERAS",
    "DLREC_SYSROOT",
    "TPU_NAME",
    "COLAB_TPU_ADDR",
    "PJRT_DEVICE",
    "PYTORCH_ENABLE_MPS_FALLBACK",
)


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/* from the current output instead of comparing.",
    )


@pytest.fixture
def update_goldens(request) -> bool:
    """True under ``pytest --update-goldens``: golden tests write their file, then pass."""
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the real home: HOME, the cache dir and the Keras config live in tmp."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DLREC_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


class FakeHost:
    """A temp tree standing for /proc, /sys, /dev and the cgroup files, plus a fake PATH."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "_bin"
        self.bin.mkdir(parents=True, exist_ok=True)

    def write(self, system_path: str, text: str = "") -> Path:
        p = self.root / system_path.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        return p

    def tool(self, name: str, script: str) -> Path:
        """A fake executable (a bash script) first on PATH."""
        p = self.bin / name
        p.write_text("#!/usr/bin/env bash\n" + textwrap.dedent(script))
        p.chmod(p.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return p

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env["DLREC_SYSROOT"] = str(self.root)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env.update(extra)
        return env

    def host(self, **extra: str):
        from recommender.probes import Host

        return Host(root=self.root, env=self.env(**extra))


@pytest.fixture
def fake_host(tmp_path) -> FakeHost:
    return FakeHost(tmp_path / "host")


def skip_unless_ci(reason: str) -> None:
    """Skip a test whose prerequisite is missing on a developer's machine; in CI (CI=true),
    where .ci/run installs the frameworks and shared/ lies beside the clone, fail instead, so
    a broken install can never pass as a skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI promises this prerequisite: {reason}")
    pytest.skip(reason)


def dlrec_argv(*args: str) -> list[str]:
    """Run the real CLI as a subprocess (for exit codes, timing and leftover-process checks)."""
    return [sys.executable, "-m", "recommender", *args]


# The real cluster engines (Slurm, Ray), started by fixtures when a test asks for them.
from tests.engines import ray_cluster, slurm_cluster  # noqa: E402, F401
