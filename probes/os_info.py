"""os: system, release, machine, libc, distro, WSL, container, and a Jetson's L4T release."""

from __future__ import annotations

import os
import platform
import re

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


_L4T = re.compile(r"^#\s*R(\d{1,3})\s*\(release\),\s*REVISION:\s*(\d{1,3}(?:\.\d{1,3})?)", re.M)
_TEGRA = re.compile(r"nvidia,(tegra\d{3})")


def jetson(host: Host) -> dict[str, str]:
    """A Jetson's L4T release ("36.4.3", from /etc/nv_tegra_release), its Tegra SoC (from the
    device tree's compatible string, else a ``-tegra`` kernel says only that it is one) and
    the board's model name; {} on anything else."""
    out: dict[str, str] = {}
    found = _L4T.search((host.read_text("/etc/nv_tegra_release") or "")[:4096])
    if found:
        out["l4t"] = f"{found.group(1)}.{found.group(2)}"
    compatible = (host.read_text("/proc/device-tree/compatible") or "")[:4096]
    soc = _TEGRA.search(compatible.replace("\x00", " "))
    if soc:
        out["tegra"] = soc.group(1)
    elif "tegra" in (host.read_text("/proc/sys/kernel/osrelease") or "").lower():
        out["tegra"] = "unknown"
    model = (host.read_text("/proc/device-tree/model") or "").replace("\x00", "").strip()
    if out and model:
        out["board"] = model[:120]
    return out


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
            **jetson(host),
        }
    )
