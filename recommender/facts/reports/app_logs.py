"""The environment lines of the applications people run on torch (and vLLM), as their logs
print them, behind whatever prefix the log puts on each line.

banners.py reads the lines these tools print bare; this reader reads the ones they print inside a
logger's line (``06:25:11-951886 INFO     Python: ...``, ``2024-09-22 16:26:39,791 - root - INFO -
Total VRAM ...``, ``[2024-03-27 16:40:31,776]::[InvokeAI]::INFO --> ...``) and the lines banners.py
has no pattern for. Each wording is the tool's own, seen in its public threads:

- SD.Next (vladmandic/sdnext#4508, #4266, #4101, #1047): ``Python: version=3.11.9
  platform=Windows`` (older ``Python 3.10.11 on Windows``), ``Torch: torch==2.8.0+cu128
  torchvision==...`` (older ``Torch 2.0.1+cpu``), ``Using CPU-only Torch``, and the device it put
  torch on: ``Engine: backend=... compute=cuda device=cuda``, ``Torch parameters: backend=cuda
  device=cuda``, ``Torch generator: device=cpu``. kohya_ss shares its installer's lines
  (bmaltais/kohya_ss#2072: ``nVidia toolkit detected``, ``Torch 2.1.2+cu118``, ``Torch detected
  GPU: NVIDIA GeForce RTX 4060 Laptop GPU VRAM 8188 Arch (8, 9) Cores 24``, ``Python version is
  3.10.11 (tags/...) [MSC ...``); its check_torch says "nVidia toolkit detected" where it finds
  nvidia-smi (the NVIDIA driver's tool: a driver fact) and "Torch reports CUDA not available"
  where torch.cuda.is_available() is False.
- ComfyUI, and Forge and Fooocus, which print ComfyUI's model_management lines
  (Comfy-Org/ComfyUI#8010, #5169): ``Total VRAM 24564 MB, total RAM 32694 MB``, ``pytorch version:
  2.7.0+cu128``, ``Device: cuda:0 NVIDIA GeForce RTX 4090 : native``, ``** Python version: 3.12.9
  (tags/...) [MSC v.1942 64 bit (AMD64)]``, ``** Platform: Windows``; its system-information block
  (OpenImagingLab/FlashVSR#24): ``- **PyTorch Version:** 2.7.1+cu128``, ``- **OS:** nt``, ``-
  **Name:** cuda:0 NVIDIA GeForce RTX 5070 Ti : cudaMallocAsync``.
- AUTOMATIC1111's launcher (AUTOMATIC1111/stable-diffusion-webui#9402, #14617): the interpreter's
  banner ``Python 3.10.6 (tags/v3.10.6:9c7b4bd, Aug  1 2022, 21:53:49) [MSC v.1932 64 bit
  (AMD64)]``, and its check ``Torch is not able to use GPU; add --skip-torch-cuda-test ...``.
- InvokeAI (invoke-ai/InvokeAI#1322, #2460, PR #6062): ``>> Using device_type cpu`` (2.x) and
  ``Using torch device: NVIDIA GeForce RTX 4090`` (4.x).
- vLLM (vllm-project/vllm#13027, huggingface/trl#3310): ``Initializing a V1 LLM engine (v0.8.3)
  with config: ... device_config=cuda``.
- Ollama's GPU discovery (ollama/ollama#8623, #10483): ``CUDA driver version: 12.5``, the newest
  CUDA the driver runs (``cuDriverGetVersion``), and ``msg="no compatible GPUs were discovered"``
  (ollama/ollama#10409, #8674).

Facts read: torch's version (and the build its local label proves), Python's version, the
platform, each GPU's name, the device the application put torch on (``cpu``: torch answered that
CUDA is not available, ``frameworks.pytorch.cuda_available`` False), vLLM's release, the driver's
newest CUDA, and ``app.gpu_expected``: the line where an application that runs on the GPU says
it found none (its own check failed, or it put torch on the CPU), which makes that answer a
symptom to explain even where the paste shows no GPU (symptoms.py), unless ``app.cpu_chosen``: the
application was started with its own flag for the CPU (--use-cpu, --cpu, --always-cpu). Every line is looked at once,
behind a literal it must hold."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.catalog import Accelerator
from recommender.core.numfmt import is_digits
from recommender.facts.reports.first_facts import FirstFacts
from recommender.facts.reports.model import Block

FORMAT = "application log"
_V = r"[0-9]{1,2}\.[0-9]{1,2}(?:\.[0-9]{1,3})?(?:(?:a|b|rc|\.dev|\.post)[0-9]{1,8})?"
_TORCH_V = rf"(?P<torch>{_V}(?:\+[0-9A-Za-z.]{{1,20}})?)"
_PY_V = r"(?P<py>3\.[0-9]{1,2}\.[0-9]{1,3})"

#: A logger's prefix: a docker compose service column, then a date and time (Python's logging,
#: ComfyUI's, InvokeAI's bracketed one), SD.Next's time and level, or a bracketed level.
_PREFIX = re.compile(
    r"^(?:[A-Za-z0-9_.-]{1,40} {1,8}\| {0,2})?"
    r"(?:\[?[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:.,]{8,15}Z?\]?"
    r"(?:(?: - |::)\[?[A-Za-z0-9_.]{1,40}\]?(?= - |::| --> )){0,2}(?: - |::| --> | )"
    r"|[0-9]{2}:[0-9]{2}:[0-9]{2}-[0-9]{6} [A-Z]{4,8} {1,8}"
    r"|\[(?:INFO|WARNING|DEBUG|ERROR)\] )?"
)
_LEVEL = re.compile(r"^(?:INFO|DEBUG|WARNING|ERROR) (?:- |--> )")

_SDN_PYTHON = re.compile(
    r"^Python(?:: version=| )(?P<py>3\.[0-9]{1,2}\.[0-9]{1,3})(?: platform=| on )"
    r"(?P<plat>Windows|Linux|Darwin|MacOS)\b"
)
_SDN_SYSTEM = re.compile(r"\bsystem=(?P<plat>Windows|Linux|Darwin)\b")
_SDN_TORCH = re.compile(rf"^Torch(?:: torch==| ){_TORCH_V}(?![0-9A-Za-z.+])")
_DEVICE_KEY = re.compile(r"\bdevice=(?P<d>cpu|cuda|mps|xpu|privateuseone|dml|directml)\b")
_DEVICE_LINES = ("Torch generator: device=", "Engine: backend=", "Torch parameters: backend=")
_KOHYA_GPU = re.compile(r"^Torch detected GPU: (?P<name>.{2,80}?) VRAM [0-9]{1,7}\b")
_PY_BANNER = re.compile(
    r"^(?:\*\* |- )?Python(?: version is| [Vv]ersion:)? "
    rf"{_PY_V}\+? \([^()]{{1,100}}\)(?: \[(?P<compiler>MSC|GCC|Clang)\b[^\]]{{0,80}}\]?"
    r"(?: on (?P<on>[a-z0-9]{3,8})\b)?)?"
)
_COMFY_TORCH = re.compile(rf"^(?:- )?(?:pytorch|PyTorch) [Vv]ersion: {_TORCH_V}\s*$")
_COMFY_DEVICE = re.compile(
    r"^(?:- )?(?:Device|Name): cuda:(?P<i>[0-9]{1,2}) (?P<name>[^:]{2,80}) : [A-Za-z_]{1,40}\s*$"
)
_COMFY_VRAM = re.compile(r"^Total VRAM (?P<mib>[0-9]{1,7}) MB, total RAM [0-9]{1,8} MB")
_COMFY_PLATFORM = re.compile(r"^(?:\*\* Platform|- OS): (?P<plat>Windows|Linux|Darwin|nt)\s*$")
_INVOKE_DEVICE = re.compile(
    r"(?:^|>> )Using (?:device_type (?P<kind>cpu|cuda|mps)\b|torch device: (?P<name>.{2,80}))"
)
_VLLM = re.compile(
    r"Initializing an? (?:V[01] )?LLM engine \(v(?P<v>[0-9][0-9A-Za-z.+]{0,40})\) with config"
)
_OLLAMA_DRIVER = re.compile(r"^CUDA driver version: (?P<v>[0-9]{2}\.[0-9])\s*$")
#: The words an application uses to say it found no GPU to run on.
_NO_GPU = (
    ("Torch is not able to use GPU", "AUTOMATIC1111's launch check"),
    ('msg="no compatible GPUs were discovered"', "Ollama's GPU discovery"),
)
#: The applications' own flags that put torch on the CPU on purpose (AUTOMATIC1111's and SD.Next's
#: --use-cpu, ComfyUI's --cpu, Forge's and Fooocus' --always-cpu), in a command or an args line.
_CPU_FLAG = re.compile(r"(?:^|[\s'\"\[])--(?:use-cpu|always-cpu|cpu)(?=[\s'\",\]=]|$)")
#: The words an installer uses to say torch answered that CUDA is not available.
_NO_CUDA = ("Torch reports CUDA not available",)
#: A program that stops because CUDA is not available ("AssertionError: CUDA is not available",
#: "RuntimeError: GPU not available"): it expects a GPU, and torch answered that it has none. The
#: same answer as a warning the program prints before it goes on with the CPU ("UserWarning: CUDA
#: is not available", "WARNING: CUDA is not available, using CPU instead", "[WARNING] GPU not
#: available"): Python's warnings module and the logging levels put these words before it.
_RAISED = re.compile(
    r"^(?:[A-Za-z_][A-Za-z0-9_.]{0,60}(?:Error|Exception|Warning): |WARNING:? |Warning: "
    r"|\[WARNING\] |\[WARN\] )"
    r"(?:torch\.)?(?:CUDA|Cuda|cuda|GPU|gpu) (?:is )?(?:not available|unavailable)\b"
)
_PLATFORMS = {"nt": "Windows", "MacOS": "Darwin"}


class _Facts(FirstFacts):
    """The facts found so far, and what an application says of its platform and device."""

    def platform(self, name: str, line: int) -> None:
        self.add("os.system", _PLATFORMS.get(name, name), line)

    def device(self, kind: str, app: str, line: int) -> None:
        """The device an application put torch on; the CPU, where it would take a GPU that
        torch reports, is torch answering that CUDA is not available."""
        if kind == Accelerator.CPU.value:
            self.no_cuda(f"{app} put torch on the CPU", line)
        elif kind == Accelerator.CUDA.value:
            self.add("frameworks.pytorch.cuda_available", True, line)

    def no_cuda(self, said: str, line: int) -> None:
        """A program that expects the GPU says torch answered that CUDA is not available."""
        self.add("frameworks.pytorch.installed", True, line)
        self.add("frameworks.pytorch.cuda_available", False, line)
        self.add("app.gpu_expected", said, line)


def message(line: str) -> str:
    """The line without a logger's prefix (time, level, logger name)."""
    first = line[:1]
    if not (is_digits(first) or first == "[" or "| " in line[:50]):
        prefix = None  # no time, bracket or compose column opens the line: no prefix to take
    else:
        prefix = _PREFIX.match(line)
    rest = line[prefix.end() :] if prefix is not None else line
    if rest[:1] not in ("I", "D", "W", "E"):
        return rest
    level = _LEVEL.match(rest)
    return rest[level.end() :] if level is not None else rest


def _sdnext(text: str, number: int, out: _Facts) -> None:
    if text.startswith("Python"):
        py = _SDN_PYTHON.match(text)
        if py is not None:
            out.add("python.version", py.group("py"), number)
            out.platform(py.group("plat"), number)
    elif text.startswith("Platform: arch="):
        system = _SDN_SYSTEM.search(text)
        if system is not None:
            out.platform(system.group("plat"), number)
    elif text.startswith("Torch"):
        torch = _SDN_TORCH.match(text)
        if torch is not None:
            out.torch(torch.group("torch"), number)
        gpu = _KOHYA_GPU.match(text) if text.startswith("Torch detected GPU: ") else None
        if gpu is not None:
            out.add("gpu.0.name", " ".join(gpu.group("name").split()), number)
    elif text.startswith(("nVidia toolkit detected", "nVidia CUDA toolkit detected")):
        out.add("driver.nvidia_smi", "found", number)  # the installer found the driver's tool
    elif text.startswith("Using CPU-only Torch"):
        out.add("frameworks.pytorch.installed", True, number)
        out.add("frameworks.pytorch.build.flavour", "cpu", number)
    if "device=" in text and any(key in text for key in _DEVICE_LINES):
        device = _DEVICE_KEY.search(text)
        if device is not None:
            out.device(device.group("d"), "SD.Next", number)


def _comfy(text: str, number: int, out: _Facts) -> None:
    if "ersion: " in text:
        torch = _COMFY_TORCH.match(text)
        if torch is not None:
            out.torch(torch.group("torch"), number)
            return
    if "Python" in text:
        banner = _PY_BANNER.match(text)
        if banner is not None:
            out.add("python.version", banner.group("py"), number)
            on = banner.group("on")  # the interpreter's own "on win32", else its compiler
            if on == "win32" or (on is None and banner.group("compiler") == "MSC"):
                out.platform("Windows", number)
            return
    if ": cuda:" in text:
        device = _COMFY_DEVICE.match(text)
        if device is not None:
            index = int(device.group("i"))
            out.add(f"gpu.{index}.name", " ".join(device.group("name").split()), number)
    elif text.startswith("Total VRAM "):
        vram = _COMFY_VRAM.match(text)
        if vram is not None:
            out.add("app.vram_mib", int(vram.group("mib")), number)
    elif text.startswith(("** Platform: ", "- OS: ")):
        plat = _COMFY_PLATFORM.match(text)
        if plat is not None:
            out.platform(plat.group("plat"), number)


def _servers(text: str, number: int, out: _Facts) -> None:
    if "Using " in text:
        invoke = _INVOKE_DEVICE.search(text)
        if invoke is not None:
            name = (invoke.group("name") or "").strip()
            cpu = name.lower() == Accelerator.CPU.value
            kind = invoke.group("kind") or (Accelerator.CPU if cpu else Accelerator.CUDA).value
            out.device(kind, "InvokeAI", number)
            if kind == Accelerator.CUDA.value and name.startswith("NVIDIA"):
                out.add("gpu.0.name", " ".join(name.split()), number)
    if "LLM engine (v" in text:
        vllm = _VLLM.search(text)
        if vllm is not None:
            out.add("package.vllm", vllm.group("v"), number)
    elif text.startswith("CUDA driver version: "):
        driver = _OLLAMA_DRIVER.match(text)
        if driver is not None:
            out.add("driver.max_cuda", driver.group("v"), number)
    if "cpu" in text and "--" in text and _CPU_FLAG.search(text) is not None:
        out.add("app.cpu_chosen", text[:200], number)
    if "CUDA not" in text and any(words in text for words in _NO_CUDA):
        out.no_cuda("the installer's torch check found no CUDA", number)
    elif "vailable" in text and _RAISED.match(text) is not None:
        out.no_cuda(
            "the program says CUDA is not available (it stops, or goes on with the CPU)", number
        )
    if "GPU" not in text:
        return
    for words, who in _NO_GPU:
        if words in text:
            out.add("app.gpu_expected", f"{who} found no GPU", number)


def read(lines: Sequence[str]) -> list[Block]:
    """One block with what the applications' log lines in the paste state."""
    out = _Facts()
    for number, raw in enumerate(lines, 1):
        line = raw.strip()[:600]
        if not line:
            continue
        text = message(line)
        _sdnext(text, number, out)
        _comfy(text, number, out)
        _servers(text, number, out)
    if not out.found:
        return []
    facts = sorted(out.found.values(), key=lambda f: f.line)
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
