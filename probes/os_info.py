"""os: system, release, machine, libc, distro, WSL and container."""

from __future__ import annotations

import os
import platform

from recommender.probes.base import Host, ProbeResult, probe


def _libc() -> str | None:
    try:
        value = os.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.36", instant
        if value:
            return value
    except (AttributeError, ValueError, OSError):
        pass
    if platform.system() != "Linux":
        return None
    lib, ver = platform.libc_ver()
    return f"{lib} {ver}".strip() or None


def _distro(host: Host) -> str | None:
    text = host.read_text("/etc/os-release") or host.read_text("/usr/lib/os-release")
    if not text:
        if platform.system() == "Darwin":
            ver = platform.mac_ver()[0]
            return f"macOS {ver}" if ver else "macOS"
        if platform.system() == "Windows":
            return f"Windows {platform.win32_ver()[0]}".strip()
        return None
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip('"')
    return fields.get("PRETTY_NAME") or fields.get("NAME")


def wsl_version(host: Host) -> int | None:
    """2 for WSL 2, 1 for WSL 1, None when not WSL."""
    osrelease = (host.read_text("/proc/sys/kernel/osrelease") or "").lower()
    interop = host.exists("/proc/sys/fs/binfmt_misc/WSLInterop") or host.exists(
        "/proc/sys/fs/binfmt_misc/WSLInterop-late"
    )
    if "microsoft" not in osrelease and not interop:
        return None
    if "wsl2" in osrelease or "microsoft-standard" in osrelease:
        return 2
    return 1


def container_kind(host: Host) -> str | None:
    if host.env.get("KUBERNETES_SERVICE_HOST"):
        return "kubernetes"
    if host.exists("/.dockerenv"):
        return "docker"
    if host.exists("/run/.containerenv"):
        return "podman"
    cgroup = host.read_text("/proc/1/cgroup") or ""
    for marker, kind in (
        ("kubepods", "kubernetes"),
        ("docker", "docker"),
        ("containerd", "containerd"),
        ("lxc", "lxc"),
    ):
        if marker in cgroup:
            return kind
    if host.env.get("container"):
        return host.env["container"]
    return None


@probe("os", section="os", budget_s=2.0)
def os_probe(host: Host) -> ProbeResult:
    uname = platform.uname()
    return ProbeResult.ok(
        {
            "system": uname.system,
            "release": uname.release,
            "version": platform.mac_ver()[0] or None if uname.system == "Darwin" else None,
            "machine": uname.machine,
            "libc": _libc(),
            "distro": _distro(host),
            "wsl": wsl_version(host),
            "container": container_kind(host),
        }
    )
