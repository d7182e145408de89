"""Builds that cannot use the GPU or its driver: a CPU-only framework build, a CUDA runtime newer
than the driver supports, libcuda and the kernel module of two driver versions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import fact_lines, major_minor, quote_lines, shows_gpu
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste

TF_WINDOWS_URL = "https://www.github.com/tensorflow/tensorflow/releases/tag/v2.11.1"

CUDA_NOTES_URL = "https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html"

#: Packages that ship a CUDA runtime into the environment: name -> how its version reads.
CUDA_RUNTIMES = (
    "cudatoolkit",
    "pytorch-cuda",
    "nvidia-cuda-runtime-cu12",
    "nvidia-cuda-runtime-cu11",
)


def cpu_builds(paste: Paste) -> list[Finding]:
    """A CPU-only build the text proves (``+cpu``, a conda ``_cpu`` build, ``cpuonly``,
    tensorflow-cpu, TensorFlow 2.11+ on native Windows): a fail next to a GPU, a warning else."""
    gpu = shows_gpu(paste)
    out = []
    for path, fact in paste.facts.items():
        if not (path.startswith("frameworks.") and path.endswith(".build.flavour")):
            continue
        if fact.value != "cpu":
            continue
        framework = path.split(".")[1]
        version = paste.facts.get(f"frameworks.{framework}.version")
        out.append(
            _cpu_finding(
                paste, framework, [fact.line, *([version.line] if version else [])], gpu, ""
            )
        )
    tf = paste.facts.get("frameworks.tensorflow.version")
    osd = paste.doc.get("os") or {}
    release = major_minor(tf.value) if tf else None
    if (
        tf is not None
        and release is not None
        and release >= (2, 11)
        and isinstance(osd, Mapping)
        and osd.get("system") == "Windows"
    ):
        lines = [tf.line, *fact_lines(paste, ("os.",))]
        note = "TensorFlow 2.10 was the last release with GPU support on native Windows"
        out.append(_cpu_finding(paste, "tensorflow", lines, gpu, note, TF_WINDOWS_URL))
    return out


def _cpu_finding(
    paste: Paste, framework: str, lines: Sequence[int], gpu: bool, note: str, source: str = ""
) -> Finding:
    where = "next to the GPU the paste shows" if gpu else "(the paste shows no GPU)"
    return Finding(
        id=f"build:{framework}",
        category=Category.CPU_WHEEL_ON_GPU.value,
        status="fail" if gpu else "warn",
        title=f"{framework} is a CPU-only build",
        detail=f"{note or 'the version or build string says CPU only'} {where}",
        fix=None,
        quotes=quote_lines(paste, lines),
        source=source,
    )


def cuda_runtimes(paste: Paste) -> list[Finding]:
    """A CUDA runtime in the environment newer than the newest CUDA the driver supports."""
    top = paste.facts.get("driver.max_cuda")
    limit = major_minor(top.value) if top else None
    if top is None or limit is None:
        return []
    for name in CUDA_RUNTIMES:
        fact = paste.facts.get(f"package.{name}")
        have = major_minor(fact.value) if fact else None
        if fact is None or have is None or have <= limit:
            continue
        return [
            Finding(
                id=f"runtime:{name}",
                category=Category.DRIVER_TOO_OLD.value,
                status="fail",
                title="The environment's CUDA runtime is newer than the driver supports",
                detail=(
                    f"{name} {fact.value} needs CUDA {have[0]}.{have[1]}; the driver supports "
                    f"CUDA {top.value} at most"
                ),
                fix=(
                    f"Upgrade the NVIDIA driver to one for CUDA {have[0]}.{have[1]}, or install "
                    f"the {name} build for CUDA {top.value} or older"
                ),
                quotes=quote_lines(paste, [fact.line, top.line]),
                source=CUDA_NOTES_URL,
            )
        ]
    return []


def driver_mismatch(paste: Paste) -> list[Finding]:
    """libcuda (user space) and the loaded kernel module report different driver versions."""
    dso, kernel = paste.facts.get("driver.library"), paste.facts.get("driver.kernel")
    if dso is None or kernel is None:
        return []
    numbers = [
        tuple(int(p) for p in str(f.value).split(".")[:2] if is_digits(p)) for f in (dso, kernel)
    ]
    if numbers[0] == numbers[1]:
        return []
    return [
        Finding(
            id="driver:mismatch",
            category=Category.DRIVER_MISMATCH.value,
            status="fail",
            title="The loaded kernel module and libcuda are different driver versions",
            detail=f"libcuda is {dso.value}, the kernel module {kernel.value} (a driver update not yet followed by a reboot)",
            fix="Reboot, or reinstall one driver version so that the kernel module and libcuda match",
            quotes=quote_lines(paste, [dso.line, kernel.line]),
            source="https://github.com/tensorflow/tensorflow/issues/1158",
        )
    ]
