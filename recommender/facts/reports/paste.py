"""Read a whole paste: every reader over every line, the known error messages, one document.

A paste is an issue body as people write it: prose, several fenced or quoted blocks, a
traceback, a shell prompt. Each reader (one per format) finds its own lines; the signatures
(rules/signatures.yaml) find known error messages anywhere. What the text does not say stays
unknown; two blocks that disagree are kept as a conflict. Every step is linear in the text:
lines are cut at MAX_LINE, and readers look at each line a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MappingProxyType

from recommender.core.errors import BadInputError
from recommender.core.numfmt import is_digits
from recommender.facts.document import FactsError, validate
from recommender.facts.reports.amd_runtime import read as read_amd_runtime
from recommender.facts.reports.anchor_index import AnchorIndex
from recommender.facts.reports.app_logs import read as read_app_logs
from recommender.facts.reports.assemble import build, inferred, merge, unresolved_gpus
from recommender.facts.reports.banners import read as read_banners
from recommender.facts.reports.containers import read as read_containers
from recommender.facts.reports.cpu_lines import read as read_cpu
from recommender.facts.reports.detectron2_env import read as read_detectron2_env
from recommender.facts.reports.ds_report import read as read_ds_report
from recommender.facts.reports.gpu_listings import read as read_gpu_listings
from recommender.facts.reports.gpustat import read as read_gpustat
from recommender.facts.reports.hf_env import read as read_hf_env
from recommender.facts.reports.host_tools import read as read_host_tools
from recommender.facts.reports.jax_env import read as read_jax_env
from recommender.facts.reports.lightning_env import read as read_lightning_env
from recommender.facts.reports.lines import Text, paste_lines
from recommender.facts.reports.model import Block, Fact, Hit, Paste
from recommender.facts.reports.nvidia_smi import read as read_nvidia_smi
from recommender.facts.reports.nvidia_smi_query import read as read_nvidia_smi_query
from recommender.facts.reports.packages import read as read_packages
from recommender.facts.reports.pip_output import read as read_pip_output
from recommender.facts.reports.prose import read as read_prose
from recommender.facts.reports.prose import read_stated
from recommender.facts.reports.resolver import read as read_resolver
from recommender.facts.reports.retold import retold_hits
from recommender.facts.reports.rocm_smi import read as read_rocm_smi
from recommender.facts.reports.sessions import read as read_sessions
from recommender.facts.reports.sglang_env import read as read_sglang_env
from recommender.facts.reports.signatures import Signature, load_signatures, signatures_index
from recommender.facts.reports.tables import HardwareTables, load_hardware_tables
from recommender.facts.reports.tf_devices import read as read_tf_devices
from recommender.facts.reports.tf_env import read as read_tf_env
from recommender.facts.reports.toolkit import read as read_toolkit
from recommender.facts.reports.torch_report import read as read_torch_report

#: Far above any issue body (GitHub caps one at 65,536 characters); a log file may be bigger.
MAX_CHARS = 8_000_000

#: Repositories whose issue tracker is a library's own: a report filed there is about that library
#: (what GitHub's event payload says, ``repository.full_name``), lower-cased.
REPOSITORY_PACKAGES = {
    "vllm-project/vllm": "vllm",
    "dao-ailab/flash-attention": "flash-attn",
    "bitsandbytes-foundation/bitsandbytes": "bitsandbytes",
    "timdettmers/bitsandbytes": "bitsandbytes",
    "facebookresearch/xformers": "xformers",
    "rocm/xformers": "xformers",
    "rocm/flash-attention": "flash-attn",
    "rocm/vllm": "vllm",
    "rocm/bitsandbytes": "bitsandbytes",
    "microsoft/deepspeed": "deepspeed",
    "deepspeedai/deepspeed": "deepspeed",
    "huggingface/text-generation-inference": "text-generation-inference",
    "internlm/lmdeploy": "lmdeploy",
    "open-mmlab/mmcv": "mmcv",
    "facebookresearch/detectron2": "detectron2",
    "turboderp/exllamav2": "exllamav2",
    "turboderp-org/exllamav2": "exllamav2",
    "autogptq/autogptq": "auto-gptq",
    "state-spaces/mamba": "mamba-ssm",
    "dao-ailab/causal-conv1d": "causal-conv1d",
    "nvidia/apex": "apex",
    "flashinfer-ai/flashinfer": "flashinfer",
    "nvidia/tensorrt-llm": "tensorrt-llm",
    "jax-ml/jax": "jax",
    "google/jax": "jax",
}

#: Repositories whose issue tracker is a platform's own: a report filed there is from that platform
#: (the fact it proves, at line 0: the context, not the text). WSL's tracker holds reports from
#: inside WSL (its issue template asks for the WSL version; the version stays unsaid here).
REPOSITORY_PLATFORMS = {
    "microsoft/wsl": ("os.wsl_named", True),
}

#: A reader: the paste's lines and the reference tables (which most readers need not consult)
#: -> the blocks it finds.
Reader = Callable[[Sequence[str], HardwareTables], list[Block]]


def _plain(read: Callable[[Sequence[str]], list[Block]]) -> Reader:
    """A reader that consults no reference table."""

    def reader(lines: Sequence[str], tables: HardwareTables) -> list[Block]:
        return read(lines)

    return reader


#: (what it looks for, reader): the order is the order of precedence when two blocks disagree.
READERS: tuple[tuple[str, Reader], ...] = (
    ("nvidia-smi", _plain(read_nvidia_smi)),
    ("nvidia-smi -q / -q -x / --query-gpu", _plain(read_nvidia_smi_query)),
    ("gpustat", _plain(read_gpustat)),
    ("rocm-smi / rocminfo", _plain(read_rocm_smi)),
    ("the ROCm runtime's statuses and settings", read_amd_runtime),
    ("a Python session or one-liner", _plain(read_sessions)),
    ("jax.print_environment_info()", _plain(read_jax_env)),
    ("TensorFlow's system information", _plain(read_tf_env)),
    ("TensorFlow's device list", _plain(read_tf_devices)),
    ("transformers / diffusers / accelerate / huggingface_hub env", _plain(read_hf_env)),
    ("sglang's check_env", _plain(read_sglang_env)),
    ("Lightning's collect_env_details", _plain(read_lightning_env)),
    ("ds_report", _plain(read_ds_report)),
    ("detectron2's collect_env", _plain(read_detectron2_env)),
    ("pip list / pip freeze / conda list", _plain(read_packages)),
    ("pip's install output", _plain(read_pip_output)),
    (
        "a resolver's conflict (pip's ResolutionImpossible, uv's unsatisfiable requirements)",
        _plain(read_resolver),
    ),
    ("nvcc --version / cuda version.txt", _plain(read_toolkit)),
    ("lscpu / /proc/cpuinfo", _plain(read_cpu)),
    (
        "start-up banners (Ultralytics, AUTOMATIC1111, ComfyUI, llama.cpp, Ollama, TensorFlow's "
        "device log, xformers.info)",
        _plain(read_banners),
    ),
    (
        "applications' logs (SD.Next, kohya_ss, ComfyUI / Forge / Fooocus, AUTOMATIC1111, "
        "InvokeAI, vLLM, Ollama's GPU discovery)",
        _plain(read_app_logs),
    ),
    (
        "host tools (os-release, lsb_release, sw_vers, ldd, docker info, conda info, "
        "nvidia-container-cli info, /proc/driver/nvidia/version)",
        _plain(read_host_tools),
    ),
    (
        "the driver a GPU listing shows (lspci -k, lshw -C display, inxi -G, dxdiag, wmic / "
        "Get-CimInstance Win32_VideoController)",
        _plain(read_gpu_listings),
    ),
)
LOOKED_FOR = ", ".join(
    ["collect_env (torch, vLLM)", *(name for name, _ in READERS), "known error messages"]
)


class NothingFound(BadInputError):
    """Nothing in the text is an environment report or a known error message."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"no environment report or known error message found in {where} (looked for: {LOOKED_FOR})"
        )


def read_paste(
    text: str,
    *,
    origin: str,
    signatures: Sequence[Signature] | None = None,
    tables: HardwareTables | None = None,
    repository: str | None = None,
    index: AnchorIndex | None = None,
) -> Paste:
    """Everything ``text`` states (NothingFound when it states nothing dlrec knows).
    ``repository`` (``owner/name``): where the report was filed; a library's own tracker makes
    that library a fact (line 0: the context, not the text). ``signatures`` and ``tables``: what
    the caller loaded for its run (where None, this one call loads its own); ``index``: the
    signatures' anchor index (``signatures_index``) built with them, which finds the anchors the
    paste holds in one pass (without it, each anchor its words allow costs a pass)."""
    if len(text) > MAX_CHARS:
        raise BadInputError(
            f"{len(text)} characters is more than dlrec reads ({MAX_CHARS}); paste the report "
            "and the error, not the whole log",
            where=origin,
        )
    if "\x00" in text:
        raise BadInputError("binary data (NUL bytes), not a pasted report", where=origin)
    tables = load_hardware_tables() if tables is None else tables
    lines = paste_lines(text)
    report_blocks, base = read_torch_report(lines, origin, tables.gpus)
    blocks = [*report_blocks]
    for _, reader in READERS:
        blocks.extend(reader(lines, tables))
    if unresolved_gpus(base) or (
        not (base or {}).get("accelerators")
        and not any(f.path.startswith("gpu.") for b in blocks for f in b.facts)
    ):
        # "on my RTX 4090": only where no block lists a GPU, or the report's GPU rows are cut
        # short of a model name ("GPU 0: NVIDIA GeForce GTX"), which the sentence completes
        blocks.extend(read_prose(lines, tables))
    if signatures is None:
        signatures = load_signatures()
        index = signatures_index(signatures)
    by_id = {s.id: s for s in signatures}
    text_index = Text(lines, index)
    hits = [hit for sig in signatures for hit in sig.find(text_index)]
    found = {hit.signature for hit in hits}  # the tolerant pass: only for a message not found
    hits.extend(retold_hits((form for sig in signatures for form in sig.forms), lines, found))
    hits.sort(key=lambda h: h.line)
    if base is None:  # "my tensorflow version is 2.12": only what no block or message states
        stated = {f.path for b in blocks for f in b.facts}
        stated.update(f.path for f in _hit_facts(hits, by_id))  # tool output beats a sentence
        if stated & {"os.python_platform", "os.release"}:  # a platform line names the kernel
            stated.update(("os.release", "os.wsl"))
        for block in read_stated(lines, tables):
            kept = tuple(f for f in block.facts if f.path not in stated)
            if kept:
                blocks.append(
                    Block(format=block.format, start=kept[0].line, end=kept[-1].line, facts=kept)
                )
    if not hits and all(
        b.facts and all(f.path.startswith("stated.") for f in b.facts) for b in blocks
    ):
        raise NothingFound(origin)  # a library's release in a list line alone is no report
    blocks.extend(read_containers(lines))  # a docker run line: only next to something read
    ordered = sorted(blocks, key=lambda b: (b.start, b.format))
    facts = [f for b in ordered for f in b.facts] + _hit_facts(hits, by_id)
    package = REPOSITORY_PACKAGES.get((repository or "").strip().lower())
    if package is not None:
        facts.append(Fact(path=f"package.{package}", value=f"filed in {repository}", line=0))
    platform = REPOSITORY_PLATFORMS.get((repository or "").strip().lower())
    if platform is not None:
        facts.append(Fact(path=platform[0], value=platform[1], line=0))
    first, conflicts = merge(facts)
    first.update((fact.path, fact) for fact in inferred(first, tables.gpus))
    doc = _valid(build(base, first, origin, tables.gpus))
    return Paste(
        lines=lines,
        blocks=tuple(ordered),
        hits=tuple(hits),
        conflicts=tuple(conflicts),
        facts=MappingProxyType(first),
        doc=doc,
    )


def _hit_facts(hits: Sequence[Hit], by_id: dict[str, Signature]) -> list[Fact]:
    out = []
    for hit in hits:
        for path, value in by_id[hit.signature].facts(hit).items():
            out.append(Fact(path=path, value=value, line=hit.line))
    return out


def _valid(doc: dict) -> dict:
    """The document with any field of the wrong kind dropped (a garbled paste is not an error)."""
    for _ in range(50):
        try:
            validate(doc, loaded=True)
            return doc
        except FactsError as exc:
            if not _drop(doc, exc.key):
                break
    return doc


def _drop(doc: dict, key: str) -> bool:
    parts = key.replace("[", ".").replace("]", "").split(".")
    node = doc
    for part in parts[:-1]:
        if isinstance(node, list) and is_digits(part) and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    if isinstance(node, dict) and parts[-1] in node:
        del node[parts[-1]]
        return True
    return False


def looks_like_paste(text: str) -> bool:
    """True when ``text`` holds anything a reader or a signature recognises."""
    try:
        read_paste(text, origin="-")
    except BadInputError:
        return False
    return True
