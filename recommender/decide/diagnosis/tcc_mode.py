"""A GPU in TCC mode, shown by Windows' nvidia-smi, where the paste is about WSL.

WSL 2 reaches the GPU through the Windows display driver model (WDDM): NVIDIA's CUDA on WSL guide
says GPU acceleration there is for GPUs in WDDM mode, not for GPUs in TCC mode (data-centre and
workstation cards that Windows runs as compute-only devices), so such a GPU is not given to WSL
at all. Windows' nvidia-smi prints each GPU's driver model in its table (``|   0  Tesla T4
TCC  |``; the header cell reads ``TCC/WDDM``). Every GPU in TCC mode: none reaches WSL (a
failure); some: those stay outside WSL (a warning).
"""

from __future__ import annotations

import re

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.wsl import on_wsl2
from recommender.facts.reports import Paste

GUIDE_URL = "https://docs.nvidia.com/cuda/wsl-user-guide/index.html"

#: A GPU row of Windows' nvidia-smi table: index, name, then the driver model cell.
_ROW = re.compile(
    r"^\|? {0,4}[0-9]{1,2} {1,4}[A-Za-z][^|\n]{0,40}? {1,12}(?P<mode>TCC|WDDM) {0,4}\|"
)
_MAX_LINES = 5000


def _driver_models(paste: Paste) -> list[tuple[int, str]]:
    """(line, TCC or WDDM) of each GPU row of Windows' nvidia-smi in the paste."""
    out = []
    for number, line in enumerate(paste.lines[:_MAX_LINES], 1):
        if "TCC" not in line and "WDDM" not in line:
            continue
        m = _ROW.search(line.strip()[:200])
        if m is not None:
            out.append((number, m.group("mode")))
    return out


def tcc_under_wsl(paste: Paste) -> list[Finding]:
    """GPUs in TCC mode in a paste about WSL: not given to WSL 2."""
    if not on_wsl2(paste):
        return []
    rows = _driver_models(paste)
    tcc = [n for n, mode in rows if mode == "TCC"]
    if not tcc:
        return []
    every = len(tcc) == len(rows)
    return [
        Finding(
            id="platform:wsl-tcc-gpu",
            category=Category.WSL_ISSUE.value,
            also=(Category.NO_DEVICE.value,),
            status="fail" if every else "warn",
            title="WSL 2: a GPU in TCC mode is not given to WSL (GPU acceleration there needs WDDM)",
            detail=(
                (
                    "every GPU Windows' nvidia-smi lists"
                    if every
                    else "some GPUs Windows' nvidia-smi lists"
                )
                + " run in TCC mode, and WSL 2 reaches a GPU only through the Windows display "
                "driver model (WDDM): those GPUs are not visible inside WSL"
            ),
            fix=(
                "Switch the GPU to WDDM mode in an administrator prompt on Windows (nvidia-smi "
                "-g <index> -dm 0, then reboot) where the card supports it, or use a GPU in WDDM "
                "mode (or native Linux) for the job"
            ),
            quotes=quote_lines(paste, tcc[:3]),
            source=GUIDE_URL,
        )
    ]
