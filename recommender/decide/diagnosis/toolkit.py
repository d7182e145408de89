"""The CUDA toolkit that builds extensions against the CUDA torch was built with.

torch's extension builder (``torch.utils.cpp_extension``, used by detectron2, apex, mmcv, DeepSpeed's
ops, flash-attn and every ``setup.py`` of a CUDA extension) reads the release from ``nvcc
--version`` and refuses a toolkit of another major release than ``torch.version.cuda`` (a minor
difference only warns): ``_check_cuda_version`` in torch/utils/cpp_extension.py. A paste that shows
both releases shows whether any extension can be built there; it is a failure where the paste is
a build (an extension build error), a warning where it is only an environment dump."""

from __future__ import annotations

import re

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

CPP_EXTENSION_URL = "https://github.com/pytorch/pytorch/blob/main/torch/utils/cpp_extension.py"

#: An extension build at work or broken: compiler and packaging lines, not a torch import.
_BUILDING = re.compile(
    r"nvcc fatal|Failed building wheel|Failed to build |Error compiling objects for extension"
    r"|ninja: build stopped|error: command '[^']{0,200}nvcc|_C {2,40}failed to import"
    r"|mismatches the version that was used to compile|flashinfer\.jit|setup\.py (?:build|install|develop)"
)


def _major(value: object) -> int | None:
    head = str(value).strip().split(".")[0]
    return int(head) if is_digits(head) else None


def toolkit_mismatch(paste: Paste) -> list[Finding]:
    """nvcc of another CUDA major than torch's build: no CUDA extension builds here."""
    nvcc = paste.facts.get("toolkit.nvcc")
    # the build's CUDA, else its major as torch's own Requires names it (nvidia-*-cu12)
    cuda = paste.facts.get("frameworks.pytorch.build.cuda") or paste.facts.get(
        "frameworks.pytorch.build.cuda_major"
    )
    flavour = paste.facts.get("frameworks.pytorch.build.flavour")
    if nvcc is None or cuda is None or (flavour is not None and flavour.value != Accelerator.CUDA):
        return []
    have, want = _major(nvcc.value), _major(cuda.value)
    if have is None or want is None or have == want:
        return []
    building = any(_BUILDING.search(line[:2000]) for line in paste.lines)
    return [
        Finding(
            id="build:toolkit-torch-cuda",
            category=Category.VERSION_MISMATCH.value,
            status="fail" if building else "warn",
            title="The CUDA toolkit that builds extensions is another major release than torch's CUDA",
            detail=(
                f"nvcc is CUDA {nvcc.value}, torch was built with CUDA {cuda.value}: torch's "
                "extension builder refuses a toolkit of another major release, so no CUDA "
                "extension (detectron2, apex, flash-attn, DeepSpeed ops) builds with this nvcc"
            ),
            fix=(
                f"Point CUDA_HOME (and PATH) at a CUDA {want}.x toolkit before building, or "
                f"install the torch build for CUDA {have}.x, or a prebuilt wheel of the extension"
            ),
            quotes=quote_lines(paste, [nvcc.line, cuda.line]),
            source=CPP_EXTENSION_URL,
        )
    ]
