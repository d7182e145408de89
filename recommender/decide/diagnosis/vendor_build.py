"""A framework build for another vendor's GPU: where the paste shows AMD GPUs and no NVIDIA one, a
torch built for CUDA (``+cu121``, "CUDA used to build PyTorch: 12.1") or the standard TensorFlow
(CUDA on Linux; AMD's GPU build is tensorflow-rocm) cannot use them: torch answers
``torch.cuda.is_available()`` False, TensorFlow lists no GPU. A CPU-only build is builds.py's."""

from __future__ import annotations

from collections.abc import Mapping

from recommender.core.catalog import Accelerator
from recommender.core.catalog import Diagnosis as Category
from recommender.decide.diagnosis._paste import fact_lines, quote_lines
from recommender.decide.diagnosis.findings import Finding
from recommender.facts.reports import Paste
from recommender.facts.reports.nvidia_smi import FORMAT as NVIDIA_SMI

ROCM_TORCH_URL = "https://pytorch.org/get-started/locally/"
ROCM_TF_URL = (
    "https://rocm.docs.amd.com/projects/install-on-linux/en/latest/install/3rd-party/"
    "tensorflow-install.html"
)


def _only_amd(paste: Paste) -> bool:
    """AMD GPUs shown, and no NVIDIA GPU, driver or nvidia-smi."""
    vendors = {
        acc.get("vendor") for acc in paste.doc.get("accelerators") or () if isinstance(acc, Mapping)
    }
    if Accelerator.ROCM.info.vendor not in vendors or Accelerator.CUDA.info.vendor in vendors:
        return False
    return not any(p.startswith("driver.") for p in paste.facts) and not any(
        b.format == NVIDIA_SMI for b in paste.blocks
    )


def _torch(paste: Paste) -> list[Finding]:
    flavour = paste.facts.get("frameworks.pytorch.build.flavour")
    if flavour is None or flavour.value != Accelerator.CUDA.value:
        return []
    available = paste.facts.get("frameworks.pytorch.cuda_available")
    certain = available is not None and available.value is False
    version = paste.facts.get("frameworks.pytorch.version")
    lines = [flavour.line, *([version.line] if version else []), *fact_lines(paste, ("gpu.",))]
    if available is not None:
        lines.append(available.line)
    return [
        Finding(
            id="build:pytorch-for-cuda-on-amd",
            category=Category.ROCM_ISSUE.value,
            status="fail" if certain else "warn",
            title="torch is a CUDA build, and the GPU is AMD's",
            detail=(
                f"torch {version.value if version else ''} is built for NVIDIA's CUDA; an AMD GPU "
                "needs a ROCm build of torch (its version ends in +rocmX.Y)"
                + ("" if certain else " (a warning: the paste may not show every GPU)")
            ),
            fix="Install torch from PyTorch's ROCm index (pip install torch --index-url "
            "https://download.pytorch.org/whl/rocmX.Y, the ROCm release the machine runs)",
            quotes=quote_lines(paste, lines),
            source=ROCM_TORCH_URL,
        )
    ]


def _tensorflow(paste: Paste) -> list[Finding]:
    version = paste.facts.get("frameworks.tensorflow.version")
    distribution = paste.facts.get("frameworks.tensorflow.distribution")
    if version is None or Accelerator.ROCM.value in str(version.value).lower():
        return []
    if distribution is not None and Accelerator.ROCM.value in str(distribution.value).lower():
        return []
    return [
        Finding(
            id="build:tensorflow-not-rocm-on-amd",
            category=Category.ROCM_ISSUE.value,
            status="warn",
            title="TensorFlow is not AMD's ROCm build, and the GPU is AMD's",
            detail=(
                f"TensorFlow {version.value} here is not tensorflow-rocm: TensorFlow's GPU builds "
                "for AMD GPUs are AMD's (tensorflow-rocm, or ROCm's TensorFlow images); the "
                "standard wheels use CUDA or the CPU (inferred: the paste names no ROCm TensorFlow)"
            ),
            fix="Install AMD's tensorflow-rocm for the ROCm release the machine runs (AMD's ROCm "
            "TensorFlow install guide), or use ROCm's TensorFlow docker image",
            quotes=quote_lines(paste, [version.line, *fact_lines(paste, ("gpu.",))]),
            source=ROCM_TF_URL,
        )
    ]


def vendor_builds(paste: Paste) -> list[Finding]:
    """A framework built for NVIDIA's GPUs where the paste shows AMD's only."""
    osd = paste.doc.get("os") or {}
    if not _only_amd(paste) or (isinstance(osd, Mapping) and osd.get("system") == "Darwin"):
        return []  # an Intel Mac's Radeon is reached through Metal, not ROCm
    return [*_torch(paste), *_tensorflow(paste)]
