"""os probe on a fake host: WSL 1/2, container markers, distro; python probe basics."""

from __future__ import annotations

import platform
import sys

import pytest

from recommender.probes.os_info import container_kind, os_probe, wsl_version
from recommender.probes.python_env import environment_kind, python_probe


@pytest.mark.parametrize(
    ("osrelease", "interop", "expected"),
    [
        ("4.4.0-19041-Microsoft\n", False, 1),
        ("4.4.0-19041-Microsoft\n", True, 1),
        ("5.15.153.1-microsoft-standard-WSL2\n", True, 2),
        ("5.10.16.3-microsoft-standard-WSL2\n", False, 2),
        ("6.1.0-18-amd64\n", True, 1),  # interop registered, old-style kernel name
        ("6.1.0-18-amd64\n", False, None),
    ],
)
def test_wsl_version(fake_host, osrelease, interop, expected):
    fake_host.write("/proc/sys/kernel/osrelease", osrelease)
    if interop:
        fake_host.write("/proc/sys/fs/binfmt_misc/WSLInterop", "enabled\n")
    assert wsl_version(fake_host.host()) == expected


def test_no_osrelease_is_not_wsl(fake_host):
    assert wsl_version(fake_host.host()) is None


@pytest.mark.parametrize(
    ("path", "text", "env", "expected"),
    [
        ("/.dockerenv", "", {}, "docker"),
        ("/run/.containerenv", "", {}, "podman"),
        ("/proc/1/cgroup", "12:pids:/kubepods/burstable/pod1\n", {}, "kubernetes"),
        ("/proc/1/cgroup", "0::/docker/abc\n", {}, "docker"),
        ("/proc/1/cgroup", "0::/lxc/abc\n", {}, "lxc"),
        ("/proc/1/cgroup", "0::/\n", {"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, "kubernetes"),
        ("/proc/1/cgroup", "0::/\n", {"container": "systemd-nspawn"}, "systemd-nspawn"),
        ("/proc/1/cgroup", "0::/\n", {}, None),
    ],
)
def test_container_markers(fake_host, path, text, env, expected):
    fake_host.write(path, text)
    assert container_kind(fake_host.host(**env)) == expected


def test_os_probe_reads_distro_and_wsl_through_the_root(fake_host):
    fake_host.write("/etc/os-release", 'NAME="Ubuntu"\nPRETTY_NAME="Ubuntu 24.04 LTS"\n')
    fake_host.write("/proc/sys/kernel/osrelease", "5.15.153.1-microsoft-standard-WSL2\n")
    fake_host.write("/.dockerenv")
    result = os_probe.collect(fake_host.host())
    assert result.status.value == "ok"
    assert result.data["distro"] == "Ubuntu 24.04 LTS"
    assert result.data["wsl"] == 2
    assert result.data["container"] == "docker"
    assert result.data["system"] == platform.system()
    if platform.system() == "Linux":
        assert result.data["libc"]


def test_os_release_fallback_and_missing(fake_host):
    fake_host.write("/usr/lib/os-release", "NAME=Alpine\n")
    assert os_probe.collect(fake_host.host()).data["distro"] == "Alpine"
    (fake_host.root / "usr/lib/os-release").unlink()
    data = os_probe.collect(fake_host.host()).data
    assert data["wsl"] is None and data["container"] is None


def test_python_probe(fake_host):
    data = python_probe.collect(fake_host.host()).data
    assert data["version"] == platform.python_version()
    assert data["executable"] == sys.executable
    assert data["environment"] in {"venv", "conda", "system"}
    expected = "venv" if sys.prefix != sys.base_prefix else data["environment"]
    assert environment_kind(fake_host.host(CONDA_PREFIX="/nowhere")) == expected
