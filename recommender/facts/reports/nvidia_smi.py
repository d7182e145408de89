"""``nvidia-smi``: the header line (driver and the newest CUDA it runs) and the GPU rows of the
table, full or cut short. Layouts: the classic table (driver 4xx-5xx) and the wider one of
driver 530+ (``NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2``);
Windows prints WDDM/TCC where Linux prints On/Off.

Under WSL 2 nvidia-smi is the Linux build that the Windows driver mounts at /usr/lib/wsl/lib: its
own version is the Linux driver branch's (``NVIDIA-SMI 555.42.03``) while the driver it reports is
the Windows one (``Driver Version: 555.85``). On native Linux and native Windows the two are one
release (NVML refuses to run against a kernel driver of another version), so two versions in the
header put the paste on WSL 2 (https://github.com/microsoft/WSL/issues/11870: "Nvidia smi version
(Shown in windows): 560.7, (Shown in wsl): 560.27"; https://github.com/modular/modular/pull/5107;
both verified 2026-12-06). Before driver R331 nvidia-smi numbered itself apart, a one-digit tool
version before the driver's (``NVIDIA-SMI 5.325.15   Driver Version: 325.15``, ``NVIDIA-SMI
4.304.54``; https://github.com/cBio/cbio-cluster/issues/39, verified 2026-12-06): a 2013 Linux
host, not WSL, whose GPU support began with driver branches in the 400s
(https://docs.nvidia.com/cuda/wsl-user-guide/index.html)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.numfmt import is_digits
from recommender.facts.reports.model import Block, Fact

FORMAT = "nvidia-smi"
_HEADER = re.compile(
    r"NVIDIA-SMI (?P<smi>[0-9][0-9.]{0,20})[ |]{1,40}Driver Version: {0,8}(?P<driver>[0-9][0-9.]{0,20})"
    r"(?:[ |]{1,40}CUDA Version: {0,8}(?P<cuda>[0-9]{1,2}\.[0-9]{1,2}|N/A))?"
)
_DRIVER_ONLY = re.compile(r"Driver Version: {0,8}(?P<driver>[0-9]{3}\.[0-9.]{1,16})")
_MODES = ("On", "Off", "WDDM", "TCC")
#: The memory cell of the line under a GPU row: ``|  15514MiB / 16130MiB |``.
_MEMORY = re.compile(
    r"\| {0,8}(?P<used>[0-9]{1,7})MiB {0,4}/ {0,4}(?P<total>[0-9]{1,7})MiB {0,8}\|"
)
#: The last cell of that line: GPU utilisation and the compute mode (``Default``, ``E. Process``,
#: ``E. Thread``, ``Prohibited``; nvidia-smi's short forms of NVML's compute modes).
_UTIL_MODE = re.compile(
    r"\| {0,8}(?P<util>[0-9]{1,3}|N/A)%? {1,12}(?P<mode>Default|E\. Process|E\. Thread|Prohibited) {0,8}\|"
)
_BUS_ID = re.compile(r"^ {0,4}[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9]")
#: How an NVIDIA GPU's name begins in nvidia-smi's outputs.
NAME_START = (
    "NVIDIA",
    "Tesla",
    "GeForce",
    "Quadro",
    "TITAN",
    "Titan",
    "RTX",
    "GRID",
    "A100",
    "H100",
    # data-centre GPUs that drivers before the "NVIDIA" prefix (R510) named bare
    "A10",
    "A30",
    "A40",
    "A800",
    "H800",
    "L4",
    "L40",
    # session 48 (engineer Y2): a GPU newer than its driver's name table shows as "Graphics
    # Device"; the bare A2 / A16, mining cards (CMP 30HX, P102-100, P104-100), NVS boards and
    # Jetson Orin's nvgpu ("Orin (nvgpu)") begin with their own names
    "Graphics Device",
    "A2",
    "A16",
    "CMP",
    "NVS",
    "P102",
    "P104",
    "P106",
    "Orin",
)


def _gpu_row(line: str, *, bus_id_needed: bool = False) -> tuple[int, str] | None:
    """(index, name) from ``|   0  NVIDIA A100-SXM4-80GB   On  | 00000000:...``; a row of a
    table pasted without its header line must show the PCI bus id cell too."""
    if not line.startswith("|"):
        return None
    cells = line[1:].split("|", 2)
    if bus_id_needed and (len(cells) < 2 or not _BUS_ID.match(cells[1])):
        return None
    cell = cells[0].split()
    if len(cell) < 3 or not is_digits(cell[0]) or cell[-1] not in _MODES:
        return None
    name = " ".join(cell[1:-1])
    if not name.startswith(NAME_START):
        return None
    return int(cell[0]), name


#: A process row's type: Compute, Graphics, both, MPS (nvidia-smi's Processes table).
_PROCESS_TYPES = ("C", "G", "C+G", "M", "M+C")


def _process_row(line: str) -> tuple[int, int, str] | None:
    """(GPU index, PID, "name (N MiB)") from a Processes row: ``|    0   N/A  N/A   1234   C
    python   23790MiB |`` (R450 and later: with the MIG GI and CI cells) or ``|    0   1234   C
    python   23790MiB |`` (earlier drivers)."""
    cells = line.strip("|").split()
    if len(cells) < 5 or not cells[-1].endswith("MiB") or not is_digits(cells[-1][:-3]):
        return None
    kind = next((i for i in (2, 4) if i < len(cells) - 2 and cells[i] in _PROCESS_TYPES), None)
    if kind is None or not is_digits(cells[0]) or not is_digits(cells[kind - 1]):
        return None
    name = " ".join(cells[kind + 1 : -1])
    return int(cells[0]), int(cells[kind - 1]), f"{name} ({cells[-1][:-3]} MiB)"


def _two_releases(smi: str, driver: str) -> bool:
    """nvidia-smi's own version and the driver's are two releases (WSL 2): the tool's is a driver
    branch's (three digits first), not the old one-digit tool version before the driver's."""
    tool = smi.rstrip(".")
    return len(tool.split(".")[0]) == 3 and tool != driver.rstrip(".")


def read(lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    facts: list[Fact] = []
    start = end = 0
    for number, raw in enumerate(lines, 1):
        # a table quoted in Markdown ("> |   0  NVIDIA ...") or commented out ("# | ...") reads
        # as the table itself
        line = raw.strip().lstrip(">#").strip()
        if not line and facts and end == number - 1 and facts[-1].path.endswith(".name"):
            end = number  # a double-spaced paste: the memory line follows one blank line later
            continue
        if "Driver Version:" in line:
            header = _HEADER.search(line) if "NVIDIA-SMI" in line else None
            driver = header or _DRIVER_ONLY.search(line)
            if driver is None:
                continue
            if facts:
                blocks.append(Block(format=FORMAT, start=start, end=end, facts=tuple(facts)))
                facts = []
            start = end = number
            facts.append(Fact(path="driver.version", value=driver.group("driver"), line=number))
            if header and _two_releases(header.group("smi"), header.group("driver")):
                facts.append(Fact(path="os.wsl", value=2, line=number))
            cuda = header.group("cuda") if header else None
            if cuda and cuda != "N/A":
                facts.append(Fact(path="driver.max_cuda", value=cuda, line=number))
            continue
        process = _process_row(line) if facts and line.startswith("|") else None
        if process is not None:
            index, pid, held = process
            facts.append(Fact(path=f"gpu.{index}.process.{pid}", value=held, line=number))
            end = number
            continue
        row = _gpu_row(line, bus_id_needed=not facts) if line.startswith("|") else None
        lone = _lone_memory(line, number, facts) if row is None else []
        if lone:
            start = start or number
            facts.extend(lone)
            end = number
            continue
        if row is not None:
            index, name = row
            start = start or number
            facts.append(Fact(path=f"gpu.{index}.name", value=name, line=number))
            end = number
        elif facts and end == number - 1 and "MiB" in line and facts[-1].path.endswith(".name"):
            memory = _MEMORY.search(line)
            if memory is not None:
                gpu = facts[-1].path.rsplit(".", 1)[0]
                used, total = int(memory.group("used")), int(memory.group("total"))
                facts.append(Fact(path=f"{gpu}.memory_used", value=used, line=number))
                facts.append(Fact(path=f"{gpu}.memory", value=total, line=number))
                mode = _UTIL_MODE.search(line, memory.end() - 1)
                if mode is not None:
                    facts.append(Fact(path=f"{gpu}.compute_mode", value=mode["mode"], line=number))
                end = number
    if facts:
        blocks.append(Block(format=FORMAT, start=start, end=end, facts=tuple(facts)))
    return [with_count(b) for b in blocks]


#: The power cell of the line under a GPU row (``  39W / 300W``, ``N/A /  N/A``).
_POWER = re.compile(r"(?:[0-9]{1,4}W|N/A) {0,4}/ {0,4}(?:[0-9]{1,4}W|N/A) {0,8}\|")


def _lone_memory(line: str, number: int, facts: list[Fact]) -> list[Fact]:
    """The line under a GPU row pasted without the row above it (``| N/A 44C P0 39W / 300W |
    16130MiB / 16160MiB | 0% Default |``, what one quotes of a GPU that ran out of memory): its
    memory in use and total, for the next GPU of a run of such lines. Its three cells (power,
    memory, utilisation with the compute mode) make the shape nvidia-smi's own."""
    if not line.startswith("|") or "MiB" not in line:
        return []
    if any(not f.path.endswith((".memory_used", ".memory", ".compute_mode")) for f in facts):
        return []
    memory = _MEMORY.search(line)
    mode = _UTIL_MODE.search(line, memory.end() - 1) if memory is not None else None
    if memory is None or mode is None or _POWER.search(line[: memory.start() + 1]) is None:
        return []
    gpu = f"gpu.{sum(1 for f in facts if f.path.endswith('.memory_used'))}"
    return [
        Fact(path=f"{gpu}.memory_used", value=int(memory.group("used")), line=number),
        Fact(path=f"{gpu}.memory", value=int(memory.group("total")), line=number),
        Fact(path=f"{gpu}.compute_mode", value=mode["mode"], line=number),
    ]


def with_count(block: Block) -> Block:
    """The block with ``gpu.count``: how many GPUs it names."""
    names = [f for f in block.facts if f.path.endswith(".name")]
    if not names:
        return block
    count = Fact(path="gpu.count", value=len(names), line=names[0].line)
    return Block(format=block.format, start=block.start, end=block.end, facts=(*block.facts, count))
