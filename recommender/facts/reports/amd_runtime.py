"""What the ROCm runtime and the programs on it say about the machine, wherever it stands in a
paste: an HSA status by name or number (rocminfo's "Call returned 4104", "Call returned
HSA_STATUS_ERROR_OUT_OF_RESOURCES: ..."), rocminfo's start-up checks (``Unable to open /dev/kfd
read-write: <strerror>``, ``<user> is not member of "render" group``), an
``HSA_OVERRIDE_GFX_VERSION`` setting, and the gfx target a program reports for the device (torch's
``gcnArchName='gfx1100'``, Ollama's ``detected amdgpu versions [gfx1010]`` and
``gpu_type=gfx1103``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.tables import HardwareTables
from recommender.facts.rocm_table import RocmTable

FORMAT = "rocm-runtime"
#: rocminfo's RET_IF_HSA_ERR line (the status's name or its number, decimal or 0x hex).
_CALL_RETURNED = re.compile(
    r"Call returned (?P<word>HSA_STATUS_[A-Z_]{1,50}|0x[0-9a-fA-F]{1,6}|[0-9]{1,6})\b"
)
_STATUS_NAME = re.compile(r"\b(?P<word>HSA_STATUS_ERROR_[A-Z_]{1,50})\b")
_KFD = re.compile(r"/dev/kfd\b")
_KFD_ABSENT = ("No such file or directory", "cannot access", "not found", "does not exist")
_NOT_MEMBER = re.compile(
    r"\bis not (?:a )?member of \\?[\"']?(?P<group>render|video)\b", re.IGNORECASE
)
_MEMBER = re.compile(r"\bis member of \\?[\"']?(?:render|video)\b", re.IGNORECASE)
#: ``HSA_OVERRIDE_GFX_VERSION=10.3.0``, ``HSA_OVERRIDE_GFX_VERSION: "11.0.0"`` (compose files),
#: ``-e HSA_OVERRIDE_GFX_VERSION=...``; the value as written, so a malformed one stays visible.
_OVERRIDE = re.compile(
    r"\bHSA_OVERRIDE_GFX_VERSION\b[\"']? {0,3}[=:] {0,3}[\"']?(?P<value>[^\s\"',;]{1,20})"
)
#: A program's own report of the device's target: torch's device properties, Ollama's discovery.
_REPORTED = re.compile(
    r"gcnArchName[\"']?(?: {0,3}[=:] {0,3}|\(\) {0,3}(?:->|=|:)? {0,3})[\"'(]?(?P<a>gfx[0-9]{2,3}[0-9a-f])"
    r"|amdgpu versions \[(?P<b>gfx[0-9]{2,3}[0-9a-f])"
    r"|\bgpu_type=(?P<c>gfx[0-9]{2,3}[0-9a-f])"
    r"|\bamdgpu \[[0-9]{1,2}\] (?P<d>gfx[0-9]{2,3}[0-9a-f])"
)
_MAX_REPORTED = 8


def _status(line: str, table: RocmTable) -> str | None:
    m = _CALL_RETURNED.search(line) if "Call returned" in line else None
    if m is None and "HSA_STATUS_ERROR_" in line:
        m = _STATUS_NAME.search(line)
    status = table.status(m.group("word")) if m else None
    return status.name if status else None


def _kfd(line: str) -> str | None:
    if "/dev/kfd" not in line or not _KFD.search(line):
        return None
    if "Permission denied" in line or "Operation not permitted" in line:
        return "denied"
    if any(w in line for w in _KFD_ABSENT):
        return "absent"
    return None


def _line_facts(line: str, number: int, reported: int, rocm: RocmTable) -> list[Fact]:
    facts = []
    status = _status(line, rocm) if ("Call returned" in line or "HSA_STATUS_" in line) else None
    if status:
        facts.append(Fact(path="rocm.hsa_status", value=status, line=number))
    kfd = _kfd(line)
    if kfd:
        facts.append(Fact(path="rocm.kfd", value=kfd, line=number))
    if "member of" in line:
        if _NOT_MEMBER.search(line):
            facts.append(Fact(path="rocm.group", value="not-member", line=number))
        elif _MEMBER.search(line):
            facts.append(Fact(path="rocm.group", value="member", line=number))
    if "HSA_OVERRIDE_GFX_VERSION" in line:
        m = _OVERRIDE.search(line)
        if m:
            facts.append(Fact(path="rocm.override", value=m.group("value"), line=number))
    if reported < _MAX_REPORTED and ("gfx" in line):
        m = _REPORTED.search(line)
        if m:
            gfx = next(g for g in m.groups() if g)
            facts.append(Fact(path=f"gpu.{reported}.gfx", value=gfx, line=number))
    return facts


def read(lines: Sequence[str], tables: HardwareTables) -> list[Block]:
    """The runtime's statuses (named by ``tables``' ROCm table) and settings, the first of each."""
    facts: list[Fact] = []
    reported = 0
    seen: set[str] = set()
    for number, raw in enumerate(lines, 1):
        for fact in _line_facts(raw.strip(), number, reported, tables.rocm):
            key = str(fact.value) if fact.path.startswith("gpu.") else fact.path
            if key in seen:
                continue  # a log repeats its status and the device's target: the first counts
            seen.add(key)
            reported += fact.path.startswith("gpu.")
            facts.append(fact)
    if not facts:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
