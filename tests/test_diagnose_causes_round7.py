"""Issue 21, seventh round (blind round 6, environment dumps from projects' issue templates): the
causes its misses showed, fixed in general and tested on text written here (not the corpus cases):
sglang's ``check_env`` report (both generations, with and without the compute-capability line),
FlashInfer's own kernels and the release that added Turing, Lightning's ``collect_env_details.py``
(its 1.x and 2.x layouts) and ``huggingface-cli env``'s framework lines."""

from __future__ import annotations

import pytest

from recommender.facts.reports.hf_env import read as read_hf_env
from recommender.facts.reports.lightning_env import read as read_lightning
from recommender.facts.reports.paste import read_paste
from recommender.facts.reports.sglang_env import read as read_sglang
from tests.pastes import block_facts, run

# --- sglang's check_env --------------------------------------------------------------------------

_SGLANG_OLD = """Python: 3.10.12 (main, Mar 22 2024, 16:50:05) [GCC 11.4.0]
CUDA available: True
GPU 0,1: {gpu}
CUDA_HOME: /usr/local/cuda
NVCC: Cuda compilation tools, release 12.4, V12.4.131
CUDA Driver Version: 550.90.07
550.90.07
PyTorch: 2.3.1+cu121
sglang: 0.2.9
flashinfer: {flashinfer}
triton: 2.3.1
pillow: Module Not Found
NVIDIA Topology:
"""

_SGLANG_NEW = """/opt/conda/lib/python3.12/site-packages/torch/cuda/__init__.py:61: FutureWarning: a warning
Python: 3.12.3 (main, Feb  4 2025, 14:48:35) [GCC 13.3.0]
CUDA available: True
GPU 0,1,2,3: {gpu}
GPU 0,1,2,3 Compute Capability: {cc}
CUDA_HOME: /usr/local/cuda
NVCC: Cuda compilation tools, release 12.8, V12.8.93
CUDA Driver Version: 570.133.20
PyTorch: 2.8.0+cu128
sglang: 0.5.2
sgl_kernel: 0.3.9
flashinfer_python: {flashinfer}
triton: 3.4.0
transformers: 4.56.1
"""


def test_the_old_check_env_report_is_read_with_every_gpu_of_a_shared_line() -> None:
    facts = block_facts(
        read_sglang(_SGLANG_OLD.format(gpu="Tesla T4", flashinfer="0.1.3").splitlines())
    )
    assert facts["gpu.0.name"] == facts["gpu.1.name"] == "Tesla T4"
    assert facts["frameworks.pytorch.version"] == "2.3.1+cu121"
    assert facts["frameworks.pytorch.build.cuda"] == "12.1"
    assert facts["frameworks.pytorch.cuda_available"] is True
    assert facts["driver.version"] == "550.90.07"
    assert facts["package.flashinfer"] == "0.1.3"
    assert "package.pillow" not in facts  # "Module Not Found" is not a version


def test_the_new_report_gives_each_gpu_its_compute_capability_and_flashinfer_its_name() -> None:
    text = _SGLANG_NEW.format(gpu="NVIDIA H100 80GB HBM3", cc="9.0", flashinfer="0.3.1")
    facts = block_facts(read_sglang(text.splitlines()))
    assert facts["gpu.3.name"] == "NVIDIA H100 80GB HBM3"
    assert facts["gpu.3.cc"] == "9.0"
    assert facts["package.flashinfer"] == "0.3.1"
    assert facts["package.sgl-kernel"] == "0.3.9"


def test_key_value_lines_without_sglang_are_not_its_report() -> None:
    text = "CUDA available: True\nnumpy: 1.26.4\nrequests: 2.32.3\n"
    assert read_sglang(text.splitlines()) == []


@pytest.mark.parametrize(
    ("template", "gpu", "cc", "flashinfer"),
    [
        (_SGLANG_OLD, "Tesla T4", "", "0.1.3"),
        (_SGLANG_OLD, "NVIDIA GeForce RTX 2080 Ti", "", "0.1.1+cu121torch2.3"),
        (_SGLANG_NEW, "Quadro RTX 5000", "7.5", "0.1.5"),
    ],
)
def test_flashinfer_before_0_1_6_has_no_turing_kernels(template, gpu, cc, flashinfer) -> None:
    result = run(template.format(gpu=gpu, cc=cc, flashinfer=flashinfer))
    assert "library-kernels-unsupported" in result.categories
    assert result.failed
    finding = next(f for f in result.findings if f.id == "library:flashinfer")
    assert "0.1.6" in finding.fix  # upgrading is the fix, not another GPU
    assert any(flashinfer in q.text for q in finding.quotes)


@pytest.mark.parametrize(
    ("template", "gpu", "cc", "flashinfer"),
    [
        (_SGLANG_OLD, "Tesla T4", "", "0.1.6"),  # the release that added sm75
        (_SGLANG_OLD, "NVIDIA A100-SXM4-80GB", "", "0.1.3"),  # sm80 always had kernels
        (_SGLANG_NEW, "Tesla T4", "7.5", "0.2.14.post1"),
        (_SGLANG_NEW, "NVIDIA H100 80GB HBM3", "9.0", "0.5.0"),
    ],
)
def test_flashinfer_with_kernels_for_the_gpu_is_healthy(template, gpu, cc, flashinfer) -> None:
    result = run(template.format(gpu=gpu, cc=cc, flashinfer=flashinfer))
    assert "library-kernels-unsupported" not in result.categories
    assert not result.failed


def test_flashinfer_below_turing_fails_whatever_its_release() -> None:
    text = _SGLANG_NEW.format(gpu="Tesla V100-SXM2-32GB", cc="7.0", flashinfer="0.2.5")
    result = run(text)
    finding = next(f for f in result.findings if f.id == "library:flashinfer")
    assert "7.5" in finding.detail and "0.1.6" not in finding.fix


def test_flashinfer_python_in_a_pip_listing_is_flashinfer() -> None:
    text = (
        "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
        "|   0  Tesla T4                       Off | 00000000:00:04.0 Off |                    0 |\n"
        "Package            Version\n"
        "------------------ -----------\n"
        "flashinfer-python  0.1.5\n"
        "torch              2.4.0\n"
    )
    result = run(text)
    assert "library-kernels-unsupported" in result.categories


# --- Lightning's collect_env_details.py ----------------------------------------------------------

_LIGHTNING_2 = """* CUDA:
\t- GPU:
\t\t- NVIDIA A100-SXM4-40GB
\t\t- NVIDIA A100-SXM4-40GB
\t- available:         {available}
\t- version:           12.1
* Lightning:
\t- lightning:         2.2.0
\t- torch:             {torch}
\t- torchmetrics:      1.3.1
* Packages:
\t- numpy:             1.26.4
\t- vllm:              0.2.4
* System:
\t- OS:                Linux
\t- architecture:
\t\t- 64bit
\t\t- ELF
\t- processor:         x86_64
\t- python:            3.11.8
\t- release:           5.15.133.1-microsoft-standard-WSL2
"""

_LIGHTNING_1 = """cuda:
\tGPU:
\t\tGeForce GTX 1080 Ti
\tavailable:           True
\tversion:             10.1
packages:
\tnumpy:               1.18.1
\tpyTorch_debug:       False
\tpyTorch_version:     1.4.0
\tpytorch-lightning:   0.7.1
system:
\tOS:                  Linux
\tpython:              3.7.6
"""


def test_the_2x_layout_is_read_with_its_gpus_packages_and_wsl() -> None:
    text = _LIGHTNING_2.format(available="True", torch="2.2.0+cu121")
    facts = block_facts(read_lightning(read_paste(text, origin="-").lines))
    assert facts["gpu.0.name"] == facts["gpu.1.name"] == "NVIDIA A100-SXM4-40GB"
    assert facts["frameworks.pytorch.cuda_available"] is True
    assert facts["frameworks.pytorch.version"] == "2.2.0+cu121"
    assert facts["frameworks.pytorch.build.cuda"] == "12.1"
    # vllm 0.2.4 asks for torch>=2.1.0 (0.4.0, here before, pins torch==2.1.2: not this torch's).
    assert facts["package.vllm"] == "0.2.4"
    assert facts["python.version"] == "3.11.8"
    assert facts["os.wsl"] == 2


def test_the_1x_layout_is_read_too() -> None:
    facts = block_facts(read_lightning(read_paste(_LIGHTNING_1, origin="-").lines))
    assert facts["gpu.0.name"] == "GeForce GTX 1080 Ti"
    assert facts["frameworks.pytorch.version"] == "1.4.0"
    assert facts["frameworks.pytorch.cuda_available"] is True


def test_a_healthy_lightning_report_says_so() -> None:
    for text in (_LIGHTNING_2.format(available="True", torch="2.2.0+cu121"), _LIGHTNING_1):
        result = run(text)
        assert not result.failed
        assert "lightning-env" in result.formats


def test_a_gpu_less_lightning_report_is_read_and_not_failed() -> None:
    text = (
        "* CUDA:\n\t- GPU:               None\n\t- available:         False\n"
        "\t- version:           None\n* Lightning:\n\t- torch:             2.1.0\n"
        "* System:\n\t- OS:                Darwin\n"
    )
    result = run(text)
    assert not result.failed
    assert "lightning-env" in result.formats


def test_a_cpu_torch_in_a_lightning_report_next_to_nvidia_smi_is_a_cpu_wheel() -> None:
    text = (
        "* CUDA:\n\t- GPU:               None\n\t- available:         False\n"
        "\t- version:           None\n* Lightning:\n\t- torch:             2.3.0+cpu\n\n"
        "| NVIDIA-SMI 550.54.14   Driver Version: 550.54.14   CUDA Version: 12.4     |\n"
        "|   0  NVIDIA GeForce RTX 3090        Off | 00000000:01:00.0 Off |                  N/A |\n"
    )
    assert "cpu-wheel-on-gpu" in run(text).categories


def test_a_bullet_list_without_the_cuda_section_is_not_a_lightning_report() -> None:
    text = "* Packages:\n\t- torch:             2.1.0\n\t- numpy:             1.26.4\n"
    assert read_lightning(read_paste("torch==2.1.0\n" + text, origin="-").lines) == []


# --- huggingface-cli env -------------------------------------------------------------------------

_HUB = """Copy-and-paste the text below in your GitHub issue.

- huggingface_hub version: 0.23.4
- Platform: {platform}
- Python version: 3.10.12
- Running in iPython ?: No
- Running in notebook ?: No
- Running in Google Colab ?: No
- Token path ?: /home/u/.cache/huggingface/token
- Has saved token ?: False
- FastAI: N/A
- Tensorflow: {tf}
- Torch: {torch}
- Jinja2: 3.1.2
- numpy: 1.26.4
"""


def test_huggingface_cli_env_states_the_frameworks() -> None:
    text = _HUB.format(
        platform="Linux-6.5.0-41-generic-x86_64-with-glibc2.35", tf="N/A", torch="2.3.1+cu121"
    )
    facts = block_facts(read_hf_env(text.splitlines()))
    assert facts["frameworks.pytorch.version"] == "2.3.1+cu121"
    assert facts["frameworks.pytorch.build.cuda"] == "12.1"
    assert "frameworks.tensorflow.version" not in facts  # N/A: not installed


def test_a_healthy_huggingface_cli_env_is_read_and_not_failed() -> None:
    text = _HUB.format(
        platform="Linux-6.5.0-41-generic-x86_64-with-glibc2.35", tf="2.15.0", torch="2.3.1+cu121"
    )
    result = run(text)
    assert not result.failed
    assert "hf-env" in result.formats


def test_huggingface_cli_env_with_a_cpu_torch_next_to_a_gpu_is_a_cpu_wheel() -> None:
    text = _HUB.format(platform="Windows-10-10.0.22631-SP0", tf="N/A", torch="2.3.1+cpu") + (
        "\n| NVIDIA-SMI 552.22                 Driver Version: 552.22         CUDA Version: 12.4     |\n"
        "|   0  NVIDIA GeForce RTX 4070      WDDM  |   00000000:01:00.0  On |                  N/A |\n"
    )
    assert "cpu-wheel-on-gpu" in run(text).categories


# --- TensorFlow's template: a platform naming both WSL and Windows, the git version first --------

_TF_TEMPLATE = """### TensorFlow version

{version}

### OS platform and distribution

{platform}

### CUDA/cuDNN version

{cuda}

### GPU model and memory

NVIDIA GeForce RTX 3080 10GB
"""


@pytest.mark.parametrize(
    "platform",
    [
        "WSL Ubuntu 22.04.3 (Windows 10)",
        "Windows 11 + WSL2",
        "Ubuntu 22.04 on WSL 2 (Windows 11 23H2)",
    ],
)
def test_wsl_named_next_to_windows_is_linux_under_wsl(platform: str) -> None:
    text = _TF_TEMPLATE.format(version="2.15.0", platform=platform, cuda="12.2/8.9")
    result = run(text)
    assert "cpu-wheel-on-gpu" not in result.categories  # not native Windows
    facts = {f.path: f.value for f in result.facts}
    assert facts["os.system"] == "Linux" and facts["os.wsl"] == 2


def test_wsl_with_another_cuda_than_the_build_is_a_version_mismatch() -> None:
    text = _TF_TEMPLATE.format(
        version="2.15", platform="WSL Ubuntu 22.04 (Windows 10)", cuda="11.8/8.6"
    )
    assert "version-mismatch" in run(text).categories


def test_native_windows_without_wsl_stays_windows() -> None:
    text = _TF_TEMPLATE.format(version="2.13.0", platform="Windows 10 Pro 22H2", cuda="11.2/8.6")
    assert "cpu-wheel-on-gpu" in run(text).categories


@pytest.mark.parametrize(
    "version",
    ["v2.11.0-rc2-17-gd5b57ca93e5 2.11.0", "b'v2.11.0-rc2-17-gd5b57ca93e5' 2.11.0"],
)
def test_the_git_version_printed_first_is_not_the_release(version: str) -> None:
    text = _TF_TEMPLATE.format(version=version, platform="Ubuntu 22.04", cuda="12.0")
    facts = {f.path: f.value for f in run(text).facts}
    assert facts["frameworks.tensorflow.version"] == "2.11.0"


# --- a library at another release than the code: "module X has no attribute Y" -------------------


@pytest.mark.parametrize(
    "line",
    [
        "AttributeError: module diffusers has no attribute StableCascadeUNet",
        "AttributeError: module 'numpy' has no attribute 'float'.",
        "AttributeError: module 'transformers' has no attribute 'Qwen2VLForConditionalGeneration'",
        "AttributeError: module 'torch' has no attribute 'compiler'",
    ],
)
def test_a_library_missing_a_name_the_code_uses_is_a_version_mismatch(line: str) -> None:
    result = run(
        f'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n{line}\n'
    )
    assert "version-mismatch" in result.categories
    assert not result.failed  # a warning: the code or the library may be the one to change


def test_a_missing_name_in_the_users_own_module_is_not_a_library_release() -> None:
    text = (
        "Traceback (most recent call last):\n"
        "AttributeError: module 'utils' has no attribute 'load'\n"
        "| NVIDIA-SMI 550.54.14   Driver Version: 550.54.14   CUDA Version: 12.4     |\n"
    )
    assert "version-mismatch" not in run(text).categories


def test_a_whole_block_on_one_line_is_read_and_a_language_tag_is_not() -> None:
    lines = read_paste(
        "```AttributeError: module 'numpy' has no attribute 'float'```\n```python\n", origin="-"
    ).lines
    assert lines[0] == "AttributeError: module 'numpy' has no attribute 'float'"
    assert lines[1] == ""
