"""The host half of a collect_env report: python, os, cpu and toolchain facts.

What each line means comes from ``torch/utils/collect_env.py`` (see text.py for the
versions read): "OS" is ``lsb_release``/``/etc/*-release`` plus ``platform.machine()`` on Linux,
``sw_vers`` on macOS and ``wmic os get Caption`` (later PowerShell) on Windows; "Python platform"
is ``platform.platform()``; "CUDA runtime version" is ``nvcc --version`` (a toolkit on PATH, not
torch's own runtime); "cuDNN version" is every ``libcudnn`` that ``ldconfig -p`` (``where`` on
Windows) finds, not the cuDNN torch loads. "Could not collect" is collect_env's word for a
command that failed: unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from recommender.facts.reports.text import Report

_UNKNOWN = frozenset({"", "could not collect", "n/a", "no cuda", "none", "no relevant packages"})
_MACHINES = r"x86_64|aarch64|arm64|ppc64le|s390x|armv7l|armv8l|i686|i386|riscv64|AMD64"
_PLATFORM = re.compile(rf"^(Linux|macOS|Darwin|Windows)-(.+?)-({_MACHINES})(?:-|$)", re.ASCII)
_WINDOWS_PLATFORM = re.compile(r"^Windows-([0-9A-Za-z]{1,8})-([0-9.]{1,20})", re.ASCII)
_LINUX_WORDS = (
    "linux",
    "ubuntu",
    "debian",
    "centos",
    "red hat",
    "rhel",
    "fedora",
    "suse",
    "rocky",
    "alma",
    "arch",
    "amazon",
    "oracle",
    "mint",
    "gentoo",
    "alpine",
)

# lscpu's labels, in English and as util-linux 2.38.1 translates them (po/*.po, read from the
# Debian util-linux-locales 2.38.1-5+deb12u3 catalogues): cs da de es fr hr ja nl pl pt pt_BR
# ru sv tr uk vi zh_CN zh_TW. "CPU" is ja/pl/vi/zh_CN's "CPU(s)".
_LSCPU = {
    "arch": (
        "architecture",
        "architektura",
        "arkitektur",
        "architektur",
        "arquitectura",
        "arhitektura",
        "architectuur",
        "arquitetura",
        "архитектура",
        "mimari",
        "архітектура",
        "kiến trúc",
        "架构",
        "架構",
        "アーキテクチャ",
    ),
    "model": (
        "model name",
        "název modelu",
        "modelnavn",
        "modellname",
        "nombre del modelo",
        "mallinimi",
        "nom de modèle",
        "ime modela",
        "モデル名",
        "modelnaam",
        "nazwa modelu",
        "nome do modelo",
        "имя модели",
        "modellnamn",
        "modem ismi",
        "назва моделі",
        "tên mô hình",
        "型号名称",
        "name",
    ),
    "vendor": (
        "vendor id",
        "id výrobce",
        "leverandør-id",
        "anbieterkennung",
        "id de fabricante",
        "identifiant constructeur",
        "id do fabricante",
        "id proizvođača",
        "ベンダー id",
        "producent-id",
        "id producenta",
        "id de fornecedor",
        "id прроизводителя",
        "tillverkar-id",
        "sağlayıcı kimliği",
        "ідентифікатор виробника",
        "id nhà sản xuất",
        "厂商 id",
        "供應商識別號",
        "manufacturer",
    ),
    "cpus": (
        "cpu(s)",
        "počet cpu",
        "cpu'er",
        "processeur(s)",
        "cpu(-a)",
        "cpu",
        "cpu's",
        "cpu(er)",
        "i̇şlemciler",
        "процесори",
    ),
    "flags": (
        "flags",
        "příznaky",
        "flag",
        "markierungen",
        "indicadores",
        "liput",
        "drapeaux",
        "flagovi",
        "フラグ",
        "vlaggen",
        "flagi",
        "bandeiras",
        "opções",
        "флаги",
        "flaggor",
        "bayraklar",
        "прапорці",
        "标记",
    ),
}
_LSCPU_KEY = {label.lower(): key for key, labels in _LSCPU.items() for label in labels}
# The flags that decide what a framework build can run (the set probes/cpu.py keeps).
_X86_FLAGS = frozenset({"sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx_vnni"})
_X86_PREFIXES = ("avx512", "amx")
_ARM_FLAGS = frozenset(
    {"neon", "asimd", "sve", "sve2", "asimdhp", "asimddp", "bf16", "i8mm", "fphp"}
)
# Win32_Processor.Architecture codes (wmic / PowerShell) as platform.machine() names them.
_WIN_ARCH = {"0": "x86", "5": "ARM", "9": "AMD64", "12": "ARM64"}


def known(value: str | None) -> str | None:
    """A printed value, or None where collect_env could not tell."""
    if value is None or value.strip().lower() in _UNKNOWN:
        return None
    return value.strip()


def compact(doc: Mapping[str, object]) -> dict[str, object]:
    """The mapping without its unknown (None) entries: a missing field means unknown."""
    return {k: v for k, v in doc.items() if v is not None}


def python_facts(fields: Mapping[str, str]) -> dict[str, object]:
    """``Python version: 3.11.6 (main, ...) [GCC 9.4.0] (64-bit runtime)``; old: ``3.6 (64-bit``."""
    value = known(fields.get("python"))
    if value is None:
        return {}
    version = re.match(r"([0-9]{1,2}\.[0-9]{1,3}(?:\.[0-9]{1,3})?)", value, re.ASCII)
    bits = re.search(r"\(([0-9]{2})-bit runtime", value, re.ASCII)
    implementation = (
        "PyPy"
        if "pypy" in value.lower()
        else ("CPython" if re.search(r"\[(?:GCC|Clang|MSC)", value) else None)
    )
    conda = re.search(r"packaged by (?:conda-forge|Anaconda)", value)
    return compact(
        {
            "version": version.group(1) if version else None,
            "implementation": implementation,
            "bits": int(bits.group(1)) if bits else None,
            "environment": "conda" if conda else None,
        }
    )


def _platform(value: str | None) -> dict[str, str | None]:
    """``platform.platform()``: system, release (kernel; Python's macOS version) and machine."""
    if not value:
        return {}
    windows = _WINDOWS_PLATFORM.match(value)
    if windows:
        return {"system": "Windows", "release": windows.group(1)}
    match = _PLATFORM.match(value)
    if not match:
        return {}
    system = {"macOS": "Darwin"}.get(match.group(1), match.group(1))
    return {"system": system, "release": match.group(2), "machine": match.group(3)}


def _os_line(value: str | None) -> dict[str, str | None]:
    """``OS: Ubuntu 22.04.4 LTS (x86_64)``, ``macOS 15.3 (x86_64)``, ``Microsoft Windows 11``."""
    if not value:
        return {}
    machine = re.search(rf"\(({_MACHINES})\)\s*$", value)
    name = value[: machine.start()].strip() if machine else value
    mac = re.match(r"^(?:macOS|Mac OSX|Mac OS X)\s+([0-9][0-9.]{0,15})", name)
    out: dict[str, str | None] = {"machine": machine.group(1) if machine else None}
    if mac:
        out.update(system="Darwin", version=mac.group(1), distro=f"macOS {mac.group(1)}")
    elif name.lower().startswith(("microsoft windows", "windows")):
        out.update(system="Windows", distro=name)
    elif name.lower() not in ("linux", ""):
        out["distro"] = name
        if any(word in name.lower() for word in _LINUX_WORDS):
            out["system"] = "Linux"
    elif name.lower() == "linux":
        out["system"] = "Linux"
    return out


def os_facts(fields: Mapping[str, str]) -> dict[str, object]:
    """The OS section; the platform line wins for system/machine, the OS line for the distro."""
    platform_value = known(fields.get("platform"))
    plat = _platform(platform_value)
    line = _os_line(known(fields.get("os")))
    system = plat.get("system") or line.get("system")
    libc = re.match(r"^(glibc|musl)-([0-9.]{1,12})", known(fields.get("libc")) or "")
    if system is None and libc:
        system = "Linux"
    wsl = None
    if platform_value and system == "Linux":
        lowered = platform_value.lower()
        wsl = (
            2
            if ("wsl2" in lowered or "microsoft-standard" in lowered)
            else (1 if "microsoft" in lowered else None)
        )
    return compact(
        {
            "system": system,
            "release": plat.get("release") if system in ("Linux", "Windows") else None,
            "version": line.get("version") if system == "Darwin" else None,
            "machine": line.get("machine") or plat.get("machine"),
            "libc": f"{libc.group(1)} {libc.group(2)}" if libc else None,
            "distro": line.get("distro"),
            "wsl": wsl,
            "python_platform": platform_value,
        }
    )


def _cpu_rows(rows: tuple[str, ...]) -> dict[str, str]:
    """lscpu ``Key: value``, wmic ``Key=Value`` or PowerShell ``Key: value`` rows by meaning."""
    found: dict[str, str] = {}
    for row in rows:
        key, sep, value = row.partition(":")
        if not sep or "=" in key:
            key, sep, value = row.partition("=")
        field = _LSCPU_KEY.get(" ".join(key.split()).lower()) if sep else None
        if field and value.strip():
            found.setdefault(field, value.strip())
    return found


def _flags(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    flags = set(raw.lower().split())
    keep = {f for f in flags if f in _X86_FLAGS or f in _ARM_FLAGS or f.startswith(_X86_PREFIXES)}
    if "asimd" in keep:  # aarch64 calls NEON "asimd"
        keep.add("neon")
    return sorted(keep)


def _arch(raw: str | None, os_doc: Mapping[str, object]) -> str | None:
    if raw:
        return _WIN_ARCH.get(raw, raw) if raw.isascii() else None
    machine = os_doc.get("machine")
    return machine if isinstance(machine, str) else None


def _vendor(model: str | None, raw: str | None) -> str | None:
    if raw:
        return raw
    if model and model.startswith("Apple"):
        return "Apple"
    return "GenuineIntel" if model and "Intel" in model else None


def cpu_facts(report: Report, os_doc: Mapping[str, object]) -> dict[str, object]:
    """lscpu (Linux), wmic/PowerShell (Windows) or the sysctl brand string (macOS)."""
    rows = report.cpu_rows
    parsed = _cpu_rows(rows)
    model = parsed.get("model")
    if model is None and len(rows) == 1 and not re.search(r"[:=]|^[0-9. ]*$", rows[0]):
        model = known(rows[0])  # macOS: "Apple M2 Max"
    cores = parsed.get("cpus", "")
    machine = os_doc.get("machine")
    rosetta = None
    if os_doc.get("system") == "Darwin" and machine in ("arm64", "x86_64"):
        if machine == "arm64":
            rosetta = False
        elif model:
            rosetta = model.startswith("Apple")
    return compact(
        {
            "model": model,
            "vendor": _vendor(model, parsed.get("vendor")),
            "arch": _arch(parsed.get("arch"), os_doc),
            "logical_cores": int(cores) if re.fullmatch(r"[0-9]{1,5}", cores, re.ASCII) else None,
            "flags": _flags(parsed.get("flags")),
            "rosetta": rosetta,
        }
    )


#: A cuDNN file name: found by a pattern that always succeeds where it starts (no backtracking,
#: matches never overlap: one pass over a hostile line), then read by an anchored one.
_CUDNN_NAME = re.compile(r"libcudnn[\w.]{0,60}|cudnn\w{0,40}(?:\.dll)?", re.ASCII)
_CUDNN_SO = re.compile(
    r"libcudnn(?:_\w{1,40})?\.(?:so\.|)([0-9]{1,2}(?:\.[0-9]{1,3}){0,2})", re.ASCII
)
_CUDNN_DLL = re.compile(r"cudnn\w{0,40}?64_([0-9]{1,2})\.dll", re.ASCII)


def _cudnn_versions(report: Report) -> list[str] | None:
    texts = [*report.cudnn_rows, report.fields.get("cudnn", "")]
    found = set()
    for text in texts:
        for name in _CUDNN_NAME.findall(text):
            if match := _CUDNN_SO.match(name) or _CUDNN_DLL.match(name):
                found.add(match.group(1))
    return sorted(found) or None


def toolchain_facts(report: Report) -> dict[str, object]:
    """Compilers and CUDA/ROCm tools on the machine (not the ones torch was built with)."""
    fields = report.fields
    nvcc = known(fields.get("cuda_runtime"))
    return compact(
        {
            "nvcc": nvcc if nvcc and re.fullmatch(r"[0-9.]{2,20}", nvcc) else None,
            "cudnn": _cudnn_versions(report),
            "gcc": known(fields.get("gcc")),
            "clang": known(fields.get("clang")),
            "cmake": known(fields.get("cmake")),
            "hipcc": known(fields.get("rocm_version")),
        }
    )


#: Environment variables worth keeping from vLLM's "Environment Variables" section: the ones
#: that change which devices and kernels a framework uses. Nothing else (paths, tokens).
_ENV_KEPT = frozenset(
    {
        "CUDA_VISIBLE_DEVICES",
        "HIP_VISIBLE_DEVICES",
        "ROCR_VISIBLE_DEVICES",
        "CUDA_MODULE_LOADING",
        "PYTORCH_CUDA_ALLOC_CONF",
        "TORCH_CUDA_ARCH_LIST",
        "PYTORCH_ENABLE_MPS_FALLBACK",
        "KERAS_BACKEND",
        "NCCL_P2P_DISABLE",
        "NCCL_IB_DISABLE",
        "CUDA_LAUNCH_BLOCKING",
    }
)


def environment_facts(report: Report) -> dict[str, object]:
    """``NAME=value`` rows of the kept variables, as printed."""
    kept = []
    for row in report.env_rows:
        name, sep, value = row.partition("=")
        if sep and name.strip() in _ENV_KEPT:
            kept.append(f"{name.strip()}={value.strip()}")
    return {"variables": kept} if kept else {}
