"""The likely cause of a torch that cannot use the NVIDIA GPU a paste shows, from how torch is
published (inferences.py asks): conda's CPU builds, PyPI's CPU-only wheels for Windows and for
aarch64, and PyPI's Linux wheels built for a CUDA newer than the driver runs. Each is cited and
quotes the lines it read; none is certain, so each is a warning that says it was inferred."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import fact_version, major_minor
from recommender.decide.diagnosis.inferred import Inference, first_line
from recommender.facts.reports import Paste

#: PyPI's torch for Windows is the CPU-only build ("Windows CPU only wheels are available on
#: PyPI", pytorch.github.io#757); the CUDA builds come from download.pytorch.org and carry a
#: +cuXXX local label. conda's builds carry no label either, so an unlabelled version is not proof.
TORCH_WINDOWS_PYPI_URL = "https://github.com/pytorch/pytorch.github.io/pull/757"
#: conda's solver installs the pytorch channel's CPU build where no CUDA build of the release
#: matches what was asked (the channel builds each release for a few CUDA versions only: `conda
#: search pytorch -c pytorch` lists py3.X_cpu_0 next to py3.X_cudaNN.N_... builds).
CONDA_CPU_URL = "https://github.com/pytorch/pytorch/issues/32369"
_CONDA_TORCH = re.compile(
    r"\b(?:conda|mamba|micromamba) install\b[^\n]{0,300}?\bpytorch(?:[=<> ]|$)", re.IGNORECASE
)
#: Any conda install: its solver may replace an installed torch to satisfy the new package, and
#: conda-forge's pytorch is its CPU build unless conda detects CUDA or the build string asks for
#: cuda (conda-forge/pytorch-cpu-feedstock#164: `pytorch=*=cuda*` for the GPU build).
_CONDA_ANY = re.compile(r"\b(?:conda|mamba|micromamba) install\b", re.IGNORECASE)
CONDA_FORGE_BUILDS_URL = "https://github.com/conda-forge/pytorch-cpu-feedstock/issues/164"
#: The first release line whose PyPI Windows wheel is known CPU-only (the note above, June 2021:
#: 1.9); before it the Windows wheels came from download.pytorch.org, unlabelled ones with CUDA.
_PYPI_WINDOWS_CPU_FROM = (1, 9)
#: Which of PyPI's aarch64 torch releases are the CPU-only build is compat.yaml's
#: torch_pypi_linux_aarch64 (read from the registry; pytorch/pytorch#160162); an aarch64 machine
#: named in the text (uname, wheel tags, SBSA, Grace).
TORCH_AARCH64_PYPI_URL = "https://github.com/pytorch/pytorch/issues/160162"
_AARCH64 = re.compile(
    r"\baarch64\b|\barm64\b|\bsbsa\b|\bgrace hopper\b|\bG[BH]200\b|\bGB10\b", re.IGNORECASE
)
#: The CUDA of PyPI's Linux torch per release is compat.yaml's torch_pypi_linux_cuda; a driver
#: runs a runtime of its own CUDA major (11 on, minor version compatibility) or older.
MINOR_COMPAT_URL = (
    "https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html"
)


def torch_inference(
    paste: Paste, platform: str, where: int | None, tables: Mapping[str, Any]
) -> Inference | None:
    fact = paste.facts.get("frameworks.pytorch.version")
    version = fact_version(fact)
    if fact is None or version is None:
        if _cuda_build_stated(paste):
            return None
        found = _conda_swap(paste) or _driver_answers(paste) or _gpu_named(paste)
        if found is None and platform == "windows":
            return _windows_pypi("torch's release and build unstated", where)
        return found
    if version.local is not None or _cuda_build_stated(paste):
        return None  # a labelled or stated build is the checklist's
    conda = first_line(paste, _CONDA_TORCH)
    if conda is not None:
        return Inference(
            id="conda-cpu-build",
            category=Category.CPU_WHEEL_ON_GPU.value,
            title="most likely conda resolved torch's CPU-only build",
            detail=(
                f"torch {version} was installed with conda (line {conda}), whose solver takes the "
                "CPU build (build string py3.X_cpu_0, cpu_...) where no CUDA build of that "
                "release matches the CUDA, Python and channels asked for"
            ),
            fix=(
                "Check `conda list pytorch` (a build string with cpu is the CPU build); ask for a "
                "CUDA the channel builds that release for (`conda search pytorch -c pytorch`), or "
                "install with pip from https://download.pytorch.org/whl/cuXXX"
            ),
            source=CONDA_CPU_URL,
            lines=(fact.line, conda),
        )
    if platform == "windows" and version.release[:2] >= _PYPI_WINDOWS_CPU_FROM:
        return _windows_pypi(f"torch {version} carries no +cuXXX label", where, fact.line)
    arm = first_line(paste, _AARCH64)
    if (
        platform == "linux"
        and arm is not None
        and _for_release(str(version), tables, "torch_pypi_linux_aarch64") == "cpu"
    ):
        return Inference(
            id="aarch64-pypi",
            category=Category.CPU_WHEEL_ON_GPU.value,
            title="most likely PyPI's CPU-only torch for aarch64",
            detail=(
                f"torch {version} carries no label, on an aarch64 machine (line {arm}): PyPI's "
                f"aarch64 torch of that release is the CPU-only build (read from its metadata on "
                "PyPI); the CUDA builds come from "
                "download.pytorch.org's CUDA indexes"
            ),
            fix=(
                "Install torch from the CUDA index for the driver's CUDA: pip install "
                "--force-reinstall torch --index-url https://download.pytorch.org/whl/cuXXX"
            ),
            source=TORCH_AARCH64_PYPI_URL,
            lines=(fact.line, arm),
        )
    if platform == "linux":
        return _torch_linux_driver(paste, str(version), fact.line, tables) or _gpu_named(paste)
    return _gpu_named(paste)


def _windows_pypi(said: str, where: int | None, *lines: int) -> Inference:
    """torch on native Windows without a CUDA label (``said``: what the paste shows of it): PyPI's
    Windows wheels (since 1.9) are the CPU-only build, and ``pip install torch`` takes them unless
    an index is given."""
    return Inference(
        id="windows-pypi",
        category=Category.CPU_WHEEL_ON_GPU.value,
        title="most likely PyPI's CPU-only torch for Windows",
        detail=(
            f"{said}, on Windows (line {where}): PyPI's Windows torch is the CPU-only build, "
            "which a plain pip install takes; the CUDA builds come from download.pytorch.org "
            "labelled +cuXXX"
        ),
        fix=(
            "Check torch.__version__ and torch.version.cuda (a +cpu label or None is the CPU "
            "build); install a CUDA build: pip install --force-reinstall torch --index-url "
            "https://download.pytorch.org/whl/cuXXX, for a CUDA the driver supports (nvidia-smi's "
            "CUDA Version)"
        ),
        source=TORCH_WINDOWS_PYPI_URL,
        lines=(*lines, *((where,) if where else ())),
    )


def _conda_swap(paste: Paste) -> Inference | None:
    """No torch version stated, torch sees no GPU, and a conda install is in the paste: conda's
    solver may have replaced torch with a CPU build to satisfy the package installed."""
    conda = first_line(paste, _CONDA_ANY)
    if conda is None:
        return None
    return Inference(
        id="conda-swapped-torch",
        category=Category.CPU_WHEEL_ON_GPU.value,
        title="most likely a conda install replaced torch with a CPU-only build",
        detail=(
            f"a conda install (line {conda}) may change packages already installed to satisfy "
            "the new one; conda-forge's pytorch is its CPU build unless conda detects CUDA or the "
            "build string asks for cuda, so torch can end up without CUDA"
        ),
        fix=(
            "Check `conda list pytorch` (a build string with cpu is the CPU build); reinstall the "
            "CUDA build in the same command as the other package (conda install -c conda-forge "
            "'pytorch=*=cuda*' <package>), or use pip's CUDA wheels in that environment"
        ),
        source=CONDA_FORGE_BUILDS_URL,
        lines=(conda,),
    )


#: torch's install selector: the default wheels of some platforms, and any install without the
#: CUDA index, are the CPU-only build; the CUDA builds come from download.pytorch.org.
TORCH_INSTALL_URL = "https://pytorch.org/get-started/locally/"


def _driver_answers(paste: Paste) -> Inference | None:
    """torch sees no GPU, its version and build are not stated, and the NVIDIA driver answers
    (its version printed): the GPU and driver work, so torch's own build is the likeliest cause."""
    driver = paste.facts.get("driver.version")
    if driver is None:
        return None
    return Inference(
        id="cpu-build-driver-answers",
        category=Category.CPU_WHEEL_ON_GPU.value,
        title="most likely a CPU-only torch, since the driver answers",
        detail=(
            f"the NVIDIA driver answers (version {driver.value}, line {driver.line}), so the GPU "
            "and driver work; the paste does not state torch's build, and a CPU-only build is the "
            "commonest cause left (the default wheel on Windows and aarch64, an install without "
            "the CUDA index, a dependency that reinstalled torch). CUDA_VISIBLE_DEVICES set to "
            "nothing gives the same answer"
        ),
        fix=(
            "Check torch.__version__ and torch.version.cuda (+cpu or None is the CPU build); "
            "install torch from the CUDA index for the driver: pip install --force-reinstall torch "
            "--index-url https://download.pytorch.org/whl/cuXXX"
        ),
        source=TORCH_INSTALL_URL,
        lines=(driver.line,),
    )


def _gpu_named(paste: Paste) -> Inference | None:
    """torch sees no GPU (its own answer, or a program's log that it runs on the CPU), its build
    is not stated, and the only GPU is one the user names ("I have a 3060"): no driver is shown
    at work, so a missing or old driver remains possible, but the commonest cause of a named
    NVIDIA GPU that torch does not use is a CPU-only torch (the default wheel on Windows, an
    install without the CUDA index, a dependency that reinstalled torch)."""
    if any(paste.facts.get(p) for p in ("driver.version", "driver.max_cuda", "driver.kernel")):
        return None
    named = sorted(
        f.line for p, f in paste.facts.items() if p.startswith("gpu.") and p.endswith(".name")
    )
    if not named:
        return None
    return Inference(
        id="cpu-build-gpu-named",
        category=Category.CPU_WHEEL_ON_GPU.value,
        title="most likely a CPU-only torch, on the NVIDIA GPU the text names",
        detail=(
            f"the text names an NVIDIA GPU (line {named[0]}) and shows no driver answering; the "
            "commonest cause of torch running on the CPU there is a CPU-only build (the default "
            "wheel on Windows, an install without the CUDA index, a dependency that reinstalled "
            "torch). No driver, or a driver older than the build's CUDA, remain possible"
        ),
        fix=(
            "Check torch.__version__ and torch.version.cuda (+cpu or None is the CPU build) and "
            "nvidia-smi (the driver and its CUDA); install torch from the CUDA index for the "
            "driver: pip install --force-reinstall torch --index-url "
            "https://download.pytorch.org/whl/cuXXX"
        ),
        source=TORCH_INSTALL_URL,
        lines=(named[0],),
    )


def _cuda_build_stated(paste: Paste) -> bool:
    """The paste says torch is a CUDA build (its CUDA, its flavour, torch.version.cuda)."""
    flavour = paste.facts.get("frameworks.pytorch.build.flavour")
    built = paste.facts.get("torch.built_with_cuda")
    return (
        "frameworks.pytorch.build.cuda" in paste.facts
        or (flavour is not None and flavour.value != "cpu")
        or (built is not None and built.value is True)
    )


def pypi_linux_cuda(version: str, tables: Mapping[str, Any]) -> tuple[int, int] | None:
    """The CUDA of PyPI's Linux torch of ``version``'s release (compat.yaml), or None."""
    cuda = _for_release(version, tables, "torch_pypi_linux_cuda")
    return major_minor(cuda) if cuda is not None else None


def _for_release(version: str, tables: Mapping[str, Any], table: str) -> Any:
    """The value compat.yaml's ``table`` (release ranges -> value) gives ``version``'s release
    line, or None where no range holds it."""
    release = major_minor(version)
    if release is None:
        return None
    for versions, value in (tables.get(table) or {}).items():
        try:
            if SpecifierSet(str(versions)).contains(f"{release[0]}.{release[1]}"):
                return value
        except InvalidSpecifier:
            continue
    return None


def _torch_linux_driver(
    paste: Paste, version: str, line: int, tables: Mapping[str, Any]
) -> Inference | None:
    """PyPI's Linux torch of this release is built for a CUDA newer than the driver runs."""
    top = paste.facts.get("driver.max_cuda")
    limit = major_minor(top.value) if top else None
    built = pypi_linux_cuda(version, tables)
    if top is None or limit is None or built is None:
        return None
    runs = built[0] < limit[0] or (built[0] == limit[0] and (built[0] >= 11 or built <= limit))
    if runs:
        return None
    return Inference(
        id="driver-for-pypi-cuda",
        category=Category.DRIVER_TOO_OLD.value,
        title="most likely a driver older than the CUDA of PyPI's torch",
        detail=(
            f"torch {version} carries no label, and PyPI's Linux torch of that release is built "
            f"for CUDA {built[0]}.{built[1]}; the driver supports CUDA {top.value} at most "
            f"(line {top.line})"
        ),
        fix=(
            f"Upgrade the NVIDIA driver to one for CUDA {built[0]}.{built[1]}, or install a torch "
            f"build for CUDA {top.value} or older from https://download.pytorch.org/whl/ (its "
            "+cuXXX label must match)"
        ),
        source=MINOR_COMPAT_URL,
        lines=(line, top.line),
    )
