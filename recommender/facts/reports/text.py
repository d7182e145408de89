"""Split a pasted collect_env report into its labelled fields and blocks (no interpretation).

The labels and layouts are those printed by ``torch/utils/collect_env.py`` (``env_info_fmt``):
pytorch/pytorch at 00adac8 (torch <= 1.6: no ROCm lines), 95511e2 (1.7-1.12: ROCm/HIP/MIOpen,
libc, platform) and maggiemoss/pytorch@4b78f85 (a 2025 fork of main: CUDA_MODULE_LOADING, XPU,
XNNPACK, the ``CPU:`` block of ``lscpu`` / ``wmic ... /VALUE`` / ``sysctl``). vLLM's copy adds
"ROCM Version", "vLLM Version", "vLLM Build Flags" and "GPU Topology" (vllm-project/vllm
collect_env.py@07a6441), and from 2025 prints ``=====`` banners with aligned ``Field : value``
lines (vllm/collect_env.py@030ea52).

Pastes are mangled in known ways, undone here: ``> `` quote markers, code fences, indentation,
full-width colons, hard wraps, and warning lines printed in the middle of the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

#: Every label collect_env prints (lower case, spaces collapsed) -> its field name here.
LABELS: Mapping[str, str] = MappingProxyType(
    {
        "pytorch version": "torch_version",
        "is debug build": "debug",
        "cuda used to build pytorch": "cuda_build",
        "rocm used to build pytorch": "rocm_build",
        "xpu used to build pytorch": "xpu_build",
        "os": "os",
        "gcc version": "gcc",
        "clang version": "clang",
        "cmake version": "cmake",
        "libc version": "libc",
        "python version": "python",
        "python platform": "platform",
        "is cuda available": "cuda_available",
        "cuda runtime version": "cuda_runtime",
        "cuda_module_loading set to": "module_loading",
        "gpu models and configuration": "gpus",
        "nvidia driver version": "driver",
        "cudnn version": "cudnn",
        "is xpu available": "xpu_available",
        "hip runtime version": "hip_runtime",
        "miopen runtime version": "miopen",
        "is xnnpack available": "xnnpack",
        "caching allocator config": "allocator",
        "cpu": "cpu",
        "versions of relevant libraries": "libraries",
        "version of relevant libraries": "libraries",
        "rocm version": "rocm_version",
        "neuron sdk version": "neuron",
        "vllm version": "vllm_version",
        "vllm build flags": "vllm_flags",
        "gpu topology": "topology",
        "xpu runtime version": "xpu_runtime",
        "intel gpu models": "intel_gpus",
        "intel gpu driver version": "intel_driver",
        "intel gpu models onboard": "intel_onboard",
        "intel gpu models detected": "intel_detected",
    }
)
#: Fields only a torch/vLLM collect_env prints; sniffing needs one of them.
STRONG = frozenset(
    {
        "torch_version",
        "debug",
        "cuda_build",
        "rocm_build",
        "cuda_available",
        "cuda_runtime",
        "module_loading",
        "gpus",
        "driver",
        "cudnn",
        "hip_runtime",
        "miopen",
        "xnnpack",
        "vllm_version",
    }
)
VLLM_FIELDS = frozenset({"rocm_version", "neuron", "vllm_version", "vllm_flags", "topology"})

# The field after which following lines belong to a block, and the block's name.
_BLOCK_OF = {
    "gpus": "gpus",
    "cudnn": "cudnn",
    "cpu": "cpu",
    "libraries": "libs",
    "vllm_flags": "skip",
    "topology": "skip",
    "intel_driver": "skip",
    "intel_onboard": "skip",
    "intel_detected": "xpus",
    "intel_gpus": "xpus",
}
_SECTION_BLOCK = {
    "cpu info": "cpu",
    "versions of relevant libraries": "libs",
    "environment variables": "env",
}
#: Noise is a line that starts like one of _NOISE_START or holds one of _NOISE_WITHIN anywhere. Two
#: patterns, not one: searched for anywhere in the line, the line-start alternatives would be
#: tried at every character (a pattern that may start with ``^`` has no first characters to skip
#: to), and collect_env's reader asks of every line.
_NOISE_START = re.compile(
    r"^(?:\s*return torch\.|(?:INFO|WARNING|ERROR|DEBUG)\b|Traceback|\s*File \"|\*\*\*"
    r"|\S*[$#]\s|\s*\^+\s*$)"
)
_NOISE_WITHIN = re.compile(
    r"\.py:[0-9]+:|Warning\b|warnings?\.warn|Triggered internally"
    r"|Collecting environment information|CUDA capabilit|cuda capability"
    r"|PyTorch (?:install|no longer)|If you want to use|Please (?:update|check|install)"
    r"|Alternatively, go to|https?://|SyntaxError",
)
_BANNER = re.compile(r"^={5,}$")
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
#: Characters read as others (``replace_chars``): a full-width colon, odd spaces, a tab; the
#: invisible ones (a zero-width space, a BOM, a carriage return) dropped.
_REPLACED = MappingProxyType(
    {
        "\uff1a": ":",
        "\u00a0": " ",
        "\u3000": " ",
        "\t": " ",
        "\u200b": "",
        "\ufeff": "",
        "\r": "",
    }
)
#: No printed value is longer (the lscpu flags line is ~1,500 characters); past this, a
#: continuation is not a hard wrap, and joining it would make a garbled paste quadratic.
MAX_VALUE = 4000
#: "PyTorch version 1.5.0" retyped without the colon: the value is a version (a digit first), not
#: another tool's label such as transformers-cli's "PyTorch version (GPU?): 2.0.1 (True)".
_BARE_VERSION = re.compile(r"^pytorch version\s+(\d.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A report split into fields and blocks, values as printed (whitespace-trimmed)."""

    fields: Mapping[str, str]
    gpu_rows: tuple[str, ...]
    cudnn_rows: tuple[str, ...]
    cpu_rows: tuple[str, ...]
    pip: tuple[str, ...]
    conda: tuple[str, ...]
    xpu_rows: tuple[str, ...]
    env_rows: tuple[str, ...]
    sections: tuple[str, ...]
    #: The whole text with whitespace collapsed, for warnings that a wrap may have split.
    flat: str


def replace_chars(text: str, table: Mapping[str, str]) -> str:
    """``text`` with each character that is a key of ``table`` replaced by its value (what
    ``str.translate`` does, where no value holds a key): one ``str.replace`` per character the
    text holds, at C speed on any text, where ``str.translate`` looks up every character of a
    text that is not all ASCII in a dict (0.1 s on a 2 MB paste)."""
    for old, new in table.items():
        if old in text:
            text = text.replace(old, new)
    return text


def clean_lines(text: str) -> list[str]:
    """Lines with quote markers, fences, odd spaces and indentation removed."""
    out = []
    for raw in replace_chars(text, _REPLACED).split("\n"):
        line = _QUOTE.sub("", raw)
        if _FENCE.match(line):
            continue
        out.append(line.strip())
    return out


def label_of(line: str) -> tuple[str | None, str]:
    """(field, value) when ``line`` is ``Label: value`` for a known label, else (None, "")."""
    head, sep, value = line.partition(":")
    if sep and len(head) <= 40:
        field = LABELS.get(" ".join(head.split()).lower())
        if field:
            return field, value.strip()
    bare = _BARE_VERSION.match(line)  # "PyTorch version 1.5.0", retyped without the colon
    if bare:
        return "torch_version", bare.group(1).strip()
    return None, ""


def is_noise(line: str) -> bool:
    """A warning, traceback, prompt or progress line printed into the report."""
    return _NOISE_START.match(line) is not None or _NOISE_WITHIN.search(line) is not None


def _label_fragment(line: str) -> bool:
    """True for a line that starts like a label ("Is CUDA av" cut short, "CUDA runtime ...")."""
    low = " ".join(line.split()).lower()
    return (
        any(
            label.startswith(low) or low.startswith(label + " ")
            for label in LABELS
            if len(label) > 3
        )
        if low
        else False
    )


def wrap_width(lines: list[str]) -> int | None:
    """The width a hard-wrapped paste was cut at (its longest lines), if it looks wrapped."""
    lengths = [len(line) for line in lines if line and not _BANNER.match(line)]
    if not lengths:
        return None
    longest = max(lengths)
    return longest if longest <= 120 and lengths.count(longest) >= 2 else None


def cut_mid_word(physical: str, line: str, width: int | None) -> bool:
    """True when a wrap cut a word between ``physical`` and ``line``. ``textwrap`` (and most
    editors) break a word only when it is longer than the width, or after a hyphen."""
    if physical.endswith("-") and not physical.endswith(" -"):
        return True
    if width is None or len(physical) < width or not line:
        return False
    tail = physical.split()[-1] if physical.split() else ""
    return len(tail) + len(line.split()[0]) > width


def join_wrapped(previous: str, line: str, cut_word: bool) -> str:
    """Glue a wrapped continuation back on, without a space where a word was cut."""
    return previous + ("" if cut_word else " ") + line


class _Splitter:
    """One pass over the cleaned lines, tracking the block the current line belongs to."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.width = wrap_width(lines)
        self.fields: dict[str, str] = {}
        self.rows: dict[str, list[str]] = {
            k: [] for k in ("gpus", "cudnn", "cpu", "pip", "conda", "xpus", "env")
        }
        self.sections: list[str] = []
        self.block: str | None = None
        self.open_field: str | None = None  # a field whose value a wrap may continue
        self.last_physical = ""  # the previous non-noise line, as pasted
        self.after_banner = False
        self.titled = False  # the previous line was a section title between banners
        self.cpu_gap = False  # a blank line seen inside the CPU block: no more wrapped joins

    def run(self) -> None:
        for i, line in enumerate(self.lines):
            if not line:
                self._blank()
            elif _BANNER.match(line):
                self._banner()
            elif self.after_banner and self._banner_follows(i):
                self._title(line)
            else:
                self.titled = False
                self._line(line)
            if line:
                self.after_banner = bool(_BANNER.match(line))
                if not is_noise(line):
                    self.last_physical = line

    def _banner(self) -> None:
        """A banner opens or closes a section title; the closing one keeps the title's block."""
        if not self.titled:
            self.block = None
        self.open_field, self.titled = None, False

    def _banner_follows(self, i: int) -> bool:
        nxt = next((x for x in self.lines[i + 1 : i + 3] if x), "")
        return bool(_BANNER.match(nxt))

    def _title(self, line: str) -> None:
        title = " ".join(line.split()).lower()
        self.sections.append(title)
        self.block, self.cpu_gap, self.titled = _SECTION_BLOCK.get(title), False, True

    def _blank(self) -> None:
        # The CPU block outlives blank lines (wmic's CRLFs paste as blank lines between its
        # rows); a label or a banner ends it.
        self.open_field = None
        self.cpu_gap = self.block == "cpu"
        if self.block in ("gpus", "cudnn", "skip", "xpus", "env"):
            self.block = None

    def _line(self, line: str) -> None:
        field, value = label_of(line)
        if field == "cpu" and self.block == "cpu" and value:
            field = None  # lscpu's own "CPU: 8" (ja, pl, vi, zh_CN) inside the CPU block
        if field is not None:
            self._field(field, value)
        elif line.startswith(("[pip", "[conda]")) or not is_noise(line):
            self._unlabelled(line)

    def _field(self, field: str, value: str) -> None:
        self.fields.setdefault(field, value)
        self.block, self.cpu_gap = _BLOCK_OF.get(field), False
        self.open_field = None if self.block else field
        if self.block in ("gpus", "cudnn", "cpu", "xpus") and value:
            self.rows[self.block].append(value)

    def _unlabelled(self, line: str) -> None:
        if self.block != "libs" and line.startswith(("[pip", "[conda]")):
            # collect_env's package rows ("[pip3] torch==2.1.0", "[conda] ...") are never a
            # wrapped GPU or CPU row: they open the library block even without its heading
            # or the blank line before it (a paste that lost them).
            self.block, self.open_field = "libs", None
        block = self.block
        if block in ("gpus", "cudnn", "cpu", "xpus", "env"):
            self._block_row(block, line)
        elif block == "libs":
            self._package(line)
        elif block is None and self.open_field and self._continues(line):
            value = self.fields[self.open_field]
            self.fields[self.open_field] = join_wrapped(value, line, self._cut(line))
        elif block is None:
            # a line that does not continue the field closes it: a wrap continues the line
            # right above, never one a line of another tool's log came between (ComfyUI's
            # "pytorch version:" then "Device: ...", then "VAE dtype: ...")
            self.open_field = None

    def _cut(self, line: str) -> bool:
        return cut_mid_word(self.last_physical, line, self.width)

    def _continues(self, line: str) -> bool:
        value = self.fields[self.open_field] if self.open_field else ""
        return (
            len(self.last_physical) >= 40 and len(value) < MAX_VALUE and not _label_fragment(line)
        )

    def _block_row(self, block: str, line: str) -> None:
        rows = self.rows[block]
        if block == "gpus" and re.match(r"^(?:GPU\s*[0-9]|MIG\b)", line):
            rows.append(line)
        elif block == "cudnn" and (line.startswith("/") or re.match(r"^[A-Za-z]:\\", line)):
            rows.append(line)
        elif block == "cpu" and (":" in line or "=" in line):
            rows.append(line)
        elif block == "cpu" and self.cpu_gap:
            return  # after a blank line only rows that name their field belong to the block
        elif block == "cpu" and not rows:
            rows.append(line)  # macOS: the sysctl brand string, right under "CPU:"
        elif block == "env" or (block == "xpus" and (line.startswith("*") or not rows)):
            rows.append(line)
        elif rows and len(rows[-1]) >= MAX_VALUE:
            return
        elif rows and block in ("gpus", "cpu", "xpus"):
            rows[-1] = join_wrapped(rows[-1], line, self._cut(line))
        elif rows:  # a cuDNN path cut mid-way: paths have no spaces to lose
            rows[-1] += line

    def _package(self, line: str) -> None:
        match = re.match(r"^\[(pip[0-9]?|conda)\]\s*(.*)$", line)
        if match:
            self.rows["conda" if match.group(1) == "conda" else "pip"].append(match.group(2))


def split_report(text: str) -> Report:
    """Split ``text`` into a :class:`Report` (never raises on any string)."""
    lines = clean_lines(text)
    splitter = _Splitter(lines)
    splitter.run()
    rows = splitter.rows
    return Report(
        fields=MappingProxyType(dict(splitter.fields)),
        gpu_rows=tuple(rows["gpus"]),
        cudnn_rows=tuple(rows["cudnn"]),
        cpu_rows=tuple(rows["cpu"]),
        pip=tuple(rows["pip"]),
        conda=tuple(rows["conda"]),
        xpu_rows=tuple(rows["xpus"]),
        env_rows=tuple(rows["env"]),
        sections=tuple(splitter.sections),
        flat=" ".join(" ".join(lines).split()),
    )
