"""TensorFlow's own environment texts: the issue template's system information (``- TensorFlow
version: 2.13.0``, ``- CUDA/cuDNN version: 11.8/8.6``, or the newer ``### TensorFlow Version``
headings with the answer below), ``tf_env_collect.sh`` (``tf.version.VERSION = 2.4.0``) and
``tf.sysconfig.get_build_info()`` (``('cuda_version', '11.2')``, ``('is_cuda_build', True)``, or
as a dict, ``'is_cuda_build': False``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from recommender.facts.reports.model import Block, Fact

FORMAT = "tf-env"
_TEMPLATE = re.compile(
    r"^[-*]? {0,4}(?P<key>TensorFlow version|TF version|Tensorflow Version)[^:]{0,40}: {0,8}(?P<value>.{0,120})$",
    re.IGNORECASE,
)
#: The template's bullet answered without its colon ("- TensorFlow version 2.4.1", "- TensorFlow
#: version tensorflow-1.13.0rc0-cp36-cp36m-linux_x86_64.whl"): read only where the answer is one
#: token that starts with a version (or the package's wheel name), never a sentence.
_TEMPLATE_NO_COLON = re.compile(
    r"^[-*] {0,4}(?:TensorFlow|TF) version(?: \(use command below\))? {1,4}"
    r"(?P<value>(?:tensorflow[-_]|tf-nightly[-_]|v)?[0-9]\.[0-9]{1,2}[^ ]{0,80})$",
    re.IGNORECASE,
)
#: A wheel's file name after its version: "-cp36-cp36m-linux_x86_64.whl", "-py3-none-any.whl".
_WHEEL_TAGS = re.compile(r"-(?:cp|py)[0-9]{1,3}-[^ ]{0,80}\.whl$")
_HEADING = re.compile(r"^#{2,4} {0,4}TensorFlow Version {0,4}$", re.IGNORECASE)
_GPU_HEADING = re.compile(r"^#{2,4} {0,4}GPU model and memory {0,4}$", re.IGNORECASE)
_GPU_TEMPLATE = re.compile(
    r"^[-*]? {0,4}GPU model and memory {0,4}: {0,8}(?P<value>.{1,120})$", re.IGNORECASE
)
_OS_HEADING = re.compile(r"^#{2,4} {0,4}OS Platform and Distribution {0,4}$", re.IGNORECASE)
_OS_TEMPLATE = re.compile(
    r"^[-*]? {0,4}OS Platform and Distribution[^:]{0,40}: {0,8}(?P<value>.{1,120})$", re.IGNORECASE
)


def _gpu(value: str) -> list[tuple[str, Any]]:
    """The template's GPU answer: the model before any ", 12GB" (none for "N/A" or "no GPU")."""
    name = value.split(",")[0].strip().strip("`")
    low = name.lower()
    if (
        not name
        or low in ("n/a", "na", "none", "-", "no", "cpu")
        or "no gpu" in low
        or len(name) > 80
    ):
        return []
    return [("gpu.0.name", name)]


def _os(value: str) -> list[tuple[str, Any]]:
    low = value.lower()
    wsl = re.search(r"\bwsl ?([12])?\b", low)
    if wsl:  # "WSL Ubuntu 22.04 (Windows 10)", "Windows 11 + WSL2": Linux under WSL, not Windows
        return [("os.system", "Linux"), ("os.wsl", int(wsl.group(1) or 2))]
    if "windows" in low or re.search(r"\bwin ?1[01]\b", low):
        return [("os.system", "Windows")]
    if "macos" in low or "mac os" in low or "darwin" in low:
        return [("os.system", "Darwin")]
    if any(w in low for w in ("linux", "ubuntu", "debian", "centos", "fedora", "rhel")):
        return [("os.system", "Linux")]
    return []


_LIBS_HEADING = re.compile(r"^#{2,4} {0,4}CUDA/cuDNN version {0,4}$", re.IGNORECASE)
#: The template's "- CUDA/cuDNN version: 11.8/8.6", and the lines people write instead
#: ("CUDA: 10.1.243", "- cuDNN version: 8.0.4").
_LIBS_TEMPLATE = re.compile(
    r"^[-*]? {0,4}(?P<key>CUDA/cuDNN|CUDA|cuDNN)(?: version)? {0,4}: {0,8}(?P<value>.{1,120})$",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![0-9.])(?P<v>v)?(?P<n>[0-9]{1,2}(?:\.[0-9]{1,4}){0,3})(?![0-9])")


def _cuda(token: str | None, *, alone: bool = False) -> list[tuple[str, Any]]:
    """A CUDA release: "10.1", "9.0.176"; a bare major only where it cannot be cuDNN's ("10":
    no cuDNN major reached 10) or the line names CUDA alone ("CUDA: 9")."""
    if not token:
        return []
    major = int(token.split(".")[0])
    if "." in token and 7 <= major <= 13:
        return [("toolkit.cuda", token)]
    if "." not in token and (10 <= major <= 13 or (alone and 7 <= major <= 13)):
        return [("toolkit.cuda", token)]
    return []


def _cudnn(token: str | None) -> list[tuple[str, Any]]:
    if token and 5 <= int(token.split(".")[0]) <= 9:
        return [("toolkit.cudnn", token)]
    return []


#: Every CUDA toolkit release below 10 (https://developer.nvidia.com/cuda-toolkit-archive): a
#: lone 7.x-9.x under the template's "CUDA/cuDNN version" that is none of them can only be cuDNN's
#: (8.1, 8.6, 7.6 are cuDNN releases; 8.0 or 9.0 stay ambiguous and are read as CUDA, as before).
_OLD_CUDA_RELEASES = frozenset({"7.0", "7.5", "8.0", "9.0", "9.1", "9.2"})


def _only_cudnn(token: str) -> bool:
    major, _, rest = token.partition(".")
    if not rest or not 7 <= int(major) <= 9:
        return False
    return f"{major}.{rest.split('.')[0]}" not in _OLD_CUDA_RELEASES


def _libraries(key: str, value: str) -> list[tuple[str, Any]]:
    """The system CUDA and cuDNN a TensorFlow report states: "10.2, 8.0.2", "11.2/8 in conda
    env", "CUDA v11.2, cudnn-11.2-windows-x64-v8.1.0.77"; nothing for "unknown/unknown"."""
    key = key.lower()
    if "/" not in key:  # one library: "CUDA: 10.1.243" or "cuDNN: 8.0.4"
        found = _NUMBER.search(value)
        number = found.group("n") if found else None
        return _cudnn(number) if "dnn" in key else _cuda(number, alone=True)
    low = value.lower()
    at = low.find("cudnn")
    if at >= 0:
        before = _NUMBER.search(value[:at])
        after = list(_NUMBER.finditer(value[at:]))
        marked = [m for m in after if m.group("v")]
        cudnn = (marked or after)[0].group("n") if after else None
        return [*_cuda(before.group("n") if before else None), *_cudnn(cudnn)]
    parts = re.split(r"[/,;]", value, maxsplit=1)
    cuda = _NUMBER.search(parts[0])
    cudnn = _NUMBER.search(parts[1]) if len(parts) > 1 else None
    if cuda and cudnn is None and _only_cudnn(cuda.group("n")):
        return _cudnn(cuda.group("n"))  # "CUDA/cuDNN version: 8.1": no CUDA 8.1 was ever released
    return [
        *_cuda(cuda.group("n") if cuda else None),
        *_cudnn(cudnn.group("n") if cudnn else None),
    ]


#: tf_env_collect.sh's "== cuda libs ==" section: the runtime files it finds on the machine
#: (``/usr/local/cuda-11.2/targets/x86_64-linux/lib/libcudart.so.11.2.152``); cudart's full
#: version carries its toolkit's release (CUDA 11.2 ships cudart 11.2.152).
_CUDART_FILE = re.compile(
    r"^/[A-Za-z0-9_./+-]{0,300}/libcudart\.so\.(?P<v>[0-9]{1,2}\.[0-9]{1,2})\.[0-9]{1,4}$"
)
#: tf_env_collect.sh's "tf.version.VERSION = 2.4.0"; its releases for TensorFlow 1.x printed
#: "tf.VERSION = 1.12.0" (tf.VERSION, before tf.version existed:
#: https://github.com/tensorflow/tensorflow/blob/master/tools/tf_env_collect.sh).
_COLLECT = re.compile(
    r"^tf\.(?:version\.)?VERSION {0,4}= {0,4}(?P<value>[0-9][0-9A-Za-z.+-]{0,40})"
)
_BUILD_INFO = re.compile(
    r"[({,] {0,2}'(?P<key>cuda_version|cudnn_version|is_cuda_build|is_rocm_build)'(?:,|:) {0,2}"
    r"'?(?P<value>[0-9A-Za-z.]{1,20})'?[),}]"
)
_VERSION = re.compile(
    r"(?:v|tf |tensorflow |tf-nightly |TF )?(?P<v>[0-9]\.[0-9]{1,2}(?:\.[0-9]{1,3})?(?:[0-9A-Za-z.+-]{0,20}))"
)


#: ``tf.version.GIT_VERSION`` before ``tf.version.VERSION``, as the template's command prints them:
#: ``v2.11.0-rc2-17-gd5b57ca93e5 2.11.0``, ``b'v1.12.0-rc2-3-ga6d8ffae09' 1.12.0``.
_GIT_DESCRIBE = re.compile(r"^b?'?v[0-9][0-9A-Za-z.+-]{0,40}-g[0-9a-f]{5,40}'? {1,4}(?=[0-9])")


def _version(value: str) -> list[tuple[str, Any]]:
    value = _GIT_DESCRIBE.sub("", value[:120], count=1)
    value = _WHEEL_TAGS.sub("", value) if value.endswith(".whl") else value
    m = _VERSION.search(value)
    if m is None:
        return []
    return [
        ("frameworks.tensorflow.installed", True),
        ("frameworks.tensorflow.version", m.group("v")),
    ]


def _build_info(line: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for m in _BUILD_INFO.finditer(line[:2000]):
        key, value = m.group("key"), m.group("value")
        if key == "cuda_version":
            out.append(("frameworks.tensorflow.build.cuda", value))
        elif key == "cudnn_version":
            out.append(("frameworks.tensorflow.build.cudnn", value))
        elif key == "is_cuda_build" and value == "True":
            out.append(("frameworks.tensorflow.build.flavour", "cuda"))
        elif key == "is_rocm_build" and value == "True":
            out.append(("frameworks.tensorflow.build.flavour", "rocm"))
    if any(k.endswith("flavour") for k, _ in out) or not any(
        f"'is_cuda_build'{sep} False" in line for sep in (",", ":")
    ):
        return out
    return [*out, ("frameworks.tensorflow.build.flavour", "cpu")]


def read(lines: Sequence[str]) -> list[Block]:
    facts: list[Fact] = []
    #: CUDA/cuDNN lines count only next to a TensorFlow version (a bare "cuDNN: 8" says nothing
    #: about TensorFlow, and must not make a tf-env block of another report).
    libraries: list[Fact] = []
    first = last = 0
    heading = ""
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        found: list[tuple[str, Any]] = []
        if heading and line:
            if heading == "libraries":
                libraries.extend(
                    Fact(path=p, value=v, line=number) for p, v in _libraries("cuda/cudnn", line)
                )
            else:
                found = {"version": _version, "os": _os, "gpu": _gpu}[heading](line)
            heading = ""
        elif line.startswith("#") and _HEADING.match(line):
            heading = "version"
            continue
        elif line.startswith("#") and _OS_HEADING.match(line):
            heading = "os"
            continue
        elif line.startswith("#") and _GPU_HEADING.match(line):
            heading = "gpu"
            continue
        elif line.startswith("#") and _LIBS_HEADING.match(line):
            heading = "libraries"
            continue
        elif "GPU model" in line and _GPU_TEMPLATE.match(line):
            m = _GPU_TEMPLATE.match(line)
            found = _gpu(m.group("value")) if m else []
        elif "OS Platform" in line and _OS_TEMPLATE.match(line):
            m = _OS_TEMPLATE.match(line)
            found = _os(m.group("value")) if m else []
        elif "ersion" in line and (_TEMPLATE.match(line) or _TEMPLATE_NO_COLON.match(line)):
            m = _TEMPLATE.match(line) or _TEMPLATE_NO_COLON.match(line)
            found = _version(m.group("value")) if m else []
        elif line.startswith(("tf.version.VERSION", "tf.VERSION")):
            m = _COLLECT.match(line)
            found = _version(m.group("value")) if m else []
        elif "is_cuda_build" in line:
            found = _build_info(line)
        elif "libcudart.so." in line and _CUDART_FILE.match(line):
            m = _CUDART_FILE.match(line)
            libraries.extend(
                Fact(path=p, value=v, line=number) for p, v in _cuda(m["v"] if m else None)
            )
        elif ("CUDA" in line or "cuDNN" in line or "cudnn" in line) and _LIBS_TEMPLATE.match(line):
            m = _LIBS_TEMPLATE.match(line)
            if m:
                libraries.extend(
                    Fact(path=p, value=v, line=number)
                    for p, v in _libraries(m.group("key"), m.group("value"))
                )
        if found:
            facts.extend(Fact(path=p, value=v, line=number) for p, v in found)
            first = first or number
            last = number
    if not facts:
        return []
    if any(f.path == "frameworks.tensorflow.version" for f in facts):
        seen: set[str] = set()
        for fact in libraries:
            if fact.path not in seen:  # the first statement of each
                seen.add(fact.path)
                facts.append(fact)
                first, last = min(first, fact.line), max(last, fact.line)
    return [Block(format=FORMAT, start=first, end=last, facts=tuple(facts))]
