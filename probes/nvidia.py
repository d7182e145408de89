"""nvidia: GPUs through NVML (in a bounded child), with ``nvidia-smi`` as the fallback.

Never a wrong "no GPU": when a GPU is evident (PCI vendor 0x10de, /proc/driver/nvidia,
/dev/nvidia0, an ``nvidia-smi`` binary) but cannot be queried, the status is ``unknown`` with
the reason a person understands, not ``absent``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from recommender.probes.base import Host, ProbeResult, probe
from recommender.probes.pci import NVIDIA, display_devices
from recommender.probes.process import CommandResult, run_bounded

_NVML_CHILD = str(Path(__file__).with_name("nvml_child.py"))
_CMD_TIMEOUT = 3.0
_WSL_LIB = "/usr/lib/wsl/lib"
_WINDOWS_DIRS = (r"C:\Windows\System32", r"C:\Program Files\NVIDIA Corporation\NVSMI")
_QUERY_FIELDS = (
    "index",
    "uuid",
    "name",
    "memory.total",
    "compute_cap",
    "driver_version",
    "pci.bus_id",
)

_KNOWN_ERRORS = (
    (
        "driver/library version mismatch",
        "the NVIDIA kernel driver and its user-space library differ in version (usually a driver "
        "update without a reboot): reboot, or reload the nvidia kernel modules",
    ),
    (
        "couldn't communicate with the nvidia driver",
        "the NVIDIA driver is not loaded: install or load it (check `lsmod | grep nvidia`)",
    ),
    (
        "failed to initialize nvml: unknown error",
        "NVML failed to initialise (common in containers after a host driver reload or when device "
        "nodes are missing): restart the container, or check /dev/nvidia* is mounted",
    ),
    (
        "failed to initialize nvml: insufficient permissions",
        "no permission to open the NVIDIA device nodes: add the user to the video group",
    ),
    ("no devices were found", "the driver is loaded but reports no NVIDIA GPU"),
    ("libnvidia-ml", "the NVML library (libnvidia-ml) is not installed or not on the loader path"),
    ("nvml shared library not found", "the NVML library (libnvidia-ml) is not found"),
)


def explain_error(text: str) -> str:
    """Turn nvidia-smi / NVML error output into one line a person understands."""
    lowered = text.lower()
    for needle, meaning in _KNOWN_ERRORS:
        if needle in lowered:
            return meaning
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line[:200] or "no output"


def visible_indices(env, gpus: list[dict]) -> set[int]:
    """Which GPU indices CUDA will see under ``CUDA_VISIBLE_DEVICES`` (CUDA's own parsing:
    indices or UUID prefixes, in order, stopping at the first entry that matches nothing)."""
    raw = env.get("CUDA_VISIBLE_DEVICES")
    if raw is None:
        return {g["index"] for g in gpus}
    visible: set[int] = set()
    for token in (t.strip() for t in raw.split(",")):
        match = None
        if re.fullmatch(r"\d+", token):
            match = next((g for g in gpus if g["index"] == int(token)), None)
        elif token.startswith(("GPU-", "MIG-")) and len(token) > 4:
            match = next((g for g in gpus if (g.get("uuid") or "").startswith(token)), None)
        if match is None:
            break
        visible.add(match["index"])
    return visible


def _null(value: str | None) -> str | None:
    """nvidia-smi writes "[N/A]", "[Not Supported]", "N/A" or "" where it has no value."""
    if value is None:
        return None
    value = value.strip()
    if not value or value.strip("[]").lower() in {
        "n/a",
        "not supported",
        "unknown error",
        "insufficient permissions",
        "gpu is lost",
    }:
        return None
    return value


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def parse_query(text: str, fields: tuple[str, ...]) -> list[dict]:
    gpus = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cols = [c.strip() for c in line.split(",")]
        if len(cols) != len(fields):
            continue  # garbage or a warning line
        row = dict(zip(fields, (_null(c) for c in cols)))
        index = _int(row.get("index"))
        if index is None:
            continue
        mib = _int(row.get("memory.total"))
        cc = row.get("compute_cap")
        gpus.append(
            {
                "index": index,
                "name": row.get("name"),
                "uuid": row.get("uuid"),
                "memory_bytes": mib * 1024 * 1024 if mib is not None else None,
                "compute_capability": cc
                if cc and re.fullmatch(r"[0-9]{1,4}\.[0-9]{1,4}", cc)
                else None,
                "driver_version": row.get("driver_version"),
                "pci_bus_id": row.get("pci.bus_id"),
            }
        )
    return gpus


def _cuda_from_int(value: int | None) -> str | None:
    if not value:
        return None
    return f"{value // 1000}.{(value % 1000) // 10}"


def _query_nvml(host: Host) -> tuple[dict | None, str | None]:
    res = run_bounded([sys.executable, _NVML_CHILD], timeout=_CMD_TIMEOUT, env=host.env)
    if res.timed_out:
        return None, f"NVML did not answer within {_CMD_TIMEOUT:g}s"
    try:
        doc = json.loads(res.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None, explain_error(res.stderr or "NVML child printed nothing")
    if not isinstance(doc, dict) or not doc.get("ok"):
        return None, explain_error(str(doc.get("error", "")) if isinstance(doc, dict) else "")
    gpus = doc.get("gpus")
    if not isinstance(gpus, list) or not all(
        isinstance(g, dict) and isinstance(g.get("index"), int) for g in gpus
    ):
        return None, "NVML child printed a document without a GPU list"
    return doc, None


def _nvidia_smi(host: Host) -> str | None:
    wsl_lib = host.path(_WSL_LIB)  # through the host root, like every system path
    extra = [str(wsl_lib)] if os.path.isdir(wsl_lib) else []
    if host.platform == "win32":
        extra += list(_WINDOWS_DIRS)
    return host.which("nvidia-smi", extra)


def _run_smi(smi: str, host: Host, args: list[str]) -> CommandResult:
    return run_bounded([smi, *args], timeout=_CMD_TIMEOUT, env=host.env)


def _query_smi(host: Host, smi: str) -> tuple[dict | None, str | None]:
    fields: tuple[str, ...] = _QUERY_FIELDS
    res = _run_smi(smi, host, [f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"])
    if res.ok is False and "compute_cap" in (res.stdout + res.stderr) and not res.timed_out:
        fields = tuple(f for f in fields if f != "compute_cap")  # drivers before 510
        res = _run_smi(
            smi, host, [f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"]
        )
    if res.timed_out:
        return None, f"nvidia-smi did not answer within {_CMD_TIMEOUT:g}s (a hung driver?)"
    if res.error:
        return None, f"nvidia-smi could not run: {res.error}"
    if res.returncode != 0:
        return None, explain_error(
            res.stdout + "\n" + res.stderr
        ) + f" (nvidia-smi exit {res.returncode})"
    gpus = parse_query(res.stdout, fields)
    if not gpus:
        return None, "nvidia-smi gave no GPU rows it could parse: " + explain_error(res.stdout)
    header = _run_smi(smi, host, [])
    match = re.search(r"CUDA Version\s*:\s*(\d+\.\d+)", header.stdout)
    driver = next((g["driver_version"] for g in gpus if g.get("driver_version")), None)
    return {
        "driver_version": driver,
        "max_cuda": match.group(1) if match else None,
        "gpus": gpus,
    }, None


def gpu_evidence(host: Host) -> str | None:
    """Why we believe an NVIDIA GPU or driver is here, or None."""
    if display_devices(host, NVIDIA):
        return "an NVIDIA PCI display device"
    if host.exists("/proc/driver/nvidia/version"):
        return "/proc/driver/nvidia"
    if host.exists("/dev/nvidia0"):
        return "/dev/nvidia0"
    if _nvidia_smi(host):
        return "nvidia-smi on PATH"
    return None


def _accelerators(doc: dict, env) -> list[dict]:
    gpus = doc["gpus"]
    visible = visible_indices(env, gpus)
    return [
        {
            "kind": "cuda",
            "vendor": "nvidia",
            "index": g["index"],
            "name": g.get("name"),
            "uuid": g.get("uuid"),
            "memory_bytes": g.get("memory_bytes"),
            "compute_capability": g.get("compute_capability"),
            "driver_version": g.get("driver_version") or doc.get("driver_version"),
            "max_cuda": doc.get("max_cuda"),
            "visible": g["index"] in visible,
            "pci_bus_id": g.get("pci_bus_id"),
        }
        for g in gpus
    ]


@probe("nvidia", section="accelerators", budget_s=8.0)
def nvidia_probe(host: Host) -> ProbeResult:
    evidence = gpu_evidence(host)
    if evidence is None:
        return ProbeResult.absent("no NVIDIA GPU or driver found")
    reasons = []
    doc, why = _query_nvml(host)
    if doc is not None:
        doc["max_cuda"] = _cuda_from_int(doc.pop("cuda_driver_version", None))
        source = "nvml"
    else:
        reasons.append(f"NVML: {why}")
        smi = _nvidia_smi(host)
        doc, why = _query_smi(host, smi) if smi else (None, "nvidia-smi not found")
        reasons.append(f"nvidia-smi: {why}")
        source = "nvidia-smi"
    if doc is None:
        return ProbeResult.unknown(
            f"{evidence} is present but cannot be queried; " + "; ".join(reasons)
        )
    if not doc["gpus"]:
        pci = display_devices(host, NVIDIA)
        if pci:  # the hardware is there; the driver does not see it: not a "no GPU"
            return ProbeResult.unknown(
                f"{len(pci)} NVIDIA PCI display device(s) present but the "
                f"driver ({source}) reports no GPU"
            )
        return ProbeResult.absent("the NVIDIA driver reports no GPU")
    accels = _accelerators(doc, host.env)
    warnings = []
    if not any(a["visible"] for a in accels):
        warnings.append(
            f"CUDA_VISIBLE_DEVICES={host.env.get('CUDA_VISIBLE_DEVICES')!r} hides every NVIDIA GPU"
        )
    return ProbeResult.ok({"accelerators": accels, "source": source}, warnings=warnings)
