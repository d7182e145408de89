"""The CUDA toolkit's own reports, wherever they are pasted: ``nvcc --version`` ("Cuda compilation
tools, release 10.1, V10.1.243", the line detectron2's and sglang's environment dumps quote in
their NVCC rows), ``cat /usr/local/cuda/version.txt`` ("CUDA Version 10.0.130", up to CUDA 10.2)
and its successor ``version.json`` (``"cuda" : { "name" : "CUDA SDK", "version" : "11.8.0" }``),
and the CUDA release torch was built with as ``torch.__config__.show()`` prints it ("  - CUDA
Runtime 10.1", the "PyTorch built with:" list detectron2 appends to its table).

The toolkit is what builds extensions: torch's extension builder reads nvcc's "release X.Y" and
refuses a major other than torch's own (torch/utils/cpp_extension.py ``_check_cuda_version``).
Which toolkit the paste shows is a fact; whether it matters is the diagnosis's question."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.facts.reports.model import Block, Fact

FORMAT = "cuda-toolkit"
#: nvcc --version's last lines, also quoted in other tools' rows ("NVCC  Cuda compilation ...").
_NVCC = re.compile(r"Cuda compilation tools, release (?P<v>[0-9]{1,2}\.[0-9]{1,2})")
#: /usr/local/cuda/version.txt (CUDA <= 10.2): the whole file is this one line.
_VERSION_TXT = re.compile(r"^CUDA Version (?P<v>[0-9]{1,2}\.[0-9]{1,2})(?:\.[0-9]{1,4})?\s*$")
#: /usr/local/cuda/version.json (CUDA >= 11): the SDK entry, its version a line or two below.
_JSON_SDK = re.compile(r'"name"\s{0,4}:\s{0,4}"CUDA SDK"')
_JSON_VERSION = re.compile(r'"version"\s{0,4}:\s{0,4}"(?P<v>[0-9]{1,2}\.[0-9]{1,2})[0-9.]{0,8}"')
#: torch.__config__.show(): "PyTorch built with:" then "  - CUDA Runtime 11.1".
_CONFIG_RUNTIME = re.compile(r"^-\s{0,4}CUDA Runtime (?P<v>[0-9]{1,2}\.[0-9]{1,2})\s*$")


def _found(lines: Sequence[str]) -> list[Fact]:
    facts: list[Fact] = []
    nvcc = runtime = False
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not nvcc:
            m = _NVCC.search(line[:400]) or _VERSION_TXT.match(line[:80])
            if m is None and _JSON_SDK.search(line[:200]):
                tail = " ".join(x.strip() for x in lines[number : number + 2])
                m = _JSON_VERSION.search(tail[:400])
            if m is not None:
                nvcc = True
                facts.append(Fact(path="toolkit.nvcc", value=m.group("v"), line=number))
        if not runtime and "CUDA Runtime" in line:
            r = _CONFIG_RUNTIME.match(line[:80])
            if r is not None:
                runtime = True
                facts.append(
                    Fact(path="frameworks.pytorch.build.cuda", value=r.group("v"), line=number)
                )
        if nvcc and runtime:
            break
    return facts


def read(lines: Sequence[str]) -> list[Block]:
    """One block with the toolkit release (and torch's build CUDA) the paste shows."""
    facts = _found(lines)
    if not facts:
        return []
    facts.sort(key=lambda f: f.line)
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
