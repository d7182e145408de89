"""The driver a GPU listing shows: what the system's own hardware tools print beside the card.

Prose (prose.py) already names the GPU these listings show ("GA102 [GeForce RTX 3090]", "Card
name: NVIDIA GeForce RTX 4070"); what it cannot read is the driver the tool prints next to it:

- ``lspci -k`` ("Kernel driver in use: nouveau" under a "VGA compatible controller:", "3D
  controller:" or "Display controller:" line) and ``lshw -C display`` ("configuration:
  driver=nouveau latency=0" under "vendor: NVIDIA Corporation"): the kernel module bound to an
  NVIDIA or AMD card. ``nouveau`` on an NVIDIA card means NVIDIA's own driver is not loaded.
- ``inxi -G`` ("Device-1: NVIDIA TU104GL [Tesla T4] driver: nvidia v: 535.86.05"): the module
  and, for NVIDIA's, the driver version.
- Windows ``dxdiag`` ("Driver Version: 31.0.15.3623" under "Card name: NVIDIA ..."), ``wmic path
  win32_VideoController get name,driverversion`` and PowerShell ``Get-CimInstance
  Win32_VideoController`` ("DriverVersion : 31.0.15.3623"): Windows numbers an NVIDIA driver
  with the INF version, whose last five digits are NVIDIA's release (31.0.15.3623 = 536.23;
  Chromium parses NVIDIA's version from the Windows one the same way where NVML is absent:
  https://crrev.com/1241aea53e75dab24b82f20e705fd290c5d445ea).
  The version is read only beside an NVIDIA card's name (an Intel or AMD driver's numbers mean
  something else).

Facts: ``driver.kernel_module`` (the module in use) and ``driver.version``, each on its line.
Each line is looked at once, against bounded patterns; a listing line stays in force for the next
few lines only. What a listing does not print stays unknown."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.catalog import Accelerator
from recommender.facts.reports.model import Block, Fact

FORMAT = "GPU listing"
#: The vendors whose cards these listings name (and NVIDIA's kernel module, named as its vendor).
_NVIDIA, _AMD = Accelerator.CUDA.info.vendor, Accelerator.ROCM.info.vendor
#: lspci's class names for a graphics card ("01:00.0 VGA compatible controller: NVIDIA ...").
_LSPCI = re.compile(
    r"^(?:[0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7] "
    r"(?:VGA compatible controller|3D controller|Display controller)(?: \[[0-9a-f]{4}\])?: (?P<who>.{1,200})$"
)
_IN_USE = re.compile(r"^Kernel driver in use: (?P<module>[A-Za-z0-9_-]{2,20})\s*$")
_LSHW_VENDOR = re.compile(r"^vendor: (?P<who>.{1,80})$")
_LSHW_CONFIG = re.compile(r"^configuration:.{0,200}?\bdriver=(?P<module>[A-Za-z0-9_-]{2,20})\b")
_INXI = re.compile(
    r"^(?:Graphics:\s{1,4})?Device-[0-9]{1,2}: (?P<who>.{1,200}?) driver: (?P<module>[A-Za-z0-9_-]{2,20})"
    r"(?: v: (?P<v>[0-9]{3}\.[0-9]{1,3}(?:\.[0-9]{1,3})?))?"
)
#: The Windows INF version of an NVIDIA driver: "31.0.15.3623", "27.21.14.5671".
_WINDOWS = re.compile(
    r"(?:^|\s|:)(?P<a>[0-9]{2})\.[0-9]{1,2}\.(?P<b>[0-9]{2})\.(?P<c>[0-9]{4})(?:\s|$)"
)
_WINDOWS_LABEL = re.compile(r"^(?:Driver Version|DriverVersion)\s{0,20}:\s{0,20}\S")
_WINDOWS_NAME = re.compile(r"^(?:Card name|Name|Caption|Description)\s{0,20}:\s{0,20}NVIDIA\b")
_WMIC_ROW = re.compile(r"^NVIDIA [^\t]{2,80}?\s{2,40}[0-9]{2}\.[0-9]")
#: How many lines after a card's line its driver lines are read.
_REACH = 6


def _vendor(who: str) -> str | None:
    if "NVIDIA" in who or "nVidia" in who:
        return _NVIDIA
    if "Advanced Micro Devices" in who or "AMD" in who or "ATI" in who:
        return _AMD
    return None


def windows_release(inf: str) -> str | None:
    """NVIDIA's release from a Windows INF driver version: 31.0.15.3623 -> "536.23"."""
    m = _WINDOWS.search(inf)
    if m is None:
        return None
    digits = (m.group("b") + m.group("c"))[-5:]
    return f"{digits[:3]}.{digits[3:]}"


def _card(line: str) -> str | None:
    """The vendor of a card this line lists (lspci, lshw, a Windows name line), if any."""
    if ": " not in line:
        return None
    m = _LSPCI.match(line) or _LSHW_VENDOR.match(line)
    if m is not None:
        return _vendor(m.group("who")) or "other"  # an Intel card's driver is not the NVIDIA one
    return _NVIDIA if _WINDOWS_NAME.match(line) else None


def read(lines: Sequence[str]) -> list[Block]:
    facts: list[Fact] = []
    vendor, since = None, 0
    for number, raw in enumerate(lines, 1):
        line = raw.strip()[:400]
        inxi = _INXI.match(line) if "driver: " in line else None
        if inxi is not None and _vendor(inxi.group("who")):
            facts.append(Fact(path="driver.kernel_module", value=inxi["module"], line=number))
            if inxi["v"] and inxi["module"] == _NVIDIA:
                facts.append(Fact(path="driver.version", value=inxi["v"], line=number))
            continue
        if _WMIC_ROW.match(line):
            release = windows_release(line)
            if release is not None:
                facts.append(Fact(path="driver.version", value=release, line=number))
            continue
        card = _card(line)
        if card is not None:
            vendor, since = card, number
            continue
        if vendor in (None, "other") or number - since > _REACH:
            vendor = None
            continue
        module = _IN_USE.match(line) or (_LSHW_CONFIG.match(line) if "driver=" in line else None)
        if module is not None:
            facts.append(Fact(path="driver.kernel_module", value=module["module"], line=number))
            vendor = None
        elif vendor == _NVIDIA and _WINDOWS_LABEL.match(line):
            release = windows_release(line)
            if release is not None:
                facts.append(Fact(path="driver.version", value=release, line=number))
            vendor = None
    if not facts:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
