"""A framework's "no GPU" message whose cause the paste's versions state: a driver older than the
CUDA the framework's build needs.

"RuntimeError: No CUDA GPUs are available", ``torch.cuda.device_count()`` answering 0, Paddle's
"no GPU found in runtime": a known message (a fail of the no-device kind) that says what happened,
not why. Where the same paste shows a driver (nvidia-smi's header, a stated driver) and a
framework release whose published build is for a newer CUDA than that driver runs (PyPI's Linux
torch 2.1 on is CUDA 12's; compat.yaml's torch_pypi_linux_cuda), the CUDA runtime in the build
cannot start on the driver and the framework finds no GPU: NVIDIA's minor-version compatibility
runs a runtime of the driver's own CUDA major or older only. symptoms.unexplained infers this
cause only where no fail was found; the "no GPU" message is a fail, so without this rule the
cause stated beside it went unsaid. A warning beside the message: the cause is inferred from the
release, not read from an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recommender.core.catalog import Diagnosis as Category
from recommender.core.catalog import Framework
from recommender.decide.diagnosis._paste import quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.decide.diagnosis.inferences import infer
from recommender.decide.diagnosis.intent import cpu_intent_line
from recommender.decide.diagnosis.memory import no_gpu_seen_lines
from recommender.facts.reports import Paste

#: Causes that already explain a framework seeing no GPU: then nothing is added.
_CAUSES = frozenset(
    {
        Category.CPU_WHEEL_ON_GPU.value,
        Category.DRIVER_TOO_OLD.value,
        Category.ARCH_UNSUPPORTED.value,
        Category.NO_DRIVER.value,
        Category.DRIVER_MISMATCH.value,
        Category.WSL_ISSUE.value,
    }
)


def _no_gpu_fail(found: Sequence[Finding]) -> Finding | None:
    """The first failing "no GPU" message, where no finding names a cause of it."""
    if any(f.status != "ok" and f.category in _CAUSES for f in found):
        return None
    return next(
        (f for f in found if f.status == "fail" and f.category == Category.NO_DEVICE.value), None
    )


def driver_behind_no_gpu(
    paste: Paste, found: Sequence[Finding], tables: Mapping[str, Any]
) -> list[Finding]:
    """A warning naming the driver as the cause of a framework's "no GPU" message, where the
    paste's driver runs an older CUDA than the framework's published build."""
    message = _no_gpu_fail(found)
    if message is None or cpu_intent_line(paste) is not None:
        return []
    for framework in Framework:
        if f"frameworks.{framework.value}.installed" not in paste.facts:
            continue
        why = infer(paste, framework, tables)
        if why is None or why.category != Category.DRIVER_TOO_OLD.value:
            continue
        lines = [q.line for q in message.quotes] + no_gpu_seen_lines(paste)[:1]
        return [
            Finding(
                id=f"no-gpu-driver:{framework.value}-{why.id}",
                category=why.category,
                also=why.also,
                status="warn",
                title=f"{framework.value} finds no GPU: {why.title} (inferred)",
                detail=(
                    f"{message.title.rstrip('.')}; the message says what happened, and the "
                    f"versions the paste states say why: {why.detail}"
                ),
                fix=why.fix,
                quotes=quote_lines(paste, [*lines, *why.lines]),
                source=why.source,
            )
        ]
    return []


__all__ = ["driver_behind_no_gpu"]
