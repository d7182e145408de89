"""WSL 2's GPU path: whether a paste is from WSL 2, and what to do there instead of installing a driver.

Under WSL 2 the GPU comes from the Windows driver (its libraries mounted at /usr/lib/wsl/lib), so a
"no driver", "no device" or missing-libcuda message there is WSL's path, not a Linux driver or CUDA
toolkit to add; WSL 1 has no GPU at all.
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.facts.reports import Paste

#: Under WSL 2 there is no Linux driver to install: nvidia-smi, NVML and the CUDA runtime reach
#: the Windows driver through /usr/lib/wsl/lib, so "no driver" or "no device" there is WSL's GPU
#: path (Windows build and driver, a Linux driver installed inside WSL), not a driver to add.
NO_GPU_UNDER_WSL = frozenset({Category.NO_DEVICE.value, Category.NO_DRIVER.value})

#: What to do instead of installing a driver there (NVIDIA's CUDA on WSL user guide).
WSL_FIX = (
    "Under WSL 2 the GPU comes from the Windows driver (its libraries are mounted at "
    "/usr/lib/wsl/lib): install or update the Windows GPU driver (one with WSL support), remove "
    "any Linux GPU driver packages installed inside the distribution, then restart WSL "
    "(wsl --shutdown)"
)


def on_wsl2(paste: Paste) -> bool:
    """WSL 2, from a platform string or the WSL issue template's ticked box; or WSL named in
    prose ("WSL2", "Windows Subsystem for Linux"), or the report filed in WSL's tracker, where
    nothing says WSL 1 (which has no GPU at
    all): libcuda comes from the Windows driver there either way."""
    fact = paste.facts.get("os.wsl")
    wsl = (paste.doc.get("os") or {}).get("wsl")
    if (fact is not None and str(fact.value) == "2") or wsl == 2:
        return True
    named = any(
        h.signature.startswith("wsl-named-")
        and not any(word in paste.line(h.line).lower() for word in _NOT_ON_WSL)
        for h in paste.hits
    ) or _filed_in_wsl(paste)
    return named and wsl != 1 and (fact is None or str(fact.value) != "1")


def _filed_in_wsl(paste: Paste) -> bool:
    """The report was filed in WSL's own issue tracker (the context's fact, line 0): it comes
    from inside WSL, its version unsaid."""
    named = paste.facts.get("os.wsl_named")
    return named is not None and named.line == 0


#: The NVIDIA container runtime's debug log asks on every host whether it runs under WSL
#: ("attempting to load dxcore to see if we are running under Windows Subsystem for Linux") and
#: answers "continuing assuming a non-WSL environment": both name WSL without being on it
#: (libnvidia-container, src/nvc.c).
_NOT_ON_WSL = ("to see if we are running under", "non-wsl")


def wsl_version_unsaid(paste: Paste) -> bool:
    """WSL is only named ("I use WSL", "Windows Subsystem for Linux"): no platform string, ticked
    template box or Windows build says which one. WSL 1 has no GPU at all, so a GPU that cannot
    be reached there may be WSL 1's as much as WSL 2's driver path (21h, blind round 26: a 2019
    post, when only WSL 1 existed, naming just "WSL")."""
    if paste.facts.get("os.wsl") is not None:
        return False
    if paste.facts.get("os.windows_build") is not None and not _filed_in_wsl(paste):
        return False  # (a report whose text does not name WSL at all says nothing of which one)
    return (paste.doc.get("os") or {}).get("wsl") not in (1, 2) and on_wsl2(paste)


#: The fix where the WSL version is not stated: find it out first.
WSL_FIX_UNSAID = (
    "First see which WSL this is (wsl -l -v in Windows): WSL 1 has no GPU support at all "
    "(convert it: wsl --set-version <distro> 2). " + WSL_FIX
)


#: The ROCm runtime's own words for not reaching the GPU at all (rocminfo's HSA status, the kfd
#: device node, hipErrorNoDevice's string, ROCr's GPU check). Under WSL 2 ROCm reaches an AMD GPU
#: through the Windows driver (no amdgpu module or /dev/kfd there), and only the ROCm releases and
#: GPUs AMD's ROCm-on-WSL matrix lists do: these failures there are WSL's path (an unsupported
#: release, distribution or GPU), not a Linux driver to load. A gfx-target message
#: (hipErrorInvalidDeviceFunction, no code object) stays ROCm's own.
_ROCM_UNREACHED = (
    "hsa_status_error_out_of_resources",
    "/dev/kfd",
    "no rocm-capable device",
    "rocr: unsupported gpu",
)

#: What to do there (AMD's "Install Radeon software for WSL with ROCm" guide).
ROCM_WSL_FIX = (
    "Under WSL 2 ROCm reaches the GPU through the Windows AMD driver (there is no amdgpu module, "
    "/dev/kfd or rocm-smi inside WSL): install the ROCm release that AMD's ROCm-on-WSL guide names "
    "(amdgpu-install --usecase=wsl,rocm --no-dkms) with the Windows driver it pairs with, on a "
    "distribution and GPU its WSL compatibility matrix lists"
)


def rocm_unreached(paste: Paste, lines: list[int]) -> bool:
    """The matched ROCm message says the runtime could not reach the GPU at all."""
    return any(word in paste.line(n).lower() for n in lines for word in _ROCM_UNREACHED)


#: How a loader names the driver's library: its file (libcuda.so, .so.1), or without the file
#: (cudarc: the "cuda" shared library, with Windows' nvcuda beside it).
_LIBCUDA = ("libcuda.so", '"cuda" shared library', "cuda lib under the names")
#: The driver's NVML library, which WSL 2 mounts beside libcuda in /usr/lib/wsl/lib from the
#: Windows driver (nvidia-smi's "couldn't find libnvidia-ml.so library in your system" there is
#: the same path: NVIDIA's CUDA on WSL guide, root's PATH and the loader's path lack it).
_NVML = ("libnvidia-ml.so",)


def names_libcuda(paste: Paste, lines: list[int], *, linker: bool = False) -> bool:
    """On WSL 2 libcuda is the Windows driver's, mounted at /usr/lib/wsl/lib: a message that it
    is missing is WSL's library path, not a CUDA toolkit to install. (A CUDA initialisation that
    fails there although the driver answers, category no-device, is the same path: a Linux driver
    or a hand-made libcuda shadows the Windows one.) ``linker``: the linker's ``-lcuda`` counts
    too (it wants the unversioned libcuda.so, which a working driver may lack: no proof that the
    driver is missing, but under WSL 2 the same library path)."""
    words = (*_LIBCUDA, *_NVML, "-lcuda") if linker else (*_LIBCUDA, *_NVML)
    return any(word in paste.line(n).lower() for n in lines for word in words)


#: A Linux driver's own user-space library named with its driver version (libcuda.so.535.104.05,
#: libnvidia-ml.so.418.226.00). WSL 2's come from the Windows driver as libcuda.so.1.1 and
#: libnvidia-ml.so.1 in /usr/lib/wsl/lib, so under WSL 2 such a file is a Linux NVIDIA driver
#: installed inside the distribution, which shadows the Windows driver's libraries (NVIDIA's CUDA on
#: WSL guide: no Linux display driver inside WSL; "got same problem after install cuda nvidia
#: driver in WSL2", https://github.com/microsoft/WSL/issues/11755).
_LINUX_DRIVER_LIBRARY = re.compile(r"\blib(?:cuda|nvidia-ml)\.so\.[0-9]{3}\.[0-9]")

#: The failures a Linux driver inside WSL 2 gives: its libcuda is older or newer than the Windows
#: driver (too old, a symbol missing), its NVML does not match, no device or driver is found.
LINUX_DRIVER_SYMPTOMS = frozenset(
    {
        Category.DRIVER_TOO_OLD.value,
        Category.DRIVER_MISMATCH.value,
        Category.MISSING_LIBRARY.value,
        Category.NO_DEVICE.value,
        Category.NO_DRIVER.value,
    }
)


def names_linux_driver(paste: Paste, lines: list[int]) -> bool:
    """The matched lines name a Linux driver's versioned libcuda or NVML (outside
    /usr/lib/wsl/lib)."""
    return any(
        _LINUX_DRIVER_LIBRARY.search(paste.line(n)) and "/usr/lib/wsl/" not in paste.line(n)
        for n in lines
    )
