"""GPUs named in prose ("I have an RTX 4090", "on V100s"): read only where no block of the paste
lists a GPU, and only names the GPU table knows (so "P0" or "A1" in a log stays unread). A
framework's version, the Windows release, the NVIDIA driver and a torch build stated in a sentence
("My tensorflow version is 2.12.0", "My system is Windows 11", "driver 470", "nvidia-driver-535",
"I installed torch 2.1.0+cu121") are read only where no block states them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.amd_named import read_amd
from recommender.facts.reports.gpu_listings import windows_release
from recommender.facts.reports.gpus import GpuTable, compute_capability
from recommender.facts.reports.lines import local_build
from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.prose_versions import (
    listed_libraries,
    named_frameworks,
    system_libraries,
    version_in_sentence,
)
from recommender.facts.reports.tables import HardwareTables

FORMAT = "prose"
#: A GPU model as people write it: GeForce's RTX/GTX/MX/GT numbers, Quadro/TITAN names, and the
#: data-centre letters-and-digits (V100, A100, T4, L40S, H200, a Kepler board's K40m/K20c, the
#: Grace superchips GH200/GB200); a
#: plural "s" is allowed; "gtx1060"
#: and "rtx 3090" as typed in a hurry are read as GTX 1060 and RTX 3090.
_CANDIDATE = re.compile(
    r"\b(?P<name>(?:GeForce )?(?:RTX|GTX|rtx|gtx) ?(?:A?[0-9]{3,4}M?(?: ?Ti)?(?: SUPER)?)"
    # the laptop and entry parts: "MX150", "MX 450", "GT 1030", "GT 750M", "940MX"; a Turing
    # workstation board's "T1000"; "Quadro RTX 3000" (the GPU table names which are known)
    r"|(?:GeForce )?(?:MX ?[0-9]{3}|GT ?[0-9]{3,4}M?|[0-9]{3}MX)|T[0-9]{4}"
    r"|Quadro RTX [0-9]{4}"
    r"|(?:Quadro|TITAN|Titan) [A-Za-z0-9]{1,8}"
    r"|(?:Tesla |NVIDIA )?[KPVTAHLB][0-9]{1,3}[A-Z]?[cm]?|G[BH][0-9]{2,3})s?\b",
    re.ASCII,
)
#: A GeForce model named by its number alone after a word for the card ("Video card: 3060ti",
#: "my GPU is a 4090", "graphics card 1660 super", "显卡 3090"; an "s" after the number is SUPER): 20xx-50xx numbers are RTX, lower ones GTX; a number the GPU table
#: does not know is not read. Not ``\b`` before the word: it runs on through Chinese text.
_BARE_MODEL = re.compile(
    r"(?<![0-9A-Za-z_])(?:video ?card|graphics ?card|GPU|VGA|显卡)s?(?![0-9A-Za-z_])"
    r"[^0-9\n]{0,12}?(?P<num>[1-9][0-9]{2,3}) ?(?P<sfx>ti|super|s)?\b",
    re.IGNORECASE,
)
#: "Nvidia 3090", "NVIDIA 2070s": the brand and a four-digit GeForce number right after it (not
#: "NVIDIA-SMI 460" nor a driver's "nvidia 470.82", three digits or a version).
_BRAND_MODEL = re.compile(
    r"(?<![0-9A-Za-z_-])nvidia {1,2}(?P<num>[1-5][0-9]{3}) ?(?P<sfx>ti|super|s)?(?![0-9A-Za-z.])",
    re.IGNORECASE,
)
#: A GeForce model the writer says they have or run on, by its number alone ("So I have a 3060",
#: "on my 2080 ti", "I'm using a 1660 super"): only after such words, only a number of a GeForce
#: model's shape (four digits 1xxx-5xxx whose tens are not 0, so "my 2000 images" and "I have a
#: 4000" stay unread; 950-980), and a number the GPU table does not know is not read.
_OWNED_MODEL = re.compile(
    r"\b(?:i (?:have|had|own|use|got)|i've got|i'm using|i am using|my|(?:with|on) (?:a|an|my))"
    r" {1,2}(?:an? {1,2}|my {1,2}|the {1,2})?(?:nvidia {1,2}|geforce {1,2})?"
    r"(?P<num>[1-5][0-9][1-9]0|9[5-8]0) ?(?P<sfx>ti|super|s)?(?![0-9A-Za-z.])",
    re.IGNORECASE,
)
_MAX_GPUS = 4
#: Table look-ups per paste (each normalises a name with a few regexes): a paste of a million
#: "A1"s must not cost a million look-ups, and people name their GPU early.
_MAX_LOOKUPS = 400
#: Candidate words looked at per paste, for the same reason (a GPU named in prose is named early).
_MAX_CANDIDATES = 2000
_DIGIT = re.compile(r"[0-9]")
#: "my tensorflow version is 2.12.0", "PyTorch version: 2.1", "jax version = 0.4.30".
_VERSION = version_in_sentence(
    "tensorflow|pytorch|torch|jax|keras", " version {0,2}(?:is|:|=) {0,4}", end=r"\b"
)
#: "My system is Windows 11", "OS: Windows 10", "operating system: Win 11"; the writer's own present
#: ("I'm on Windows 11", "I am using Windows 10": "it worked on Windows 11 last week" says nothing of
#: the machine now) and a list entry ("Windows 11, tensorflow 2.12.0", "- Windows 10 Pro:"). A paste
#: that names WSL anywhere is read as WSL's Linux, not as Windows (read_stated).
_WINDOWS = re.compile(
    r"\b(?:system|OS|platform) {0,2}(?:is|:|-) {0,4}(?:Microsoft )?Win(?:dows)? ?1[01]\b"
    r"|\b(?:I'm|I am|we're|we are) {1,2}(?:on|using|running) {1,2}(?:Microsoft )?Windows {0,2}1[01]\b"
    r"|^[ \t>*|#+-]{0,8}(?:Microsoft )?Windows {0,2}1[01](?: Pro| Home)?[,;:]",
    re.IGNORECASE,
)
#: "driver 470", "NVIDIA driver version is 535.104.05", "Driver: 550.54", "nvidia-driver-535" (the
#: Ubuntu package), a table row "| NVIDIA driver | 560.35.03 |": a driver branch is three digits, 3xx to 9xx, so "CUDA driver version 12.2"
#: and torch's "found version 11040" stay unread.
_DRIVER = re.compile(
    r"\b(?:nvidia[ -])?drivers? {0,2}(?:version {0,2})?(?:is {1,2}|: {0,4}|= {0,4}|of {1,2}|-|v|\| {0,4})?"
    r"(?P<v>[3-9][0-9]{2}(?:\.[0-9]{1,3}){0,2})\b",
    re.IGNORECASE,
)
#: The same sentence with Windows' number of the driver ("Driver version: 31.0.15.3623", as
#: Device Manager and WSL users state it): NVIDIA's INF versions have a two-digit third field
#: from 10 on (27.21.14.5671, 31.0.15.3623), AMD's a five-digit one and Intel's 100/101, so only
#: NVIDIA's are read, as NVIDIA's release (536.23; gpu_listings.windows_release).
_WINDOWS_DRIVER = re.compile(
    r"\b(?:nvidia[ -])?drivers? {0,2}(?:version {0,2})?(?:is {1,2}|: {0,4}|= {0,4})?"
    r"(?P<inf>[23][0-9]\.[0-9]{1,2}\.1[0-9]\.[0-9]{4})(?![0-9.])",
    re.IGNORECASE,
)
#: "torch 2.1.0+cu121", "pytorch==1.12.1+cu113", "torch v2.3.0+cpu", Ultralytics' banner
#: "torch-2.1.0+cpu", and a dependency dump's key and value ("torch: 2.6.0+cu124", "PyTorch
#: version: 2.1.0+cu121", JSON's "torch": "2.6.0+cu124" as InvokeAI's issue template prints it,
#: a dict's 'torch': '2.6.0+cu124'): a version whose local label
#: says the build (an unlabelled version says nothing about it).
_TORCH_BUILD = re.compile(
    r"\b(?:py)?torch(?:==|-| {1,2}v?|[\"']? {0,12}[:=] {0,4}[\"']?| {1,2}version {0,2}: {0,4})(?P<v>[0-9]\.[0-9]{1,2}(?:\.[0-9]{1,2})?"
    r"\+(?:cu[0-9]{2,3}|cpu|rocm[0-9]{1,2}(?:\.[0-9]{1,2}){0,2}))(?![0-9A-Za-z])(?!\.[0-9A-Za-z])",
    re.IGNORECASE,
)
#: The same build with its wheel tag written apart from the version, as people retell the install
#: command they ran ("torch 2.1 with cu121", "pytorch 2.1.0 (cu118)", "torch==2.3.0 for cu121",
#: "torch 2.4.0 cpu version"): only PyTorch's own tags (cuNNN, cpu), so "torch 2.1 with CUDA 12.1",
#: which may be the toolkit installed beside it, stays unread (21h, blind round 26). A bare "CPU"
#: after the version is Ultralytics' banner naming the device it picked ("torch 1.7.1 CPU" where
#: CUDA failed to start), not the build: "cpu" apart is read only after a connective or before
#: "version/build/wheel/only".
_TORCH_TAG_APART = re.compile(
    r"\b(?:py)?torch(?:==| {1,2}v?)(?P<v>[0-9]\.[0-9]{1,2}(?:\.[0-9]{1,2})?)"
    r"(?:(?: {1,2}\(| {1,2}with | {1,2}for | {1,2}built (?:with|for) )(?P<tag>cu[0-9]{2,3}|cpu)"
    r"|(?:, {0,2}| {1,2})(?P<cu>cu[0-9]{2,3})"
    r"|(?:, {0,2}| {1,2})(?P<cpu>cpu)(?= {1,2}(?:version|build|wheel|only)))(?![0-9A-Za-z]|\.[0-9A-Za-z])",
    re.IGNORECASE,
)
#: A torch release with the CPU wheels' local label, stated without the package name ("it says
#: 2.0.0+cpu", a web UI's system info): torch and torchaudio (whose releases share torch's numbers
#: from 2.0 on) are the packages whose 1.x/2.x versions carry "+cpu"
#: (https://download.pytorch.org/whl/cpu), and either proves the CPU build of torch.
_BARE_CPU_BUILD = re.compile(
    r"(?<![0-9A-Za-z.+=-])[12]\.[0-9]{1,2}\.[0-9]{1,2}\+cpu(?![0-9A-Za-z.])"
)
#: A WSL kernel release wherever a line states it (``uname -r``, /proc/version, DKMS's "kernel headers
#: for kernel 4.4.0-19041-Microsoft"): WSL 1 reports a 4.4.0 kernel numbered with the Windows build
#: and a capital "Microsoft", WSL 2 a real kernel named "-microsoft-standard" (-WSL2 from 5.x on)
#: (https://github.com/4U6U57/wsl-open/pull/4, https://github.com/yast/yast-yast2/pull/1084).
_WSL_KERNEL = re.compile(
    r"(?<![0-9.])(?P<r>[0-9]{1,2}\.[0-9]{1,3}\.[0-9]{1,3}(?:\.[0-9]{1,3})?"
    r"-(?:[0-9]{4,5}-Microsoft|microsoft-standard(?:-WSL2)?))(?![0-9A-Za-z])"
)
#: The WSL version a sentence says the user runs ("I'm using wsl 1 on windows 10", "running under
#: WSL2", "on WSL-1"): a verb or preposition of use right before it, so a checkbox list ("[ ] WSL 1"),
#: "from WSL 1 to WSL 2" and "switch to WSL2" stay unread. WSL 1 has no GPU support
#: (https://learn.microsoft.com/en-us/windows/wsl/compare-versions). A line that asks ("does it
#: work on WSL 1?"), that names both versions or that tells of a change ("updated to WSL2") says
#: nothing about the machine as it is; read_stated drops the sentence where a kernel release of
#: the same paste (tool output) shows the version.
_WSL_VERSION = re.compile(
    r"(?:\b(?:using|use|uses|running|run|runs|on|in|under|with|installed|via) {1,3}(?:the )?"
    r"|[(,:+] {0,2})(?:Microsoft )?WSL[ -]?(?P<v>[12])(?![0-9.])",  # or an item: "(WSL 1)", ", WSL1"
    re.IGNORECASE,
)
_WSL_EITHER = re.compile(r"WSL[ -]?[12](?![0-9.])", re.IGNORECASE)
_WSL_CHANGE = re.compile(
    r"\b(?:updat|upgrad|switch|convert|mov|migrat|chang)[a-z]{0,4} (?:it |back )?to\b"
    r"|\binstead\b|set-version|->",
    re.IGNORECASE,
)
#: What a library says it was built for or needs, before the torch it names, and the installed
#: one after "you have".
_NOT_INSTALLED = re.compile(r"built (?:for|against|with)|requires?|needs?|required", re.IGNORECASE)
_YOU_HAVE = re.compile(
    r"you have (?P<v>[0-9]\.[0-9]{1,2}(?:\.[0-9]{1,2})?\+(?:cu[0-9]{2,3}|cpu|rocm[0-9.]{1,8}))"
)
_FRAMEWORK = {"pytorch": "pytorch", "torch": "pytorch", "tensorflow": "tensorflow", "jax": "jax"}
#: "torch.cuda.is_available() == True", "cuda.is_available() returns True": torch answered that it
#: sees a CUDA GPU, stated in a sentence (direct evidence; a False stated in prose is left to the
#: session reader, where the output line proves it).
_CUDA_TRUE = re.compile(
    r"cuda\.is_available\(\) {0,3}(?:==|returns?|is|->|:|=) {0,3}True\b", re.IGNORECASE
)


def read_stated(lines: Sequence[str], tables: HardwareTables) -> list[Block]:
    """Framework versions, the system's CUDA and cuDNN, a Windows release, a driver, a torch
    build, a WSL kernel and torch's "CUDA is available" stated in sentences, the first of each
    (an AMD card named, by ``tables``)."""
    facts: list[Fact] = []
    seen: set[str] = set()
    if any("wsl" in line[:2000].lower() for line in lines[:5000]):
        seen.add("os")  # WSL's Linux: a Windows release named beside it is the host's
    for number, line in enumerate(lines, 1):
        head = line[:2000]
        if "cuda-true" not in seen and "is_available" in head and _CUDA_TRUE.search(head):
            seen.add("cuda-true")
            facts.append(Fact(path="frameworks.pytorch.cuda_available", value=True, line=number))
        if _DIGIT.search(line, 0, 2000) is None:
            continue
        for m in _VERSION.finditer(head):
            framework = _FRAMEWORK.get(m.group("fw").lower(), m.group("fw").lower())
            if framework in seen:
                continue
            seen.add(framework)
            facts.append(Fact(path=f"frameworks.{framework}.installed", value=True, line=number))
            facts.append(
                Fact(path=f"frameworks.{framework}.version", value=m.group("v"), line=number)
            )
        if "os" not in seen and _WINDOWS.search(head):
            seen.add("os")
            facts.append(Fact(path="os.system", value="Windows", line=number))
        facts.extend(_stated_driver(head, number, seen))
        facts.extend(_stated_torch_build(head, number, seen))
        facts.extend(_stated_wsl_kernel(head, number, seen))
        facts.extend(_stated_wsl_version(head, number, seen))
        # a release named without "version" after the forms above (a torch build's label wins)
        facts.extend(named_frameworks(head, number, seen))
        facts.extend(system_libraries(head, number, seen))
        facts.extend(listed_libraries(head, number, seen))
    if any(f.path == "os.release" for f in facts):  # the kernel (tool output) shows the version
        facts = [f for f in facts if f.path != "os.wsl"]
    # an AMD card where no NVIDIA one is named ("my RX 6700 XT", "which is gfx900"), beside the
    # releases a sentence states ("torch with rocm 6.0")
    if not facts or not _nvidia_named(lines, facts):
        facts += read_amd(lines, tables)
    if not facts:
        return []
    lines_read = [f.line for f in facts]
    return [Block(format=FORMAT, start=min(lines_read), end=max(lines_read), facts=tuple(facts))]


#: Words that name an NVIDIA GPU or build: its brands, a CUDA build's label.
_NVIDIA = re.compile(r"\b(?:nvidia|geforce|rtx|gtx|quadro|tesla)\b|\+cu[0-9]{2,3}\b", re.IGNORECASE)


def _nvidia_named(lines: Sequence[str], facts: Sequence[Fact]) -> bool:
    """An NVIDIA driver, GPU or CUDA build stated: an AMD card named beside it is not this one."""
    if any(f.path.startswith(("driver.", "gpu.")) for f in facts):
        return True
    return any(_NVIDIA.search(line, 0, 2000) for line in lines[:5000])


def _stated_driver(head: str, number: int, seen: set[str]) -> list[Fact]:
    if "driver" in seen or "river" not in head.lower():
        return []
    m = _DRIVER.search(head)
    inf = _WINDOWS_DRIVER.search(head) if m is None else None
    version = m.group("v") if m is not None else windows_release(inf.group("inf")) if inf else None
    if version is None:
        return []
    seen.add("driver")
    return [Fact(path="driver.version", value=version, line=number)]


def _stated_wsl_kernel(head: str, number: int, seen: set[str]) -> list[Fact]:
    """The kernel release of a WSL distribution, read as the platform's release: the report
    assembly tells WSL 1 from WSL 2 by it, as it does for collect_env's platform line."""
    if "kernel" in seen or "icrosoft" not in head:
        return []
    m = _WSL_KERNEL.search(head)
    if m is None:
        return []
    seen.add("kernel")
    return [Fact(path="os.release", value=m.group("r"), line=number)]


def _stated_wsl_version(head: str, number: int, seen: set[str]) -> list[Fact]:
    """The WSL version a sentence says the user runs (``os.wsl``), never from a question, a
    line naming both versions or one telling of a change between them."""
    if "wsl-version" in seen or "sl" not in head.lower():
        return []
    m = _WSL_VERSION.search(head)
    if m is None or head.rstrip().endswith("?"):
        return []
    versions = {w.group(0)[-1] for w in _WSL_EITHER.finditer(head)}
    if len(versions) > 1 or _WSL_CHANGE.search(head):
        return []
    seen.add("wsl-version")
    return [Fact(path="os.wsl", value=int(m.group("v")), line=number)]


def _stated_torch_build(head: str, number: int, seen: set[str]) -> list[Fact]:
    if "torch-build" in seen:
        return []
    m = _TORCH_BUILD.search(head) if "+" in head else None
    if m is None:
        return _stated_tag_apart(head, number, seen) or _stated_bare_cpu(head, number, seen)
    version = m.group("v")
    if "you have " in head:  # xformers: "PyTorch 2.0.1+cu118 with CUDA 1108 (you have 2.1.0+cu121)"
        have = _YOU_HAVE.search(head, m.end())
        if have is None:
            return []
        version = have.group("v")
    elif _NOT_INSTALLED.search(head, 0, m.start()):
        return []  # "built for torch 2.1.0+cu121", "requires torch==...": not what is installed
    return _torch_build_facts(version, number, seen)


def _stated_tag_apart(head: str, number: int, seen: set[str]) -> list[Fact]:
    """ "torch 2.1 with cu121": the build's tag retold apart from its version."""
    m = _TORCH_TAG_APART.search(head) if "orch" in head.lower() else None
    if m is None or _NOT_INSTALLED.search(head, 0, m.start()):
        return []
    tag = m.group("tag") or m.group("cu") or m.group("cpu")
    return _torch_build_facts(f"{m.group('v')}+{tag.lower()}", number, seen)


def _stated_bare_cpu(head: str, number: int, seen: set[str]) -> list[Fact]:
    bare = _BARE_CPU_BUILD.search(head) if "+cpu" in head else None
    if bare is None:
        return []
    seen.add("torch-build")
    out = [
        Fact(path="frameworks.pytorch.installed", value=True, line=number),
        Fact(path="frameworks.pytorch.build.flavour", value="cpu", line=number),
    ]
    if _FRAMEWORK["torch"] not in seen:
        seen.add(_FRAMEWORK["torch"])
        out.append(Fact(path="frameworks.pytorch.version", value=bare.group(0), line=number))
    return out


def _torch_build_facts(version: str, number: int, seen: set[str]) -> list[Fact]:
    seen.add("torch-build")
    out = [Fact(path="frameworks.pytorch.installed", value=True, line=number)]
    framework = _FRAMEWORK["torch"]
    if framework not in seen:  # "torch version is 2.1" said first wins, as for the others
        seen.add(framework)
        out.append(Fact(path="frameworks.pytorch.version", value=version, line=number))
    out.extend(
        Fact(path=f"frameworks.pytorch.build.{key}", value=value, line=number)
        for key, value in local_build(version).items()
    )
    return out


def _lookup(name: str, table: GpuTable) -> tuple[str, str] | None:
    spaced = re.sub(r"^((?:GeForce )?(?:RTX|GTX))(?=[0-9A])", r"\1 ", name)
    # The GeForce form first: the table's own spelling is the name to report.
    geforce = spaced if spaced.lower().startswith("geforce") else f"GeForce {spaced}"
    for candidate in (geforce, spaced):
        cc = compute_capability(candidate, table)
        if cc:
            return candidate, cc
    return None


def _upper_family(name: str) -> str:
    """ "gtx1060" -> "GTX1060": the GPU table spells the GeForce families in capitals."""
    return name[:3].upper() + name[3:] if name[:3] in ("rtx", "gtx") else name


def _candidates(line: str) -> list[str]:
    """GPU names a line may hold: the model names, then numbers named as the card's."""
    names = [_upper_family(m.group("name")) for m in _CANDIDATE.finditer(line, 0, 2000)]
    for m in (
        *_BARE_MODEL.finditer(line, 0, 2000),
        *_BRAND_MODEL.finditer(line, 0, 2000),
        *_OWNED_MODEL.finditer(line, 0, 2000),
    ):
        num = int(m.group("num"))
        family = "RTX" if 2000 <= num < 6000 else "GTX"
        suffix = {"ti": " Ti", "super": " SUPER", "s": " SUPER"}.get(
            (m.group("sfx") or "").lower(), ""
        )
        names.append(f"{family} {num}{suffix}")
    return names


def read(lines: Sequence[str], tables: HardwareTables) -> list[Block]:
    """The distinct GPU models the text names (by ``tables``), each with the line that names it."""
    table = tables.gpus
    facts: list[Fact] = []
    seen: set[str] = set()
    known: dict[str, tuple[str, str] | None] = {}
    budget = _MAX_CANDIDATES
    for number, line in enumerate(lines, 1):
        if budget <= 0:
            break
        if _DIGIT.search(line, 0, 2000) is None:
            continue
        for name in _candidates(line):
            budget -= 1
            if budget < 0:
                break
            if name not in known:
                if len(known) >= _MAX_LOOKUPS:
                    break
                known[name] = _lookup(name, table)
            found = known[name]
            if found is None or found[0] in seen:
                continue
            index = len(seen)
            seen.add(found[0])
            facts.append(Fact(path=f"gpu.{index}.name", value=found[0], line=number))
            if len(seen) >= _MAX_GPUS:
                break
        if len(seen) >= _MAX_GPUS:
            break
    # an AMD card where no NVIDIA one is named ("my RX 6700 XT", "which is gfx900"), beside the
    # releases a sentence states ("torch with rocm 6.0")
    if not facts or not _nvidia_named(lines, facts):
        facts += read_amd(lines, tables)
    if not facts:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
