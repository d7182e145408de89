"""nvidia-smi's query forms, which bug templates ask for ("Driver information from nvidia-smi -a")
as often as its table: ``nvidia-smi -q`` / ``-a`` (a ``==============NVSMI LOG==============``
banner, ``Driver Version                      : 535.86.10`` lines, a ``GPU 00000000:01:00.0``
section per GPU with its ``Product Name``, ``FB Memory Usage`` and ``Compute Mode``),
``nvidia-smi -q -x`` (the same keys as XML elements: ``<driver_version>``, ``<gpu id=...>``,
``<product_name>``), and ``nvidia-smi --query-gpu=... --format=csv`` (a header of the queried
fields, ``name, driver_version, memory.total [MiB]``, then one row per GPU). Field names:
https://docs.nvidia.com/deploy/nvidia-smi/index.html. The facts are the table's: the driver and
its newest CUDA, each GPU's name, memory and compute mode (``--query-gpu`` may add its compute
capability)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from recommender.core.numfmt import is_digits
from recommender.facts.reports.model import Block, Fact
from recommender.facts.reports.nvidia_smi import FORMAT, NAME_START, with_count

#: ``-q``'s GPU section header: the GPU's PCI bus id alone on its line.
_GPU_SECTION = re.compile(r"^GPU [0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9]$")
#: ``-q -x``: one element with its text on one line (the closing tag is compared in code).
_XML_ELEMENT = re.compile(
    r"^<(?P<tag>[a-z_]{1,40})>(?P<value>[^<]{0,200})</(?P<end>[a-z_]{1,40})>$"
)
_XML_GPU = re.compile(r'^<gpu id="[0-9A-Fa-f:.]{1,32}">$')
#: ``-q``'s compute modes are NVML's names; the table prints short forms, which the rest reads.
_MODES = {
    "Default": "Default",
    "Exclusive_Process": "E. Process",
    "Exclusive_Thread": "E. Thread",
    "Prohibited": "Prohibited",
}
#: ``--query-gpu`` fields read, by the name (and alias) nvidia-smi prints in the CSV header.
_CSV_FIELDS = {
    "name": "name",
    "gpu_name": "name",
    "driver_version": "driver",
    "memory.total [mib]": "memory",
    "memory.used [mib]": "memory_used",
    "compute_mode": "compute_mode",
    "compute_cap": "cc",
}
#: A ``--query-gpu`` header cell: a field name, with its unit where it has one.
_CSV_CELL = re.compile(r"^[a-z][a-z_.]{1,40}(?: \[[a-z%]{1,8}\])?$")
_MIB = re.compile(r"^(?P<n>[0-9]{1,7}) ?MiB$")
_CC = re.compile(r"^[0-9]{1,2}\.[0-9]$")
_MAX_GPUS = 64


@dataclass(slots=True)
class _Log:
    """One query log being read: its facts, where it started and ended, the GPU section."""

    start: int
    end: int = 0
    facts: list[Fact] = field(default_factory=list)
    gpu: int = -1
    section: str = ""

    def add(self, path: str, value: object, line: int) -> None:
        self.facts.append(Fact(path=path, value=value, line=line))
        self.end = line

    def block(self) -> Block:
        return with_count(
            Block(format=FORMAT, start=self.start, end=self.end, facts=tuple(self.facts))
        )


def _mib(value: str) -> int | None:
    m = _MIB.match(value.strip())
    return int(m.group("n")) if m else None


def _gpu_key(log: _Log, key: str, value: str, number: int) -> None:
    """A key of the current GPU's section (``FB Memory Usage``'s Total and Used, not BAR1's)."""
    gpu = f"gpu.{log.gpu}"
    if key in ("Product Name", "product_name") and value and value != "N/A":
        log.add(f"{gpu}.name", value, number)
    elif key in ("Compute Mode", "compute_mode") and value in _MODES:
        log.add(f"{gpu}.compute_mode", _MODES[value], number)
    elif log.section in ("FB Memory Usage", "fb_memory_usage") and key in (
        "Total",
        "Used",
        "total",
        "used",
    ):
        mib = _mib(value)
        if mib is not None:
            log.add(
                f"{gpu}.memory" if key.lower() == "total" else f"{gpu}.memory_used", mib, number
            )


def _top_key(log: _Log, key: str, value: str, number: int) -> None:
    if key in ("Driver Version", "driver_version") and is_digits(value[:1]):
        log.add("driver.version", value, number)
    elif key in ("CUDA Version", "cuda_version") and is_digits(value[:1]):
        log.add("driver.max_cuda", value, number)


def _key_value(stripped: str) -> tuple[str, str] | None:
    """``Product Name                    : GeForce GTX 1080`` or ``<product_name>...</product_name>``."""
    if stripped.startswith("<"):
        m = _XML_ELEMENT.match(stripped)
        if m is None or m.group("tag") != m.group("end"):
            return None
        return m.group("tag"), m.group("value").strip()
    key, sep, value = stripped.partition(" : ")
    if not sep or not key.rstrip():
        return None
    return key.rstrip(), value.strip()


def _starts_log(stripped: str) -> bool:
    """The banner, the XML root, or ``-q``'s driver line (spaces before its colon, which the
    table's ``Driver Version:`` has not)."""
    return (
        (stripped.startswith("=====") and "NVSMI LOG" in stripped)
        or stripped.startswith("<nvidia_smi_log>")
        or (stripped.startswith("Driver Version ") and " : " in stripped)
    )


def _starts_fragment(stripped: str) -> bool:
    """A log pasted from its middle, without the banner: a GPU's section header (``GPU
    00000000:01:00.0`` alone on its line) or its ``FB Memory Usage`` section, which is what one
    shows of a GPU that ran out of memory (``nvidia-smi -q -d MEMORY``); the section's keys follow."""
    return bool(_GPU_SECTION.match(stripped)) or stripped == "FB Memory Usage"


def _read_logs(lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    log: _Log | None = None
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if _starts_log(stripped) and (log is None or log.facts):
            if log is not None and log.facts:
                blocks.append(log.block())
            log = _Log(start=number)
        if log is None and _starts_fragment(stripped):
            log = _Log(start=number, gpu=-1 if _GPU_SECTION.match(stripped) else 0)
        if log is None:
            continue
        if _GPU_SECTION.match(stripped) or _XML_GPU.match(stripped):
            log.gpu = min(log.gpu + 1, _MAX_GPUS)
            log.section = ""
            continue
        pair = _key_value(stripped)
        if pair is None:
            if stripped and not stripped.startswith("</"):
                log.section = stripped.strip("<>")
            continue
        key, value = pair
        if log.gpu < 0:
            _top_key(log, key, value, number)
        else:
            _gpu_key(log, key, value, number)
    if log is not None and log.facts:
        blocks.append(log.block())
    return blocks


#: The command itself, where its answer has no header (``--format=csv,noheader``): the fields
#: are the ones it queried, in its order ("nvidia-smi --query-gpu=name,driver_version
#: --format=csv,noheader" then "NVIDIA GeForce RTX 3090, 470.82.01").
_NOHEADER_QUERY = re.compile(
    r"--query-gpu[= ](?P<fields>[a-z_.,]{1,400}) {1,4}--format[= ]csv,noheader"
)


def _csv_header(stripped: str) -> list[str | None] | None:
    """The fields of a ``--format=csv`` header, each mapped to what it gives (None: not read):
    every cell a query field's name, two of them read, the GPU's name or the driver among them;
    or the driver's field alone (``--query-gpu=driver_version``, which answers one number); or
    the fields a ``noheader`` query names on its command line."""
    if stripped == "driver_version":
        return ["driver"]
    query = _NOHEADER_QUERY.search(stripped) if "noheader" in stripped else None
    if query is not None:
        return _csv_fields([c for c in query.group("fields").split(",") if c], noheader=True)
    if "," not in stripped or not stripped.startswith(
        ("name", "gpu_name", "driver_version", "index", "memory.", "timestamp", "pci.bus_id")
    ):
        return None
    cells = [c.strip().lower() for c in stripped.split(",")]
    if not all(_CSV_CELL.match(c) for c in cells):
        return None
    return _csv_fields(cells, noheader=False)


def _csv_fields(cells: list[str], *, noheader: bool) -> list[str | None] | None:
    """What each queried field gives; a noheader query's memory fields carry no unit in their
    name (their values do: "24576 MiB"), and its driver alone is enough. A query of the memory
    in use and the total (``--query-gpu=memory.used,memory.total``, what one asks of a GPU that
    runs out of memory) is read without the GPU's name or driver."""
    fields = [
        _CSV_FIELDS.get(f"{c} [mib]" if noheader and c.startswith("memory.") else c) for c in cells
    ]
    read = {f for f in fields if f}
    enough = read == {"driver"} if noheader else len(read) >= 2
    named = {"name", "driver"} & read or {"memory", "memory_used"} <= read
    return fields if (enough or len(read) >= 2) and named else None


def _csv_row(fields: list[str | None], stripped: str, gpu: int, number: int) -> list[Fact]:
    cells = [c.strip() for c in stripped.split(",")]
    if len(cells) != len(fields):
        return []
    out: list[Fact] = []
    for kind, cell in zip(fields, cells, strict=True):
        if kind == "name" and cell.startswith(NAME_START):
            out.append(Fact(path=f"gpu.{gpu}.name", value=cell, line=number))
        elif kind == "driver" and is_digits(cell.split(".")[0]):
            out.append(Fact(path="driver.version", value=cell, line=number))
        elif kind in ("memory", "memory_used") and (mib := _mib(cell)) is not None:
            out.append(Fact(path=f"gpu.{gpu}.{kind}", value=mib, line=number))
        elif kind == "compute_mode" and cell in _MODES:
            out.append(Fact(path=f"gpu.{gpu}.compute_mode", value=_MODES[cell], line=number))
        elif kind == "cc" and _CC.match(cell):
            out.append(Fact(path=f"gpu.{gpu}.cc", value=cell, line=number))
    return out


def _read_csv(lines: Sequence[str]) -> list[Block]:
    blocks: list[Block] = []
    fields: list[str | None] | None = None
    facts: list[Fact] = []
    start = 0
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        header = _csv_header(stripped)
        if header is not None:
            if facts:
                blocks.append(
                    Block(format=FORMAT, start=start, end=facts[-1].line, facts=tuple(facts))
                )
            fields, facts, start = header, [], number
            continue
        if fields is None:
            continue
        gpu = len({f.path.split(".")[1] for f in facts if f.path.startswith("gpu.")})
        row = _csv_row(fields, stripped, gpu, number) if gpu < _MAX_GPUS else []
        if not row:
            if facts:
                blocks.append(
                    Block(format=FORMAT, start=start, end=facts[-1].line, facts=tuple(facts))
                )
            fields, facts = None, []
            continue
        # one driver fact per block: every row repeats it
        facts.extend(
            f for f in row if f.path != "driver.version" or not any(g.path == f.path for g in facts)
        )
    if facts:
        blocks.append(Block(format=FORMAT, start=start, end=facts[-1].line, facts=tuple(facts)))
    return [with_count(b) for b in blocks]


def read(lines: Sequence[str]) -> list[Block]:
    """The query logs (``-q``, ``-q -x``) and CSV answers (``--query-gpu``) in the paste."""
    return [*_read_logs(lines), *_read_csv(lines)]
