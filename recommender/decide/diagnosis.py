"""A paste's findings: what the text proves is wrong, each with its proving lines and one fix.

Three sources, in this order: the checklist items of each framework the paste shows (their fixes
come from the install planner), the known error messages found in the text
(rules/signatures.yaml), and what only a paste can show (WSL 1, a library whose prebuilt kernels
skip the GPU, two blocks that disagree). One finding per diagnosis category; a later source adds
its lines to an earlier finding of the same category instead of repeating it. Pure: values in,
values out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.checklist.build import Checklist, Item
from recommender.facts.reports import Fact, Paste, Signature
from recommender.rulebase.checklist.template import Status

#: A checklist item (by key) -> the diagnosis its failure is.
ITEM_CATEGORY: Mapping[str, Category] = {
    "driver": Category.DRIVER_TOO_OLD,
    "build": Category.CPU_WHEEL_ON_GPU,
    "jax-build": Category.CPU_WHEEL_ON_GPU,
    "windows-gpu": Category.CPU_WHEEL_ON_GPU,
    "compute-capability": Category.ARCH_UNSUPPORTED,
    "gfx-target": Category.ROCM_ISSUE,
    "gpu-visible": Category.NO_DRIVER,
    "wsl": Category.WSL_ISSUE,
    "mps": Category.MPS_ISSUE,
    "rosetta": Category.MPS_ISSUE,
    "companions": Category.VERSION_MISMATCH,
}
#: Items whose warning is a finding too (the others warn about what a paste cannot show).
WARN_ITEMS = frozenset({"wsl"})
#: The facts each item reads, to quote their lines.
ITEM_FACTS: Mapping[str, tuple[str, ...]] = {
    "driver": ("frameworks.", "driver.", "gpu."),
    "build": ("frameworks.", "gpu.", "driver."),
    "jax-build": ("frameworks.jax", "jax.", "gpu.", "driver."),
    "windows-gpu": ("frameworks.tensorflow", "os."),
    "compute-capability": ("frameworks.pytorch", "gpu."),
    "gfx-target": ("frameworks.pytorch", "gpu."),
    "gpu-visible": ("frameworks.pytorch", "driver.", "gpu."),
    "wsl": ("os.", "frameworks.pytorch.cuda_available"),
    "mps": ("os.", "mps.", "frameworks.pytorch"),
    "rosetta": ("os.",),
    "companions": ("frameworks.pytorch",),
}
#: Libraries with their own prebuilt CUDA kernels: the lowest compute capability they publish.
LIBRARY_KERNELS: tuple[tuple[str, str, float, str], ...] = (
    ("vllm", "vLLM", 7.0, "https://docs.vllm.ai/en/v0.14.0/getting_started/installation/gpu/"),
    (
        "flash-attn",
        "flash-attn (FlashAttention 2)",
        8.0,
        "https://github.com/Dao-AILab/flash-attention/issues/762",
    ),
)
#: Libraries with their own kernels but no published list of compute capabilities.
UNPUBLISHED = (
    ("bitsandbytes", "bitsandbytes"),
    ("xformers", "xformers"),
    ("deepspeed", "DeepSpeed ops"),
)
WSL_URL = "https://docs.nvidia.com/cuda/wsl-user-guide/index.html"
#: gfx targets ROCm builds no kernels for, and the one whose code they run (rules/compat.yaml
#: rocm-rdna2-gfx-override reads the same source).
NO_KERNELS_GFX = {"gfx1031": "10.3.0", "gfx1032": "10.3.0"}
GFX_URL = "https://github.com/ROCm/ROCm/issues/2353"
CUDA_NOTES_URL = "https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html"
TF_WINDOWS_URL = "https://www.github.com/tensorflow/tensorflow/releases/tag/v2.11.1"
#: Packages that ship a CUDA runtime into the environment: name -> how its version reads.
CUDA_RUNTIMES = (
    "cudatoolkit",
    "pytorch-cuda",
    "nvidia-cuda-runtime-cu12",
    "nvidia-cuda-runtime-cu11",
)
_QUOTE_CHARS = 240
_MAX_QUOTES = 6


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    line: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    id: str
    category: str
    status: str  # fail, warn or ok
    title: str
    detail: str
    fix: str | None
    quotes: tuple[Quote, ...]
    source: str
    #: Other categories the same cause belongs to (a gfx target without kernels is both a ROCm
    #: problem and a missing architecture).
    also: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "also": list(self.also),
            "status": self.status,
            "title": self.title,
            "detail": self.detail,
            "fix": self.fix,
            "lines": [{"line": q.line, "text": q.text} for q in self.quotes],
            "source": self.source,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnosis:
    origin: str
    formats: tuple[str, ...]
    frameworks: tuple[str, ...]
    findings: tuple[Finding, ...]
    facts: tuple[Fact, ...]

    @property
    def failed(self) -> bool:
        return any(f.status == "fail" for f in self.findings)

    @property
    def categories(self) -> tuple[str, ...]:
        found = (c for f in self.findings if f.status != "ok" for c in (f.category, *f.also))
        return tuple(dict.fromkeys(found))

    def to_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "formats": list(self.formats),
            "frameworks": list(self.frameworks),
            "healthy": not self.failed,
            "categories": list(self.categories),
            "findings": [f.to_dict() for f in self.findings],
            "facts": [{"fact": f.path, "value": f.value, "line": f.line} for f in self.facts],
        }


def _quote(paste: Paste, number: int) -> Quote:
    text = paste.line(number).strip()
    if len(text) > _QUOTE_CHARS:
        text = text[: _QUOTE_CHARS - 1] + "…"
    return Quote(line=number, text=text)


def _quotes(paste: Paste, lines: Sequence[int]) -> tuple[Quote, ...]:
    unique = sorted(dict.fromkeys(n for n in lines if n > 0))[:_MAX_QUOTES]
    return tuple(_quote(paste, n) for n in unique)


def _fact_lines(paste: Paste, prefixes: Sequence[str]) -> list[int]:
    return [f.line for path, f in paste.facts.items() if path.startswith(tuple(prefixes))]


def _from_items(paste: Paste, checklists: Mapping[str, Checklist]) -> list[Finding]:
    out = []
    for framework, checklist in checklists.items():
        for item in checklist.items:
            category = ITEM_CATEGORY.get(item.id)
            if category is None or not _counts(item):
                continue
            lines = _fact_lines(paste, ITEM_FACTS.get(item.id, ("frameworks.",)))
            out.append(
                Finding(
                    id=f"{framework}:{item.id}",
                    category=category.value,
                    status=item.status.value,
                    title=item.title,
                    detail=item.detail,
                    fix=item.fix,
                    quotes=_quotes(paste, lines),
                    source=item.rule,
                )
            )
    return out


def _counts(item: Item) -> bool:
    return item.status is Status.FAIL or (item.status is Status.WARN and item.id in WARN_ITEMS)


def _planner_fix(checklists: Mapping[str, Checklist], key: str | None) -> str | None:
    if key is None:
        return None
    for checklist in checklists.values():
        for item in checklist.items:
            if item.id == key and item.fix and item.status is not Status.OK:
                return item.fix
    return None


def _from_hits(
    paste: Paste, signatures: Mapping[str, Signature], checklists: Mapping[str, Checklist]
) -> list[Finding]:
    out = []
    gpu = shows_gpu(paste)
    for sid in dict.fromkeys(h.signature for h in paste.hits):
        sig = signatures[sid]
        if sig.status == "fact":
            continue
        lines = [h.line for h in paste.hits if h.signature == sid]
        harmless = (sig.needs == "gpu" and not gpu) or (sig.needs == "no-gpu" and gpu)
        also = sig.also
        if sig.diagnosis == Category.ARCH_UNSUPPORTED.value and _library_kernels_in_use(
            paste, checklists
        ):
            also = (*also, Category.LIBRARY_KERNELS_UNSUPPORTED.value)
        out.append(
            Finding(
                id=f"signature:{sid}",
                category=sig.diagnosis,
                also=also,
                status="warn" if harmless else sig.status,
                title=sig.title,
                detail=f"the text shows a known message ({sid})"
                + (
                    f"; harmless here: the paste shows {'a' if gpu else 'no'} GPU"
                    if harmless
                    else ""
                ),
                fix=_planner_fix(checklists, sig.fix_item) or sig.fix_text,
                quotes=_quotes(paste, lines),
                source=sig.source,
            )
        )
    return out


def _library_kernels_in_use(paste: Paste, checklists: Mapping[str, Checklist]) -> bool:
    """A missing kernel is a library's own when the paste shows such a library at work (its
    traceback, its package) or proves torch's own kernels cover the GPU (torch's architecture
    check passed with a known list)."""
    if any(paste.facts.get(f"package.{p}") for p, *_ in LIBRARY_KERNELS) or any(
        paste.facts.get(f"package.{p}") for p, _ in UNPUBLISHED
    ):
        return True
    torch = checklists.get("pytorch")
    cc = next((i for i in torch.items if i.id == "compute-capability"), None) if torch else None
    return cc is not None and cc.status is Status.OK and "architectures (" in cc.detail


def shows_gpu(paste: Paste) -> bool:
    """The paste shows an accelerator: a GPU listed, a driver line, a device a framework saw."""
    facts = paste.facts
    if any(isinstance(a, Mapping) for a in paste.doc.get("accelerators") or ()):
        return True
    if (
        facts.get("frameworks.pytorch.cuda_available")
        and facts["frameworks.pytorch.cuda_available"].value
    ):
        return True
    devices = facts.get("jax.devices")
    return bool(devices and "gpu" in str(devices.value)) or any(
        p.startswith(("gpu.", "driver.")) for p in facts
    )


def _gpu_ccs(paste: Paste, doc: Mapping[str, Any]) -> list[tuple[str, float]]:
    out = []
    for acc in doc.get("accelerators") or ():
        if (
            isinstance(acc, Mapping)
            and acc.get("vendor") == "nvidia"
            and acc.get("compute_capability")
        ):
            try:
                out.append((str(acc.get("name") or "the GPU"), float(acc["compute_capability"])))
            except ValueError:
                continue
    return out


def _library_findings(paste: Paste) -> list[Finding]:
    doc = paste.doc
    ccs = _gpu_ccs(paste, doc)
    out = []
    for package, label, floor, url in LIBRARY_KERNELS:
        fact = paste.facts.get(f"package.{package}") or (
            paste.facts.get("vllm.version") if package == "vllm" else None
        )
        if fact is None or not ccs:
            continue
        low = [(n, cc) for n, cc in ccs if cc < floor]
        if not low:
            continue
        name, cc = low[0]
        gpu_lines = _fact_lines(paste, ("gpu.",))
        out.append(
            Finding(
                id=f"library:{package}",
                category=Category.LIBRARY_KERNELS_UNSUPPORTED.value,
                status="fail",
                title=f"{label}'s own kernels do not cover this GPU",
                detail=(
                    f"{name} has compute capability {cc:.1f}; {label} publishes kernels for "
                    f"{floor:.1f} and newer (torch's own check does not cover {label})"
                ),
                fix=f"Run {label} on a GPU of compute capability {floor:.1f} or newer, or build it from source for {cc:.1f}",
                quotes=_quotes(paste, [fact.line, *gpu_lines]),
                source=url,
            )
        )
    return out


#: WSL 2 exists from this Windows 10 build on (backported to 1903/1909; first in 2004's 19041).
WSL2_FIRST_BUILD = 18362
WSL_BUILDS_URL = "https://github.com/MicrosoftDocs/WSL/pull/752"


def _wsl1_by_build(paste: Paste) -> list[int]:
    """Lines proving WSL 1: a Windows build older than WSL 2, in a paste about WSL."""
    build = paste.facts.get("os.windows_build")
    if build is None or not is_digits(str(build.value)) or int(build.value) >= WSL2_FIRST_BUILD:
        return []
    mentions = [n for n, line in enumerate(paste.lines, 1) if "wsl" in line.lower()][:3]
    return [build.line, *mentions] if mentions else []


def _wsl2_note(paste: Paste) -> list[Finding]:
    """WSL 2 is remarked on even when nothing fails there: CUDA comes from the Windows driver."""
    return [
        Finding(
            id="platform:wsl2",
            category=Category.WSL_ISSUE.value,
            status="ok",
            title="WSL 2",
            detail=(
                "CUDA under WSL 2 comes from the Windows NVIDIA driver (/usr/lib/wsl/lib); a Linux "
                "driver installed inside WSL breaks it"
            ),
            fix=None,
            quotes=_quotes(paste, _fact_lines(paste, ("os.",))),
            source=WSL_URL,
        )
    ]


def _platform_findings(paste: Paste) -> list[Finding]:
    osd = paste.doc.get("os") or {}
    by_build = _wsl1_by_build(paste)
    if not by_build and isinstance(osd, Mapping) and osd.get("wsl") == 2:
        return _wsl2_note(paste)
    if not by_build and (not isinstance(osd, Mapping) or osd.get("wsl") != 1):
        return []
    lines = by_build or _fact_lines(paste, ("os.",))
    return [
        Finding(
            id="platform:wsl1",
            category=Category.WSL1.value,
            status="fail",
            title="WSL 1 has no GPU support",
            detail=(
                f"this Windows build predates WSL 2 (build {WSL2_FIRST_BUILD}+), so WSL here is WSL 1; CUDA on WSL needs WSL 2"
                if by_build
                else "the platform string is WSL 1's (a 4.4 'Microsoft' kernel); CUDA on WSL needs WSL 2"
            ),
            fix="Convert the distribution to WSL 2 (wsl --set-version <distro> 2) and install the NVIDIA driver on Windows only",
            quotes=_quotes(paste, lines),
            source=WSL_BUILDS_URL if by_build else WSL_URL,
        )
    ]


def _driver_mismatch(paste: Paste) -> list[Finding]:
    """libcuda (user space) and the loaded kernel module report different driver versions."""
    dso, kernel = paste.facts.get("driver.library"), paste.facts.get("driver.kernel")
    if dso is None or kernel is None:
        return []
    numbers = [
        tuple(int(p) for p in str(f.value).split(".")[:2] if is_digits(p)) for f in (dso, kernel)
    ]
    if numbers[0] == numbers[1]:
        return []
    return [
        Finding(
            id="driver:mismatch",
            category=Category.DRIVER_MISMATCH.value,
            status="fail",
            title="The loaded kernel module and libcuda are different driver versions",
            detail=f"libcuda is {dso.value}, the kernel module {kernel.value} (a driver update not yet followed by a reboot)",
            fix="Reboot, or reinstall one driver version so that the kernel module and libcuda match",
            quotes=_quotes(paste, [dso.line, kernel.line]),
            source="https://github.com/tensorflow/tensorflow/issues/1158",
        )
    ]


def _major_minor(value: object) -> tuple[int, int] | None:
    parts = str(value).split(".")
    if len(parts) < 2 or not is_digits(parts[0]) or not is_digits(parts[1][:2]):
        return None
    return int(parts[0]), int("".join(ch for ch in parts[1][:2] if is_digits(ch)))


def _cpu_builds(paste: Paste) -> list[Finding]:
    """A CPU-only build the text proves (``+cpu``, a conda ``_cpu`` build, ``cpuonly``,
    tensorflow-cpu, TensorFlow 2.11+ on native Windows): a fail next to a GPU, a warning else."""
    gpu = shows_gpu(paste)
    out = []
    for path, fact in paste.facts.items():
        if not (path.startswith("frameworks.") and path.endswith(".build.flavour")):
            continue
        if fact.value != "cpu":
            continue
        framework = path.split(".")[1]
        version = paste.facts.get(f"frameworks.{framework}.version")
        out.append(
            _cpu_finding(
                paste, framework, [fact.line, *([version.line] if version else [])], gpu, ""
            )
        )
    tf = paste.facts.get("frameworks.tensorflow.version")
    osd = paste.doc.get("os") or {}
    release = _major_minor(tf.value) if tf else None
    if (
        tf is not None
        and release is not None
        and release >= (2, 11)
        and isinstance(osd, Mapping)
        and osd.get("system") == "Windows"
    ):
        lines = [tf.line, *_fact_lines(paste, ("os.",))]
        note = "TensorFlow 2.10 was the last release with GPU support on native Windows"
        out.append(_cpu_finding(paste, "tensorflow", lines, gpu, note, TF_WINDOWS_URL))
    return out


def _cpu_finding(
    paste: Paste, framework: str, lines: Sequence[int], gpu: bool, note: str, source: str = ""
) -> Finding:
    where = "next to the GPU the paste shows" if gpu else "(the paste shows no GPU)"
    return Finding(
        id=f"build:{framework}",
        category=Category.CPU_WHEEL_ON_GPU.value,
        status="fail" if gpu else "warn",
        title=f"{framework} is a CPU-only build",
        detail=f"{note or 'the version or build string says CPU only'} {where}",
        fix=None,
        quotes=_quotes(paste, lines),
        source=source,
    )


def _cuda_runtimes(paste: Paste) -> list[Finding]:
    """A CUDA runtime in the environment newer than the newest CUDA the driver supports."""
    top = paste.facts.get("driver.max_cuda")
    limit = _major_minor(top.value) if top else None
    if top is None or limit is None:
        return []
    for name in CUDA_RUNTIMES:
        fact = paste.facts.get(f"package.{name}")
        have = _major_minor(fact.value) if fact else None
        if fact is None or have is None or have <= limit:
            continue
        return [
            Finding(
                id=f"runtime:{name}",
                category=Category.DRIVER_TOO_OLD.value,
                status="fail",
                title="The environment's CUDA runtime is newer than the driver supports",
                detail=(
                    f"{name} {fact.value} needs CUDA {have[0]}.{have[1]}; the driver supports "
                    f"CUDA {top.value} at most"
                ),
                fix=(
                    f"Upgrade the NVIDIA driver to one for CUDA {have[0]}.{have[1]}, or install "
                    f"the {name} build for CUDA {top.value} or older"
                ),
                quotes=_quotes(paste, [fact.line, top.line]),
                source=CUDA_NOTES_URL,
            )
        ]
    return []


def _gfx_targets(paste: Paste) -> list[Finding]:
    """An AMD GPU whose gfx target ROCm builds no kernels for."""
    for acc in paste.doc.get("accelerators") or ():
        if not isinstance(acc, Mapping) or acc.get("gfx") not in NO_KERNELS_GFX:
            continue
        gfx = str(acc["gfx"])
        return [
            Finding(
                id="gfx-target",
                category=Category.ROCM_ISSUE.value,
                also=(Category.ARCH_UNSUPPORTED.value,),
                status="fail",
                title="AMD GPU target without ROCm kernels",
                detail=(
                    f"{acc.get('name') or 'the AMD GPU'} is {gfx}, a target ROCm builds no "
                    "kernels for: torch crashes on its first kernel, TensorFlow ignores the GPU"
                ),
                fix=f"export HSA_OVERRIDE_GFX_VERSION={NO_KERNELS_GFX[gfx]} before starting Python",
                quotes=_quotes(paste, _fact_lines(paste, ("gpu.",))),
                source=GFX_URL,
            )
        ]
    return []


def _conflicts(paste: Paste) -> list[Finding]:
    out = []
    for c in paste.conflicts:
        out.append(
            Finding(
                id=f"conflict:{c.path}",
                category=Category.OTHER.value,
                status="warn",
                title="Two parts of the paste disagree",
                detail=(
                    f"{c.path} is {c.first.value!r} on line {c.first.line} but {c.second.value!r} "
                    f"on line {c.second.line}: were they taken on the same machine, in the same "
                    "environment?"
                ),
                fix=None,
                quotes=_quotes(paste, [c.first.line, c.second.line]),
                source="",
            )
        )
    return out


def _uncovered(paste: Paste, found: Sequence[Finding]) -> list[Finding]:
    """A library with its own kernels and no published list: say torch's check is not its."""
    if any(f.category == Category.LIBRARY_KERNELS_UNSUPPORTED.value for f in found):
        return []
    out = []
    for package, label in UNPUBLISHED:
        fact = paste.facts.get(f"package.{package}")
        if fact is None:
            continue
        out.append(
            Finding(
                id=f"library:{package}",
                category=Category.LIBRARY_KERNELS_UNSUPPORTED.value,
                status="ok",
                title=f"{label} has its own kernels",
                detail=f"{label} publishes no list of compute capabilities; torch's architecture check does not cover it",
                fix=None,
                quotes=_quotes(paste, [fact.line]),
                source="",
            )
        )
    return out


def _merge(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per category (conflicts and notes stay apart); a fail beats a warn."""
    out: dict[str, Finding] = {}
    for f in findings:
        key = f.id if f.category == Category.OTHER.value or f.status == "ok" else f.category
        seen = out.get(key)
        if seen is None:
            out[key] = f
            continue
        lead, other = (seen, f) if seen.status == "fail" or f.status != "fail" else (f, seen)
        quotes = {q.line: q for q in (*lead.quotes, *other.quotes)}
        out[key] = Finding(
            id=lead.id,
            category=lead.category,
            also=tuple(dict.fromkeys((*lead.also, *other.also))),
            status=lead.status,
            title=lead.title,
            detail=lead.detail,
            fix=lead.fix or other.fix,
            quotes=tuple(quotes[n] for n in sorted(quotes))[:_MAX_QUOTES],
            source=lead.source or other.source,
        )
    order = {"fail": 0, "warn": 1, "ok": 2}
    return sorted(out.values(), key=lambda f: order.get(f.status, 3))


def diagnose(
    paste: Paste,
    checklists: Mapping[str, Checklist],
    signatures: Sequence[Signature],
    *,
    origin: str,
) -> Diagnosis:
    """The findings for ``paste``, given the checklist of each framework it shows."""
    by_id = {s.id: s for s in signatures}
    found = [
        *_from_items(paste, checklists),
        *_from_hits(paste, by_id, checklists),
        *_library_findings(paste),
        *_platform_findings(paste),
        *_cpu_builds(paste),
        *_cuda_runtimes(paste),
        *_gfx_targets(paste),
        *_driver_mismatch(paste),
        *_conflicts(paste),
    ]
    found += _uncovered(paste, found)
    if any(f.category == Category.WSL_ISSUE.value and f.status != "ok" for f in found):
        found = [f for f in found if f.id != "platform:wsl2"]  # a WSL finding says it already
    merged = _merge(found)
    if not any(f.status == "fail" for f in merged):
        merged.append(
            Finding(
                id="healthy",
                category=Category.HEALTHY.value,
                status="ok",
                title="Nothing in this environment explains a failure",
                detail="no known error message, and every check the text allows passed: look for the bug elsewhere",
                fix=None,
                quotes=(),
                source="",
            )
        )
    return Diagnosis(
        origin=origin,
        formats=paste.formats,
        frameworks=tuple(checklists),
        findings=tuple(merged),
        facts=tuple(sorted(paste.facts.values(), key=lambda f: f.line)),
    )
