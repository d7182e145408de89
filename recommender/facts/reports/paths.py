"""The facts a paste can state, as paths: the facts document's own, and a few the document has no
field for (kept with their lines as evidence, and read by the diagnosis)."""

from __future__ import annotations

import re

from recommender.core.catalog import FRAMEWORK_IDS

_FW = "|".join(FRAMEWORK_IDS)
_PATTERNS = (
    rf"frameworks\.(?:{_FW})\.(?:installed|version|distribution|jaxlib|build\.(?:flavour|cuda|rocm|cudnn|arch_list))",
    r"frameworks\.pytorch\.(?:cuda_available|cuda_warning|torchvision|torchaudio)",
    r"os\.(?:system|release|machine|distro|wsl|wsl_named|python_platform|version|windows_build|windows_preview|libc)",
    # the paste was taken inside a container (a Docker container id as the prompt's hostname)
    r"os\.container(?:_gpus)?",
    # the CUDA toolkit and cuDNN a report says are installed on the system (not a build's own)
    r"toolkit\.(?:cuda|cudnn)",
    # the release of the nvcc that builds extensions (nvcc --version, version.txt/json)
    r"toolkit\.nvcc",
    r"python\.version",
    # the host CPU (lscpu, /proc/cpuinfo): its model, vector flags, AVX, a VM's CPU
    r"cpu\.(?:model|flags|avx|hypervisor)",
    # nvidia-smi's header line, torch's driver warning
    r"driver\.(?:version|max_cuda|kernel|library)",
    # one GPU, by its index in the block that lists it
    r"gpu\.[0-9]{1,2}\.(?:name|cc|gfx|memory|memory_used|compute_mode)",
    # a process nvidia-smi's Processes table shows on that GPU, by its PID: "name (N MiB)"
    r"gpu\.[0-9]{1,2}\.process\.[0-9]{1,8}",
    r"gpu\.count",
    # what a session or a dump proves directly
    r"(?:torch|tf|jax)\.(?:gpu_visible|device_count|devices|built_with_cuda)",
    # the same answers from other libraries with CPU and CUDA builds
    r"(?:paddle|onnxruntime|mxnet|dlib)\.built_with_cuda",
    r"(?:mxnet|opencv)\.device_count",
    r"mps\.(?:available|built)",
    r"tpu\.(?:present|in_use)",
    r"package\.[a-z0-9][a-z0-9._-]{0,60}",
    r"vllm\.version",
    r"library\.(?:missing)",
    # the compute capabilities a library's own compiled CUDA ops carry (detectron2's arch flags)
    r"library\.[a-z0-9_-]{1,40}\.arches",
    # the ROCm runtime: an HSA status, /dev/kfd absent or denied, rocminfo's group check, the
    # HSA_OVERRIDE_GFX_VERSION set
    r"rocm\.(?:hsa_status|kfd|group|override)",
    # a Jetson board named (its CUDA builds are NVIDIA's JetPack wheels)
    r"platform\.jetson",
)
_KNOWN = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))


def known_path(path: str) -> bool:
    """True for a path a paste reader or a signature may set."""
    return _KNOWN.fullmatch(path) is not None
