"""A CPU without the vector instructions a prebuilt binary needs (compat.yaml's ``cpu_isa``).

TensorFlow (from 1.6), jaxlib and Ollama's GPU runners are built with AVX: on a CPU without it
they die on the first such instruction ("Illegal instruction (core dumped)", SIGILL) or refuse to
start. Whether the CPU has AVX is read from its flags (lscpu, /proc/cpuinfo: proved), or inferred
from its model name (a family without AVX, in a flags-less lscpu or a sentence: a warning). A VM
whose flags list ``hypervisor`` and no AVX hides the host CPU's AVX: its CPU model is the cause.
A CPU whose flags list AVX keeps every rule here quiet, whatever its name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.facts.reports.linear import check_pattern

TABLE = "cpu_isa"
AVX_URL = "https://en.wikipedia.org/wiki/Advanced_Vector_Extensions"
#: Lines looked at for a program, a symptom or a CPU named in a sentence (all are named early).
_MAX_LINES = 2000
_LINE = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class _Lack:
    """Why the CPU has no AVX: ``how`` in words, the lines that say so, proved by its flags (or
    inferred from its model name), and whether it is a VM's CPU."""

    how: str
    lines: tuple[int, ...]
    proved: bool
    vm: bool


def _heads(paste: Paste) -> list[tuple[int, str]]:
    return [(n, line[:_LINE].lower()) for n, line in enumerate(paste.lines[:_MAX_LINES], 1)]


def _first_with(
    heads: Sequence[tuple[int, str]], words: Sequence[str], unless: Sequence[str] = ()
) -> int | None:
    for number, head in heads:
        if any(w in head for w in words) and not any(u in head for u in unless):
            return number
    return None


def _family(paste: Paste, entries: Sequence[Mapping[str, Any]]) -> tuple[str, int] | None:
    """The first family without AVX that the CPU model (or a line naming a CPU) belongs to."""
    compiled = [(str(e["family"]), check_pattern(str(e["pattern"]))[0]) for e in entries]
    model = paste.facts.get("cpu.model")
    candidates = (
        [(model.line, str(model.value))]
        if model is not None
        else [(n, line[:_LINE]) for n, line in enumerate(paste.lines[:_MAX_LINES], 1)]
    )
    for number, text in candidates:
        for name, pattern in compiled:
            if pattern.search(text) is not None:
                return name, number
    return None


def _lack(paste: Paste, table: Mapping[str, Any]) -> _Lack | None:
    avx = paste.facts.get("cpu.avx")
    model = paste.facts.get("cpu.model")
    model_lines = (model.line,) if model is not None else ()
    if avx is not None:
        if avx.value is not False:
            return None
        vm = paste.facts.get("cpu.hypervisor")
        return _Lack(
            how="its flags list no avx",
            lines=(*model_lines, avx.line),
            proved=True,
            vm=vm is not None and vm.value is True,
        )
    family = _family(paste, table.get("without_avx") or ())
    if family is None:
        return None
    name, line = family
    return _Lack(
        how=f"it is an {name} CPU, a family without AVX (inferred from its name, not read from its flags)",
        lines=(line,),
        proved=False,
        vm=name.startswith("QEMU"),
    )


def _program(heads: Sequence[tuple[int, str]], table: Mapping[str, Any]) -> tuple[str, int] | None:
    for entry in table.get("programs") or ():
        line = _first_with(heads, [str(w) for w in entry.get("words") or ()])
        if line is not None:
            return str(entry["name"]), line
    return None


def _fix(program: str | None, vm: bool) -> str:
    where = (
        "Give the virtual machine the host's CPU model (Proxmox/libvirt CPU type 'host', or "
        "pass AVX through), or run on a CPU with AVX"
        if vm
        else "Run on a CPU with AVX (Intel Core from Sandy Bridge on, AMD from Bulldozer on)"
    )
    build = f"; or build {program} from source without AVX" if program else ""
    return where + build


def cpu_isa_findings(paste: Paste, tables: Mapping[str, Any]) -> list[Finding]:
    """A CPU without AVX, next to a program built with it or a crash on an illegal instruction."""
    table = tables.get(TABLE) or {}
    lack = _lack(paste, table)
    if lack is None:
        return []
    heads = _heads(paste)
    symptom = _first_with(
        heads,
        [str(w) for w in table.get("symptoms") or ()],
        [str(w) for w in table.get("not_symptoms") or ()],
    )
    program = _program(heads, table)
    if symptom is None and (program is None or not lack.proved):
        return []
    status = "fail" if lack.proved and symptom is not None and program is not None else "warn"
    name = program[0] if program else None
    needs = f"{name}'s prebuilt binaries use AVX" if name else "prebuilt binaries often use AVX"
    died = "; the process died on an illegal instruction" if symptom is not None else ""
    vm = " (a virtual machine's CPU: its CPU model hides the host's AVX)" if lack.vm else ""
    return [
        Finding(
            id="host:cpu-without-avx",
            category=Category.OTHER.value,
            status=status,
            title="The CPU has no AVX instructions, which the program's prebuilt binaries need",
            detail=f"The CPU has no AVX: {lack.how}{vm}. {needs}{died}",
            fix=_fix(name, lack.vm),
            quotes=quote_lines(
                paste,
                [*lack.lines, *([symptom] if symptom else []), *([program[1]] if program else [])],
            ),
            source=AVX_URL,
        )
    ]
