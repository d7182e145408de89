"""rocm: AMD GPUs through the KFD topology in /sys, enriched by ``amd-smi`` / ``rocm-smi``."""

from __future__ import annotations

import json
import re

from recommender.core.numfmt import is_digits
from recommender.probes.base import Host, ProbeResult, probe
from recommender.probes.pci import AMD, display_devices
from recommender.probes.process import run_bounded

_TOPOLOGY = "/sys/class/kfd/kfd/topology/nodes"
_CMD_TIMEOUT = 3.0


def _kfd_gpus(host: Host) -> list[dict]:
    gpus = []
    for node in host.listdir(_TOPOLOGY):
        props = host.read_text(f"{_TOPOLOGY}/{node}/properties") or ""
        fields = dict(
            line.split(None, 1) for line in props.splitlines() if len(line.split(None, 1)) == 2
        )
        if fields.get("simd_count", "0").strip() in ("0", ""):
            continue  # a CPU node
        gfx = fields.get("gfx_target_version", "").strip()
        name = (host.read_text(f"{_TOPOLOGY}/{node}/name") or "").strip() or None
        gpus.append(
            {"node": int(node) if is_digits(node) else node, "gfx": _gfx_name(gfx), "name": name}
        )
    return gpus


def _gfx_name(version: str) -> str | None:
    """KFD writes gfx90a as 90010 (major*10000 + minor*100 + stepping, minor/stepping in hex)."""
    if not is_digits(version) or int(version) == 0:
        return None
    v = int(version)
    return f"gfx{v // 10000}{(v // 100) % 100:x}{v % 100:x}"


def _smi_names(host: Host) -> tuple[list[str], str | None]:
    """Product names from rocm-smi's JSON (or amd-smi), tolerant of garbage."""
    for tool, args in (
        ("amd-smi", ["static", "--asic", "--json"]),
        ("rocm-smi", ["--showproductname", "--json"]),
    ):
        path = host.which(tool, [str(host.path("/opt/rocm/bin"))])
        if not path:
            continue
        res = run_bounded([path, *args], timeout=_CMD_TIMEOUT, env=host.env)
        if res.timed_out:
            return [], f"{tool} did not answer within {_CMD_TIMEOUT:g}s"
        try:
            doc = json.loads(res.stdout)
        except ValueError:
            return [], f"{tool} printed output that is not JSON"
        names = re.findall(
            r'"(?:Card series|Card SKU|market_name|Card Series)":\s*"([^"]+)"', json.dumps(doc)
        )
        return names, None
    return [], None


@probe("rocm", section="accelerators", budget_s=5.0)
def rocm_probe(host: Host) -> ProbeResult:
    pci = display_devices(host, AMD)
    has_kfd = host.exists("/dev/kfd")
    if not pci and not has_kfd:
        return ProbeResult.absent("no AMD GPU (no /dev/kfd, no AMD PCI display device)")
    gpus = _kfd_gpus(host)
    names, smi_problem = _smi_names(host)
    if not gpus:
        why = (
            "/dev/kfd is missing (amdgpu driver not loaded?)"
            if not has_kfd
            else "KFD lists no GPU node"
        )
        return ProbeResult.unknown(f"an AMD display device is present but {why}")
    accels = [
        {
            "kind": "rocm",
            "vendor": "amd",
            "index": i,
            "name": names[i] if i < len(names) else (g["name"] or "AMD GPU"),
            "gfx": g["gfx"],
            "memory_bytes": None,
            "visible": True,
        }
        for i, g in enumerate(gpus)
    ]
    return ProbeResult.ok({"accelerators": accels}, warnings=[smi_problem] if smi_problem else [])
