"""Issue 21, session 41 (engineer E: host and build facts that imply a cause): the causes the
development misses showed, tested on text written here (other GPUs, other releases, other
wordings), each with a healthy counterpart that must stay quiet.

1. A ROCm release stated anywhere (torch's +rocm label, collect_env's ROCm row, a sentence "with
   ROCm 6.2") against that release's official GPU list (rules/rocm.yaml ``releases``, AMD's
   compatibility matrix): an older target PyTorch's wheels still carry (gfx900, gfx906) runs
   unofficially there, a rocm-issue warning; a listed target stays quiet.
2. rocminfo that lists agents and no GPU among them: the runtime started and found no GPU. Under
   WSL that is ROCm-on-WSL's GPU list (wsl-issue), natively the driver's (rocm-issue); both
   warnings, and a rocminfo with a GPU agent stays quiet.
3. A Jetson's Tegra GPU runs only code built for its own architecture (no binary compatibility
   between desktop and Tegra GPUs): a desktop build of torch there (a +cuXXX label, conda-forge's
   CUDA build) is arch-unsupported (a warning), an arch list without the board's sm a failure;
   NVIDIA's JetPack wheel and an arch list with the board's sm stay quiet.
4. Windows stated in a sentence of use or a list entry ("on Windows 11", "Windows 10, tensorflow
   2.12.0") is the platform, so TensorFlow above 2.10 there is read as CPU-only; a paste that names
   WSL is not read as Windows.
"""

from __future__ import annotations

from recommender.facts.rocm_table import load_rocm_table
from tests.pastes import categories, fact, fails, read, statuses

# --- 1. a stated ROCm release against its official GPU list ------------------------------------


def test_release_lists_are_read_from_the_table() -> None:
    table = load_rocm_table()
    line = table.release((6, 2))
    assert line is not None and "gfx1030" in line.targets and "gfx906" not in line.targets
    assert table.release((4, 5)) is None


def test_mi50_with_rocm_in_a_sentence_is_a_warning() -> None:
    text = "I run an AMD Instinct MI50 (gfx906) with ROCm 6.2 and pytorch; training hangs after a few steps."
    result = read(text)
    assert result is not None
    assert fact(result, "rocm.release") == "6.2"
    assert statuses(result, "rocm-issue") == {"warn"}
    assert "rocm-issue" not in fails(text)


def test_vega_with_a_rocm_torch_label_is_a_warning() -> None:
    text = (
        "GPU: Radeon RX Vega 64 (gfx900)\ntorch 2.4.1+rocm6.1\nthe desktop freezes when I generate"
    )
    assert "rocm-issue" in categories(text)


def test_listed_target_stays_quiet() -> None:
    text = "My RX 6900 XT (gfx1030) with torch 2.4.1+rocm6.1 runs fine, but my loss is NaN."
    assert "rocm-issue" not in categories(text)


def test_release_outside_the_known_lines_stays_quiet() -> None:
    text = "Radeon VII (gfx906), ROCm 5.4.3, torch 1.13.1+rocm5.2: works."
    assert "rocm-issue" not in categories(text)


def test_cuda_in_a_sentence_is_still_the_toolkit() -> None:
    result = read("I am using CUDA 11.8 with torch 2.1.0 and it works.")
    assert result is not None and fact(result, "toolkit.cuda") == "11.8"


# --- 2. rocminfo without a GPU agent ---------------------------------------------------------------

_ROCMINFO_HEAD = (
    "=====================\n"
    "HSA System Attributes\n"
    "=====================\n"
    "Runtime Version:         1.14\n"
    "==========\n"
    "HSA Agents\n"
    "==========\n"
    "*******\n"
    "Agent 1\n"
    "*******\n"
    "  Name:                    AMD Ryzen 7 5800X 8-Core Processor\n"
    "  Uuid:                    CPU-XX\n"
    "  Marketing Name:          AMD Ryzen 7 5800X 8-Core Processor\n"
    "  Vendor Name:             CPU\n"
    "  Device Type:             CPU\n"
)
_GPU_AGENT = (
    "*******\n"
    "Agent 2\n"
    "*******\n"
    "  Name:                    gfx1100\n"
    "  Uuid:                    GPU-5b4a1c2d3e4f5a6b\n"
    "  Marketing Name:          Radeon RX 7900 XTX\n"
    "  Vendor Name:             AMD\n"
    "  Device Type:             GPU\n"
)


def test_rocminfo_under_wsl_without_a_gpu_is_wsl() -> None:
    text = "$ rocminfo\nWSL environment detected.\n" + _ROCMINFO_HEAD + "*** Done ***\n"
    result = read(text)
    assert result is not None
    assert statuses(result, "wsl-issue") == {"warn"}
    assert "rocm-issue" not in categories(text)


def test_rocminfo_natively_without_a_gpu_is_rocm() -> None:
    text = "Ubuntu 22.04, ROCm 6.1.3, rocminfo shows:\n" + _ROCMINFO_HEAD + "*** Done ***\n"
    result = read(text)
    assert result is not None
    assert statuses(result, "rocm-issue") == {"warn"}
    assert not fails(text)


def test_rocminfo_with_a_gpu_agent_stays_quiet() -> None:
    text = _ROCMINFO_HEAD + _GPU_AGENT + "*** Done ***\n"
    result = read(text)
    assert result is not None
    assert fact(result, "gpu.0.gfx") == "gfx1100"
    assert "rocm-issue" not in categories(text) and "wsl-issue" not in categories(text)


def test_rocminfo_under_wsl_with_a_gpu_agent_stays_quiet() -> None:
    text = "WSL environment detected.\n" + _ROCMINFO_HEAD + _GPU_AGENT + "*** Done ***\n"
    assert not fails(text)
    result = read(text)
    assert result is not None and fact(result, "rocm.agents") is None


# --- 3. a Jetson's Tegra GPU under a desktop build ------------------------------------------------


def test_xavier_with_a_desktop_cuda_wheel_is_a_warning() -> None:
    text = (
        "Board: Jetson AGX Xavier, JetPack 5.1\n"
        "pip install torch==2.3.1+cu121 --index-url https://download.pytorch.org/whl/cu121\n"
        ">>> torch.__version__\n'2.3.1+cu121'\n>>> torch.cuda.is_available()\nTrue\n"
    )
    result = read(text)
    assert result is not None
    assert statuses(result, "arch-unsupported") == {"warn"}


def test_orin_with_conda_forge_torch_is_a_warning() -> None:
    text = "On my Jetson Orin NX I installed pytorch from conda-forge (the CUDA build); my model crashes on .cuda()."
    assert "arch-unsupported" in categories(text)


def test_orin_nano_with_an_arch_list_without_sm87_fails() -> None:
    text = "Jetson Orin Nano devkit\n>>> torch.cuda.get_arch_list()\n['sm_80', 'sm_86', 'sm_90']\n"
    assert "arch-unsupported" in fails(text)


def test_orin_with_its_own_arch_stays_quiet() -> None:
    text = "Jetson AGX Orin\n>>> torch.cuda.get_arch_list()\n['sm_72', 'sm_87']\n"
    assert "arch-unsupported" not in categories(text)


def test_jetpack_wheel_stays_quiet() -> None:
    text = (
        "Jetson AGX Orin 64GB, JetPack 6.0\n"
        ">>> torch.__version__\n'2.1.0a0+41361538.nv23.06'\n>>> torch.cuda.is_available()\nTrue\n"
    )
    assert "arch-unsupported" not in categories(text)


def test_desktop_gpu_with_a_desktop_wheel_stays_quiet() -> None:
    text = (
        "RTX 3090 on Ubuntu, torch 2.3.1+cu121 from conda-forge, cuda.is_available() returns True"
    )
    assert "arch-unsupported" not in categories(text)


# --- 4. Windows stated in a sentence ---------------------------------------------------------------


def test_tensorflow_after_2_10_on_windows_in_a_sentence_is_cpu_only() -> None:
    text = "I'm on Windows 11 with an RTX 4070 and tensorflow 2.14.0; tf.config.list_physical_devices('GPU') is []"
    result = read(text)
    assert result is not None and fact(result, "os.system") == "Windows"
    assert "cpu-wheel-on-gpu" in fails(text)


def test_windows_list_entry_is_the_platform() -> None:
    result = read("- Windows 10 Pro: tensorflow version: 2.13.0, GTX 1660")
    assert result is not None and fact(result, "os.system") == "Windows"


def test_tensorflow_2_10_on_windows_stays_quiet() -> None:
    text = "I'm on Windows 10 with a GTX 1080 and tensorflow 2.10.0, CUDA 11.2 and cuDNN 8.1."
    assert "cpu-wheel-on-gpu" not in fails(text)


def test_windows_host_of_wsl_is_not_the_platform() -> None:
    text = "I'm on Windows 11 running Ubuntu in WSL2, tensorflow 2.15.0, RTX 4070, no GPU found."
    result = read(text)
    assert result is not None and fact(result, "os.system") != "Windows"
    assert "cpu-wheel-on-gpu" not in fails(text)
