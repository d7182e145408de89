"""The likely cause of a framework that cannot use the NVIDIA GPU a paste shows, inferred from
what the paste states where no message says it (symptoms.py asks). Each rule is a fact of how the
framework is published, cited; each answer quotes the lines it read. None of them is certain (a
conda build, a source build or a library path can break the same inference), so the finding made
of one is a warning that says it was inferred."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.core.catalog import Framework
from recommender.decide.diagnosis._paste import major_minor
from recommender.decide.diagnosis.inferred import MACOS_WORDS, Inference, first_line
from recommender.decide.diagnosis.precedence import container_line
from recommender.decide.diagnosis.process_view import process_sees_none
from recommender.decide.diagnosis.torch_inferences import torch_inference
from recommender.decide.diagnosis.wsl import WSL_FIX, on_wsl2
from recommender.facts.reports import Paste

#: TensorFlow 2.10 was the last release with GPU support on native Windows.
TF_WINDOWS_URL = "https://www.github.com/tensorflow/tensorflow/releases/tag/v2.11.1"
#: Before 2.1 the ``tensorflow`` package was CPU-only and ``tensorflow-gpu`` the GPU build (2.1.0's
#: notes: "The tensorflow pip package now includes GPU support by default"), except 1.15, whose
#: notes say the same ("will by default include GPU support (same as tensorflow-gpu now)").
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
#: What shows native Windows beyond its name: a drive path or a Windows wheel tag.
_WINDOWS_SHOWN = re.compile(r"win_amd64|\bwin(?:32|64)\b|\b[A-Z]:\\", re.IGNORECASE)
#: A TensorFlow 1.x GPU package named anywhere (tensorflow-gpu, tensorflow_gpu).
_TF_GPU_PACKAGE = re.compile(r"tensorflow[-_]gpu", re.IGNORECASE)
#: jax's CUDA plugin or a CUDA jaxlib named anywhere.
_JAX_CUDA = re.compile(
    r"jax\[cuda|jax[-_]cuda[0-9]{2}|jaxlib[^\n]{0,40}\+cuda|cuda[0-9]{2}_plugin", re.IGNORECASE
)


def _platform(paste: Paste) -> tuple[str, int | None]:
    """``windows``, ``macos`` or ``linux`` (the default), with the line that says it."""
    osd = paste.doc.get("os") or {}
    system = osd.get("system") if isinstance(osd, Mapping) else None
    fact = paste.facts.get("os.system")
    line = fact.line if fact is not None else None
    if system == "Darwin":
        return "macos", line
    if on_wsl2(paste) or first_line(paste, _WSL) is not None:
        return "linux", None
    if system == "Windows":
        return "windows", line
    said = first_line(paste, _WINDOWS)
    if said is not None:
        return "windows", said
    mac = first_line(paste, MACOS_WORDS)
    return ("macos", mac) if mac is not None else ("linux", None)


def on_windows(paste: Paste) -> bool:
    """The paste is from native Windows (not WSL)."""
    return _platform(paste)[0] == "windows"


def windows_shown(paste: Paste) -> tuple[bool, int | None]:
    """Whether the paste shows native Windows by what it is, not a word in passing: an OS fact
    (a block, or a sentence the prose reader took as the poster's platform), a drive path or a
    wheel tag; with the line that shows it. "It worked on Windows 11 last week" is no platform."""
    platform, line = _platform(paste)
    if platform != "windows":
        return False, None
    osd = paste.doc.get("os") or {}
    if isinstance(osd, Mapping) and osd.get("system") == "Windows":
        return True, line
    shown = first_line(paste, _WINDOWS_SHOWN)
    return shown is not None, shown


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
    return found or process_sees_none(paste, framework)


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
        return torch_inference(paste, platform, where, tables)
    if framework == Framework.TENSORFLOW:
        return _tensorflow(paste, platform, where)
    if framework == Framework.JAX and platform == "windows":
        return _jax_windows(where)
    if framework == Framework.JAX and first_line(paste, _JAX_CUDA) is None:
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


def _jax_windows(where: int | None) -> Inference:
    """jax publishes no CUDA build for native Windows (its installation table: CUDA on Linux,
    WSL 2 experimental): there jax runs on the CPU, whatever GPU the machine has."""
    return Inference(
        id="windows-jax",
        category=Category.CPU_WHEEL_ON_GPU.value,
        title="jax has no CUDA build on native Windows",
        detail=(
            f"the paste is from native Windows (line {where}), where jax's wheels are CPU-only: "
            "its NVIDIA GPU support is built for Linux (and WSL 2) only"
        ),
        fix='Run jax under WSL 2 with pip install -U "jax[cuda12]", or on Linux',
        source=JAX_INSTALL_URL,
        lines=(where,) if where else (),
    )


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
    # (1.15's tensorflow package included GPU support already: its release notes)
    cpu_only = release < (1, 15) or release == (2, 0)
    if cpu_only and first_line(paste, _TF_GPU_PACKAGE) is None:
        return Inference(
            id="tf1-cpu-package",
            category=Category.CPU_WHEEL_ON_GPU.value,
            title="most likely the CPU-only tensorflow package of 1.x",
            detail=(
                f"before 2.1 (1.15 aside) the `tensorflow` package was CPU-only and `tensorflow-gpu` the GPU "
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
