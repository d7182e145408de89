"""Builds that cannot use the GPU or its driver: a CPU-only framework build, a CUDA runtime newer
than the driver supports, libcuda and the kernel module of two driver versions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import (
    fact_lines,
    major_minor,
    quote_lines,
    shows_gpu,
    stated_in_prose,
)
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.inferences import windows_shown
from recommender.decide.diagnosis.symptoms import app_expected
from recommender.facts.reports import Fact, Paste

TF_WINDOWS_URL = "https://www.github.com/tensorflow/tensorflow/releases/tag/v2.11.1"

CUDA_NOTES_URL = "https://docs.nvidia.com/cuda/cuda-toolkit-release-notes/index.html"
MINOR_COMPAT_URL = (
    "https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html"
)
#: The first CUDA major release with minor version compatibility.
_MINOR_COMPAT_FROM = 11

#: Packages that ship a CUDA runtime into the environment: name -> how its version reads.
CUDA_RUNTIMES = (
    "cudatoolkit",
    "pytorch-cuda",
    "nvidia-cuda-runtime",
    "nvidia-cuda-runtime-cu13",
    "nvidia-cuda-runtime-cu12",
    "nvidia-cuda-runtime-cu11",
)


#: PyTorch's macOS binaries have no CUDA ("MacOS Binaries dont support CUDA"): a torch without CUDA
#: on macOS is the platform's standard build, which uses the GPU through MPS.
MACOS_NO_CUDA_URL = "https://pytorch.org/get-started/locally/"


def cpu_builds(paste: Paste) -> list[Finding]:
    """A CPU-only build the text proves (``+cpu``, a conda ``_cpu`` build, ``cpuonly``,
    tensorflow-cpu, TensorFlow 2.11+ on native Windows): a fail next to a GPU, a warning else.
    Not on macOS, where no build has CUDA and the Apple GPU is reached through MPS/Metal."""
    gpu = shows_gpu(paste)
    out: list[Finding] = []
    osd = paste.doc.get("os") or {}
    if isinstance(osd, Mapping) and osd.get("system") == "Darwin":
        return out
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
    release = major_minor(tf.value) if tf else None
    # native Windows by the OS block (or the poster's stated platform), a drive path or a wheel
    # tag; not WSL, and not Windows named in passing
    shown, said = windows_shown(paste)
    if tf is not None and release is not None and release >= (2, 11) and shown:
        lines = [tf.line, *fact_lines(paste, ("os.",)), *([said] if said else [])]
        note = "TensorFlow 2.10 was the last release with GPU support on native Windows"
        out.append(_cpu_finding(paste, "tensorflow", lines, gpu, note, TF_WINDOWS_URL))
    return out


def _cpu_finding(
    paste: Paste, framework: str, lines: Sequence[int], gpu: bool, note: str, source: str = ""
) -> Finding:
    where = "next to the GPU the paste shows" if gpu else "(the paste shows no GPU)"
    expected = paste.facts.get("app.gpu_expected") if not gpu and app_expected(paste) else None
    if expected is not None:
        # an application that runs on the GPU says it found none: the CPU build is why (not
        # proved to be a failure without a GPU in the paste, but not a healthy paste either)
        where = f"where {expected.value} (line {expected.line})"
        lines = [*lines, expected.line]
    return Finding(
        id=f"symptom:{framework}-cpu-build" if expected is not None else f"build:{framework}",
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
        # CUDA 11 and later: a runtime of the driver's own major release runs on it (minor
        # version compatibility); only features that need the newer driver, and JIT of newer
        # PTX, fail. A warning then; a failure across major releases.
        # Where torch says it sees no GPU, the runtime did not run there: a failure still.
        unusable = paste.facts.get("frameworks.pytorch.cuda_available")
        same_major = (
            have[0] == limit[0]
            and have[0] >= _MINOR_COMPAT_FROM
            and not (unusable is not None and unusable.value is False)
        )
        return [
            Finding(
                id=f"runtime:{name}",
                category=Category.DRIVER_TOO_OLD.value,
                status="warn" if same_major else "fail",
                title="The environment's CUDA runtime is newer than the driver supports",
                detail=(
                    f"{name} {fact.value} needs CUDA {have[0]}.{have[1]}; the driver supports "
                    f"CUDA {top.value} at most"
                    + (
                        f" (the same major release: CUDA {have[0]}.x runs there through minor "
                        "version compatibility, except features and PTX newer than the driver)"
                        if same_major
                        else ""
                    )
                ),
                fix=(
                    f"Upgrade the NVIDIA driver to one for CUDA {have[0]}.{have[1]}, or install "
                    f"the {name} build for CUDA {top.value} or older"
                ),
                quotes=quote_lines(paste, [fact.line, top.line]),
                source=MINOR_COMPAT_URL if same_major else CUDA_NOTES_URL,
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


#: TensorFlow's tested GPU build configurations (tensorflow.org/install/source#gpu, the same for
#: Windows up to 2.10): release range -> (CUDA, cuDNN) it was built and tested with. Before 2.14
#: (no ``tensorflow[and-cuda]`` wheels) TensorFlow loads the system's libraries by soname:
#: libcudnn.so.<major>, and before CUDA 11 libcudart.so.<major>.<minor>.
#: verified: 2026-12-05 against tensorflow/docs site/en/install/source.md (commit 7c36502, 2026-03-11)
TF_TESTED_GPU: tuple[tuple[tuple[int, int], tuple[int, int], str, str], ...] = (
    ((2, 18), (2, 99), "12.5", "9.3"),
    ((2, 16), (2, 17), "12.3", "8.9"),
    ((2, 15), (2, 15), "12.2", "8.9"),
    ((2, 14), (2, 14), "11.8", "8.7"),
    ((2, 12), (2, 13), "11.8", "8.6"),
    ((2, 5), (2, 11), "11.2", "8.1"),
    ((2, 4), (2, 4), "11.0", "8.0"),
    ((2, 1), (2, 3), "10.1", "7.6"),
    ((1, 13), (2, 0), "10.0", "7.4"),
    ((1, 5), (1, 12), "9.0", "7"),
    ((1, 3), (1, 4), "8.0", "6"),
    ((1, 0), (1, 2), "8.0", "5.1"),
)
TF_TESTED_URL = "https://www.tensorflow.org/install/source#gpu"


def _tf_tested(release: tuple[int, int]) -> tuple[str, str] | None:
    for low, high, cuda, cudnn in TF_TESTED_GPU:
        if low <= release <= high:
            return cuda, cudnn
    return None


def _tf_cuda_build(paste: Paste) -> tuple[Fact, tuple[int, int], tuple[str, str]] | None:
    """TensorFlow's version fact, its release and the release's tested (CUDA, cuDNN), where the
    paste's TensorFlow can be a CUDA build: a release in the tested table, not a CPU build (by a
    label or by its own answer), not macOS, not native Windows from 2.11 (no CUDA build there)."""
    tf = paste.facts.get("frameworks.tensorflow.version")
    release = major_minor(tf.value) if tf else None
    if tf is None or release is None:
        return None
    tested = _tf_tested(release)
    osd = paste.doc.get("os") or {}
    system = osd.get("system") if isinstance(osd, Mapping) else None
    flavour = paste.facts.get("frameworks.tensorflow.build.flavour")
    built = paste.facts.get("tf.built_with_cuda")  # its own answer outweighs a label
    if (
        (built is not None and built.value is False)
        or tested is None
        or system == "Darwin"
        or (system == "Windows" and release >= (2, 11))
        or (flavour is not None and flavour.value == "cpu")
    ):
        return None
    return tf, release, tested


def _generation(release: tuple[int, int]) -> tuple[int, ...]:
    """The CUDA releases whose libraries share sonames: each minor before CUDA 11
    (libcudart.so.10.1), 11.0 apart from 11.1+ (cuSOLVER is libcusolver.so.10 in 11.0, .so.11
    from 11.1: NVIDIA's component versions, tf_libraries.CUDA_NOTES_URL), one major from 12."""
    major, minor = release
    if major < 11:
        return release
    if major == 11:
        return (11, 0) if minor == 0 else (11, 1)
    return (major,)


def _major(value: object) -> int | None:
    head = str(value).split(".")[0]
    return int(head) if is_digits(head) else None


def tf_tested_libraries(paste: Paste) -> list[Finding]:
    """The system CUDA/cuDNN a TensorFlow report states, against the release's tested pair: a
    cuDNN of another major version (or a CUDA whose libraries have other sonames: another minor
    before 11, 11.0 against 11.1+, another major) is not the library TensorFlow loads. A fail before 2.14 (TensorFlow takes them from the system) where a library
    failed to load; a warning otherwise (from 2.14 the pip wheels may bring their own)."""
    found = _tf_cuda_build(paste)
    if found is None:
        return []
    tf, release, (cuda, cudnn) = found
    # the template's answer, else the toolkit's own report (nvcc --version, version.txt)
    stated_cuda = paste.facts.get("toolkit.cuda") or paste.facts.get("toolkit.nvcc")
    stated_cudnn = paste.facts.get("toolkit.cudnn")
    wrong: list[str] = []
    lines = [tf.line]
    if stated_cudnn is not None and _major(stated_cudnn.value) not in (None, _major(cudnn)):
        wrong.append(
            f"cuDNN {stated_cudnn.value} (TensorFlow {tf.value} loads cuDNN {_major(cudnn)})"
        )
        lines.append(stated_cudnn.line)
    if stated_cuda is not None:
        have = major_minor(stated_cuda.value)
        want = major_minor(cuda)
        stated_major = _major(stated_cuda.value)  # "CUDA/cuDNN version: 10": a major alone
        if want and (
            (have and _generation(have) != _generation(want))
            or (have is None and stated_major is not None and stated_major != want[0])
        ):
            wrong.append(
                f"CUDA {stated_cuda.value} (TensorFlow {tf.value} was built for CUDA {cuda})"
            )
            lines.append(stated_cuda.line)
    if not wrong:
        return []
    # What people type as "CUDA/cuDNN version" may be nvidia-smi's header or the host's toolkit
    # while conda or Docker bring TensorFlow its own: a fail only where a library failed to load.
    missing = paste.facts.get("library.missing")
    if missing is not None:
        lines.append(missing.line)
    return [
        Finding(
            id="build:tensorflow-tested-libraries",
            category=Category.VERSION_MISMATCH.value,
            status="fail" if release < (2, 14) and missing else "warn",
            title="The CUDA/cuDNN on this system are not the ones this TensorFlow release was built for",
            detail="; ".join(wrong)
            + f": TensorFlow {tf.value} is tested with CUDA {cuda} and cuDNN {cudnn}",
            fix=f"Install CUDA {cuda} with cuDNN {cudnn} for TensorFlow {tf.value}, or install the TensorFlow release built for the CUDA/cuDNN you have",
            quotes=quote_lines(paste, lines),
            source=TF_TESTED_URL,
        )
    ]


def tf_release_driver(paste: Paste) -> list[Finding]:
    """A TensorFlow release whose tested CUDA is of a newer major than the driver runs: its GPU
    wheels (Linux, and native Windows up to 2.10) are built with that CUDA, and minor-version
    compatibility never spans a major. Only where no block states the build's CUDA, no CPU build,
    no macOS, and no conda CUDA runtime in the environment (cuda_runtimes judges that one)."""
    top = paste.facts.get("driver.max_cuda")
    limit = major_minor(top.value) if top else None
    found = _tf_cuda_build(paste)
    if (
        top is None
        or limit is None
        or found is None
        or "frameworks.tensorflow.build.cuda" in paste.facts
        or any(f"package.{name}" in paste.facts for name in CUDA_RUNTIMES[:2])
    ):
        return []
    tf, _, (cuda, _) = found
    need = major_minor(cuda)
    if need is None or need[0] <= limit[0]:
        return []
    # a driver named in a sentence ("driver 470") may not be the one loaded: a warning then
    driver = paste.facts.get("driver.version")
    retold = driver is not None and stated_in_prose(paste, driver)
    return [
        Finding(
            id="build:tensorflow-driver",
            category=Category.DRIVER_TOO_OLD.value,
            status="warn" if retold else "fail",
            title="The driver is older than the CUDA this TensorFlow release is built with",
            detail=(
                f"TensorFlow {tf.value} is built and tested with CUDA {cuda}; the driver runs "
                f"CUDA {top.value} at most, and minor-version compatibility stays within a major"
            ),
            fix=(
                f"Upgrade the NVIDIA driver to one for CUDA {cuda}, or install the TensorFlow "
                f"release built for CUDA {limit[0]}.x"
            ),
            quotes=quote_lines(paste, [tf.line, top.line]),
            source=TF_TESTED_URL,
        )
    ]


#: jax's CUDA plugin loads only with the jaxlib of its own release: jaxlib/plugin_support.py
#: compares the dotted versions and skips a plugin that differs ("is installed, but it is not
#: compatible with the installed jaxlib version"). ROCm plugins are exempt (pip pins them).
JAX_PLUGIN_URL = "https://github.com/jax-ml/jax/blob/main/jaxlib/plugin_support.py"
_JAX_PLUGINS = ("jax-cuda12-plugin", "jax-cuda13-plugin")


def _release(value: object) -> tuple[int, ...] | None:
    """The dotted numeric prefix of a version, as plugin_support.py compares it."""
    parts = []
    for piece in str(value).split("."):
        digits = ""
        for ch in piece:
            if not is_digits(ch):
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    return tuple(parts) if parts else None


def jax_plugin_versions(paste: Paste) -> list[Finding]:
    """A package list with jaxlib and jax's CUDA plugin of different releases."""
    jaxlib = paste.facts.get("package.jaxlib")
    have = _release(jaxlib.value) if jaxlib else None
    if jaxlib is None or have is None:
        return []
    odd = [
        paste.facts[f"package.{name}"]
        for name in _JAX_PLUGINS
        if f"package.{name}" in paste.facts
        and _release(paste.facts[f"package.{name}"].value) not in (None, have)
    ]
    if not odd:
        return []
    names = ", ".join(f"{f.path.removeprefix('package.')} {f.value}" for f in odd)
    return [
        Finding(
            id="build:jax-plugin-version",
            category=Category.VERSION_MISMATCH.value,
            status="fail",
            title="jax's CUDA plugin and jaxlib are different releases",
            detail=f"{names} next to jaxlib {jaxlib.value}: jax skips a CUDA plugin whose version is not jaxlib's",
            fix=f"Install the plugin of jaxlib's release (pip install \"jax[cuda12]=={jaxlib.value}\"), or upgrade jax and jaxlib to the plugin's",
            quotes=quote_lines(paste, [jaxlib.line, *(f.line for f in odd)]),
            source=JAX_PLUGIN_URL,
        )
    ]
