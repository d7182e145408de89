"""Issue 21, second pass: each cause of a miss on the public corpus, fixed in general and tested on
text written here (not the corpus cases): wordings of known classes, a headerless conda row, a GPU
named in prose, a library's traceback, the repository a report was filed in, vLLM's ROCm targets,
a GPU nearly full in nvidia-smi."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from recommender.cli.main import cli
from tests.pastes import diagnosed


def _categories(text: str, **kw) -> tuple[str, ...]:
    return diagnosed(text, "paste.txt", **kw).categories


@pytest.mark.parametrize(
    ("line", "category"),
    [
        (
            "RuntimeError: Unexpected error from cudaGetDeviceCount(). Error 803: system has "
            "unsupported display driver / cuda driver combination",
            "driver-too-old",
        ),
        ("cudaErrorSystemNotReady: system not yet initialized", "no-device"),
        ("failed call to cuInit: CUDA_ERROR_SYSTEM_NOT_READY", "no-device"),
        ("bash: nvidia-smi: command not found", "no-driver"),
        (
            "Unable to initialize backend 'cuda': module 'jaxlib.xla_extension' has no attribute "
            "'GpuAllocatorConfig'",
            "cpu-wheel-on-gpu",
        ),
        (
            "RuntimeWarning: JAX plugin jax_cuda12_plugin version 0.4.36 is installed, but it is "
            "not compatible with the installed jaxlib version 0.4.35",
            "version-mismatch",
        ),
        (
            "CUDA backend failed to initialize: Found cuDNN version 8600, but JAX was built against "
            "version 8906, which is newer.",
            "version-mismatch",
        ),
        (
            "OSError: /env/lib/python3.10/site-packages/torchaudio/lib/libtorchaudio.so: undefined "
            "symbol: _ZNK5torch8autograd4Node4nameEv",
            "version-mismatch",
        ),
        (
            "torchvision 0.19.1+cu121 requires torch==2.4.1, but you have torch 2.1.0 which is "
            "incompatible.",
            "version-mismatch",
        ),
        (
            "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load dynamic "
            "library 'cudnn64_8.dll'; dlerror: cudnn64_8.dll not found",
            "missing-library",
        ),
        (
            "NotImplementedError: The operator 'aten::foo' is not current implemented for the MPS "
            "device.",
            "mps-issue",
        ),
        (
            "OSError: The detected CUDA version (12.0) mismatches the version that was used to "
            "compile PyTorch (11.6). Please make sure to use the same CUDA versions.",
            "version-mismatch",
        ),
        (
            "W external/local_xla/xla/service/gpu/nvptx_compiler.cc:930] The NVIDIA driver's CUDA "
            "version is 12.4 which is older than the PTX compiler version 12.5.82. Because the",
            "driver-too-old",
        ),
        (
            "Could not load library libcudnn_ops_infer.so.8. Error: libcudnn_ops_infer.so.8: cannot "
            "open shared object file",
            "missing-library",
        ),
    ],
)
def test_more_wordings_of_known_classes(line: str, category: str) -> None:
    assert category in _categories(f"it fails:\n{line}\n")


def test_a_conda_row_with_the_cpuonly_feature_is_a_cpu_build() -> None:
    text = "the broken env has\npytorch                   1.5.1               py3.8_cpu_0  [cpuonly]  pytorch\n"
    assert "cpu-wheel-on-gpu" in _categories(text)


def test_a_gpu_named_in_prose_meets_a_librarys_kernels() -> None:
    text = (
        "Training on our Tesla K80s fails inside flash-attn:\n"
        '  File "/opt/env/lib/python3.10/site-packages/flash_attn/flash_attn_interface.py", line 9\n'
    )
    result = diagnosed(text, "paste.txt")
    assert "library-kernels-unsupported" in result.categories
    assert any("K80" in str(f.value) for f in result.facts if f.path == "gpu.0.name")


def test_prose_gpus_are_not_read_where_a_block_lists_the_gpu() -> None:
    text = (
        "I also tried an RTX 4090.\n"
        "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2 |\n"
        "|   0  NVIDIA A100-SXM4-80GB   On  | 00000000:07:00.0 Off |     0 |\n"
    )
    names = [f.value for f in diagnosed(text, "p").facts if f.path.endswith(".name")]
    assert names == ["NVIDIA A100-SXM4-80GB"]


def test_no_kernel_image_raised_inside_a_kernel_library_is_that_librarys() -> None:
    text = (
        '  File "/opt/conda/lib/python3.8/site-packages/mmcv/ops/deform_conv.py", line 1\n'
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "library-kernels-unsupported" in _categories(text)


P100_REPORT = (
    "PyTorch version: 2.3.1+cu121\nIs debug build: False\nCUDA used to build PyTorch: 12.1\n"
    "Is CUDA available: True\nGPU models and configuration: \nGPU 0: Tesla P100-PCIE-16GB\n"
    "Nvidia driver version: 550.90.07\n"
)


def test_the_repository_a_report_is_filed_in_names_the_library() -> None:
    assert "library-kernels-unsupported" not in _categories(P100_REPORT)
    assert "library-kernels-unsupported" in _categories(P100_REPORT, repository="vllm-project/vllm")
    assert "library-kernels-unsupported" not in _categories(
        P100_REPORT, repository="pytorch/pytorch"
    )


def test_a_github_event_passes_its_repository(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "action": "opened",
                "issue": {"number": 7, "title": "P100", "body": P100_REPORT},
                "repository": {"full_name": "vllm-project/vllm"},
            }
        )
    )
    result = CliRunner().invoke(cli, ["diagnose", "--github-event", str(event)])
    assert result.exit_code == 1, result.output
    assert "vLLM" in result.stdout


def test_vllm_on_an_amd_target_its_rocm_build_lacks() -> None:
    report = (
        "PyTorch version: 2.4.0+rocm6.1\nIs debug build: False\nROCM used to build PyTorch: 6.1\n"
        "Is CUDA available: True\nGPU models and configuration: AMD Instinct MI100 (gfx908:sramecc+:xnack-)\n"
        "HIP runtime version: 6.1.40093\n\nVersions of relevant libraries:\n[pip3] vllm==0.5.1\n"
    )
    assert "library-kernels-unsupported" in _categories(report)
    supported = report.replace("MI100 (gfx908:sramecc+:xnack-)", "MI250X (gfx90a:sramecc+:xnack-)")
    assert "library-kernels-unsupported" not in _categories(supported)


def test_a_gpu_nvidia_smi_shows_nearly_full_is_out_of_memory_there() -> None:
    rows = (
        "|   0  Tesla T4            Off  | 00000000:00:04.0 Off |                    0 |\n"
        "| N/A   61C    P0    70W /  70W |  {used}MiB / 15360MiB |     98%      Default |\n"
        "|   1  Tesla T4            Off  | 00000000:00:05.0 Off |                    0 |\n"
        "| N/A   35C    P8     9W /  70W |      3MiB / 15360MiB |      0%      Default |\n"
    )
    result = diagnosed(rows.format(used="15101"), "smi.txt")
    assert "out-of-memory" in result.categories and not result.failed
    assert "out-of-memory" not in _categories(rows.format(used="2101"))


def test_an_rx_7600_gets_the_gfx1100_override() -> None:
    text = "$ rocminfo | grep gfx\n  Name:                    gfx1102\n"
    result = diagnosed(text, "rocminfo.txt")
    assert "rocm-issue" in result.categories
    assert any("HSA_OVERRIDE_GFX_VERSION=11.0.0" in (f.fix or "") for f in result.findings)


def test_an_install_from_the_cpu_index_is_a_cpu_build() -> None:
    line = (
        "pip3 install torch==2.4.0 torchvision --index-url https://download.pytorch.org/whl/cpu\n"
    )
    result = diagnosed(f"my install:\n{line}", "p")
    assert "cpu-wheel-on-gpu" in result.categories
    assert any(f.path == "frameworks.pytorch.version" and f.value == "2.4.0" for f in result.facts)
    cuda = line.replace("whl/cpu", "whl/cu121")
    facts = diagnosed(f"my install:\n{cuda}\nNo CUDA GPUs are available\n", "p").facts
    assert not any(f.path == "frameworks.pytorch.build.flavour" for f in facts)


def test_mps_asked_for_on_linux_is_explained() -> None:
    session = (
        ">>> import platform\n>>> platform.platform()\n'Linux-6.1.0-aarch64-with-glibc2.36'\n"
        ">>> torch.backends.mps.is_available()\nFalse\n"
    )
    assert "mps-issue" in _categories(session)
    mac = session.replace("Linux-6.1.0-aarch64-with-glibc2.36", "macOS-14.4-arm64-arm-64bit")
    assert "mps-issue" not in _categories(mac.replace("False", "True"))
