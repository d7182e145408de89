"""The checks a Python session's answers are read for: each expression (``torch.cuda.is_available()``,
``tf.test.is_built_with_cuda()``, ``jax.devices()``, a package's ``__version__``) and how to turn
what it printed into facts. The session reader (sessions.py) finds the statements and their output;
this table says what each answer proves."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from recommender.core.catalog import Accelerator
from recommender.core.numfmt import is_digits
from recommender.facts.reports.labelled_checks import ort_providers
from recommender.facts.reports.lines import local_build, strip_quotes
from recommender.facts.reports.model import Fact
from recommender.facts.reports.package_names import WATCHED, recorded

_PRINT = re.compile(r"^print\((?P<args>.{1,1000})\)$")
_BOOL = {"True": True, "False": False}


def _torch_version(value: str) -> list[tuple[str, Any]]:
    version = strip_quotes(value)
    if not re.match(r"^[0-9]{1,2}\.[0-9]{1,3}", version):
        return []
    out: list[tuple[str, Any]] = [
        ("frameworks.pytorch.installed", True),
        ("frameworks.pytorch.version", version),
    ]
    out += [(f"frameworks.pytorch.build.{k}", v) for k, v in local_build(version).items()]
    return out


def _version_of(framework: str) -> Callable[[str], list[tuple[str, Any]]]:
    def read(value: str) -> list[tuple[str, Any]]:
        version = strip_quotes(value)
        if not re.match(r"^[0-9]{1,2}\.[0-9]{1,3}", version):
            return []
        return [
            (f"frameworks.{framework}.installed", True),
            (f"frameworks.{framework}.version", version),
        ]

    return read


def _bool(path: str) -> Callable[[str], list[tuple[str, Any]]]:
    def read(value: str) -> list[tuple[str, Any]]:
        value = value.strip()
        return [(path, _BOOL[value])] if value in _BOOL else []

    return read


def _torch_cuda(value: str) -> list[tuple[str, Any]]:
    value = strip_quotes(value)
    if value == "None":
        return [("torch.built_with_cuda", False)]
    if re.fullmatch(r"[0-9]{1,2}\.[0-9]{1,2}", value):
        # torch answered, so torch is installed: its checklist (the driver against this CUDA)
        # then judges the build even where the session never printed torch.__version__
        return [
            ("frameworks.pytorch.installed", True),
            ("frameworks.pytorch.build.cuda", value),
            ("frameworks.pytorch.build.flavour", "cuda"),
        ]
    return []


def _jax_backend(value: str) -> list[tuple[str, Any]]:
    platform = strip_quotes(value)
    return [("jax.devices", platform)] if platform in ("cpu", "gpu", Accelerator.TPU) else []


def _only_false(path: str) -> Callable[[str], list[tuple[str, Any]]]:
    """A check whose True covers more than the fact (built for CUDA or for ROCm): only False."""
    return lambda value: [(path, False)] if value.strip() == "False" else []


def _count(path: str) -> Callable[[str], list[tuple[str, Any]]]:
    def read(value: str) -> list[tuple[str, Any]]:
        value = value.strip()
        return [(path, int(value))] if is_digits(value) and len(value) < 4 else []

    return read


def _device_name(value: str) -> list[tuple[str, Any]]:
    name = strip_quotes(value)
    return [("gpu.0.name", name)] if name and len(name) < 100 and "Error" not in name else []


def _capability(value: str) -> list[tuple[str, Any]]:
    m = re.fullmatch(r"\(([0-9]{1,2}), ?([0-9])\)", value.strip())
    return [("gpu.0.cc", f"{m.group(1)}.{m.group(2)}")] if m else []


def _arch_list(value: str) -> list[tuple[str, Any]]:
    arches = re.findall(r"sm_[0-9]{2,3}a?", value[:2000])
    return [("frameworks.pytorch.build.arch_list", arches)] if arches else []


def _device_list(path: str) -> Callable[[str], list[tuple[str, Any]]]:
    """jax.devices() / tf.config.list_physical_devices('GPU'): what kinds of device it lists."""

    def read(value: str) -> list[tuple[str, Any]]:
        value = value.strip()
        if not value.startswith("["):
            return []
        low = value.lower()
        kinds = []
        for kind, words in (("gpu", ("cuda", "gpu", "rocm")), ("tpu", ("tpu",)), ("cpu", ("cpu",))):
            if any(w in low for w in words):
                kinds.append(kind)
        if path == "tf.gpu_visible":
            return [(path, value != "[]")]
        return [(path, ",".join(kinds) or "none")]

    return read


def _ort_device(value: str) -> list[tuple[str, Any]]:
    """onnxruntime.get_device(): the device the installed package was built for ("GPU" for
    onnxruntime-gpu whether or not a GPU is there, microsoft/onnxruntime#8839; "CPU" for the CPU
    package, microsoft/onnxruntime#3787)."""
    device = strip_quotes(value).upper()
    if device.startswith("GPU"):
        return [("onnxruntime.built_with_cuda", True)]
    return [("onnxruntime.built_with_cuda", False)] if device.startswith("CPU") else []


#: PaddlePaddle's own answer whether the wheel was built with CUDA
#: (https://github.com/PaddlePaddle/Paddle/pull/18356: "Whether this whl package can be used to
#: run the model on GPU"), under each of its names.
_PADDLE_BUILT = _bool("paddle.built_with_cuda")
#: MXNet counts GPUs through CUDA, and a build without CUDA answers 0
#: (https://github.com/apache/mxnet/pull/10354); OpenCV answers 0 where it was compiled without
#: CUDA and -1 where the driver does not answer (https://github.com/opencv/opencv/pull/8542).
_MXNET_COUNT = _count("mxnet.device_count")


#: The expression (spaces removed) -> how to read what it printed.
EXPRESSIONS: dict[str, Callable[[str], list[tuple[str, Any]]]] = {
    "torch.__version__": _torch_version,
    "torch.cuda.is_available()": _bool("frameworks.pytorch.cuda_available"),
    "torch.version.cuda": _torch_cuda,
    "torch.cuda.device_count()": _count("torch.device_count"),
    "torch.cuda.get_device_name()": _device_name,
    "torch.cuda.get_device_name(0)": _device_name,
    "torch.cuda.get_device_capability()": _capability,
    "torch.cuda.get_device_capability(0)": _capability,
    "torch.cuda.get_arch_list()": _arch_list,
    "torch.backends.mps.is_available()": _bool("mps.available"),
    "torch.backends.mps.is_built()": _bool("mps.built"),
    # Whether torch was built with CUDA (https://pytorch.org/docs/stable/backends.html#torch.backends.cuda.is_built)
    "torch.backends.cuda.is_built()": _bool("torch.built_with_cuda"),
    "tf.__version__": _version_of("tensorflow"),
    "tensorflow.__version__": _version_of("tensorflow"),
    "tf.test.is_built_with_cuda()": _bool("tf.built_with_cuda"),
    "tf.test.is_gpu_available()": _bool("tf.gpu_visible"),
    "tf.config.list_physical_devices('GPU')": _device_list("tf.gpu_visible"),
    'tf.config.list_physical_devices("GPU")': _device_list("tf.gpu_visible"),
    "tf.config.experimental.list_physical_devices('GPU')": _device_list("tf.gpu_visible"),
    "jax.devices()": _device_list("jax.devices"),
    "jax.local_devices()": _device_list("jax.devices"),
    "jax.__version__": _version_of("jax"),
    "jax.default_backend()": _jax_backend,
    # jax's backend before default_backend() (jax.lib.xla_bridge, deprecated in 0.4.26)
    "xla_bridge.get_backend().platform": _jax_backend,
    "jax.lib.xla_bridge.get_backend().platform": _jax_backend,
    "paddle.is_compiled_with_cuda()": _PADDLE_BUILT,
    "paddle.device.is_compiled_with_cuda()": _PADDLE_BUILT,
    "paddle.fluid.is_compiled_with_cuda()": _PADDLE_BUILT,
    "fluid.is_compiled_with_cuda()": _PADDLE_BUILT,
    "onnxruntime.get_device()": _ort_device,
    "ort.get_device()": _ort_device,
    "rt.get_device()": _ort_device,
    "onnxruntime.get_available_providers()": ort_providers,
    "ort.get_available_providers()": ort_providers,
    "rt.get_available_providers()": ort_providers,
    "mx.context.num_gpus()": _MXNET_COUNT,
    "mxnet.context.num_gpus()": _MXNET_COUNT,
    "mx.num_gpus()": _MXNET_COUNT,
    "mx.device.num_gpus()": _MXNET_COUNT,
    "mx.util.get_gpu_count()": _MXNET_COUNT,
    "cv2.cuda.getCudaEnabledDeviceCount()": _count("opencv.device_count"),
    # dlib compiled with CUDA only where its build found CUDA and cuDNN (tools/python/setup.py,
    # DLIB_USE_CUDA); PyPI's dlib builds from source, so a CPU-only build is common
    "dlib.DLIB_USE_CUDA": _bool("dlib.built_with_cuda"),
    # A build's own answer or count that a CPU build gives: TensorFlow without CUDA or ROCm
    # (tf.test.is_built_with_gpu_support), llama.cpp without a GPU backend
    # (llama_supports_gpu_offload, include/llama.h), dlib's and faiss-cpu's count of 0 GPUs.
    "tf.test.is_built_with_gpu_support()": _only_false("tf.built_with_cuda"),
    "tf.test.gpu_device_name()": lambda v: (
        [("tf.gpu_visible", False)] if strip_quotes(v) == "" else []
    ),
    "llama_cpp.llama_supports_gpu_offload()": _bool("llamacpp.built_with_cuda"),
    "dlib.cuda.get_num_devices()": _count("dlib.device_count"),
    "faiss.get_num_gpus()": _count("faiss.device_count"),
    "keras.__version__": _version_of("keras"),
    "platform.platform()": lambda v: [("os.python_platform", strip_quotes(v))] if v.strip() else [],
}


#: ``torchvision.__version__``, ``transformers.__version__``: a package's own release, as a
#: listing would state it (``package.<pip name>``), for every package the listing readers read
#: (package_names.py) that is not a framework (those have their own expressions above).
_PACKAGE_VERSION = re.compile(r"^(?P<module>[A-Za-z_][A-Za-z0-9_]{1,40})\.__version__$")


def _package_version(name: str) -> Callable[[str], list[tuple[str, Any]]]:
    def read(value: str) -> list[tuple[str, Any]]:
        version = strip_quotes(value)
        if not re.match(r"^[0-9]{1,4}\.[0-9]{1,4}", version) or " " in version:
            return []
        return [(f"package.{name}", version)]

    return read


def reader(expression: str) -> Callable[[str], list[tuple[str, Any]]] | None:
    """How to read what ``expression`` printed: EXPRESSIONS', or a read package's version."""
    known = EXPRESSIONS.get(expression)
    if known is not None:
        return known
    m = _PACKAGE_VERSION.match(expression)
    if m is None:
        return None
    name = m.group("module").lower().replace("_", "-")
    if name in WATCHED or not recorded(name):
        return None
    return _package_version(name)


def expression(statement: str) -> list[str]:
    """The expressions a statement shows: itself, or the arguments of its print()."""
    code = "".join(statement.split())
    m = _PRINT.match(code)
    if m is None:
        return [code]
    return [a for a in m.group("args").split(",") if a]


def read_pair(statement: str, output: str, number: int) -> list[Fact]:
    readers = [r for r in map(reader, expression(statement)) if r is not None]
    if not readers:
        return []
    values = [output] if len(readers) == 1 else output.split()
    if len(values) != len(readers):
        return []
    facts: list[Fact] = []
    for read_value, value in zip(readers, values, strict=True):
        facts.extend(Fact(path=p, value=v, line=number) for p, v in read_value(value))
    return facts
