"""Accelerators from a collect_env report, and what the report can and cannot tell about them.

Per ``torch/utils/collect_env.py``: "GPU models and configuration" is ``nvidia-smi -L`` with
UUIDs removed ("GPU 0: NAME", MIG slices as "MIG 3g.40gb Device 0:" rows under their GPU), but
on a ROCm build (and on macOS) it is ``torch.cuda.get_device_name()`` of the current device
only, with `` (gfxNNN)`` appended from ``gcnArchName`` in newer versions. "Nvidia driver
version" is parsed from ``nvidia-smi``. When the three CUDA tool fields all fail and torch sees
no CUDA device, they print "No CUDA": no NVIDIA driver or tool answered at all.

torch's own warnings printed into the report are evidence too: "The NVIDIA driver on your
system is too old (found version 11040)" is the driver's CUDA API version (11.4), "<GPU> with
CUDA capability sm_120 is not compatible" names a GPU and its compute capability.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from recommender.core.catalog import Accelerator
from recommender.facts.reports.gpus import (
    GpuTable,
    amd_gfx,
    cc_from_sm,
    compute_capability,
    cuda_from_driver_api,
    max_cuda_for_driver,
)
from recommender.facts.reports.host import compact, known
from recommender.facts.reports.text import Report

# Every pattern here reads a pasted line of any length: linear by construction (bounded
# quantifiers, no lazy group followed by a pattern that can match the same characters, no
# leading \s* that every start in a run of spaces would rescan; tests/test_linear_time.py runs
# each on hostile input). A row's "(UUID: ...)" is cut in code.
_GPU_ROW = re.compile(r"^GPU\s*([0-9]{1,3})\s*:(.*)$", re.ASCII)
_MIG_ROW = re.compile(r"^MIG\s+(\S{1,30})\s+Device\s+[0-9]{1,3}", re.ASCII)
_GFX = re.compile(r"\((gfx[0-9a-f]{2,6})[^()]*\)|NoGCNArchNameOnOldPyTorch")
_NVIDIA_NAME = re.compile(r"\b(?:NVIDIA|GeForce|Tesla|Quadro|TITAN|Jetson)\b", re.IGNORECASE)
_AMD_NAME = re.compile(r"\b(?:AMD|Radeon|Instinct)\b|^Device [0-9a-f]{4}$", re.IGNORECASE)
_TOO_OLD = re.compile(r"too old \(found version ([0-9]{4,5})\)", re.ASCII)
_SM = re.compile(
    r"(?:UserWarning: |\s|^)((?:NVIDIA|GeForce|Tesla|Quadro|TITAN)\b[^:]{1,80}?) "
    r"with CUDA capability (sm_[0-9]{2,3})"
)
_OLD_CC = re.compile(
    r"Found GPU([0-9]{1,3}) (.{2,80}?) which is of cuda capability "
    r"([0-9]{1,2})\.([0-9])",
    re.ASCII,
)
_SUPPORTS = re.compile(r"supports CUDA capabilities ((?:sm_[0-9]{2,3}[a-z]? ?)+)")


def arch_list(flat: str) -> list[str] | None:
    """The ``sm_XY`` list of torch's "supports CUDA capabilities ..." warning, if printed."""
    match = _SUPPORTS.search(flat)
    return match.group(1).split() if match else None


def _driver(fields: Mapping[str, str]) -> str | None:
    value = known(fields.get("driver"))
    return value if value and re.fullmatch(r"[0-9]{2,4}(?:\.[0-9]{1,3}){1,3}", value) else None


def _max_cuda(fields: Mapping[str, str], flat: str, table: GpuTable) -> str | None:
    too_old = _TOO_OLD.search(flat)
    if too_old:  # the driver's own answer beats the table
        return cuda_from_driver_api(int(too_old.group(1)))
    driver = _driver(fields)
    return max_cuda_for_driver(driver, table) if driver else None


def _warned_ccs(flat: str) -> dict[str, str]:
    """GPU name -> compute capability that torch's warnings state."""
    found = {}
    for match in _SM.finditer(flat):
        cc = cc_from_sm(match.group(2))
        if cc:
            found[match.group(1).strip()] = cc
    for match in _OLD_CC.finditer(flat):
        found[match.group(2).strip()] = f"{match.group(3)}.{match.group(4)}"
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class _Gpu:
    """One NVIDIA GPU as the report shows it; None where it does not."""

    index: int | None = None
    name: str | None = None
    mig: tuple[str, ...] = ()


def _without_uuid(name: str) -> str:
    """A GPU row's name without its trailing "(UUID: ...)" (cut in code: linear)."""
    name = name.strip()
    cut = name.rfind("(UUID:")
    if cut >= 0 and name.endswith(")") and ")" not in name[cut:-1]:
        name = name[:cut].rstrip()
    return name


def _nvidia_rows(rows: tuple[str, ...], rocm_build: bool) -> list[_Gpu]:
    """``nvidia-smi -L`` rows, MIG rows folded into their GPU; a bare name is macOS's
    ``get_device_name`` of a CUDA build (its index is not printed)."""
    gpus: list[tuple[_Gpu, list[str]]] = []
    seen: set[int] = set()  # a report pasted twice lists its GPUs twice
    migs: list[str] | None = None  # the MIG list of the GPU row just read
    for row in rows:
        gpu, mig = _GPU_ROW.match(row), _MIG_ROW.match(row)
        if gpu and (name := _without_uuid(gpu.group(2))):
            migs = None if int(gpu.group(1)) in seen else []
            if migs is not None:
                seen.add(int(gpu.group(1)))
                gpus.append((_Gpu(index=int(gpu.group(1)), name=name), migs))
        elif mig and migs is not None:
            migs.append(mig.group(1))
        elif not gpu and not mig and not rocm_build and known(row) and _NVIDIA_NAME.search(row):
            gpus.append((_Gpu(name=row), []))
    return [replace(gpu, mig=tuple(slices)) for gpu, slices in gpus]


def _nvidia(report: Report, table: GpuTable, rocm_build: bool) -> list[dict[str, object]]:
    fields, flat = report.fields, report.flat
    gpus = _nvidia_rows(report.gpu_rows, rocm_build)
    warned = _warned_ccs(flat)
    gpus += [_Gpu(name=name) for name in warned if all(g.name != name for g in gpus)]
    cuda_seen = not rocm_build and fields.get("cuda_available", "").lower() in ("true", "yes")
    if not gpus and (_TOO_OLD.search(flat) or cuda_seen):
        gpus.append(_Gpu())  # a driver or a device torch saw, not listed in the paste
    driver, max_cuda = _driver(fields), _max_cuda(fields, flat, table)
    return [_cuda_entry(gpu, table, warned, driver, max_cuda) for gpu in gpus]


def _cuda_entry(
    gpu: _Gpu, table: GpuTable, warned: Mapping[str, str], driver: str | None, max_cuda: str | None
) -> dict[str, object]:
    cc = compute_capability(gpu.name, table) if gpu.name else None
    return compact(
        {
            "kind": "cuda",
            "vendor": "nvidia",
            "index": gpu.index,
            "name": gpu.name,
            "compute_capability": warned.get(gpu.name or "", cc),  # torch's own word wins
            "driver_version": driver,
            "max_cuda": max_cuda,
            "mig": list(gpu.mig) or None,
        }
    )


def _torch_device(report: Report, rocm_build: bool, table: GpuTable) -> list[dict[str, object]]:
    """The single device name a ROCm build prints (``get_device_name`` + gcnArchName); an older
    PyTorch prints the name alone, and its gfx target comes from rules/gpus.yaml."""
    plain = [
        r for r in report.gpu_rows if known(r) and not _GPU_ROW.match(r) and not _MIG_ROW.match(r)
    ]
    if not plain or not (rocm_build or _AMD_NAME.search(plain[0])):
        return []
    gfx = _GFX.search(plain[0])
    name = " ".join(_GFX.sub(" ", plain[0]).split())
    return [
        compact(
            {
                "kind": "rocm",
                "vendor": "amd",
                "index": 0,
                "name": name or None,
                "gfx": gfx.group(1) if gfx and gfx.group(1) else amd_gfx(name, table),
            }
        )
    ]


def _xpu(report: Report) -> list[dict[str, object]]:
    out = []
    for row in report.xpu_rows:
        match = re.search(r"\[([0-9]{1,3})\]\s*_XpuDeviceProperties\(name='([^']{1,100})'", row)
        if match:
            out.append(
                {
                    "kind": "xpu",
                    "vendor": "intel",
                    "index": int(match.group(1)),
                    "name": match.group(2),
                }
            )
    return out


def _mps(os_doc: Mapping[str, object], cpu_doc: Mapping[str, object]) -> list[dict[str, object]]:
    """Apple silicon (arm64, or x86_64 under Rosetta) always has its GPU; Intel Macs have none."""
    if os_doc.get("system") != "Darwin":
        return []
    if os_doc.get("machine") != "arm64" and cpu_doc.get("rosetta") is not True:
        return []
    model = cpu_doc.get("model")
    name = f"{model} GPU" if isinstance(model, str) and model.startswith("Apple") else None
    return [
        compact(
            {
                "kind": "mps",
                "vendor": "apple",
                "index": 0,
                "name": name or "Apple silicon GPU",
                "macos_version": os_doc.get("version"),
            }
        )
    ]


def accelerators(
    report: Report,
    table: GpuTable,
    os_doc: Mapping[str, object],
    cpu_doc: Mapping[str, object],
    rocm_build: bool,
) -> list[dict[str, object]]:
    """Every accelerator the report shows (possibly an incomplete list: see :func:`probes`)."""
    return [
        *_nvidia(report, table, rocm_build),
        *_torch_device(report, rocm_build, table),
        *_xpu(report),
        *_mps(os_doc, cpu_doc),
    ]


#: torch's CUDA initialisation warnings: (text it prints, kind, what it means for a person).
_CUDA_MESSAGES = (
    (
        "driver on your system is too old",
        "driver-too-old",
        "torch warned that the NVIDIA driver is too old for this PyTorch build",
    ),
    (
        "Found no NVIDIA driver on your system",
        "no-driver",
        "torch warned: CUDA initialization found no NVIDIA driver on this system",
    ),
    (
        "Unexpected error from cudaGetDeviceCount",
        "device-count-error",
        "torch warned: cudaGetDeviceCount() failed, so CUDA is unusable although a driver is there",
    ),
    (
        "is not compatible with the current PyTorch installation",
        "gpu-arch-unsupported",
        "torch warned that a GPU's compute capability is not among the architectures this "
        "PyTorch build ships",
    ),
    (
        "no longer supports this GPU because it is too old",
        "gpu-too-old",
        "torch warned that a GPU is too old for this PyTorch build",
    ),
)


def cuda_warning(flat: str) -> str | None:
    """The kind of the first CUDA initialisation warning torch printed into the report."""
    return next((kind for needle, kind, _ in _CUDA_MESSAGES if needle in flat), None)


def device_warnings(report: Report) -> list[str]:
    """What torch's own warnings in the report said, and drivers the table cannot place."""
    out = []
    too_old = _TOO_OLD.search(report.flat)
    for needle, kind, message in _CUDA_MESSAGES:
        if needle not in report.flat:
            continue
        if kind == "driver-too-old" and too_old:
            cuda = cuda_from_driver_api(int(too_old.group(1)))
            message += f": it supports CUDA {cuda} at most (found version {too_old.group(1)})"
        out.append(message)
    driver = _driver(report.fields)
    if driver and not too_old and int(driver.split(".")[0]) < 346:
        out.append(
            f"NVIDIA driver {driver} is older than every CUDA 7+ toolkit: its max CUDA "
            "is unknown here, and far below what any PyTorch build needs"
        )
    return out


def no_cuda(fields: Mapping[str, str]) -> bool:
    """collect_env's "No CUDA": no nvidia-smi, nvcc or driver answered, CUDA unavailable."""
    return any(fields.get(k) == "No CUDA" for k in ("gpus", "driver", "cuda_runtime"))


def _status(status: str, reason: str) -> dict[str, object]:
    return {"status": status, "seconds": None, "reason": reason}


def _apple(
    kinds: set[object], os_doc: Mapping[str, object], cpu_doc: Mapping[str, object]
) -> dict[str, object]:
    system = os_doc.get("system")
    if Accelerator.MPS in kinds:
        return _status("ok", "Apple silicon")
    if system == "Darwin":
        intel = os_doc.get("machine") == "x86_64" and cpu_doc.get("rosetta") is False
        return (
            _status("absent", "an Intel Mac")
            if intel
            else _status("unknown", "x86_64 Python on a Mac whose CPU the report does not name")
        )
    if system is not None:
        return _status("absent", "not macOS")
    return _status("unknown", "the report does not say which OS it ran on")


_NOT_LOOKED = "a collect_env report does not look for it"


def _nvidia_status(kinds: set[object], report: Report, system: object) -> dict[str, object]:
    if Accelerator.CUDA in kinds:
        return _status("ok", "listed in the collect_env report")
    if no_cuda(report.fields):
        return _status("absent", "collect_env printed 'No CUDA': no NVIDIA driver or tool answered")
    if system == "Darwin":
        return _status("absent", "macOS: no CUDA")
    if Accelerator.ROCM in kinds and report.fields.get("driver") in ("Could not collect", "N/A"):
        # The usual ROCm report: torch sees the AMD GPU through HIP, and nvidia-smi did not
        # answer. (A CUDA build saying the same may be a broken driver: that stays unknown.)
        return _status("absent", "a ROCm report: no NVIDIA driver answered (Could not collect)")
    return _status("unknown", "the report does not show NVIDIA GPUs (not collected, or cut)")


def _rocm_status(kinds: set[object], system: object) -> dict[str, object]:
    if Accelerator.ROCM in kinds:
        return _status("ok", "the current HIP device only (torch.cuda.get_device_name)")
    return _status("absent", "macOS") if system == "Darwin" else _status("unknown", _NOT_LOOKED)


def probes(
    report: Report,
    found: list[dict[str, object]],
    os_doc: Mapping[str, object],
    cpu_doc: Mapping[str, object],
) -> dict[str, dict[str, object]]:
    """Per accelerator probe: ok (found), absent (the report rules it out), or unknown. The
    rule engine reads an ``unknown`` probe as "the accelerator list may be incomplete"."""
    kinds = {a.get("kind") for a in found}
    system = os_doc.get("system")
    return {
        "nvidia": _nvidia_status(kinds, report, system),
        "rocm": _rocm_status(kinds, system),
        "apple": _apple(kinds, os_doc, cpu_doc),
        "tpu": _status("absent", f"{system}: no TPU")
        if system in ("Darwin", "Windows")
        else _status("unknown", _NOT_LOOKED),
        "intel": _status("ok", "listed in the collect_env report")
        if Accelerator.XPU in kinds
        else (
            _status("absent", "macOS") if system == "Darwin" else _status("unknown", _NOT_LOOKED)
        ),
    }
