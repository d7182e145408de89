"""The likely cause of a framework that cannot use the NVIDIA GPU a paste shows, inferred from
what the paste states where no message says it (symptoms.py asks). Each rule is a fact of how the
framework is published, cited; each answer quotes the lines it read. None of them is certain (a
conda build, a source build or a library path can break the same inference), so the finding made
of one is a warning that says it was inferred."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from recommender.core.catalog import Diagnosis as Category
from recommender.core.catalog import Framework
from recommender.decide.diagnosis._paste import fact_version, major_minor
from recommender.decide.diagnosis.precedence import container_line
from recommender.decide.diagnosis.wsl import WSL_FIX, on_wsl2
from recommender.facts.reports import Paste


@dataclass(frozen=True, slots=True, kw_only=True)
class Inference:
    """A cause inferred from stated facts: what it is, why, what to do, where that is written."""

    id: str
    category: str
    title: str
    detail: str
    fix: str
    source: str
    lines: tuple[int, ...]
    also: tuple[str, ...] = ()


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
#: TensorFlow 2.10 was the last release with GPU support on native Windows.
TF_WINDOWS_URL = "https://www.github.com/tensorflow/tensorflow/releases/tag/v2.11.1"
#: Before 2.1 the ``tensorflow`` package was CPU-only and ``tensorflow-gpu`` the GPU build (2.1.0's
#: notes: "The tensorflow pip package now includes GPU support by default").
TF_GPU_PACKAGE_URL = "https://github.com/tensorflow/tensorflow/releases/tag/v2.1.0"
#: TensorFlow loads CUDA and cuDNN at run time, from the system (its tested pair) or, from 2.15 on,
#: from the nvidia-* wheels of ``tensorflow[and-cuda]``; it lists no GPU when they do not load.
TF_PIP_URL = "https://www.tensorflow.org/install/pip"
#: ``pip install jax`` is CPU-only; the NVIDIA GPU needs ``jax[cuda12]`` / ``jax[cuda13]``.
JAX_INSTALL_URL = "https://docs.jax.dev/en/latest/installation.html"
#: A container sees the host's GPUs only when started with them (docker run --gpus).
CONTAINER_GPUS_URL = (
    "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/"
    "docker-specialized.html"
)

#: Words that put a paste on native Windows (paths, wheel tags, the name). Under WSL the Linux
#: builds run, so a WSL paste is not native Windows.
_WINDOWS = re.compile(r"\bwindows\b|win_amd64|\bwin(?:10|11|32|64)\b|\b[A-Z]:\\", re.IGNORECASE)
_WSL = re.compile(r"\bwsl", re.IGNORECASE)
_MACOS = re.compile(r"\bmacos\b|\bdarwin\b|\bmacbook|\bmac os\b", re.IGNORECASE)
#: A TensorFlow 1.x GPU package named anywhere (tensorflow-gpu, tensorflow_gpu).
_TF_GPU_PACKAGE = re.compile(r"tensorflow[-_]gpu", re.IGNORECASE)
#: jax's CUDA plugin or a CUDA jaxlib named anywhere.
_JAX_CUDA = re.compile(
    r"jax\[cuda|jax[-_]cuda[0-9]{2}|jaxlib[^\n]{0,40}\+cuda|cuda[0-9]{2}_plugin", re.IGNORECASE
)


def _first(paste: Paste, pattern: re.Pattern[str]) -> int | None:
    return next((n for n, line in enumerate(paste.lines, 1) if pattern.search(line[:2000])), None)


def _platform(paste: Paste) -> tuple[str, int | None]:
    """``windows``, ``macos`` or ``linux`` (the default), with the line that says it."""
    osd = paste.doc.get("os") or {}
    system = osd.get("system") if isinstance(osd, Mapping) else None
    fact = paste.facts.get("os.system")
    line = fact.line if fact is not None else None
    if system == "Darwin":
        return "macos", line
    if on_wsl2(paste) or _first(paste, _WSL) is not None:
        return "linux", None
    if system == "Windows":
        return "windows", line
    said = _first(paste, _WINDOWS)
    if said is not None:
        return "windows", said
    mac = _first(paste, _MACOS)
    return ("macos", mac) if mac is not None else ("linux", None)


def infer(paste: Paste, framework: Framework, tables: Mapping[str, Any]) -> Inference | None:
    """The likely cause of ``framework`` seeing no GPU, or None where the text states none: the
    framework's own publishing facts first; on a WSL 2 host where they say nothing, WSL's GPU
    path (the Windows driver's libraries), since that host reaches the GPU no other way."""
    container = container_line(paste)
    if container is not None:
        return _container(container)
    platform, where = _platform(paste)
    found = _framework(paste, framework, platform, where, tables)
    if found is None and on_wsl2(paste):
        return _wsl2_path(paste)
    return found


#: CUDA under WSL 2: the Windows driver's libraries mounted at /usr/lib/wsl/lib, no Linux driver.
WSL_GUIDE_URL = "https://docs.nvidia.com/cuda/wsl-user-guide/index.html"


def _wsl2_path(paste: Paste) -> Inference:
    """WSL 2 reaches the GPU only through the Windows driver (dxgkrnl, /dev/dxg and the libraries
    at /usr/lib/wsl/lib): a framework that sees none there, with nothing else stated, most likely
    meets a broken link in that path (a Linux driver or libcuda installed inside the distribution
    shadowing the Windows one, /usr/lib/wsl/lib off the loader's path, a Windows driver or build
    without WSL GPU support)."""
    lines = tuple(
        sorted({f.line for p, f in paste.facts.items() if p in ("os.wsl", "os.wsl_named")})
    )
    return Inference(
        id="wsl2-gpu-path",
        category=Category.WSL_ISSUE.value,
        title="most likely WSL 2's GPU path (the Windows driver's libraries) is broken",
        detail=(
            "the paste is from WSL 2, which reaches the GPU only through the Windows NVIDIA "
            "driver (its libcuda and nvidia-smi mounted at /usr/lib/wsl/lib); a Linux driver or "
            "libcuda installed inside the distribution, that folder missing from the loader's "
            "path, or a Windows driver or build without WSL GPU support each give this answer"
        ),
        fix=WSL_FIX,
        source=WSL_GUIDE_URL,
        lines=lines,
    )


def _framework(
    paste: Paste, framework: Framework, platform: str, where: int | None, tables: Mapping[str, Any]
) -> Inference | None:
    """The cause the framework's own publishing facts point to, or None."""
    if framework == Framework.PYTORCH:
        return _torch(paste, platform, where, tables)
    if framework == Framework.TENSORFLOW:
        return _tensorflow(paste, platform, where)
    if framework == Framework.JAX and _first(paste, _JAX_CUDA) is None:
        return Inference(
            id="cpu-jaxlib",
            category=Category.CPU_WHEEL_ON_GPU.value,
            title="most likely jax without its CUDA plugin",
            detail=(
                "`pip install jax` installs the CPU-only jaxlib, and nothing in the paste names "
                "jax's CUDA plugin (jax[cuda12], jax-cuda12-plugin)"
            ),
            fix='pip install -U "jax[cuda12]" (or "jax[cuda13]" where the driver supports CUDA 13)',
            source=JAX_INSTALL_URL,
            lines=(),
        )
    return None


def _container(line: int) -> Inference:
    return Inference(
        id="container",
        category=Category.NO_DEVICE.value,
        title="most likely the container was started without the GPU",
        detail=(
            "the paste comes from a container, which sees the host's driver and GPUs only when "
            "they are passed to it"
        ),
        fix=(
            "Start the container with `docker run --gpus all ...` (the NVIDIA Container Toolkit "
            "on the host); nvidia-smi inside the container must list the GPU"
        ),
        source=CONTAINER_GPUS_URL,
        lines=(line,),
    )


def _torch(
    paste: Paste, platform: str, where: int | None, tables: Mapping[str, Any]
) -> Inference | None:
    fact = paste.facts.get("frameworks.pytorch.version")
    version = fact_version(fact)
    if fact is None or version is None:
        return _conda_swap(paste) if not _cuda_build_stated(paste) else None
    if version.local is not None or _cuda_build_stated(paste):
        return None  # a labelled or stated build is the checklist's
    conda = _first(paste, _CONDA_TORCH)
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
        return Inference(
            id="windows-pypi",
            category=Category.CPU_WHEEL_ON_GPU.value,
            title="most likely PyPI's CPU-only torch for Windows",
            detail=(
                f"torch {version} carries no +cuXXX label, on Windows (line {where}): PyPI's "
                "Windows torch is the CPU-only build, the CUDA builds come from "
                "download.pytorch.org labelled +cuXXX"
            ),
            fix=(
                "Check torch.version.cuda (None is the CPU build); install a CUDA build: pip "
                "install --force-reinstall torch --index-url https://download.pytorch.org/whl/"
                "cuXXX, for a CUDA the driver supports (nvidia-smi's CUDA Version)"
            ),
            source=TORCH_WINDOWS_PYPI_URL,
            lines=(fact.line, *((where,) if where else ())),
        )
    arm = _first(paste, _AARCH64)
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
        return _torch_linux_driver(paste, str(version), fact.line, tables)
    return None


def _conda_swap(paste: Paste) -> Inference | None:
    """No torch version stated, torch sees no GPU, and a conda install is in the paste: conda's
    solver may have replaced torch with a CPU build to satisfy the package installed."""
    conda = _first(paste, _CONDA_ANY)
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


def _tensorflow(paste: Paste, platform: str, where: int | None) -> Inference | None:
    fact = paste.facts.get("frameworks.tensorflow.version")
    release = major_minor(fact.value) if fact else None
    if fact is None or release is None:
        return None
    if platform == "windows" and release >= (2, 11):
        return Inference(
            id="windows-tf",
            category=Category.CPU_WHEEL_ON_GPU.value,
            title="TensorFlow has no GPU build on native Windows after 2.10",
            detail=f"TensorFlow {fact.value} on native Windows (line {where}) runs on the CPU only",
            fix="Use TensorFlow under WSL 2 (pip install tensorflow[and-cuda]), or tensorflow<2.11 with CUDA 11.2 and cuDNN 8.1 on native Windows",
            source=TF_WINDOWS_URL,
            lines=(fact.line, *((where,) if where else ())),
        )
    if release < (2, 1) and _first(paste, _TF_GPU_PACKAGE) is None:
        return Inference(
            id="tf1-cpu-package",
            category=Category.CPU_WHEEL_ON_GPU.value,
            title="most likely the CPU-only tensorflow package of 1.x",
            detail=(
                f"before 2.1 the `tensorflow` package was CPU-only and `tensorflow-gpu` the GPU "
                f"build; the paste shows TensorFlow {fact.value} and names no tensorflow-gpu"
            ),
            fix=f"pip uninstall tensorflow && pip install tensorflow-gpu=={fact.value}, with the CUDA and cuDNN of that release",
            source=TF_GPU_PACKAGE_URL,
            lines=(fact.line,),
        )
    if platform != "linux":
        return None
    return Inference(
        id="tf-cuda-libraries",
        category=Category.MISSING_LIBRARY.value,
        title="most likely its CUDA or cuDNN libraries did not load",
        detail=(
            f"TensorFlow {fact.value} loads CUDA and cuDNN when it starts (from the system, or "
            "from pip's nvidia-* packages with tensorflow[and-cuda] from 2.15 on) and lists no "
            "GPU when they do not load; the lines that name the library are logged at start-up"
        ),
        fix=(
            "Run with TF_CPP_MIN_LOG_LEVEL=0 to see which library failed to load; install "
            "tensorflow[and-cuda] (2.15 and later) or the CUDA and cuDNN of the release's tested "
            "pair (https://www.tensorflow.org/install/source#gpu)"
        ),
        source=TF_PIP_URL,
        lines=(fact.line,),
    )
