"""Issue 21: two readers for whole families of tool output that people paste (banners.py: the
start-up lines of applications; host_tools.py: the host's own tools), each format written here
as its tool prints it. A healthy output stays quiet; next to another block, the facts it states
prove a cause."""

from __future__ import annotations

import pytest

from recommender.facts.reports.banners import read as read_banners
from recommender.facts.reports.host_tools import read as read_host_tools
from recommender.facts.reports.lines import paste_lines
from recommender.report.diagnosis import render_markdown
from tests.pastes import fact, fails, read, signature_ids

ULTRALYTICS_CPU = (
    "Ultralytics 8.3.12 🚀 Python-3.11.4 torch-2.4.1+cpu CPU (AMD Ryzen 7 5800X 8-Core Processor)\n"
)
ULTRALYTICS_GPU = "Ultralytics YOLOv8.1.4 🚀 Python-3.9.18 torch-2.2.1+cu118 CUDA:0 (NVIDIA GeForce RTX 4070, 12282MiB)\n"
YOLOV5_WINDOWS = (
    "YOLOv5  v7.0-210-gdd10481 Python-3.8.16 torch-1.13.1+cu117 CUDA:0 (Quadro P2000, 5120MiB)\n"
)
A1111 = (
    "version: v1.8.0  •  python: 3.10.11  •  torch: 2.1.2+cu121  •  xformers: 0.0.23.post1  "
    "•  gradio: 3.41.2  •  checkpoint: 0b3c1a2d5e\n"
)
COMFY = """Total VRAM 12288 MB, total RAM 31954 MB
pytorch version: 2.4.0+cu124
xformers version: 0.0.27.post2
Set vram state to: NORMAL_VRAM
Device: cuda:0 NVIDIA GeForce RTX 3060 : cudaMallocAsync
VAE dtype: torch.bfloat16
Using xformers cross attention
"""
LLAMA_CPP = """ggml_cuda_init: GGML_CUDA_FORCE_MMQ:    no
ggml_cuda_init: GGML_CUDA_FORCE_CUBLAS: no
ggml_cuda_init: found 2 CUDA devices:
  Device 0: NVIDIA GeForce RTX 4090, compute capability 8.9, VMM: yes
  Device 1: NVIDIA GeForce RTX 3060, compute capability 8.6, VMM: yes
llm_load_tensors: ggml ctx size =    0.27 MiB
"""
OLLAMA = (
    'time=2024-09-01T10:00:00.000Z level=INFO source=types.go:107 msg="inference compute" '
    "id=GPU-1a2b3c4d library=cuda variant=v12 compute=7.5 driver=12.4 "
    'name="NVIDIA GeForce RTX 2080 Ti" total="10.7 GiB" available="10.5 GiB"\n'
)
TF_CREATED = (
    "2024-02-01 09:00:00.000001: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1928] "
    "Created device /job:localhost/replica:0/task:0/device:GPU:0 with 9616 MB memory:  -> "
    "device: 0, name: NVIDIA GeForce RTX 3080, pci bus id: 0000:0a:00.0, compute capability: 8.6\n"
)
TF_FOUND_1X = """2019-03-01 10:00:00.000001: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1433] Found device 0 with properties:
name: GeForce GTX 1070 major: 6 minor: 1 memoryClockRate(GHz): 1.683
"""
XFORMERS_INFO = """xFormers 0.0.25
memory_efficient_attention.cutlassF:               available
pytorch.version:                                   2.2.1+cu121
pytorch.cuda:                                      available
gpu.compute_capability:                            8.0
gpu.name:                                          NVIDIA A100-SXM4-40GB
"""
OS_RELEASE = """$ cat /etc/os-release
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
"""
LSB_RELEASE = """$ lsb_release -a
No LSB modules are available.
Distributor ID:\tUbuntu
Description:\tUbuntu 22.04.4 LTS
Release:\t22.04
Codename:\tjammy
"""
SW_VERS = "ProductName:\tmacOS\nProductVersion:\t13.6.1\nBuildVersion:\t22G313\n"
LDD = "$ ldd --version\nldd (GNU libc) 2.17\nCopyright (C) 2012 Free Software Foundation, Inc.\n"
DOCKER_INFO = """Server:
 Containers: 3
 Server Version: 25.0.3
 Storage Driver: overlay2
 Runtimes: io.containerd.runc.v2 nvidia runc
 Kernel Version: 5.15.146.1-microsoft-standard-WSL2
 Operating System: Docker Desktop
 OSType: linux
"""
CONDA_INFO = """     active environment : base
    active env location : /opt/conda
          conda version : 24.1.2
         python version : 3.10.13.final.0
       virtual packages : __archspec=1=zen2
                          __cuda=12.4=0
                          __glibc=2.35=0
                          __linux=6.5.0=0
                          __unix=0=0
               platform : linux-64
"""
CONTAINER_CLI = """NVRM version:   550.54.14
CUDA version:   12.4

Device Index:   0
Device Minor:   0
Model:          NVIDIA L4
Brand:          Nvidia
GPU UUID:       GPU-00000000-1111-2222-3333-444444444444
Bus Location:   00000000:00:03.0
Architecture:   8.9
"""
PROC_DRIVER = (
    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14  Release Build  "
    "(dvs-builder@U16-I3-A08-1-1)  Thu Feb 22 01:25:25 UTC 2024\n"
    "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n"
)

HEALTHY = {
    "ultralytics on a GPU": (
        ULTRALYTICS_GPU,
        {
            "frameworks.pytorch.version": "2.2.1+cu118",
            "python.version": "3.9.18",
            "gpu.0.name": "NVIDIA GeForce RTX 4070",
        },
    ),
    "YOLOv5 on Windows (no emoji)": (
        YOLOV5_WINDOWS,
        {"frameworks.pytorch.build.cuda": "11.7", "gpu.0.name": "Quadro P2000"},
    ),
    "AUTOMATIC1111's footer": (
        A1111,
        {
            "frameworks.pytorch.version": "2.1.2+cu121",
            "python.version": "3.10.11",
            "package.xformers": "0.0.23.post1",
        },
    ),
    "ComfyUI's start-up": (
        COMFY,
        {
            "frameworks.pytorch.version": "2.4.0+cu124",
            "package.xformers": "0.0.27.post2",
            "gpu.0.name": "NVIDIA GeForce RTX 3060",
        },
    ),
    "llama.cpp's devices": (
        LLAMA_CPP,
        {"gpu.count": 2, "gpu.0.cc": "8.9", "gpu.1.name": "NVIDIA GeForce RTX 3060"},
    ),
    "Ollama's inference compute": (
        OLLAMA,
        {"gpu.0.name": "NVIDIA GeForce RTX 2080 Ti", "gpu.0.cc": "7.5", "driver.max_cuda": "12.4"},
    ),
    "TensorFlow's created device": (
        TF_CREATED,
        {"gpu.0.name": "NVIDIA GeForce RTX 3080", "gpu.0.cc": "8.6"},
    ),
    "TensorFlow 1.x's found device": (
        TF_FOUND_1X,
        {"gpu.0.name": "GeForce GTX 1070", "gpu.0.cc": "6.1"},
    ),
    "xformers.info": (
        XFORMERS_INFO,
        {"frameworks.pytorch.version": "2.2.1+cu121", "gpu.0.cc": "8.0"},
    ),
    "os-release": (
        OS_RELEASE,
        {"os.system": "Linux", "os.distro": "Debian GNU/Linux 12 (bookworm)"},
    ),
    "lsb_release": (LSB_RELEASE, {"os.system": "Linux", "os.distro": "Ubuntu 22.04.4 LTS"}),
    "sw_vers": (SW_VERS, {"os.system": "Darwin", "os.version": "13.6.1"}),
    "ldd --version": (LDD, {"os.libc": "glibc 2.17"}),
    "docker info": (DOCKER_INFO, {"os.release": "5.15.146.1-microsoft-standard-WSL2"}),
    "conda info": (
        CONDA_INFO,
        {
            "driver.max_cuda": "12.4",
            "os.libc": "glibc 2.35",
            "os.system": "Linux",
            "python.version": "3.10.13",
        },
    ),
    "nvidia-container-cli info": (
        CONTAINER_CLI,
        {
            "driver.version": "550.54.14",
            "driver.max_cuda": "12.4",
            "gpu.0.name": "NVIDIA L4",
            "gpu.0.cc": "8.9",
        },
    ),
    "/proc/driver/nvidia/version": (PROC_DRIVER, {"driver.version": "550.54.14"}),
}


@pytest.mark.parametrize("name", sorted(HEALTHY))
def test_each_format_is_read_and_a_healthy_one_stays_quiet(name: str) -> None:
    text, expected = HEALTHY[name]
    result = read(text)
    assert result is not None, name
    assert fails(text) == set(), name
    for path, value in expected.items():
        assert fact(result, path) == value, (name, path)


def test_every_fact_keeps_the_line_it_came_from() -> None:
    lines = paste_lines("some words first\n" + COMFY)
    facts = {f.path: f for b in read_banners(lines) for f in b.facts}
    assert facts["frameworks.pytorch.version"].line == 3
    assert facts["gpu.0.name"].line == 6
    lines = paste_lines(CONDA_INFO)
    facts = {f.path: f for b in read_host_tools(lines) for f in b.facts}
    assert "__cuda=12.4=0" in lines[facts["driver.max_cuda"].line - 1]


def test_comfyui_pytorch_version_is_not_glued_to_a_later_log_line() -> None:
    # "pytorch version:" is also collect_env's label; a line of ComfyUI's log two lines further
    # down is not a wrapped continuation of it (no conflict, the version as printed)
    result = read(COMFY)
    assert result is not None
    assert fact(result, "frameworks.pytorch.version") == "2.4.0+cu124"
    assert not any(f.id.startswith("conflict:") for f in result.findings)


def test_a_cpu_build_in_a_banner_next_to_a_gpu_fails() -> None:
    smi = (
        "| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
        "|   0  NVIDIA GeForce RTX 3070        Off | 00000000:01:00.0  On |                  N/A |\n"
    )
    assert fails(ULTRALYTICS_CPU) == set()
    assert "cpu-wheel-on-gpu" in fails(ULTRALYTICS_CPU + "\n" + smi)


def test_an_old_driver_from_the_container_cli_or_conda_fails_a_newer_cuda_build() -> None:
    old_cli = CONTAINER_CLI.replace("550.54.14", "470.57.02").replace("12.4", "11.4")
    assert "driver-too-old" in fails(old_cli + "\ntorch              2.1.0+cu121\n")
    old_conda = CONDA_INFO.replace("__cuda=12.4=0", "__cuda=11.4=0")
    conda_list = (
        "pytorch                   2.1.0           py3.10_cuda12.1_cudnn8.9.2_0    pytorch\n"
    )
    assert "driver-too-old" in fails(old_conda + "\n" + conda_list)
    assert fails(CONDA_INFO + "\n" + conda_list) == set()


def test_the_proc_driver_line_under_a1111s_footer_fails_an_old_driver() -> None:
    old = PROC_DRIVER.replace("550.54.14", "470.199.02")
    assert "driver-too-old" in fails(A1111 + "\n" + old)
    assert fails(A1111 + "\n" + PROC_DRIVER) == set()


def test_comfyui_on_a_gpu_too_old_for_the_build_fails() -> None:
    old = COMFY.replace("NVIDIA GeForce RTX 3060", "NVIDIA GeForce GTX 770")
    assert "arch-unsupported" in fails(old)


def test_alpine_in_os_release_is_musl_and_a_failed_install_there_fails() -> None:
    alpine = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n'
    result = read(alpine)
    assert result is not None and fact(result, "os.libc") == "musl"
    pip = "ERROR: No matching distribution found for torch\n"
    assert "no-matching-wheel" in fails(alpine + "\n" + pip)
    assert "platform:musl-no-wheels" in signature_ids(alpine + "\n" + pip)
    assert "platform:musl-no-wheels" not in signature_ids(OS_RELEASE + "\n" + pip)


def test_a_driver_line_read_twice_that_disagrees_is_a_conflict() -> None:
    smi = "| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    result = read(CONTAINER_CLI + "\n" + smi)
    assert result is not None
    assert any(f.id.startswith("conflict:driver") for f in result.findings)


def test_lookalike_lines_are_not_read() -> None:
    # an environment variable dump, a Dockerfile and a sentence that only resemble the formats
    text = (
        "ID=12\nKernel Version: 5.15.0 is what I have\nModel: my own\n"
        "Device: cuda:0 is what I asked for\nI use torch 2.1 with Python-3.10\n"
    )
    lines = paste_lines(text)
    assert read_host_tools(lines) == []
    assert read_banners(lines) == []


def test_pasted_markup_is_escaped_in_the_reply() -> None:
    # the GPU name is the paste's own text: the Markdown reply quotes it fenced, never renders it
    name = "<b>[x]</b> &amp; `y`"
    text = f"Ultralytics 8.3.0 🚀 Python-3.10.1 torch-2.4.0+cpu CUDA:0 ({name}, 8192MiB)\n"
    text += "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    result = read(text)
    assert result is not None
    # HTML's character references are read as the characters they stand for ("&amp;" is "&"):
    # the name is the paste's own text, and its markup stays unrendered
    assert fact(result, "gpu.0.name") == name.replace("&amp;", "&")
    reply = render_markdown(result).split("```")
    assert all("<b>" not in part for part in reply[::2])  # only inside the quoted (fenced) lines


def test_a_template_typed_with_bold_labels_is_read_as_the_template() -> None:
    # an issue template rendered as Markdown: "- **Label**: value" and "**Label:** value"
    text = (
        "### System information\n"
        "- **OS Platform and Distribution (e.g., Linux Ubuntu 16.04)**: Windows 10\n"
        "- **TensorFlow installed from (source or binary)**: binary\n"
        "- **TensorFlow version (use command below)**: 2.10.0\n"
        "**Python version:** 3.9\n"
    )
    result = read(text)
    assert result is not None
    assert fact(result, "frameworks.tensorflow.version") == "2.10.0"
    lines = paste_lines("**Note** the GPU is busy\n- **TensorFlow version**: 2.10.0\n")
    assert lines[0] == "**Note** the GPU is busy"
    assert lines[1] == "- TensorFlow version: 2.10.0"
