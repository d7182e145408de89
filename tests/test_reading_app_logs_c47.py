"""Session 47: the start-up and error logs of the applications people run on torch (SD.Next,
kohya_ss, ComfyUI and the tools that print its lines, AUTOMATIC1111, InvokeAI, vLLM, Ollama) are
read as environment reports, behind the logger's prefix on each line.

Each log is text written here in the application's wording (app_logs.py names the public thread
each wording was seen in), with a healthy counterpart that must not fail. What the facts prove is
left to the existing rules: a ``+cpu`` torch next to an NVIDIA GPU is the CPU build (a fail); an
application that expects a GPU saying it found none (AUTOMATIC1111's check, SD.Next or InvokeAI
putting torch on the CPU) is a symptom, never healthy, whose cause is inferred where the text
allows it and said to be missing where it does not.
"""

from __future__ import annotations

import time

import pytest

from recommender.facts.reports.app_logs import message
from recommender.facts.reports.app_logs import read as read_app_logs
from recommender.facts.reports.lines import paste_lines
from tests.pastes import block_facts, fact, fails, finding_ids, read, statuses

SDNEXT_CPU = """13:25:38-801987 INFO     Starting SD.Next
13:25:38-807005 INFO     Python: version=3.10.11 platform=Windows bin="D:\\sd\\venv\\Scripts\\python.exe"
13:25:40-664855 INFO     Platform: arch=AMD64 cpu=Intel64 Family 6 Model 165 Stepping 5, GenuineIntel system=Windows
13:25:41-277184 INFO     Torch: torch==2.4.1+cpu torchvision==0.19.1+cpu
13:25:41-285792 INFO     Engine: backend=Backend.DIFFUSERS compute=cpu device=cpu attention="Scaled-Dot-Product"
13:25:42-295805 DEBUG    Torch generator: device=cpu
"""

SDNEXT_GPU = """13:25:38-801987 INFO     Starting SD.Next
13:25:38-807005 INFO     Python: version=3.11.9 platform=Linux bin="/opt/sdnext/venv/bin/python3"
13:25:41-277184 INFO     Torch: torch==2.8.0+cu128 torchvision==0.23.0+cu128
13:25:41-285792 INFO     Engine: backend=Backend.DIFFUSERS compute=cuda device=cuda attention="Scaled-Dot-Product"
13:25:42-387365 INFO     Torch parameters: backend=cuda device=cuda config=Auto dtype=torch.bfloat16
"""

SDNEXT_OLD = """05:17:15-260406 INFO     Starting SD.Next
05:17:15-264396 INFO     Python 3.10.11 on Windows
05:17:15-689269 INFO     Using CPU-only Torch
05:17:16-905048 INFO     Torch 2.0.1+cpu
"""

KOHYA = """17:21:01-622125 INFO     Kohya_ss GUI version: v23.0.5
17:21:02-410497 INFO     nVidia toolkit detected
17:21:03-277184 INFO     Torch {torch}
17:21:03-285792 INFO     Torch backend: nVidia CUDA 11.8 cuDNN 8905
17:21:03-295805 INFO     Torch detected GPU: NVIDIA GeForce RTX 4060 Laptop GPU VRAM 8188 Arch (8, 9) Cores 24
17:21:03-295805 INFO     Python version is 3.10.11 (tags/v3.10.11:7d4cc5a, Apr  5 2023, 00:38:17) [MSC v.1929 64 bit
"""

COMFY_LOGGED = """2024-09-22 16:26:39,791 - root - INFO - Total VRAM 12282 MB, total RAM 32556 MB
2024-09-22 16:26:39,791 - root - INFO - pytorch version: {torch}
2024-09-22 16:26:39,792 - root - INFO - Set vram state to: NORMAL_VRAM
2024-09-22 16:26:39,792 - root - INFO - Device: cuda:0 NVIDIA GeForce RTX 3060 : cudaMallocAsync
"""

COMFY_PORTABLE = """** ComfyUI startup time: 2025-05-08 18:51:05.085
** Platform: Windows
** Python version: 3.12.9 (tags/v3.12.9:fdb8142, Feb  4 2025, 15:27:58) [MSC v.1942 64 bit (AMD64)]
[INFO] Total VRAM 24564 MB, total RAM 32694 MB
[INFO] pytorch version: {torch}
[INFO] Set vram state to: NORMAL_VRAM
[INFO] Device: cuda:0 NVIDIA GeForce RTX 4090 : native
"""

COMFY_SYSTEM_INFO = """## System Information
- **ComfyUI Version:** 0.3.61
- **OS:** nt
- **Python Version:** 3.12.10 (tags/v3.12.10:0cc8128, Apr  8 2025, 12:21:36) [MSC v.1943 64 bit (AMD64)]
- **PyTorch Version:** {torch}
## Devices

- **Name:** cuda:0 NVIDIA GeForce RTX 5070 Ti : cudaMallocAsync
  - **Type:** cuda
"""

A1111_WINDOWS = """venv "C:\\sd\\stable-diffusion-webui\\venv\\Scripts\\Python.exe"
Python 3.10.6 (tags/v3.10.6:9c7b4bd, Aug  1 2022, 21:53:49) [MSC v.1932 64 bit (AMD64)]
Version: v1.10.1
Commit hash: 82a973c04367123ae98bd9abdf80d9eda9b910e2
Traceback (most recent call last):
  File "C:\\sd\\stable-diffusion-webui\\launch.py", line 48, in <module>
    main()
RuntimeError: Torch is not able to use GPU; add --skip-torch-cuda-test to COMMANDLINE_ARGS variable to disable this check
"""

A1111_LINUX = """Python 3.10.12 (main, Nov 20 2023, 15:14:05) [GCC 11.4.0]
Version: v1.9.4
Commit hash: feee37d75f1b168768014e4634dcb156ee649c05
AssertionError: Torch is not able to use GPU; add --skip-torch-cuda-test to COMMANDLINE_ARGS variable to disable this check
"""

A1111_AMD = A1111_LINUX + "My GPU is an AMD Radeon RX 6600 XT\n"

A1111_HEALTHY = """Python 3.10.6 (tags/v3.10.6:9c7b4bd, Aug  1 2022, 21:53:49) [MSC v.1932 64 bit (AMD64)]
Version: v1.9.4
Launching Web UI with arguments: --xformers
version: v1.9.4  •  python: 3.10.6  •  torch: 2.1.2+cu121  •  xformers: 0.0.23.post1  •  gradio: 3.41.2
"""

INVOKE_OLD = """* Initializing, be patient...
>> GFPGAN Initialized
>> Using device_type {kind}
>> Loading stable-diffusion-1.5 from models/ldm/stable-diffusion-v1/v1-5-pruned-emaonly.ckpt
"""

INVOKE_NEW = """[2024-03-27 16:40:31,770]::[InvokeAI]::INFO --> InvokeAI version 4.0.0
[2024-03-27 16:40:31,776]::[InvokeAI]::INFO --> Using torch device: {device}
"""

VLLM = """INFO 04-17 23:05:00 [core.py:61] Initializing a V1 LLM engine (v0.8.3) with config: model='Qwen/Qwen2.5-7B-Instruct', dtype=torch.bfloat16, device_config=cuda, seed=None
"""

OLLAMA_NO_GPU = """time=2025-04-25T11:23:03.078+02:00 level=INFO source=gpu.go:217 msg="looking for compatible GPUs"
time=2025-04-25T11:23:03.126+02:00 level=INFO source=gpu.go:377 msg="no compatible GPUs were discovered"
time=2025-04-25T11:23:03.126+02:00 level=INFO source=types.go:130 msg="inference compute" id=0 library=cpu variant="" compute="" driver=0.0 name="" total="31.9 GiB" available="25.1 GiB"
"""

OLLAMA_GPU = """calling cuDriverGetVersion
raw version 0x2f12
CUDA driver version: 12.5
time=2025-04-30T02:46:26.042+08:00 level=INFO source=types.go:130 msg="inference compute" id=GPU-a91a72c4 library=cuda variant=v12 compute=8.9 driver=12.5 name="NVIDIA GeForce RTX 4090" total="23.6 GiB" available="21.8 GiB"
"""

EXTENSION_BUILD = """running build_ext
No CUDA runtime is found, using CUDA_HOME='/usr/local/cuda'
Traceback (most recent call last):
  File "setup.py", line 47, in get_extensions
NotImplementedError: CUDA is not available
"""


def _facts(text: str) -> dict:
    return block_facts(read_app_logs(paste_lines(text)))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("06:25:11-951886 INFO     Python: version=3.11.9", "Python: version=3.11.9"),
        ("2024-09-22 16:26:39,791 - root - INFO - Total VRAM 1 MB", "Total VRAM 1 MB"),
        (
            "[2024-03-27 16:40:31,776]::[InvokeAI]::INFO --> Using torch device: CPU",
            "Using torch device: CPU",
        ),
        ("2025-10-21T21:59:20.643944 - pytorch version: 2.7.1", "pytorch version: 2.7.1"),
        ("comfyui-1  | [INFO] Device: cpu", "Device: cpu"),
        (
            "Device: cuda:0 NVIDIA GeForce RTX 4090 : native",
            "Device: cuda:0 NVIDIA GeForce RTX 4090 : native",
        ),
    ],
)
def test_the_loggers_prefix_is_taken_off(line: str, expected: str) -> None:
    assert message(line) == expected


def test_sdnext_on_the_cpu_is_a_symptom_whose_likely_cause_is_the_windows_cpu_wheel() -> None:
    facts = _facts(SDNEXT_CPU)
    assert facts["python.version"] == "3.10.11"
    assert facts["os.system"] == "Windows"
    assert facts["frameworks.pytorch.version"] == "2.4.1+cpu"
    assert facts["frameworks.pytorch.build.flavour"] == "cpu"
    assert facts["frameworks.pytorch.cuda_available"] is False
    result = read(SDNEXT_CPU)
    assert result is not None
    assert "cpu-wheel-on-gpu" in result.categories
    assert "healthy" not in finding_ids(result)


def test_the_device_line_alone_in_a_sentence_is_read() -> None:
    text = "Noticed Torch generator: device=cpu in the log, on Windows 11 with my RTX 3060"
    facts = _facts(text)
    assert facts["frameworks.pytorch.cuda_available"] is False
    assert "app.gpu_expected" in facts
    result = read(text)
    assert result is not None and "cpu-wheel-on-gpu" in result.categories


def test_sdnext_on_the_gpu_stays_healthy() -> None:
    facts = _facts(SDNEXT_GPU)
    assert facts["frameworks.pytorch.version"] == "2.8.0+cu128"
    assert facts["frameworks.pytorch.cuda_available"] is True
    assert "app.gpu_expected" not in facts
    assert fails(SDNEXT_GPU) == set()
    result = read(SDNEXT_GPU)
    assert result is not None and "healthy" in finding_ids(result)


def test_sdnext_older_lines_name_the_cpu_build() -> None:
    facts = _facts(SDNEXT_OLD)
    assert facts["frameworks.pytorch.version"] == "2.0.1+cpu"
    assert facts["frameworks.pytorch.build.flavour"] == "cpu"
    assert facts["os.system"] == "Windows"


@pytest.mark.parametrize(("torch", "failing"), [("2.1.2+cpu", True), ("2.1.2+cu118", False)])
def test_kohya_names_torch_and_the_gpu(torch: str, failing: bool) -> None:
    text = KOHYA.format(torch=torch)
    facts = _facts(text)
    assert facts["frameworks.pytorch.version"] == torch
    assert facts["gpu.0.name"] == "NVIDIA GeForce RTX 4060 Laptop GPU"
    assert facts["python.version"] == "3.10.11"
    assert ("cpu-wheel-on-gpu" in fails(text)) is failing


@pytest.mark.parametrize("log", [COMFY_LOGGED, COMFY_PORTABLE, COMFY_SYSTEM_INFO])
def test_comfyui_lines_behind_a_prefix_are_read(log: str) -> None:
    facts = _facts(log.format(torch="2.7.0+cu128"))
    assert facts["frameworks.pytorch.version"] == "2.7.0+cu128"
    assert facts["gpu.0.name"].startswith("NVIDIA GeForce RTX")
    assert fails(log.format(torch="2.7.0+cu128")) == set()


def test_comfyui_vram_platform_and_python() -> None:
    facts = _facts(COMFY_PORTABLE.format(torch="2.7.0+cu128"))
    assert facts["app.vram_mib"] == 24564
    assert facts["os.system"] == "Windows"
    assert facts["python.version"] == "3.12.9"
    assert _facts(COMFY_SYSTEM_INFO.format(torch="2.7.1+cu128"))["os.system"] == "Windows"


def test_a_cpu_torch_in_a_comfyui_style_log_next_to_its_gpu_is_the_cpu_build() -> None:
    text = COMFY_LOGGED.format(torch="2.3.1+cpu")
    assert "cpu-wheel-on-gpu" in fails(text)


def test_automatic1111s_check_on_windows_is_a_warning_with_its_likely_cause() -> None:
    result = read(A1111_WINDOWS)
    assert result is not None
    assert fact(result, "python.version") == "3.10.6"
    assert statuses(result, "cpu-wheel-on-gpu") == {"warn"}
    assert "healthy" not in finding_ids(result)
    assert not any("harmless" in f.detail for f in result.findings)


def test_automatic1111s_check_alone_says_the_cause_is_not_in_the_text() -> None:
    result = read(A1111_LINUX)
    assert result is not None
    assert "healthy" not in finding_ids(result)
    assert "symptom:pytorch-no-gpu" in finding_ids(result)
    assert not any(f.status == "fail" for f in result.findings)


def test_automatic1111s_check_next_to_an_amd_gpu_is_not_called_nvidias() -> None:
    result = read(A1111_AMD)
    assert result is not None
    assert not any(f.id.startswith("symptom:") for f in result.findings)


def test_automatic1111_healthy_start_stays_healthy() -> None:
    result = read(A1111_HEALTHY)
    assert result is not None
    assert fact(result, "frameworks.pytorch.version") == "2.1.2+cu121"
    assert not any(f.status == "fail" for f in result.findings)
    assert "healthy" in finding_ids(result)


def test_invokeai_on_the_cpu_is_a_symptom_and_on_the_gpu_is_healthy() -> None:
    cpu = INVOKE_OLD.format(kind="cpu")
    assert _facts(cpu)["frameworks.pytorch.cuda_available"] is False
    result = read(cpu)
    assert result is not None and "healthy" not in finding_ids(result)
    gpu = INVOKE_NEW.format(device="NVIDIA GeForce RTX 4090")
    facts = _facts(gpu)
    assert facts["gpu.0.name"] == "NVIDIA GeForce RTX 4090"
    assert facts["frameworks.pytorch.cuda_available"] is True
    assert fails(gpu) == set()
    assert _facts(INVOKE_NEW.format(device="CPU"))["frameworks.pytorch.cuda_available"] is False


def test_vllm_names_its_release() -> None:
    assert _facts(VLLM)["package.vllm"] == "0.8.3"
    assert fails(VLLM) == set()


def test_ollama_finding_no_gpu_is_a_no_device_warning() -> None:
    assert "app.gpu_expected" in _facts(OLLAMA_NO_GPU)
    result = read(OLLAMA_NO_GPU)
    assert result is not None
    assert statuses(result, "no-device") == {"warn"}
    assert "healthy" not in finding_ids(result)


def test_ollama_on_its_gpu_names_the_drivers_cuda_and_stays_healthy() -> None:
    result = read(OLLAMA_GPU)
    assert result is not None
    assert fact(result, "driver.max_cuda") == "12.5"
    assert fails(OLLAMA_GPU) == set()


def test_torchs_extension_builder_finding_no_runtime_is_read() -> None:
    result = read(EXTENSION_BUILD)
    assert result is not None
    assert statuses(result, "no-device") == {"warn"}


def test_a_long_log_is_read_in_linear_time() -> None:
    line = "06:25:11-951886 INFO     Torch generator: device=" + "c" * 400 + "\n"
    text = (line + "2024-09-22 16:26:39,791 - " + " - x" * 200 + "\n") * 2000
    start = time.perf_counter()
    read_app_logs(paste_lines(text))
    assert time.perf_counter() - start < 3.0


KOHYA_CPU = """17:21:02-410497 INFO     nVidia toolkit detected
17:21:03-277184 INFO     Torch 2.1.2+cpu
17:21:03-280000 WARNING  Torch reports CUDA not available
"""


def test_the_installer_finding_nvidia_smi_and_a_cpu_torch_is_the_cpu_build() -> None:
    facts = _facts(KOHYA_CPU)
    assert facts["driver.nvidia_smi"] == "found"
    assert facts["frameworks.pytorch.cuda_available"] is False
    assert "cpu-wheel-on-gpu" in fails(KOHYA_CPU)


def test_the_installer_reporting_no_cuda_without_the_driver_is_a_symptom() -> None:
    text = "17:21:03-277184 INFO     Python 3.10.11 on Linux\n17:21:03-280000 WARNING  Torch reports CUDA not available\n"
    result = read(text)
    assert result is not None
    assert "healthy" not in finding_ids(result)
    assert fails(text) == set()


OLLAMA_NEW = """time=2026-02-24T11:23:50.528Z level=INFO source=types.go:42 msg="inference compute" id=GPU-1a2b library=CUDA compute={cc} name=CUDA0 description="NVIDIA GeForce RTX 4090" libdirs=ollama,cuda_v13 driver=13.0 pci_id=0000:01:00.0 type=discrete total="24.0 GiB" available="20.7 GiB"
"""


def test_ollamas_newer_discovery_line_names_the_gpu_by_its_description() -> None:
    result = read(OLLAMA_NEW.format(cc="8.9"))
    assert result is not None
    assert fact(result, "gpu.0.name") == "NVIDIA GeForce RTX 4090"
    assert fact(result, "driver.max_cuda") == "13.0"
    assert fails(OLLAMA_NEW.format(cc="8.9")) == set()


def test_an_application_started_for_the_cpu_is_no_symptom() -> None:
    text = SDNEXT_CPU + "13:25:40-667948 INFO     Args: ['--use-cpu', 'all', '--debug']\n"
    assert "app.cpu_chosen" in _facts(text)
    result = read(text)
    assert result is not None
    assert not any(f.id.startswith("symptom:") for f in result.findings)
    comfy = "python main.py --cpu\nTotal VRAM 32000 MB, total RAM 32000 MB\nDevice: cpu\n"
    assert "app.cpu_chosen" in _facts(comfy)
    assert "app.cpu_chosen" not in _facts("python main.py --cpu-vae --listen\n")


@pytest.mark.parametrize(
    "line",
    [
        "AssertionError: CUDA is not available",
        "RuntimeError: GPU not available",
        "ValueError: torch.cuda is not available",
    ],
)
def test_a_program_stopping_because_cuda_is_not_available_is_a_symptom(line: str) -> None:
    facts = _facts(line)
    assert facts["frameworks.pytorch.cuda_available"] is False
    result = read(line)
    assert result is not None and "healthy" not in finding_ids(result)
    assert "app.gpu_expected" not in _facts("print('CUDA is not available, using the CPU')")


@pytest.mark.parametrize(
    "line",
    [
        "MemoryError: Unable to allocate 3.2 GiB for an array",
        "OSError: [Errno 12] Cannot allocate memory",
        "Error: model requires more system memory (5.6 GiB) than is available (3.2 GiB)",
    ],
)
def test_host_memory_running_out_is_read_as_out_of_memory(line: str) -> None:
    result = read(line)
    assert result is not None and statuses(result, "out-of-memory") == {"warn"}


@pytest.mark.parametrize(
    "line",
    [
        "The procedure entry point ?cudaGetDeviceCount could not be located in the dynamic link library C:\\app\\torch_cuda.dll",
        "ImportError: /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.30' not found (required by /opt/app/lib/_ext.so)",
        "/usr/local/cuda/include/crt/host_config.h:132:2: error: #error -- unsupported GNU version! gcc versions later than 12 are not supported!",
        "RuntimeError: The current installed version of g++ (13.2.1) is greater than the maximum required version by CUDA 12.1.",
    ],
)
def test_other_loaders_and_compilers_words_for_two_releases_are_read(line: str) -> None:
    result = read(line)
    assert result is not None and statuses(result, "version-mismatch") == {"warn"}


def test_a_healthy_loader_line_stays_quiet() -> None:
    text = "libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f)\nGLIBCXX_3.4.30\n"
    result = read(text)
    assert result is None or statuses(result, "version-mismatch") == set()


@pytest.mark.parametrize(
    ("banner", "system"),
    [
        (
            "Python 3.10.6 (tags/v3.10.6:9c7b4bd, Aug  1 2022, 21:53:49) [MSC v.1932 64 bit (AMD64)]",
            "Windows",
        ),
        (
            "Python 3.10.11 (tags/v3.10.11:7d4cc5a, Apr  5 2023) [MSC v.1929 64 bit (AMD64)] on win32",
            "Windows",
        ),
        (
            "Python 3.10.11 (tags/v3.10.11:7d4cc5a, Apr  5 2023) [MSC v.1929 64 bit (AMD64)] on linux",
            None,
        ),
        ("Python 3.10.12 (main, Nov 20 2023, 15:14:05) [GCC 11.4.0] on linux", None),
    ],
)
def test_the_interpreters_banner_names_windows_by_its_own_words(banner: str, system) -> None:
    facts = _facts(banner)
    assert facts["python.version"].startswith("3.10.")
    assert facts.get("os.system") == system
