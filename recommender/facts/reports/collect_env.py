"""Read a pasted ``python -m torch.utils.collect_env`` report (or vLLM's copy) as a facts document.

A person asking for help pastes this report; dlrec turns it into the same facts document a
probe writes, so the rules can reason about a machine dlrec never ran on. What each line means
follows the collect_env source of each generation (cited in the modules of this package). What a
report does not show stays unknown (missing), never "no": most pastes are cut short.

Public API: :func:`looks_like_collect_env` and :func:`import_report`.
"""

from __future__ import annotations

import json

from recommender.core.catalog import Accelerator
from recommender.core.errors import BadInputError
from recommender.facts.reports.devices import accelerators, arch_list, device_warnings, probes
from recommender.facts.reports.frameworks import (
    install_warnings,
    other_frameworks,
    package_lists,
    packages,
    pytorch_facts,
)
from recommender.facts.reports.gpus import GpuTable, load_gpu_table
from recommender.facts.reports.host import (
    compact,
    cpu_facts,
    environment_facts,
    known,
    os_facts,
    python_facts,
    toolchain_facts,
)
from recommender.facts.reports.text import STRONG, VLLM_FIELDS, Report, split_report

#: Far above any real report (a few KB; with a long conda list some tens of KB).
MAX_CHARS = 2_000_000
TORCH_FORMAT, VLLM_FORMAT = "torch-collect-env", "vllm-collect-env"


def _is_json(text: str) -> bool:
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _recognised(report: Report) -> bool:
    """At least two collect_env labels, one of them only collect_env prints."""
    return len(report.fields) >= 2 and bool(STRONG & set(report.fields))


def looks_like_collect_env(text: str) -> bool:
    """True when ``text`` reads as a collect_env report (a JSON document never does)."""
    if not isinstance(text, str) or len(text) > MAX_CHARS or _is_json(text):
        return False
    return _recognised(split_report(text))


def layout(report: Report) -> tuple[str, str]:
    """(format, layout): which collect_env printed the report, and its generation."""
    fields = report.fields
    if {"system info", "pytorch info"} & set(report.sections):
        return VLLM_FORMAT, "vllm-2025"
    fmt = VLLM_FORMAT if VLLM_FIELDS & set(fields) else TORCH_FORMAT
    answers = {fields.get(k, "").lower() for k in ("debug", "cuda_available")}
    if "module_loading" in fields or "cpu" in fields or "xpu_available" in fields:
        generation = "torch>=1.13"
    elif {"rocm_build", "hip_runtime", "miopen", "libc", "platform"} & set(fields) or (
        answers & {"true", "false"}
    ):
        generation = "torch>=1.7"
    elif answers & {"yes", "no"}:
        generation = "torch<=1.6"
    else:
        generation = "torch-unknown"
    return fmt, ("vllm-2024" if fmt == VLLM_FORMAT else generation)


def _frameworks(report: Report) -> tuple[dict[str, object], dict[str, object], list[str]]:
    pip, conda = packages(report)
    pytorch = pytorch_facts(report, pip, conda, arch_list(report.flat))
    frameworks = {**other_frameworks(pip, conda), **({"pytorch": pytorch} if pytorch else {})}
    version = pytorch.get("version")
    warnings = install_warnings(
        version if isinstance(version, str) else None, pip, conda, report.fields
    )
    return frameworks, package_lists(report), [*warnings, *device_warnings(report)]


def _rocm_build(frameworks: dict[str, object]) -> bool:
    pytorch = frameworks.get("pytorch")
    build = pytorch.get("build") if isinstance(pytorch, dict) else None
    return isinstance(build, dict) and build.get("flavour") == Accelerator.ROCM


def _vllm(report: Report) -> dict[str, object]:
    return compact({"version": known(report.fields.get("vllm_version"))})


def build_document(report: Report, *, origin: str, gpus: GpuTable) -> dict[str, object]:
    """The facts document for a split report (see the module docstring for what is unknown);
    ``gpus`` names each GPU's compute capability or gfx target."""
    fmt, generation = layout(report)
    os_doc = os_facts(report.fields)
    cpu_doc = cpu_facts(report, os_doc)
    frameworks, lists, warnings = _frameworks(report)
    found = accelerators(report, gpus, os_doc, cpu_doc, _rocm_build(frameworks))
    probe_doc = probes(report, found, os_doc, cpu_doc)
    # An empty list says "no accelerators": only where the report rules every kind out.
    listed = bool(found) or all(p["status"] != "unknown" for p in probe_doc.values())
    return compact(
        {
            "schema_version": 1,
            "source": {"format": fmt, "layout": generation, "path": origin},
            "python": python_facts(report.fields) or None,
            "os": os_doc or None,
            "cpu": cpu_doc or None,
            "accelerators": found if listed else None,
            "frameworks": frameworks or None,
            "toolchain": toolchain_facts(report) or None,
            "packages": lists or None,
            "vllm": _vllm(report) or None,
            "environment": environment_facts(report) or None,
            "probes": probe_doc,
            "warnings": warnings,
        }
    )


def import_report(text: str, *, origin: str, gpus: GpuTable | None = None) -> dict[str, object]:
    """Read ``text`` as a collect_env report. Raises BadInputError (one line) if it is not one.
    ``gpus``: the GPU table the caller loaded (one import, where it is None, reads its own)."""
    if not isinstance(text, str):
        raise BadInputError(f"expected text, got {type(text).__name__}", where=origin)
    if len(text) > MAX_CHARS:
        raise BadInputError(
            f"{len(text)} characters is far more than a collect_env report "
            f"(limit {MAX_CHARS}); paste only the report",
            where=origin,
        )
    if _is_json(text):
        raise BadInputError(
            "this is JSON, not a collect_env report; load a facts document with --facts instead",
            where=origin,
        )
    report = split_report(text)
    if not _recognised(report):
        raise BadInputError(
            "not a collect_env report: no 'PyTorch version:', 'Is CUDA "
            "available:' or similar lines; paste the whole output of "
            "`python -m torch.utils.collect_env`",
            where=origin,
        )
    return build_document(report, origin=origin, gpus=gpus or load_gpu_table())
