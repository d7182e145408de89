"""Why the ROCm runtime could not start, from what the paste states around it.

The HSA runtime's start (hsa_init) opens the amdgpu kernel driver's /dev/kfd, reads the topology
and sets up an agent per GPU; any failure there returns HSA_STATUS_ERROR_OUT_OF_RESOURCES (4104,
0x1008), whatever the cause (ROCR's Runtime::Acquire). rocminfo checks the likely causes first and
says which: the module, /dev/kfd's open (``No such file or directory``: no driver loaded;
``Permission denied``: this account lacks the group that owns it), the group membership. A
paste that states one of those facts, or the target of its GPU, names the cause; one that states
none gets every cause in the order they are met."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.gfx import amd_gpus
from recommender.decide.diagnosis.wsl import ROCM_WSL_FIX, on_wsl2
from recommender.facts.reports import Paste
from recommender.facts.reports.tables import HardwareTables

_ROCM = Category.ROCM_ISSUE.value
_ARCH = Category.ARCH_UNSUPPORTED.value
GROUP_FIX = (
    "Add the account to the groups that own /dev/kfd and /dev/dri/renderD* "
    "(sudo usermod -aG render,video $USER), then log out and in again (ls -l /dev/kfd shows the group)"
)
ABSENT = (
    "/dev/kfd does not exist: the amdgpu kernel module is not loaded (not installed, built by dkms "
    "for another kernel than the running one, or installed or upgraded without a reboot since), "
    "the container was started without --device=/dev/kfd --device=/dev/dri, or this is WSL or a "
    "VM without the GPU passed through"
)
ABSENT_FIX = (
    "Load the ROCm kernel driver: install amdgpu-dkms for the running kernel (uname -r must be a "
    "kernel the ROCm release supports) and reboot, check lsmod | grep amdgpu and ls -l /dev/kfd; in "
    "a container pass --device=/dev/kfd --device=/dev/dri"
)


def _cause(paste: Paste, tables: HardwareTables) -> tuple[str, str, list[int], bool]:
    """(why, fix, lines, the GPU's target is the cause) from the facts beside the status."""
    kfd, group = paste.facts.get("rocm.kfd"), paste.facts.get("rocm.group")
    if (kfd is not None and kfd.value == "denied") or (
        group is not None and group.value == "not-member"
    ):
        lines = [f.line for f in (kfd, group) if f is not None]
        return (
            "this account may not open /dev/kfd (not in the group that owns it)",
            GROUP_FIX,
            lines,
            False,
        )
    if kfd is not None and kfd.value == "absent":
        return ABSENT, ABSENT_FIX, [kfd.line], False
    for gpu in amd_gpus(paste, tables.gpus):
        target = tables.rocm.targets.get(gpu.gfx)
        if target is not None and target.support == "none":
            lines = [f.line for p, f in paste.facts.items() if p.startswith("gpu.")]
            return (
                f"{gpu.name} is {gpu.gfx}, a target the ROCm runtime and its libraries do not support",
                "Use a GPU ROCm supports; no ROCm release runs this target",
                lines,
                True,
            )
    return (
        "the usual causes, in the order rocminfo checks them: the amdgpu kernel module not loaded "
        "(not installed, built for another kernel, or no reboot since installing or upgrading it), "
        "this account not in the render/video group, a GPU the release does not support (gfx6/gfx7 "
        "parts, most integrated GPUs), a container without /dev/kfd",
        ABSENT_FIX + "; then sudo usermod -aG render,video $USER and log in again; check the GPU "
        "against the release's supported list",
        [],
        False,
    )


def no_gpu_agent(paste: Paste, tables: HardwareTables) -> list[Finding]:
    """rocminfo ran (the runtime started) and lists no GPU agent: under WSL, ROCm reaches only
    the Radeon GPUs AMD's WSL matrix lists, through the Windows driver; natively the amdgpu driver
    gives ROCm no GPU it supports. A warning: a cut paste may have lost the GPU's agent."""
    fact = paste.facts.get("rocm.agents")
    if fact is None or fact.value != "no-gpu" or paste.facts.get("rocm.hsa_status") is not None:
        return []
    table, wsl = tables.rocm, on_wsl2(paste) or paste.facts.get("os.wsl_named") is not None
    lines = [fact.line, *(f.line for p, f in paste.facts.items() if p.startswith("os.wsl"))]
    return [
        Finding(
            id="rocm:no-gpu-agent",
            category=Category.WSL_ISSUE.value if wsl else _ROCM,
            status="warn",
            title="rocminfo lists no GPU agent" + (" under WSL" if wsl else ""),
            detail=(
                "the ROCm runtime started but its agents are CPUs only: under WSL it sees only the "
                "Radeon GPUs, ROCm releases and Windows drivers AMD's ROCm-on-WSL matrix lists"
                if wsl
                else "the ROCm runtime started but its agents are CPUs only: the amdgpu driver "
                "gave it no GPU it supports (a GPU outside the release's list, the module not "
                "loaded for the GPU, a container or VM without the GPU)"
            )
            + " (the paste may be cut before a GPU's agent)",
            fix=ROCM_WSL_FIX
            if wsl
            else ABSENT_FIX + "; check the GPU against the ROCm release's supported list",
            quotes=quote_lines(paste, lines),
            source=table.urls.get("radeon-wsl-compat" if wsl else "rocr-runtime-acquire", ""),
        )
    ]


def runtime_start(paste: Paste, tables: HardwareTables) -> list[Finding]:
    """An HSA status that says the runtime could not start, or could not load code for the GPU
    (the statuses and targets by ``tables``' ROCm table)."""
    fact = paste.facts.get("rocm.hsa_status")
    table = tables.rocm
    status = table.status(str(fact.value)) if fact is not None else None
    if fact is None or status is None or status.means == "program":
        return _access(paste, tables) or no_gpu_agent(paste, tables)
    if on_wsl2(paste):
        return []  # ROCm under WSL 2 has its own start (no /dev/kfd): the WSL finding says it
    if status.means == "code-object":
        return [
            Finding(
                id="rocm:code-object",
                category=_ROCM,
                also=(_ARCH,),
                status="fail",
                title=f"The HSA runtime has no code for this GPU ({status.name})",
                detail=f"{status.text} The program's code objects are not built for this GPU's gfx target",
                fix="Use a build whose code objects include the GPU's target (PYTORCH_ROCM_ARCH), or "
                "HSA_OVERRIDE_GFX_VERSION to the supported target of its family",
                quotes=quote_lines(paste, [fact.line]),
                source=table.urls.get("hsa-h", ""),
            )
        ]
    why, fix, lines, arch = _cause(paste, tables)
    return [
        Finding(
            id="rocm:start",
            category=_ROCM,
            also=(_ARCH,) if arch else (),
            status="fail",
            title=f"The ROCm runtime could not start ({status.name})",
            detail=f"the HSA runtime's start fails with this status when it cannot open the GPU "
            f"through the kernel driver or finds no agent it supports; here: {why}",
            fix=fix,
            quotes=quote_lines(paste, [fact.line, *lines]),
            source=table.urls.get("rocr-runtime-acquire", ""),
        )
    ]


#: ``id`` output: the account's groups (render and video own /dev/kfd and /dev/dri).
_ID_LINE = re.compile(
    r"^uid=[0-9]{1,10}\([^)]{1,64}\) gid=[0-9]{1,10}\([^)]{1,64}\) groups=(?P<groups>.{1,2000})$"
)
#: A sentence that the GPU works for another account, or only as root: the failing account's
#: access to the device files is the difference ("works with sudo", "as root it runs"; "I have two
#: user accounts ... A returns True, but B doesn't").
_PRIVILEGED_WORKS = re.compile(
    r"\b(?:works?|working|fine|returns true|succe[a-z]{0,8})\b[^\n]{0,40}\b(?:with|using|as|under|via) (?:sudo|root)\b"
    r"|\b(?:with|using|as|under|via) (?:sudo|root)\b[^\n]{0,40}\b(?:it )?(?:works?|working|is fine|returns true|succe[a-z]{0,8})\b",
    re.IGNORECASE,
)
_ACCOUNTS = re.compile(
    r"\b(?:(?:another|other|second|different|new|non-root|normal|regular) (?:user|account)|user account)s?\b",
    re.IGNORECASE,
)
#: "even with sudo it fails", "doesn't work as root either": privilege did not help.
_NEGATED = re.compile(r"\b(?:even|still|either|neither|nor)\b|n't work|not work", re.IGNORECASE)
_WORKS = re.compile(r"\b(?:works?|working|succe[a-z]{0,8}|returns true)\b", re.IGNORECASE)
_CONTRAST = re.compile(r"\b(?:but|while|whereas|however)\b", re.IGNORECASE)
#: Words that put a paste on an AMD GPU (as words: "relationship" holds no HIP).
_AMD_WORDS = re.compile(
    r"\b(?:rocm[a-z]{0,8}|radeon|amdgpu|hip|gfx[0-9]{2,3}[0-9a-f])\b|/dev/kfd", re.IGNORECASE
)


def _amd_context(paste: Paste, tables: HardwareTables) -> bool:
    if amd_gpus(paste, tables.gpus) or any(p.startswith("rocm.") for p in paste.facts):
        return True
    return any(_AMD_WORDS.search(line[:2000]) for line in paste.lines[:400])


def _access(paste: Paste, tables: HardwareTables) -> list[Finding]:
    """No start failure: this account's access to /dev/kfd, from rocminfo's checks (certain), an
    ``id`` listing without render or video, or a sentence that another account works (inferred)."""
    kfd, group = paste.facts.get("rocm.kfd"), paste.facts.get("rocm.group")
    proven = [f.line for f in (kfd, group) if f is not None and f.value in ("denied", "not-member")]
    if proven:
        return [_group_finding(paste, proven, "fail", "rocminfo's own check says so", tables)]
    if not _amd_context(paste, tables):
        return []
    lines = _account_lines(paste)
    if not lines:
        return []
    return [
        _group_finding(
            paste,
            lines,
            "warn",
            "inferred from the text: the paste does not show the device files' permissions",
            tables,
        )
    ]


def _account_lines(paste: Paste) -> list[int]:
    out = []
    for number, text in enumerate(paste.lines[:2000], start=1):
        line = text.strip()
        if line.startswith("uid="):
            m = _ID_LINE.match(line)
            if m and "render" not in m.group("groups") and "video" not in m.group("groups"):
                out.append(number)
        elif (_PRIVILEGED_WORKS.search(line[:400]) and not _NEGATED.search(line[:400])) or (
            _ACCOUNTS.search(line[:400])
            and _WORKS.search(line[:400])
            and _CONTRAST.search(line[:400])
        ):
            out.append(number)
    return out[:3]


def _group_finding(
    paste: Paste, lines: Sequence[int], status: str, how: str, tables: HardwareTables
) -> Finding:
    return Finding(
        id="rocm:device-access",
        category=_ROCM,
        status=status,
        title="This account may not open the AMD GPU's device files (/dev/kfd, /dev/dri)",
        detail=f"ROCm programs open /dev/kfd and /dev/dri/renderD*, which belong to the render "
        f"(and on older systems video) group; an account outside it sees no GPU while root or "
        f"another account does ({how})",
        fix=GROUP_FIX,
        quotes=quote_lines(paste, lines),
        source=tables.rocm.urls.get("rocminfo-initial-state", ""),
    )
