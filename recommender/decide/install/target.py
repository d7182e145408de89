"""A target machine described by flags or environment variables, for ``dlrec plan``.

No facts file and no GPU need be present (a Docker build stage, CI). Every field is optional;
a missing one is unknown and said so (no ``--libc`` means glibc of an unknown version). The
GPU name is looked up in ``rules/gpus.yaml`` case-insensitively, with or without the vendor
prefix; an unknown name is refused with the nearest known names.

Environment variables (documented in the README), read when the flag is absent:
``DLREC_TARGET_OS``, ``DLREC_TARGET_ARCH``, ``DLREC_TARGET_PYTHON``, ``DLREC_TARGET_GPU``,
``DLREC_TARGET_CC``, ``DLREC_TARGET_DRIVER`` (else uv's ``UV_CUDA_DRIVER_VERSION``),
``DLREC_TARGET_LIBC``, ``DLREC_TARGET_JETPACK``, ``DLREC_TARGET_MACOS``, ``DLREC_TARGET_WSL``,
``DLREC_TARGET_INTERPRETER``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

from packaging.version import InvalidVersion, Version

from recommender.core.problems import BadRequest
from recommender.facts.machine import Machine, NvidiaGpu, parse_libc, platform_of
from recommender.facts.reports.gpus import (
    GpuTable,
    amd_gfx,
    compute_capability,
    normalise_amd_name,
    normalise_gpu_name,
)

__all__ = ["ENV_PREFIX", "Target", "machine_for", "target_from"]

ENV_PREFIX = "DLREC_TARGET_"
_OS = {"linux": "Linux", "windows": "Windows", "macos": "Darwin", "darwin": "Darwin"}
_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
_VERSION = re.compile(r"^[0-9]{1,4}(?:\.[0-9]{1,4}){0,3}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What the flags and environment say; None is unknown."""

    os: str | None = None
    arch: str | None = None
    python: str | None = None
    gpu: str | None = None
    cc: str | None = None
    driver: str | None = None
    libc: str | None = None
    jetpack: str | None = None
    macos: str | None = None
    wsl: str | None = None
    #: "externally-managed" (PEP 668) or "conda-base": plan into a new environment.
    interpreter: str | None = None


def target_from(flags: Mapping[str, str | None], env: Mapping[str, str]) -> Target:
    """Flags first, then ``DLREC_TARGET_<NAME>``; the driver also from UV_CUDA_DRIVER_VERSION."""
    values: dict[str, str | None] = {}
    for f in fields(Target):
        value = flags.get(f.name) or env.get(ENV_PREFIX + f.name.upper()) or None
        if f.name == "driver" and value is None:
            value = env.get("UV_CUDA_DRIVER_VERSION") or None
        values[f.name] = value.strip() if isinstance(value, str) else None
    return Target(**values)


def _version(name: str, value: str | None) -> Version | None:
    if value is None:
        return None
    if not _VERSION.match(value):
        raise BadRequest(f"--{name} {value!r}: expected a version such as 3.12 or 575.51.03")
    try:
        return Version(value)
    except InvalidVersion:  # pragma: no cover - the pattern admits only valid versions
        raise BadRequest(f"--{name} {value!r}: not a version") from None


def _choice(name: str, value: str | None, allowed: Mapping[str, str]) -> str | None:
    if value is None:
        return None
    found = allowed.get(value.lower())
    if found is None:
        raise BadRequest(f"--{name} {value!r} (allowed: {', '.join(sorted(set(allowed)))})")
    return found


def _gpu(name: str, table: GpuTable) -> tuple[str, str | None, str | None]:
    """(name, compute capability, gfx) of a GPU name; exit 2 with the nearest names if unknown."""
    cc = compute_capability(name, table)
    if cc is not None:
        return name, cc, None
    gfx = amd_gfx(name, table)
    if gfx is not None:
        return name, None, gfx
    key = normalise_gpu_name(name)
    # Without the vendor's series word ("RTX 5090" for "GeForce RTX 5090"): one meaning only.
    ccs = {v for k, v in table.compute_capability.items() if k.endswith(" " + key)}
    if key and len(ccs) == 1:
        return name, ccs.pop(), None
    gfxs = {v for k, v in table.amd_gfx.items() if k.endswith(" " + normalise_amd_name(name))}
    if len(gfxs) == 1:
        return name, None, gfxs.pop()
    # Compare against each name and the name without its series word ("rtx 5090"), so a typo
    # without the prefix still finds the right family.
    forms: dict[str, str] = {}
    for known in sorted({*table.compute_capability, *table.amd_gfx}):
        forms.setdefault(known, known)
        forms.setdefault(known.split(" ", 1)[-1], known)
    near = list(
        dict.fromkeys(forms[m] for m in difflib.get_close_matches(key, forms, n=3, cutoff=0.5))
    )
    hint = f"; nearest known: {', '.join(near)}" if near else ""
    raise BadRequest(f"--gpu {name[:80]!r} is not in rules/gpus.yaml{hint} (or give --cc X.Y)")


_OTHER_ARCH = re.compile(r"^[a-z][a-z0-9_]{1,15}$")


def _arch(value: str | None, system: str | None) -> str | None:
    """x86_64/amd64 and aarch64/arm64 as each OS spells them (macOS says arm64); any other
    architecture (armv7l, riscv64, ppc64le) is kept as given: it has no wheels in the matrix."""
    if value is None:
        return None
    arch = _ARCH.get(value.lower())
    if arch is None:
        if not _OTHER_ARCH.match(value.lower()):
            raise BadRequest(f"--arch {value[:40]!r} (allowed: x86_64, aarch64, or another name)")
        return value.lower()
    if system == "Darwin" and arch == "aarch64":
        return "arm64"
    return arch


def machine_for(target: Target, gpu_table: GpuTable) -> tuple[Machine, tuple[str, ...]]:
    """The planner's view of the target, and what it leaves unknown (said, never assumed);
    ``gpu_table`` (rules/gpus.yaml, loaded by the caller) names a ``--gpu``'s compute capability."""
    system = _choice("os", target.os, _OS)
    arch = _arch(target.arch, system)
    if target.macos and system is None:
        system = "Darwin"
    libc_kind, glibc = parse_libc(target.libc) if target.libc else (None, None)
    if target.libc and libc_kind is None:
        raise BadRequest(f"--libc {target.libc!r}: expected glibc-2.35 or musl")
    jetpack = _version("jetpack", target.jetpack)
    cc = _version("cc", target.cc)
    gpus: tuple[NvidiaGpu, ...] = ()
    gfx: tuple[str | None, ...] = ()
    if target.gpu:
        name, found_cc, found_gfx = _gpu(target.gpu, gpu_table)
        if found_gfx:
            gfx = (found_gfx,)
        else:
            gpus = (NvidiaGpu(name=name, cc=cc or _version("cc", found_cc)),)
    elif cc is not None or jetpack is not None:
        gpus = (NvidiaGpu(name=None, cc=cc),)
    if jetpack is not None:
        system, arch = system or "Linux", arch or "aarch64"
    wsl = 2 if (target.wsl or "").strip() in ("2", "true", "yes") else None
    driver_version = _version("driver", target.driver)
    machine = Machine(
        system=system,
        machine=arch,
        platform=platform_of(system, arch),
        wsl=wsl,
        python=_version("python", target.python),
        macos=_version("macos", target.macos),
        nvidia=gpus,
        driver=target.driver if driver_version else None,
        driver_version=driver_version,
        gfx=gfx,
        libc=libc_kind,
        glibc=glibc,
        jetpack=jetpack,
        jetson=jetpack is not None or "jetson" in (target.gpu or "").lower(),
        interpreter=_choice(
            "interpreter",
            target.interpreter,
            {
                "externally-managed": "externally-managed",
                "conda-base": "conda-base",
                "venv": "",
                "system": "",
            },
        )
        or None,
    )
    if machine.system is None or machine.machine is None:
        missing = [f for f, v in (("--os", machine.system), ("--arch", machine.machine)) if not v]
        raise BadRequest(
            f"dlrec plan needs {' and '.join(missing)} (or DLREC_TARGET_OS / DLREC_TARGET_ARCH): "
            "wheels differ per OS and architecture"
        )
    return machine, _unknowns(target, machine)


def _unknowns(target: Target, machine: Machine) -> tuple[str, ...]:
    out = []
    if machine.python is None:
        out.append("Python not given (--python): the newest release is planned unchecked")
    if (machine.system or "") == "Linux" and target.libc is None:
        out.append("libc not given (--libc): glibc of unknown version")
    if machine.nvidia and not machine.driver and not machine.jetson:
        out.append("NVIDIA driver not given (--driver or UV_CUDA_DRIVER_VERSION)")
    if machine.jetson and machine.jetpack is None:
        out.append("JetPack not given (--jetpack): a Jetson's wheels depend on it")
    return tuple(out)


def accelerator_of(machine: Machine) -> str:
    """The accelerator a target with this GPU is planned for."""
    if machine.gfx:
        return "amd"
    if machine.nvidia:
        return "nvidia"
    if machine.platform is not None and machine.platform.value == "macos_arm64":
        return "apple"
    return "cpu"
