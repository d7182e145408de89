"""What only a paste's platform lines show: WSL 1 (no GPU), and WSL 2's CUDA coming from the
Windows driver."""

from __future__ import annotations

from collections.abc import Mapping

from recommender.core.catalog import Diagnosis as Category
from recommender.core.numfmt import is_digits
from recommender.decide.diagnosis._paste import fact_lines, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.facts.reports.prose import FORMAT as PROSE

WSL_URL = "https://docs.nvidia.com/cuda/wsl-user-guide/index.html"

#: WSL 2 exists from this Windows 10 build on (backported to 1903/1909; first in 2004's 19041).
WSL2_FIRST_BUILD = 18362

WSL_BUILDS_URL = "https://github.com/MicrosoftDocs/WSL/pull/752"

#: CUDA in WSL 2 needs Windows 11 or Windows 10 21H2 (build 19044) or later; the Insider builds
#: 20145-21999 that previewed it have it too. Windows 10 builds 18362-19043 run WSL 2 without GPU.
WSL_GPU_FIRST_BUILD = 19044
WSL_GPU_URL = "https://learn.microsoft.com/en-us/windows/ai/directml/gpu-cuda-in-wsl"


def _wsl2_without_gpu(paste: Paste) -> list[Finding]:
    """WSL 2 on a Windows 10 build older than 21H2: the GPU is not passed into WSL at all."""
    build = paste.facts.get("os.windows_build")
    if build is None or not is_digits(str(build.value)):
        return []
    number = int(build.value)
    if not WSL2_FIRST_BUILD <= number < WSL_GPU_FIRST_BUILD:
        return []
    osd = paste.doc.get("os") or {}
    stated = paste.facts.get("os.wsl")
    if (stated is not None and str(stated.value) == "1") or (
        isinstance(osd, Mapping) and osd.get("wsl") == 1
    ):
        return []  # WSL 1: the WSL 1 finding says it
    wsl = [f.line for p, f in paste.facts.items() if p in ("os.wsl", "os.wsl_named")]
    if not wsl and not (isinstance(osd, Mapping) and osd.get("wsl") == 2):
        return []
    return [
        Finding(
            id="platform:wsl2-no-gpu",
            category=Category.WSL_ISSUE.value,
            status="fail",
            title="This Windows build has no GPU support in WSL 2",
            detail=(
                f"Windows 10 build {number} runs WSL 2 but passes no GPU into it: CUDA on WSL 2 "
                f"needs Windows 11 or Windows 10 21H2 (build {WSL_GPU_FIRST_BUILD}) or later"
            ),
            fix="Update Windows (Windows 11, or Windows 10 21H2 or later), keep the NVIDIA driver on Windows only, and do not install a Linux driver inside WSL",
            quotes=quote_lines(paste, [build.line, *wsl]),
            source=WSL_GPU_URL,
        )
    ]


def _wsl1_by_build(paste: Paste) -> list[int]:
    """Lines proving WSL 1: a Windows build older than WSL 2, in a paste about WSL."""
    build = paste.facts.get("os.windows_build")
    if build is None or not is_digits(str(build.value)) or int(build.value) >= WSL2_FIRST_BUILD:
        return []
    mentions = [n for n, line in enumerate(paste.lines, 1) if "wsl" in line.lower()][:3]
    named = paste.facts.get("os.wsl_named")
    filed = named is not None and named.line == 0  # filed in WSL's tracker: about WSL too
    return [build.line, *mentions] if mentions or filed else []


def _wsl2_note(paste: Paste) -> list[Finding]:
    """WSL 2 is remarked on even when nothing fails there: CUDA comes from the Windows driver."""
    return [
        Finding(
            id="platform:wsl2",
            category=Category.WSL_ISSUE.value,
            status="ok",
            title="WSL 2",
            detail=(
                "CUDA under WSL 2 comes from the Windows NVIDIA driver (/usr/lib/wsl/lib); a Linux "
                "driver installed inside WSL breaks it"
            ),
            fix=None,
            quotes=quote_lines(paste, fact_lines(paste, ("os.",))),
            source=WSL_URL,
        )
    ]


def _stated_in_prose(paste: Paste, path: str) -> bool:
    """The fact at ``path`` was read from a sentence (the prose reader), not from a tool's output."""
    fact = paste.facts.get(path)
    return fact is not None and any(
        block.format == PROSE and any(f.path == path and f.line == fact.line for f in block.facts)
        for block in paste.blocks
    )


def platform_findings(paste: Paste) -> list[Finding]:
    osd = paste.doc.get("os") or {}
    by_build = _wsl1_by_build(paste)
    no_gpu = [] if by_build else _wsl2_without_gpu(paste)
    if no_gpu:
        return no_gpu
    if not by_build and isinstance(osd, Mapping) and osd.get("wsl") == 2:
        return _wsl2_note(paste)
    if not by_build and (not isinstance(osd, Mapping) or osd.get("wsl") != 1):
        return []
    lines = by_build or fact_lines(paste, ("os.",))
    if by_build:
        why = f"this Windows build predates WSL 2 (build {WSL2_FIRST_BUILD}+), so WSL here is WSL 1"
    elif _stated_in_prose(paste, "os.wsl"):
        why = "a sentence of the text says it runs under WSL 1 (stated in prose: no tool output shows the platform)"
    elif "microsoft" in str(osd.get("release") or osd.get("python_platform") or "").lower():
        why = "the platform string is WSL 1's (a 4.4 'Microsoft' kernel)"
    else:
        why = "the text shows WSL 1 (WSL's issue template's ticked box, or wsl -l -v's version)"
    return [
        Finding(
            id="platform:wsl1",
            category=Category.WSL1.value,
            status="fail",
            title="WSL 1 has no GPU support",
            detail=f"{why}; CUDA on WSL needs WSL 2",
            fix="Convert the distribution to WSL 2 (wsl --set-version <distro> 2) and install the NVIDIA driver on Windows only",
            quotes=quote_lines(paste, lines),
            source=WSL_BUILDS_URL if by_build else WSL_URL,
        )
    ]


MPS_URL = "https://developer.apple.com/metal/pytorch/"


def mps_off_macos(paste: Paste) -> list[Finding]:
    """MPS asked for where it cannot exist: torch's MPS backend is macOS-only (Metal), so a Linux
    or Windows Python (a container on a Mac included) never has it."""
    available = paste.facts.get("mps.available")
    osd = paste.doc.get("os") or {}
    system = osd.get("system") if isinstance(osd, Mapping) else None
    if available is None or available.value is not False or system not in ("Linux", "Windows"):
        return []
    return [
        Finding(
            id="platform:mps-off-macos",
            category=Category.MPS_ISSUE.value,
            status="warn",
            title="MPS exists only on macOS",
            detail=(
                f"this Python runs on {system}; torch's MPS backend needs macOS on Apple silicon "
                "(a Linux container on a Mac has no Metal)"
            ),
            fix="Run torch natively on macOS with an arm64 Python to use the GPU through MPS",
            quotes=quote_lines(paste, [available.line, *fact_lines(paste, ("os.",))]),
            source=MPS_URL,
        )
    ]


MPS_SOURCE_URL = "https://pytorch.org/docs/stable/_modules/torch/backends/mps.html"


def mps_unavailable_on_mac(paste: Paste) -> list[Finding]:
    """torch's MPS backend built but not available to a macOS process: ``is_built()`` says the
    binary has MPS, ``is_available()`` that this process cannot use it (torch's own docstrings).
    On a Mac the causes are a macOS older than the release needs, an x86_64 Python (Rosetta) on
    Apple silicon, or a process kept from the Metal device (a sandbox, a VM, a CI runner)."""
    available = paste.facts.get("mps.available")
    if available is None or available.value is not False:
        return []
    built = paste.facts.get("mps.built")
    osd = paste.doc.get("os") or {}
    system = osd.get("system") if isinstance(osd, Mapping) else None
    if system in ("Linux", "Windows"):
        return []  # mps_off_macos says it
    if system != "Darwin" and (built is None or built.value is not True):
        return []
    lines = [available.line] + ([built.line] if built is not None else [])
    return [
        Finding(
            id="platform:mps-unavailable",
            category=Category.MPS_ISSUE.value,
            status="warn",
            title="torch's MPS backend is not available to this process",
            detail=(
                (
                    "the build has MPS (is_built() is True) but "
                    if built is not None and built.value
                    else ""
                )
                + "is_available() is False: on a Mac that is a macOS older than this torch release "
                "needs, an x86_64 Python under Rosetta on Apple silicon, or a process kept from the "
                "Metal device (a sandbox, a VM, a CI runner)"
            ),
            fix=(
                "Check sw_vers against the release's minimum macOS, that "
                'python -c "import platform; print(platform.machine())" prints arm64, and run '
                "outside any sandbox or VM that hides Metal"
            ),
            quotes=quote_lines(paste, lines),
            source=MPS_SOURCE_URL,
        )
    ]


JETSON_TORCH_URL = (
    "https://docs.nvidia.com/deeplearning/frameworks/install-pytorch-jetson-platform/index.html"
)
JETSON_TF_URL = (
    "https://docs.nvidia.com/deeplearning/frameworks/install-tf-jetson-platform/index.html"
)


def jetson_builds(paste: Paste) -> list[Finding]:
    """A Jetson always has its (integrated) GPU and JetPack's driver; the CUDA builds of torch and
    TensorFlow for it are NVIDIA's JetPack wheels (TensorFlow's carry "+nv" in their version). A
    torch that answers no CUDA there, or a TensorFlow built without CUDA, listing no GPU, or not
    NVIDIA's (pip's aarch64 TensorFlow is CPU-only), is a build without CUDA for this board."""
    jetson = paste.facts.get("platform.jetson")
    if jetson is None:
        return []
    out = []
    torch_cuda = paste.facts.get("frameworks.pytorch.cuda_available")
    if torch_cuda is not None and torch_cuda.value is False:
        out.append(
            Finding(
                id="platform:jetson-torch-without-cuda",
                category=Category.CPU_WHEEL_ON_GPU.value,
                status="fail",
                title="torch on a Jetson sees no CUDA: a build without CUDA for this board",
                detail=(
                    "a Jetson has its GPU and driver from JetPack; torch's CUDA builds for it are "
                    "NVIDIA's JetPack wheels, and a generic aarch64 wheel has no CUDA"
                ),
                fix="Install NVIDIA's torch wheel for this JetPack release (see the install guide), not a generic aarch64 wheel from PyPI",
                quotes=quote_lines(paste, [jetson.line, torch_cuda.line]),
                source=JETSON_TORCH_URL,
            )
        )
    tf_lines, status = _jetson_tf_without_cuda(paste)
    if tf_lines:
        out.append(
            Finding(
                id="platform:jetson-tensorflow-without-cuda",
                category=Category.CPU_WHEEL_ON_GPU.value,
                status=status,
                title="TensorFlow on a Jetson without CUDA: not NVIDIA's JetPack build",
                detail=(
                    "pip's aarch64 TensorFlow has no CUDA; the GPU build for a Jetson is NVIDIA's "
                    "JetPack wheel (its version ends in +nvYY.MM)"
                ),
                fix="Install NVIDIA's TensorFlow wheel for this JetPack release (see the install guide)",
                quotes=quote_lines(paste, [jetson.line, *tf_lines]),
                source=JETSON_TF_URL,
            )
        )
    return out


def _jetson_tf_without_cuda(paste: Paste) -> tuple[list[int], str]:
    for path in ("tf.built_with_cuda", "tf.gpu_visible"):
        fact = paste.facts.get(path)
        if fact is not None and fact.value is False:
            return [fact.line], "fail"
    version = paste.facts.get("frameworks.tensorflow.version")
    if version is not None and "nv" not in str(version.value).lower():
        return [version.line], "warn"
    return [], "ok"


TF_METAL_URL = "https://developer.apple.com/metal/tensorflow-plugin/"


def tensorflow_metal_missing(paste: Paste) -> list[Finding]:
    """TensorFlow on Apple silicon reaches the GPU only through Apple's Metal plugin
    (tensorflow-metal): a macOS arm64 TensorFlow listing no GPU is one without the plugin, or with
    a plugin release that does not match it."""
    visible = paste.facts.get("tf.gpu_visible")
    osd = paste.doc.get("os") or {}
    if visible is None or visible.value is not False or not isinstance(osd, Mapping):
        return []
    if osd.get("system") != "Darwin" or osd.get("machine") != "arm64":
        return []
    return [
        Finding(
            id="platform:tensorflow-metal-missing",
            category=Category.MPS_ISSUE.value,
            status="warn",
            title="TensorFlow on Apple silicon lists no GPU: the Metal plugin is missing",
            detail=(
                "TensorFlow uses the Apple GPU only through the tensorflow-metal plugin; without it "
                "(or with a release that does not match this TensorFlow) it runs on the CPU"
            ),
            fix="pip install tensorflow-metal (the release matching this TensorFlow)",
            quotes=quote_lines(paste, [visible.line, *fact_lines(paste, ("os.",))]),
            source=TF_METAL_URL,
        )
    ]
