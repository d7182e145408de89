"""The start-up lines applications print about the machine they found, wherever they are pasted.

One family, one reader: each line below is printed by a tool that runs on torch, TensorFlow or
llama.cpp as it starts, and names the versions and the GPU it is about to use. Each format comes
from the tool's own source:

- Ultralytics' and YOLOv5's banner (``ultralytics/utils/torch_utils.py`` ``select_device``):
  ``Ultralytics 8.3.2 🚀 Python-3.10.9 torch-2.0.0+cpu CPU (...)`` or ``... CUDA:0 (NVIDIA
  GeForce RTX 3070, 8192MiB)``; YOLOv5 and its forks print ``torch 1.10.1+cu102`` with a space
  (the emoji is dropped on Windows consoles).
- AUTOMATIC1111's footer (``modules/ui.py`` ``versions_html``): ``version: v1.9.4 • python:
  3.10.6 • torch: 2.1.2+cu121 • xformers: 0.0.23.post1 • gradio: 3.41.2``.
- ComfyUI's start-up (``comfy/model_management.py``): ``pytorch version: 2.3.1+cu121``,
  ``xformers version: 0.0.26`` and ``Device: cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync``.
- llama.cpp (and Ollama's runner): ``ggml_cuda_init: found 1 CUDA devices:`` then ``Device 0:
  NVIDIA GeForce RTX 3090, compute capability 8.6, VMM: yes`` (``ggml-cuda.cu``), and ``using
  device CUDA0 (NVIDIA GeForce RTX 4090)``; Ollama's ``msg="inference compute" library=cuda
  compute=8.6 driver=12.4 name="NVIDIA GeForce RTX 3090"`` (``discover/types.go``), whose
  ``driver`` is the newest CUDA the driver runs (``cuDriverGetVersion``); from 0.12 on
  ``library=CUDA compute=8.9 name=CUDA0 description="NVIDIA GeForce RTX 4090"``, the GPU's name
  in ``description``.
- TensorFlow's log of the devices it made (``gpu_device.cc``): ``Created device
  /job:localhost/...GPU:0 with 22302 MB memory:  -> device: 0, name: NVIDIA GeForce RTX 3090,
  pci bus id: 0000:01:00.0, compute capability: 8.6``, and 1.x-2.x's ``Found device 0 with
  properties:`` followed by ``name: GeForce GTX 1080 major: 6 minor: 1`` or ``pciBusID: ...
  name: GeForce RTX 2080 Ti computeCapability: 7.5``.
- ``python -m xformers.info`` (``xformers/info.py``): ``pytorch.version: 2.1.2+cu121``,
  ``gpu.name: NVIDIA GeForce RTX 3090``, ``gpu.compute_capability: 8.6``.

Facts read: torch's version (and the build its local label proves), Python's version, each GPU's
name and compute capability (where the tool states it), the number of CUDA devices llama.cpp
found, and Ollama's driver CUDA. Every pattern is anchored on the tool's own words and bounded."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recommender.core.catalog import Accelerator
from recommender.facts.reports.first_facts import FirstFacts
from recommender.facts.reports.model import Block

FORMAT = "start-up banner"
_V = r"[0-9]{1,2}\.[0-9]{1,2}(?:\.[0-9]{1,3})?(?:(?:a|b|rc|\.dev|\.post)[0-9]{1,8})?"
_TORCH_V = rf"(?P<torch>{_V}(?:\+[0-9A-Za-z.]{{1,20}})?)"
_CC = r"(?P<cc>[0-9]{1,2}\.[0-9])"

#: Ultralytics / YOLOv5 (and its forks): the tool's name opens the line; torch-X or torch X.
_YOLO = re.compile(r"\b(?:Ultralytics|YOLO[A-Za-z0-9]{0,6})\b")
_YOLO_PY = re.compile(r"\bPython-(?P<py>[0-9]\.[0-9]{1,2}(?:\.[0-9]{1,3})?)\b")
_YOLO_TORCH = re.compile(rf"\btorch[- ]{_TORCH_V}(?![0-9A-Za-z.+])")
_YOLO_CUDA = re.compile(r"\bCUDA:(?P<i>[0-9]{1,2}) \((?P<name>[^,()]{2,80}), ?[0-9]{1,7} ?Mi?B\)")
#: AUTOMATIC1111's footer: "python: 3.10.6 • torch: 2.1.2+cu121 • xformers: 0.0.23.post1".
_A1111 = re.compile(r"\b(?P<k>python|torch|xformers): (?P<v>[0-9][0-9A-Za-z.+]{0,40})")
#: The footer's other versions (torch's is read with the build its label proves).
_A1111_PATHS = {"python": "python.version", "xformers": "package.xformers"}
#: ComfyUI's start-up log.
_COMFY_TORCH = re.compile(rf"^pytorch version: {_TORCH_V}\s*$")
_COMFY_XFORMERS = re.compile(r"^xformers version: (?P<v>[0-9][0-9A-Za-z.+]{0,30})\s*$")
_COMFY_DEVICE = re.compile(
    r"^Device: cuda:(?P<i>[0-9]{1,2}) (?P<name>[^:]{2,80}) : [A-Za-z_]{1,40}\s*$"
)
#: llama.cpp's CUDA/ROCm back end, and Ollama's summary of the devices it will use.
_GGML_FOUND = re.compile(r"ggml_cuda_init: found (?P<n>[0-9]{1,2}) (?P<lib>CUDA|ROCm) devices")
_GGML_DEVICE = re.compile(
    r"^Device (?P<i>[0-9]{1,2}): (?P<name>[^,]{2,80}), "
    rf"(?:compute capability {_CC}|(?P<gfx>gfx[0-9a-f]{{3,4}}))"
)
_LLAMA_USING = re.compile(r"using device CUDA(?P<i>[0-9]{1,2}) \((?P<name>[^()]{2,80})\)")
_OLLAMA_KEY = re.compile(
    r"\b(?P<k>library|compute|driver|name|description)=(?:\"(?P<q>[^\"]{0,80})\"|(?P<v>[^\s\"]{0,40}))"
)
#: TensorFlow's log of the GPU devices it made or found.
_TF_CREATED = re.compile(
    r"-> device: (?P<i>[0-9]{1,2}), name: (?P<name>[^,]{2,80}), pci bus id: [^,]{4,24}, "
    rf"compute capability: {_CC}"
)
_TF_FOUND = re.compile(r"Found device (?P<i>[0-9]{1,2}) with properties")
_TF_NAME = re.compile(
    r"\bname: (?P<name>[^:]{2,80}) (?:major: (?P<maj>[0-9]{1,2}) minor: (?P<min>[0-9]{1,2})"
    rf"|computeCapability: {_CC})"
)
#: python -m xformers.info.
_XF_TORCH = re.compile(rf"^pytorch\.version:?\s{{1,60}}{_TORCH_V}\s*$")
_XF_GPU = re.compile(r"^gpu\.(?P<k>name|compute_capability):?\s{1,60}(?P<v>\S.{0,80})$")


class _Facts(FirstFacts):
    """The facts found so far, and the GPUs a banner names."""

    def gpu(self, index: str, name: str, cc: str | None, line: int) -> None:
        self.add(f"gpu.{int(index)}.name", " ".join(name.split()), line)
        self.add(f"gpu.{int(index)}.cc", cc, line)


def _yolo(line: str, number: int, out: _Facts) -> None:
    if ("Ultralytics" not in line and "YOLO" not in line) or _YOLO.search(line) is None:
        return
    torch = _YOLO_TORCH.search(line)
    if torch is None:
        return
    out.torch(torch.group("torch"), number)
    py = _YOLO_PY.search(line)
    if py is not None:
        out.add("python.version", py.group("py"), number)
    _yolo_cuda(line, number, out)


def _yolo_cuda(line: str, number: int, out: _Facts) -> None:
    for m in _YOLO_CUDA.finditer(line):
        out.gpu(m.group("i"), m.group("name"), None, number)


def _a1111(line: str, number: int, out: _Facts) -> None:
    if "python: " not in line or "torch: " not in line:
        return
    for m in _A1111.finditer(line):
        path = _A1111_PATHS.get(m.group("k"))
        if path is None:
            out.torch(m.group("v"), number)
        else:
            out.add(path, m.group("v"), number)


def _comfy(line: str, number: int, out: _Facts) -> None:
    if line.startswith("pytorch version: "):
        m = _COMFY_TORCH.match(line)
        if m is not None:
            out.torch(m.group("torch"), number)
    elif line.startswith("xformers version: "):
        x = _COMFY_XFORMERS.match(line)
        if x is not None:
            out.add("package.xformers", x.group("v"), number)
    elif line.startswith("Device: cuda:"):
        d = _COMFY_DEVICE.match(line)
        if d is not None:
            out.gpu(d.group("i"), d.group("name"), None, number)


def _llama(line: str, number: int, out: _Facts, ggml: list[str]) -> None:
    found = _GGML_FOUND.search(line) if "ggml_cuda_init: found " in line else None
    if found is not None:
        ggml[:] = [found.group("lib")]
        out.add("gpu.count", int(found.group("n")), number)
        return
    if ggml and line.startswith("Device "):
        d = _GGML_DEVICE.match(line)
        if d is not None:  # ROCm's "compute capability" is not NVIDIA's: only its name is kept
            cc = d.group("cc") if ggml[0] == "CUDA" else None
            out.gpu(d.group("i"), d.group("name"), cc, number)
            out.add(f"gpu.{int(d.group('i'))}.gfx", d.group("gfx"), number)
        return
    using = _LLAMA_USING.search(line) if "using device CUDA" in line else None
    if using is not None:
        out.gpu(using.group("i"), using.group("name"), None, number)


def _ollama(line: str, number: int, out: _Facts, seen: list[int]) -> None:
    if 'msg="inference compute"' not in line:
        return
    keys = {m.group("k"): m.group("q") or m.group("v") or "" for m in _OLLAMA_KEY.finditer(line)}
    try:
        library = Accelerator(keys.get("library", "").lower())
    except ValueError:
        return
    if library not in (Accelerator.CUDA, Accelerator.ROCM):
        return  # library=cpu: Ollama found no GPU it can use
    index = str(len(seen))
    seen.append(number)
    compute = keys.get("compute", "")
    cuda = library is Accelerator.CUDA
    cc = compute if cuda and re.fullmatch(r"[0-9]{1,2}\.[0-9]", compute) else None
    # from 0.12 on, name= is the back end's device (CUDA0) and description= the GPU's name
    out.gpu(index, keys.get("description") or keys.get("name", ""), cc, number)
    if not cuda and compute.startswith("gfx"):
        out.add(f"gpu.{index}.gfx", compute[:8], number)
    driver = keys.get("driver", "")
    if cuda and re.fullmatch(r"[0-9]{2}\.[0-9]", driver):
        out.add("driver.max_cuda", driver, number)


def _tensorflow(line: str, number: int, out: _Facts, found: list[str]) -> None:
    if "-> device: " in line:
        m = _TF_CREATED.search(line)
        if m is not None:
            out.gpu(m.group("i"), m.group("name"), m.group("cc"), number)
        return
    f = _TF_FOUND.search(line) if "Found device" in line else None
    if f is not None:
        found[:] = [f.group("i")]
    if found and "name: " in line:
        n = _TF_NAME.search(line)
        if n is not None:
            major, minor = n.group("maj"), n.group("min")
            cc = n.group("cc") or (f"{int(major)}.{int(minor)}" if major else None)
            out.gpu(found[0], n.group("name"), cc, number)
            found.clear()


def _xformers(line: str, number: int, out: _Facts) -> None:
    if line.startswith("pytorch.version"):
        m = _XF_TORCH.match(line)
        if m is not None:
            out.torch(m.group("torch"), number)
    elif line.startswith("gpu."):
        g = _XF_GPU.match(line)
        if g is None:
            return
        value = g.group("v").strip()
        if g.group("k") == "name":
            out.add("gpu.0.name", value, number)
        elif re.fullmatch(r"[0-9]{1,2}\.[0-9]", value):
            out.add("gpu.0.cc", value, number)


def read(lines: Sequence[str]) -> list[Block]:
    """One block with what the start-up lines of the paste state."""
    out = _Facts()
    ggml: list[str] = []
    ollama: list[int] = []
    tf_found: list[str] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()[:600]
        if not line:
            continue
        _yolo(line, number, out)
        _a1111(line, number, out)
        _comfy(line, number, out)
        _llama(line, number, out, ggml)
        _ollama(line, number, out, ollama)
        _tensorflow(line, number, out, tf_found)
        _xformers(line, number, out)
    if not out.found:
        return []
    facts = sorted(out.found.values(), key=lambda f: f.line)
    return [Block(format=FORMAT, start=facts[0].line, end=facts[-1].line, facts=tuple(facts))]
