"""A library's own answer that it was built without CUDA, read as direct evidence: TensorFlow's
``tf.test.is_built_with_cuda()`` (or its build information) False, ``torch.version.cuda`` None,
PaddlePaddle's ``is_compiled_with_cuda()`` False, dlib's ``DLIB_USE_CUDA`` False, onnxruntime's ``get_device()`` 'CPU' (or a
providers list without CUDA's). Next to an NVIDIA GPU the paste shows or names, that is the
CPU-only build on a GPU machine: a failure. A build label that says CUDA (a conda build string,
a -gpu package) does not outweigh it: the library answers for the build that was imported.

A count of zero GPUs (MXNet's ``num_gpus()``, OpenCV's ``getCudaEnabledDeviceCount()``) is the
answer of a build without CUDA and of a build that sees no device alike: a warning that names
the CPU build as the likelier cause where the paste shows a GPU, and the others that remain."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.inferred import MACOS_WORDS, first_line
from recommender.decide.diagnosis.intent import cpu_intent_line
from recommender.decide.diagnosis.symptoms import nvidia_lines
from recommender.facts.reports import Fact, Paste


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildAnswer:
    """A fact by which a library answers for its own build: what it said, what to do, where
    that is written, and the facts or packages that would label the same build for CUDA."""

    path: str
    library: str
    said: str
    fix: str
    source: str
    labels: tuple[str, ...] = ()


#: The answers that prove a build without CUDA (the fact False).
BUILT_WITHOUT_CUDA: tuple[BuildAnswer, ...] = (
    BuildAnswer(
        path="tf.built_with_cuda",
        library="TensorFlow",
        said="answers that it was built without CUDA (tf.test.is_built_with_cuda(), its build information)",
        fix=(
            "Install TensorFlow's CUDA build in the environment that runs the code: pip install "
            "'tensorflow[and-cuda]' on Linux or WSL 2 (native Windows has no GPU build after "
            "2.10); with conda, ask for the CUDA build (conda install -c conda-forge "
            "'tensorflow=*=cuda*') and check that no pip tensorflow or tensorflow-cpu shadows it"
        ),
        source="https://www.tensorflow.org/api_docs/python/tf/test/is_built_with_cuda",
        labels=("frameworks.tensorflow.build.flavour", "package.tensorflow-gpu"),
    ),
    BuildAnswer(
        path="torch.built_with_cuda",
        library="torch",
        said="answers that it was built without CUDA (torch.version.cuda is None)",
        fix=(
            "Install torch's CUDA build in the environment that runs the code: pip uninstall "
            "torch, then pip install torch --index-url https://download.pytorch.org/whl/cuXXX "
            "for a CUDA the driver supports; with conda, check `conda list torch` for a pip "
            "torch shadowing conda's"
        ),
        source="https://pytorch.org/get-started/locally/",
        labels=("frameworks.pytorch.build.flavour", "frameworks.pytorch.build.cuda"),
    ),
    BuildAnswer(
        path="paddle.built_with_cuda",
        library="PaddlePaddle",
        said="answers that it was not compiled with CUDA (paddle.is_compiled_with_cuda())",
        fix=(
            "pip uninstall -y paddlepaddle paddlepaddle-gpu, then install paddlepaddle-gpu built "
            "for the machine's CUDA (paddlepaddle.org.cn's install command)"
        ),
        source="https://github.com/PaddlePaddle/PaddleOCR/issues/13890",
        labels=("package.paddlepaddle-gpu",),
    ),
    BuildAnswer(
        path="onnxruntime.built_with_cuda",
        library="onnxruntime",
        said=(
            "answers that it is the CPU package (get_device() 'CPU', or no "
            "CUDAExecutionProvider among the available providers)"
        ),
        fix=(
            "Uninstall onnxruntime and onnxruntime-gpu, then install only onnxruntime-gpu for the "
            "machine's CUDA (a package that depends on onnxruntime reinstalls the CPU one: "
            "install onnxruntime-gpu after it)"
        ),
        source="https://github.com/microsoft/onnxruntime/issues/3787",
        labels=("package.onnxruntime-gpu",),
    ),
    BuildAnswer(
        path="dlib.built_with_cuda",
        library="dlib",
        said="answers that it was compiled without CUDA (dlib.DLIB_USE_CUDA False)",
        fix=(
            "pip uninstall dlib, then build it where CMake finds CUDA and cuDNN (the CUDA toolkit "
            "with nvcc, cuDNN, a host compiler CUDA supports): pip install dlib --no-cache-dir "
            "--no-binary dlib, and check that the build log says it will use CUDA"
        ),
        source="http://dlib.net/compile.html",
    ),
    BuildAnswer(
        path="llamacpp.built_with_cuda",
        library="llama.cpp",
        said="answers that it cannot offload to a GPU (llama_supports_gpu_offload() False)",
        fix=(
            'Reinstall llama-cpp-python built for the GPU: CMAKE_ARGS="-DGGML_CUDA=on" pip '
            "install llama-cpp-python --force-reinstall --no-cache-dir (-DLLAMA_CUBLAS=on before "
            "0.2.77), with the CUDA toolkit's nvcc on PATH, or a prebuilt CUDA wheel from the "
            "project's cuXXX index"
        ),
        source="https://github.com/ggml-org/llama.cpp/blob/master/include/llama.h",
    ),
)

#: The answers that count no GPU (the fact 0): a build without CUDA, or no device seen.
COUNTS_NO_GPU: tuple[BuildAnswer, ...] = (
    BuildAnswer(
        path="mxnet.device_count",
        library="MXNet",
        said=(
            "counts no GPU (num_gpus() 0), as its CPU build always does: pip's mxnet has no "
            "CUDA, the GPU builds are mxnet-cuXXX"
        ),
        fix=(
            "pip uninstall mxnet, then pip install mxnet-cuXXX of the same release for the "
            "driver's CUDA; if it is a GPU build, nvidia-smi must list the GPU"
        ),
        source="https://github.com/apache/mxnet/issues/21161",
    ),
    BuildAnswer(
        path="opencv.device_count",
        library="OpenCV",
        said=(
            "counts no CUDA device (getCudaEnabledDeviceCount() 0), its answer when compiled "
            "without CUDA: PyPI's opencv-python wheels have none"
        ),
        fix=(
            "Build OpenCV with CUDA (-DWITH_CUDA=ON, with opencv_contrib) and uninstall "
            "opencv-python / opencv-contrib-python, which shadow it; if it is a CUDA build, "
            "nvidia-smi must list the GPU"
        ),
        source="https://github.com/opencv/opencv-python/issues/398",
    ),
    BuildAnswer(
        path="faiss.device_count",
        library="faiss",
        said="counts no GPU (get_num_gpus() 0), as faiss-cpu always does",
        fix=(
            "Uninstall faiss-cpu and install a GPU build (conda install -c pytorch -c nvidia "
            "faiss-gpu, or pip's faiss-gpu-cu12); if it is a GPU build, nvidia-smi must list the GPU"
        ),
        source="https://github.com/facebookresearch/faiss/wiki/Faiss-on-the-GPU",
    ),
    BuildAnswer(
        path="dlib.device_count",
        library="dlib",
        said="counts no CUDA device (dlib.cuda.get_num_devices() 0), as a build without CUDA does",
        fix=(
            "pip uninstall dlib, then build it where CMake finds CUDA and cuDNN (pip install dlib "
            "--no-cache-dir --no-binary dlib) and check dlib.DLIB_USE_CUDA"
        ),
        source="http://dlib.net/python/index.html",
    ),
)

#: Another vendor's GPU or torch build named: a ROCm or XPU torch has no CUDA either.
_OTHER_BUILD = re.compile(r"\brocm|\+xpu\b|\bhip\b|\bradeon\b|\bamd gpu", re.IGNORECASE)


def build_answer_findings(paste: Paste) -> list[Finding]:
    """A finding per library that answers for its own build: built without CUDA (a fail next to
    an NVIDIA GPU or a label that says CUDA, a warning else), or counting no GPU next to an NVIDIA
    GPU (a warning)."""
    osd = paste.doc.get("os") or {}
    if (isinstance(osd, Mapping) and osd.get("system") == "Darwin") or first_line(
        paste, MACOS_WORDS
    ):
        return []  # no build for a Mac has CUDA
    gpu = nvidia_lines(paste)
    out = [
        _without_cuda(paste, answer, fact, gpu)
        for answer in BUILT_WITHOUT_CUDA
        if (fact := paste.facts.get(answer.path)) is not None and fact.value is False
    ]
    out += [
        _no_gpu_counted(paste, answer, fact, gpu)
        for answer in COUNTS_NO_GPU
        if gpu and (fact := paste.facts.get(answer.path)) is not None and fact.value == 0
    ]
    return [f for f in out if f is not None]


def _label(paste: Paste, answer: BuildAnswer) -> Fact | None:
    """A fact that labels the same library a CUDA build (a conda build string's CUDA, a -gpu
    package in the list), or None."""
    for path in answer.labels:
        fact = paste.facts.get(path)
        if fact is not None and (
            not path.endswith(".flavour") or fact.value == Accelerator.CUDA.value
        ):
            return fact
    return None


def _without_cuda(paste: Paste, answer: BuildAnswer, fact: Fact, gpu: list[int]) -> Finding | None:
    if answer.path.startswith("torch.") and first_line(paste, _OTHER_BUILD) is not None:
        return None
    label = _label(paste, answer)
    if not gpu and label is None and cpu_intent_line(paste) is not None:
        return None
    where = "next to the NVIDIA GPU the paste shows or names" if gpu else "(no GPU shown)"
    trusted = (
        f"; line {label.line} labels it a CUDA build, but the library answers for the build that "
        "was imported (another package shadowing it, another environment, or a build "
        "labelled for CUDA without it): its answer is what runs"
        if label is not None
        else ""
    )
    return Finding(
        id=f"build-answer:{answer.path.split('.')[0]}",
        category=Category.CPU_WHEEL_ON_GPU.value,
        # a CUDA label it contradicts proves the build is not the one installed for the GPU
        status="fail" if gpu or label is not None else "warn",
        title=f"{answer.library} says it is a build without CUDA",
        detail=f"{answer.library} {answer.said} (line {fact.line}) {where}{trusted}",
        fix=answer.fix,
        quotes=quote_lines(paste, [fact.line, *([label.line] if label else []), *gpu[:2]]),
        source=answer.source,
    )


def _no_gpu_counted(paste: Paste, answer: BuildAnswer, fact: Fact, gpu: list[int]) -> Finding:
    return Finding(
        id=f"build-answer:{answer.path.split('.')[0]}-no-gpu",
        category=Category.CPU_WHEEL_ON_GPU.value,
        status="warn",
        title=f"{answer.library} counts no GPU: most likely a build without CUDA (inferred)",
        detail=(
            f"{answer.library} {answer.said} (line {fact.line}), next to the NVIDIA GPU the paste "
            "shows or names; a GPU build that cannot reach the device (no driver, "
            "CUDA_VISIBLE_DEVICES empty, a container started without the GPU) answers the same"
        ),
        fix=answer.fix,
        quotes=quote_lines(paste, [fact.line, *gpu[:2]]),
        source=answer.source,
    )
