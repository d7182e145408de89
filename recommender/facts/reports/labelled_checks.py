"""A framework's answer a script printed under its own label, outside a Python session: "PyTorch
built with CUDA: False", "CUDA available: True", onnxruntime's "Available providers: [...]".
Read by the session reader (sessions.py) beside the checks it pairs with their answers."""

from __future__ import annotations

import re
from typing import Any

from recommender.facts.reports.model import Fact


def ort_providers(value: str) -> list[tuple[str, Any]]:
    """onnxruntime.get_available_providers(): the GPU package lists CUDAExecutionProvider even
    where its libraries are missing, so a list of providers without it is the CPU package."""
    value = value.strip()
    if not value.startswith("[") or "ExecutionProvider" not in value:
        return []
    return [("onnxruntime.built_with_cuda", "CUDAExecutionProvider" in value)]


#: The same check printed by a script under its own label ("PyTorch built with CUDA:  False",
#: "TensorFlow compiled with CUDA support = True"): a framework name, "built/compiled with CUDA"
#: and a boolean, the whole line; and torch's answer under the label scripts print it with
#: ("CUDA available: False", "Torch CUDA available: True"; not collect_env's "Is CUDA available").
_LABELLED = re.compile(
    r"^(?:[-*] {1,4})?(?:(?P<torch>PyTorch|Torch)|TensorFlow|TF)(?: is)? (?:built|compiled) with CUDA"
    r"(?: support)? {0,20}[:=] {0,20}(?P<value>True|False)\.?$"
    r"|^(?:[-*] {1,4})?(?:(?:PyTorch|Torch) )?CUDA available {0,20}[:=]? {0,20}(?P<available>True|False)\.?$",
    re.IGNORECASE,
)


#: onnxruntime's providers list printed under a label by a script ("Available providers:
#: ['CPUExecutionProvider']", "providers = [...]"): get_available_providers()' answer
#: (https://onnxruntime.ai/docs/api/python/api_summary.html); not "Applied providers:", a
#: session's own list (a signature reads that).
_PROVIDERS = re.compile(
    r"^(?:[-*] {1,4})?(?:available |onnxruntime |ort )?providers {0,4}[:=] {0,4}(?P<list>\[[^\]]{1,400}\])\.?$",
    re.IGNORECASE,
)


#: torch's CUDA version retold inside a sentence or a log line as None ("torch.version.cuda
#: returns None", "CUDA is not available. torch.version.cuda: None", "print(torch.version.cuda)
#: gives None"): torch.version.cuda is None in a build without CUDA
#: (https://pytorch.org/docs/stable/notes/hip.html: None where torch was not built with CUDA).
#: A condition ("if torch.version.cuda is None:") is code, not an answer.
_CUDA_NONE = re.compile(
    r"torch\.version\.cuda\)?[`'\"*]{0,3}(?: {1,4}(?:returns?|returned|gives|gave|is|was|prints"
    r"|printed|shows|showed|outputs|says|==|=>|->|→) {1,4}| {0,4}[=:] {0,4})[`*_'\"]{0,2}None\b"
)
_CODE = ("if ", "elif ", "while ", "assert ", "return ")


def _cuda_none(line: str, number: int) -> list[Fact]:
    if "version.cuda" not in line or line.lstrip().startswith(_CODE):
        return []
    if _CUDA_NONE.search(line[:2000]) is None:
        return []
    return [Fact(path="torch.built_with_cuda", value=False, line=number)]


def labelled(line: str, number: int) -> list[Fact]:
    none = _cuda_none(line, number)
    if none:
        return none
    p = _PROVIDERS.match(line) if "providers" in line.lower() else None
    if p is not None:
        return [Fact(path=k, value=v, line=number) for k, v in ort_providers(p.group("list"))]
    m = _LABELLED.match(line)
    if m is None:
        return []
    if m.group("available"):  # a script's print("CUDA available:", torch.cuda.is_available())
        seen = m.group("available").lower() == "true"
        return [Fact(path="frameworks.pytorch.cuda_available", value=seen, line=number)]
    fw = "torch" if m.group("torch") else "tf"
    value = m.group("value").lower() == "true"
    return [Fact(path=f"{fw}.built_with_cuda", value=value, line=number)]
