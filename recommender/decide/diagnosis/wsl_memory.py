"""Out of memory under WSL 2, where WSL's own limits are the likelier cause than the job's size.

WSL 2 runs Linux in a virtual machine that gets only part of the Windows host's RAM (by default
half of it; ``memory=`` in %UserProfile%\\.wslconfig sets it): a host allocation that fails there
(torch's DefaultCPUAllocator, Python's MemoryError, ENOMEM, std::bad_alloc) or a process the OOM
killer ends ("Killed", exit code 137) ran into the VM's cap, not the machine's RAM
(https://learn.microsoft.com/en-us/windows/wsl/wsl-config). And CUDA under WSL 2 limits pinned
(page-locked) host memory (NVIDIA's CUDA on WSL guide, known limitations): a DataLoader's
pin_memory, cudaHostAlloc or cudaHostRegister fails with CUDA's raw out-of-memory status
("CUDA error: out of memory", cudaErrorMemoryAllocation, error 2) while the GPU has memory free,
where torch's caching allocator, for device memory, says "CUDA out of memory. Tried to allocate".
And a device out-of-memory of a job the text says runs on native Windows: the Windows driver there
may spill device allocations into shared system memory (its CUDA sysmem fallback policy), which
WSL 2 does not follow (https://github.com/microsoft/WSL/issues/11050). Each is named beside the
out-of-memory, as a warning: the paste shows WSL and the kind of memory, not the cap itself."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.wsl import on_wsl2
from recommender.facts.reports import Paste
from recommender.facts.reports.signatures import Signature

WSL_CONFIG_URL = "https://learn.microsoft.com/en-us/windows/wsl/wsl-config"
WSL_GUIDE_URL = "https://docs.nvidia.com/cuda/wsl-user-guide/index.html"

#: Words of a line that say the host's memory (RAM) ran out, not a device's (Python's MemoryError
#: as its own word: torch's OutOfMemoryError is the GPU's).
_HOST = re.compile(
    r"DefaultCPUAllocator|oom-killer|out of memory: kill|(?<![a-z])MemoryError|cannot allocate "
    r"memory|bad_alloc|system memory|\bkilled\b|\b137\b|SIGKILL",
    re.IGNORECASE,
)
#: Words that name pinned host memory (anywhere in the paste: a DataLoader's pin thread, the CUDA
#: call that pins).
_PINNED = (
    "pin_memory",
    "pinned memory",
    "cudahostalloc",
    "cudahostregister",
    "cudamallochost",
    "cachinghostallocator",
    "page-locked",
)
#: CUDA's raw out-of-memory status as programs print it (not torch's caching allocator's
#: "CUDA out of memory. Tried to allocate", which is device memory).
_RAW_CUDA = (
    "cuda error: out of memory",
    "cuda error 2 ",
    "cudaerrormemoryallocation",
    "cuda_error_out_of_memory",
    "cuda failure 'out of memory'",
    # OpenCV's CUDA module: "(-217:Gpu API call) out of memory in function 'setDevice'"
    # (microsoft/WSL#9829, under WSL 2 with most of the GPU's memory free)
    "gpu api call) out of memory",
)
#: torch's out-of-memory message with what it asked for and what the GPU had free ("Tried to
#: allocate 2.00 MiB. GPU 0 has a total capacity of 24.00 GiB of which 20.13 GiB is free", or the
#: older "...; 20.13 GiB free; ..."): free memory beyond the request is no GPU that is full.
_ASKED = re.compile(r"Tried to allocate (?P<n>[0-9]{1,7}(?:\.[0-9]{1,3})?) (?P<u>GiB|MiB|KiB)")
_FREE = re.compile(
    r"(?:of which (?P<a>[0-9]{1,7}(?:\.[0-9]{1,3})?) (?P<au>GiB|MiB|KiB) is free"
    r"|; (?P<b>[0-9]{1,7}(?:\.[0-9]{1,3})?) (?P<bu>GiB|MiB|KiB) free;)"
)
_MIB = {"GiB": 1024.0, "MiB": 1.0, "KiB": 1 / 1024}
_MAX_LINES = 20000
#: A sentence saying the same job runs on native Windows ("it works fine on Windows", "runs
#: without problem in native Windows", "on Windows it works").
_FITS_ON_WINDOWS = re.compile(
    r"(?:works?|worked|working|runs?|ran|running|fine|no problems?|no issues?)\b[^.\n]{0,40}"
    r"\b(?:on|in|under) (?:native |plain )?Windows\b|\b(?:on|in|under) (?:native )?Windows,? "
    r"(?:it |this |everything )?(?:works|worked|runs|ran|is fine)",
    re.IGNORECASE,
)
#: WSL 2 does not follow the Windows driver's CUDA sysmem fallback policy (a Windows setting that
#: lets device allocations spill into shared system memory).
SYSMEM_FALLBACK_URL = "https://github.com/microsoft/WSL/issues/11050"


def _oom_lines(paste: Paste, signatures: Mapping[str, Signature]) -> list[int]:
    """The lines a known message or a family of words reads as out of memory."""
    oom = Category.OUT_OF_MEMORY.value
    return sorted(
        {
            h.line
            for h in paste.hits
            if h.signature in signatures and signatures[h.signature].diagnosis == oom
        }
    )


def _pinned_line(paste: Paste) -> int | None:
    for number, line in enumerate(paste.lines[:_MAX_LINES], 1):
        low = line.lower()
        if any(word in low for word in _PINNED):
            return number
    return None


def _wsl_lines(paste: Paste) -> list[int]:
    return [f.line for p, f in paste.facts.items() if p in ("os.wsl", "os.wsl_named")]


def wsl_memory_limits(paste: Paste, signatures: Mapping[str, Signature]) -> list[Finding]:
    """WSL's memory cap or pinned-memory limit beside an out-of-memory that shows its kind."""
    if not on_wsl2(paste):
        return []
    lines = _oom_lines(paste, signatures)
    texts = {n: paste.line(n).lower() for n in lines}
    host = [n for n in lines if _HOST.search(paste.line(n))]
    raw = [n for n in lines if any(word in texts[n] for word in _RAW_CUDA)]
    pinned = _pinned_line(paste) if lines else None
    if pinned is not None or raw:
        cuda = raw or lines
        return [_limit_finding(paste, PINNED, [*cuda[:2], *([pinned] if pinned else [])])]
    if host:
        return [_limit_finding(paste, MEMORY_CAP, host[:2])]
    roomy = [n for n in lines if _free_beyond_request(paste.line(n))]
    if roomy:
        return [_limit_finding(paste, FREE_BEYOND_REQUEST, roomy[:2])]
    windows = _first_line(paste, _FITS_ON_WINDOWS) if lines else None
    if windows is not None:
        return [_limit_finding(paste, FITS_ON_WINDOWS, [*lines[:2], windows])]
    return []


def _free_beyond_request(line: str) -> bool:
    """torch's out-of-memory line reports at least twice the request free on the GPU (and a
    request of 1 MiB or more: a fragmentation-sized request is the allocator's own)."""
    asked = _ASKED.search(line)
    free = _FREE.search(line) if asked else None
    if asked is None or free is None:
        return False
    amount, unit = (
        (free.group("a"), free.group("au"))
        if free.group("a")
        else (free.group("b"), free.group("bu"))
    )
    want = float(asked.group("n")) * _MIB[asked.group("u")]
    have = float(amount) * _MIB[unit]
    return want >= 1.0 and have >= 2 * want


def _first_line(paste: Paste, pattern: re.Pattern[str]) -> int | None:
    for number, line in enumerate(paste.lines[:_MAX_LINES], 1):
        if pattern.search(line):
            return number
    return None


@dataclass(frozen=True)
class _Limit:
    """One of WSL 2's memory limits, as its finding names it."""

    id: str
    title: str
    detail: str
    fix: str
    source: str


#: Under WSL 2 the GPU's memory goes through the Windows driver's paravirtualisation, whose own
#: overhead and residency limits refuse allocations that the free memory CUDA reports would hold
#: (microsoft/WSL#40401: torch.OutOfMemoryError with 50 GiB and more reported free, on WSL 2 only).
FREE_BEYOND_REQUEST = _Limit(
    id="wsl:free-beyond-request",
    title="WSL 2: the GPU refused an allocation while reporting far more memory free",
    detail=(
        "the paste is from WSL 2 and the out-of-memory message itself reports much more free "
        "GPU memory than was asked for: WSL 2's GPU paravirtualisation (the Windows driver's "
        "overhead and residency limits) refuses allocations that native Linux would grant"
    ),
    fix=(
        "Under WSL 2 leave expandable_segments out of PYTORCH_CUDA_ALLOC_CONF, ask for less at "
        "once (a lower --gpu-memory-utilization, smaller batch or cache), update the Windows "
        "NVIDIA driver and WSL (wsl --update); or run the job on native Linux"
    ),
    source="https://github.com/microsoft/WSL/issues/40401",
)

FITS_ON_WINDOWS = _Limit(
    id="wsl:fits-on-windows",
    title="The job fits on native Windows but runs out of GPU memory in WSL 2",
    detail=(
        "the paste is from WSL 2, the GPU ran out of memory, and the text says the same job "
        "works on Windows: there the driver can spill into shared system memory (its CUDA "
        "sysmem fallback policy), which WSL 2 does not do, and WSL 2 limits pinned memory "
        "and its VM's RAM"
    ),
    fix=(
        "Size the job for the GPU's own memory under WSL 2 (smaller batch, resolution or "
        "model, more quantisation, CPU offload), turn pinned memory off (pin_memory=False), or "
        "run it on native Windows where the sysmem fallback applies"
    ),
    source=SYSMEM_FALLBACK_URL,
)

MEMORY_CAP = _Limit(
    id="wsl:memory-cap",
    title="WSL 2's virtual machine ran out of its share of RAM (WSL's memory cap)",
    detail=(
        "the paste is from WSL 2 and the host's memory ran out: WSL 2's VM gets only part of "
        "the Windows RAM (by default half), so a job that fits the machine can be killed "
        "or refused memory there"
    ),
    fix=(
        "Give WSL more memory and swap in %UserProfile%\\.wslconfig ([wsl2] memory=48GB, "
        "swap=16GB; saved as UTF-8), run wsl --shutdown, and check `free -h` inside WSL; or "
        "load with less RAM (mmap / low_cpu_mem_usage, fewer DataLoader workers)"
    ),
    source=WSL_CONFIG_URL,
)

PINNED = _Limit(
    id="wsl:pinned-memory",
    title="WSL 2 limits pinned host memory: CUDA's out-of-memory there is likely WSL's limit",
    detail=(
        "the paste is from WSL 2 and CUDA's raw out-of-memory status (or pinned memory) is "
        "named: CUDA on WSL 2 caps page-locked host memory well below the machine's RAM, so "
        "pin_memory, cudaHostAlloc or cudaHostRegister fail there while the GPU has memory "
        "free"
    ),
    fix=(
        "Turn pinned memory off (DataLoader(pin_memory=False); the program's own option for "
        "pinned buffers, e.g. GGML_CUDA_NO_PINNED=1 for llama.cpp), or run on native Linux; "
        "update the Windows NVIDIA driver and WSL (wsl --update)"
    ),
    source=WSL_GUIDE_URL,
)


def _limit_finding(paste: Paste, limit: _Limit, lines: list[int]) -> Finding:
    return Finding(
        id=limit.id,
        category=Category.WSL_ISSUE.value,
        also=(Category.OUT_OF_MEMORY.value,),
        status="warn",
        title=limit.title,
        detail=limit.detail,
        fix=limit.fix,
        quotes=quote_lines(paste, [*lines, *_wsl_lines(paste)]),
        source=limit.source,
    )
