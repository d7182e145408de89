"""The host CPU a paste shows: lscpu's and /proc/cpuinfo's model name and flags lines (alone, or
in collect_env's CPU section), and the sysctl brand string of a Mac.

``Model name:  Intel(R) Xeon(R) CPU X5670 @ 2.93GHz`` (lscpu), ``model name\\t: Intel(R) Celeron(R)
CPU N3060`` (cpuinfo), ``machdep.cpu.brand_string: ...`` (macOS) give ``cpu.model``. ``Flags:`` /
``flags\\t\\t:`` give ``cpu.flags`` (the vector flags that decide which builds run, and
``hypervisor``), ``cpu.avx`` (whether AVX is there) and ``cpu.hypervisor`` (a virtual machine's
CPU). A flags line that a paste wrapped goes on over the next lines of bare lowercase words, and is
read to its end. Only the first model and flags line count: one CPU per host.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.model import Block, Fact

FORMAT = "lscpu"
_MODEL = re.compile(
    r"^(?:Model name|model name|Modellname|Nom de modèle|machdep\.cpu\.brand_string)"
    r"[ \t]{0,40}:[ \t]{0,40}(?P<v>\S.{0,160})$"
)
_FLAGS = re.compile(
    r"^(?:Flags|flags|Markierungen|drapeaux)[ \t]{0,40}:[ \t]{0,40}(?P<v>\S.{0,4000})$"
)
#: A wrapped flags line goes on as bare flag words (lowercase letters, digits and underscores).
_MORE_FLAGS = re.compile(r"^[a-z0-9_]{1,40}(?: [a-z0-9_]{1,40}){0,400}$")
_MAX_MORE = 8
#: The flags kept as evidence: the vector extensions builds are made for, and a VM's marker.
_VECTOR = frozenset({"sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "hypervisor"})
_VECTOR_PREFIX = ("avx512",)
#: A flags line this short is not lscpu's (an x86 CPU lists dozens of flags).
_MIN_FLAGS = 8


def _flag_words(lines: Sequence[str], number: int, first: str) -> tuple[set[str], int]:
    """The flags of the line at ``number`` (1-based) and of the lines that wrap it; last line."""
    words = set(first.split())
    last = number
    for offset in range(1, _MAX_MORE + 1):
        if number + offset > len(lines):
            break
        more = lines[number + offset - 1].strip()
        if not more or _MORE_FLAGS.match(more) is None:
            break
        words.update(more.split())
        last = number + offset
    return words, last


def _flag_facts(words: set[str], line: int) -> list[Fact]:
    if len(words) < _MIN_FLAGS or not {"sse", "sse2"} <= words:
        return []  # not an x86 flags line (ARM's lists asimd; a sentence is not a flags line)
    kept = sorted(w for w in words if w in _VECTOR or w.startswith(_VECTOR_PREFIX))
    return [
        Fact(path="cpu.flags", value=" ".join(kept), line=line),
        Fact(path="cpu.avx", value="avx" in words, line=line),
        Fact(path="cpu.hypervisor", value="hypervisor" in words, line=line),
    ]


def read(lines: Sequence[str]) -> list[Block]:
    facts: list[Fact] = []
    model = flags = False
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not model and ("odel" in line or "brand_string" in line):
            match = _MODEL.match(line)
            if match is not None:
                facts.append(Fact(path="cpu.model", value=match.group("v").strip(), line=number))
                model = True
        if not flags and line[:1] in "Ffdm" and ":" in line[:60]:
            match = _FLAGS.match(line)
            if match is not None:
                words, _ = _flag_words(lines, number, match.group("v"))
                found = _flag_facts(words, number)
                facts.extend(found)
                flags = bool(found)
        if model and flags:
            break
    if not facts:
        return []
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
