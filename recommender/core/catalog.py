"""The one catalog: the frameworks dlrec ranks, Keras' backends, the accelerator kinds, and the
wheel platforms, build flavours and driver columns of rules/wheels.yaml.

A base layer, like ``errors``: it imports nothing of dlrec's, and every stage (``probes``
included) reads it. No other Python module lists a framework, a backend or an accelerator;
the YAML under ``rules/`` refers to these ids and the loader refuses an id that is not here.
Adding a framework means an entry here, its rules, and one smoke child.
"""

from __future__ import annotations

import enum

from recommender.core.frozen import frozen


class Framework(str, enum.Enum):
    """A candidate framework, by its id in facts, rules and JSON."""

    TENSORFLOW = "tensorflow"
    PYTORCH = "pytorch"
    KERAS = "keras"
    JAX = "jax"

    def __str__(self) -> str:
        return self.value

    @property
    def info(self) -> FrameworkInfo:
        return FRAMEWORKS[self]


class KerasBackend(str, enum.Enum):
    """A Keras 3 backend, by the value ``KERAS_BACKEND`` takes."""

    TENSORFLOW = "tensorflow"
    TORCH = "torch"
    JAX = "jax"

    def __str__(self) -> str:
        return self.value

    @property
    def framework(self) -> Framework:
        """The framework the backend runs on (its install plan, its device, its cache key)."""
        return _BACKEND_FRAMEWORK[self]


class Accelerator(str, enum.Enum):
    """An accelerator kind, as ``accelerators[].kind`` spells it in facts (plus ``cpu``)."""

    CUDA = "cuda"
    ROCM = "rocm"
    MPS = "mps"
    TPU = "tpu"
    XPU = "xpu"
    CPU = "cpu"

    def __str__(self) -> str:
        return self.value

    @property
    def info(self) -> AcceleratorInfo:
        return ACCELERATORS[self]

    @classmethod
    def from_answer(cls, answer: str) -> Accelerator:
        """The kind an ``accelerator`` answer value asks for (``nvidia`` -> CUDA); KeyError else."""
        return ANSWER_ACCELERATOR[answer]


class Platform(enum.Enum):
    """Where a wheel runs (rules/wheels.yaml's platform columns). ``ANY`` is a pure-Python wheel."""

    LINUX_X86_64 = "linux_x86_64"
    LINUX_AARCH64 = "linux_aarch64"
    #: musl (Alpine) Linux: musllinux wheels only; a row without this column has none.
    MUSL_X86_64 = "musl_x86_64"
    MUSL_AARCH64 = "musl_aarch64"
    WINDOWS_AMD64 = "windows_amd64"
    WINDOWS_ARM64 = "windows_arm64"
    MACOS_ARM64 = "macos_arm64"
    MACOS_X86_64 = "macos_x86_64"
    ANY = "any"

    @property
    def is_macos(self) -> bool:
        return self in (Platform.MACOS_ARM64, Platform.MACOS_X86_64)

    @property
    def is_manylinux(self) -> bool:
        """A glibc Linux platform, whose wheels carry a manylinux (glibc) floor."""
        return self in (Platform.LINUX_X86_64, Platform.LINUX_AARCH64)

    @property
    def musl(self) -> Platform | None:
        """The musl platform of the same architecture (for a machine whose libc is musl)."""
        return {
            Platform.LINUX_X86_64: Platform.MUSL_X86_64,
            Platform.LINUX_AARCH64: Platform.MUSL_AARCH64,
        }.get(self)


class Flavour(enum.Enum):
    """A build's flavour as ``dlrec probe`` reports it (``frameworks.<fw>.build.flavour``)."""

    CPU = "cpu"
    CUDA = "cuda"
    ROCM = "rocm"
    XPU = "xpu"
    TPU = "tpu"


class DriverColumn(enum.Enum):
    """Which column of the NVIDIA driver tables applies (WSL2 uses the Windows driver)."""

    LINUX = "linux"
    WINDOWS = "windows"


@frozen
class FrameworkInfo:
    """What dlrec knows about a framework without importing it."""

    id: Framework
    #: The name shown to people ("PyTorch").
    name: str
    #: A short name for narrow places ("TF").
    short: str
    #: The import name (``import torch``).
    module: str
    #: The pip distribution of the plain install; ``distributions`` lists every one that
    #: installs ``module`` (probes read them all, in this order).
    pip: str
    distributions: tuple[str, ...]
    #: The data-parallel engine ``dlrec smoke --distributed`` drives, if any.
    distributed_engine: str | None = None
    #: Smoke devices every build can use when the machine has them (MPS in every macOS arm64
    #: torch wheel); the others need the build's flavour (``build.cuda``, ``build.rocm``...).
    native_devices: tuple[str, ...] = ()
    #: Its own builds in rules/wheels.yaml (Keras plans through its backend's builds).
    wheels: bool = True


@frozen
class AcceleratorInfo:
    """An accelerator kind: how the questions name it, how smoke runs name its device."""

    kind: Accelerator
    #: The ``accelerator`` answer value that asks for it (``nvidia``).
    answer: str
    #: The vendor, as the probes report it.
    vendor: str
    name: str
    #: The probe that finds it (``probes/<probe>.py``); None for the CPU.
    probe: str | None
    #: The device a smoke child trains on (``dlrec smoke --device``).
    smoke_device: str


_BACKEND_FRAMEWORK = {
    KerasBackend.TENSORFLOW: Framework.TENSORFLOW,
    KerasBackend.TORCH: Framework.PYTORCH,
    KerasBackend.JAX: Framework.JAX,
}

#: Every distribution that installs the ``tensorflow`` import package.
TF_DISTRIBUTIONS = (
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tensorflow-macos",
    "tensorflow-intel",
    "tensorflow-aarch64",
    "tensorflow-cpu-aws",
    "tensorflow-rocm",
    "tensorflow-tpu",
    "tf-nightly",
    "tf-nightly-cpu",
    "intel-tensorflow",
)
#: Every value ``KERAS_BACKEND`` may take (Keras 3); dlrec ranks the ``KerasBackend`` ones.
KERAS_CONFIG_BACKENDS = ("tensorflow", "torch", "jax", "numpy", "openvino")
#: JAX's accelerator plugins (pip distributions) -> the build they give, "flavour[:cuda]".
JAX_PLUGINS = {
    "jax-cuda13-plugin": "cuda:13",
    "jax-cuda12-plugin": "cuda:12",
    "libtpu": "tpu",
    "jax-metal": "metal",
}

FRAMEWORKS: dict[Framework, FrameworkInfo] = {
    info.id: info
    for info in (
        FrameworkInfo(
            id=Framework.TENSORFLOW,
            name="TensorFlow",
            short="TF",
            module="tensorflow",
            pip="tensorflow",
            distributions=TF_DISTRIBUTIONS,
            distributed_engine="MultiWorkerMirroredStrategy",
            native_devices=("tpu",),
        ),
        FrameworkInfo(
            id=Framework.PYTORCH,
            name="PyTorch",
            short="PyTorch",
            module="torch",
            pip="torch",
            distributions=("torch",),
            distributed_engine="DDP",
            native_devices=("mps",),
        ),
        FrameworkInfo(
            id=Framework.KERAS,
            name="Keras",
            short="Keras",
            module="keras",
            pip="keras",
            distributions=("keras",),
            distributed_engine="keras.distribution",
            wheels=False,
        ),
        FrameworkInfo(
            id=Framework.JAX,
            name="JAX",
            short="JAX",
            module="jax",
            pip="jax",
            distributions=("jax",),
        ),
    )
}

ACCELERATORS: dict[Accelerator, AcceleratorInfo] = {
    info.kind: info
    for info in (
        AcceleratorInfo(
            kind=Accelerator.CUDA,
            answer="nvidia",
            vendor="nvidia",
            name="NVIDIA GPU (CUDA)",
            probe="nvidia",
            smoke_device="cuda",
        ),
        AcceleratorInfo(
            kind=Accelerator.ROCM,
            answer="amd",
            vendor="amd",
            name="AMD GPU (ROCm)",
            probe="rocm",
            smoke_device="rocm",
        ),
        AcceleratorInfo(
            kind=Accelerator.MPS,
            answer="apple",
            vendor="apple",
            name="Apple silicon GPU (Metal / MPS)",
            probe="apple",
            smoke_device="mps",
        ),
        AcceleratorInfo(
            kind=Accelerator.TPU,
            answer="tpu",
            vendor="google",
            name="Google TPU",
            probe="tpu",
            smoke_device="tpu",
        ),
        AcceleratorInfo(
            kind=Accelerator.XPU,
            answer="intel",
            vendor="intel",
            name="Intel GPU (XPU)",
            probe="intel",
            smoke_device="xpu",
        ),
        AcceleratorInfo(
            kind=Accelerator.CPU,
            answer="cpu",
            vendor="",
            name="CPU only",
            probe=None,
            smoke_device="cpu",
        ),
    )
}

# ---------------------------------------------------------------------------- derived views
# Plain tuples and maps of ids, for the places that need strings (JSON, YAML checks, argv).

#: Every framework id, in the fixed tie-break order (TensorFlow, PyTorch, Keras, JAX).
FRAMEWORK_IDS: tuple[str, ...] = tuple(f.value for f in Framework)
#: The frameworks with builds of their own in rules/wheels.yaml, in the catalog's order.
WHEEL_FRAMEWORKS: tuple[Framework, ...] = tuple(f for f in Framework if f.info.wheels)
#: The frameworks that a smoke child trains directly (Keras trains once per backend).
KERAS_BACKENDS: tuple[str, ...] = tuple(b.value for b in KerasBackend)
#: Framework id -> the data-parallel engine its distributed smoke uses.
DISTRIBUTED_ENGINES: dict[str, str] = {
    f.id.value: f.distributed_engine for f in FRAMEWORKS.values() if f.distributed_engine
}
#: Keras backend id -> the framework id it runs on.
BACKEND_FRAMEWORK: dict[str, str] = {b.value: b.framework.value for b in KerasBackend}
#: The accelerator kinds a probe can find (``accelerators[].kind``).
ACCELERATOR_KINDS: tuple[str, ...] = tuple(a.value for a in Accelerator if a is not Accelerator.CPU)
#: ``accelerator`` answer value -> the smoke device it is trained on.
ANSWER_DEVICE: dict[str, str] = {a.answer: a.smoke_device for a in ACCELERATORS.values()}
#: ``accelerator`` answer value -> the accelerator kind it asks for.
ANSWER_KIND: dict[str, str] = {a.answer: a.kind.value for a in ACCELERATORS.values()}
#: ``accelerator`` answer value -> the accelerator it asks for (rules/wheels.yaml names them so).
ANSWER_ACCELERATOR: dict[str, Accelerator] = {a.answer: a.kind for a in ACCELERATORS.values()}
#: Accelerator kind -> its ``accelerator`` answer value.
KIND_ANSWER: dict[str, str] = {a.kind.value: a.answer for a in ACCELERATORS.values()}
#: The ``accelerator`` answers that are a GPU (what ``--accelerator gpu`` may stand for).
GPU_ANSWERS: tuple[str, ...] = tuple(
    ACCELERATORS[k].answer
    for k in (Accelerator.CUDA, Accelerator.ROCM, Accelerator.MPS, Accelerator.XPU)
)
#: Every smoke device, ``auto`` first (``dlrec smoke --device``).
SMOKE_DEVICES: tuple[str, ...] = ("auto", *(a.smoke_device for a in ACCELERATORS.values()))
#: The answer values of the ``accelerator`` question, ``auto`` first.
ACCELERATOR_ANSWERS: tuple[str, ...] = ("auto", *(a.answer for a in ACCELERATORS.values()))


def display_name(framework: str, backend: str | None = None) -> str:
    """ "PyTorch", or "Keras on torch" for a Keras row with its backend."""
    try:
        name = Framework(framework).info.name
    except ValueError:
        return framework
    return f"{name} on {backend}" if backend else name


def short_name(framework: str) -> str:
    try:
        return Framework(framework).info.short
    except ValueError:
        return framework


def pip_name(framework: str) -> str:
    """The plain pip distribution of a framework or Keras backend id."""
    fw = BACKEND_FRAMEWORK.get(framework, framework)
    try:
        return Framework(fw).info.pip
    except ValueError:
        return framework


class Diagnosis(str, enum.Enum):
    """What is wrong with an environment, as a thread about a pasted report concludes it
    (benchmarks/reports/README.md defines each; ../shared/corpus/README.md the first nine)."""

    DRIVER_TOO_OLD = "driver-too-old"
    CPU_WHEEL_ON_GPU = "cpu-wheel-on-gpu"
    ARCH_UNSUPPORTED = "arch-unsupported"
    LIBRARY_KERNELS_UNSUPPORTED = "library-kernels-unsupported"
    NO_DRIVER = "no-driver"
    DRIVER_MISMATCH = "driver-mismatch"
    MISSING_LIBRARY = "missing-library"
    VERSION_MISMATCH = "version-mismatch"
    NO_DEVICE = "no-device"
    NO_MATCHING_WHEEL = "no-matching-wheel"
    ROCM_ISSUE = "rocm-issue"
    MPS_ISSUE = "mps-issue"
    TPU_ISSUE = "tpu-issue"
    WSL_ISSUE = "wsl-issue"
    WSL1 = "wsl1"
    OUT_OF_MEMORY = "out-of-memory"
    HEALTHY = "healthy"
    OTHER = "other"

    def __str__(self) -> str:  # its name in every message (3.11 formats a str enum as Cls.NAME)
        return self.value


DIAGNOSES = tuple(d.value for d in Diagnosis)
