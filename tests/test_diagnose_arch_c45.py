"""Session 45 (issue 21), engineer K: GPUs a build has no kernels for. AMD and NVIDIA names by
family (RDNA4, Ryzen iGPUs, Instinct MI3xx, RTX PRO Blackwell); a build's own architecture list
(TORCH_CUDA_ARCH_LIST, CMAKE_CUDA_ARCHITECTURES, vLLM's "CUDA Archs") against the GPU; a ggml HIP
build without targets; MFMA-only ROCm libraries on Radeon GPUs; bitsandbytes' PyPI wheel on a
Jetson; vLLM's wheels without sm_120. Each with a neighbouring text that must stay quiet."""

from __future__ import annotations

import pytest

from recommender.decide.diagnosis.arch_lists import stated_lists
from recommender.facts.reports.gpus import compute_capability, load_gpu_table
from recommender.facts.reports.paste import read_paste
from tests.pastes import fact, read, signature_ids, statuses

# -- names by family -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "gfx"),
    [
        ("My AMD Radeon RX 9070 XT crashes under ROCm 6.4", "gfx1201"),
        ("rocm on a Radeon RX 9060 XT", "gfx1200"),
        ("Radeon AI PRO R9700 with ROCm 7.0", "gfx1201"),
        ("laptop with a Radeon 780M iGPU, ROCm 6.1", "gfx1103"),
        ("Ryzen AI 9 HX 370 w/ Radeon 890M and rocm", "gfx1150"),
        ("Strix Halo, Radeon 8060S, ROCm 7", "gfx1151"),
        ("an AMD Instinct MI355X node running ROCm", "gfx950"),
        ("MI325X with rocm 6.3", "gfx942"),
        ("RX 6650 XT on ROCm 5.7", "gfx1032"),
        ("Radeon RX 6700 with rocm", "gfx1031"),
    ],
)
def test_amd_cards_of_every_family_get_their_gfx_target(sentence, gfx):
    result = read(sentence)
    assert result is not None
    assert fact(result, "gpu.0.gfx") == gfx


def test_an_unlisted_radeon_word_names_no_target():
    result = read("Radeon Software 24.3 installed, rocm 6.1, torch 2.3.0+rocm6.0")
    assert result is None or fact(result, "gpu.0.gfx") is None


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("NVIDIA RTX PRO 6000 Blackwell", "12.0"),
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "12.0"),
        ("NVIDIA GeForce RTX 5070 Ti", "12.0"),
        ("NVIDIA B200", "10.0"),
        ("NVIDIA GB10", "12.1"),
        ("Tesla K80", "3.7"),
    ],
)
def test_nvidia_names_of_the_newest_and_oldest_families(name, cc):
    assert compute_capability(name, load_gpu_table()) == cc


# -- a build's own architecture list --------------------------------------------------------

NO_KERNEL = "RuntimeError: CUDA error: no kernel image is available for execution on the device"


def _lists(text):
    return stated_lists(read_paste(text, origin="t"))


@pytest.mark.parametrize(
    ("line", "sass", "ptx"),
    [
        ('export TORCH_CUDA_ARCH_LIST="8.0 8.6+PTX"', {(8, 0), (8, 6)}, {(8, 6)}),
        ("ENV TORCH_CUDA_ARCH_LIST 7.5", {(7, 5)}, set()),
        ("ENV TORCH_CUDA_ARCH_LIST='Ampere'", {(8, 0), (8, 6)}, {(8, 6)}),
        ('--build-arg torch_cuda_arch_list="9.0a;10.0a"', {(9, 0), (10, 0)}, set()),
        (
            'cmake -B build -DCMAKE_CUDA_ARCHITECTURES="75;86-real;89-virtual"',
            {(7, 5), (8, 6)},
            {(7, 5), (8, 9)},
        ),
        (
            "  CUDA Archs: 7.0 7.5 8.0 8.9 9.0+PTX; ROCm: Disabled; Neuron: Disabled",
            {(7, 0), (7, 5), (8, 0), (8, 9), (9, 0)},
            {(9, 0)},
        ),
    ],
)
def test_every_form_of_an_architecture_list_is_read(line, sass, ptx):
    (found,) = _lists(f"{line}\nGPU 0: NVIDIA A100-SXM4-80GB\n")
    assert {(m, n) for m, n, _ in found.sass} == sass
    assert {(m, n) for m, n, _ in found.ptx} == ptx


@pytest.mark.parametrize(
    "line",
    [
        "I don't have TORCH_CUDA_ARCH_LIST 7.0 set anywhere",
        'export TORCH_CUDA_ARCH_LIST="All"',
        "-DCMAKE_CUDA_ARCHITECTURES=native",
        "CUDA Archs: Not Set; ROCm: Disabled; Neuron: Disabled",
    ],
)
def test_a_sentence_all_native_or_not_set_is_no_list(line):
    assert _lists(f"{line}\nGPU 0: NVIDIA A100-SXM4-80GB\n") == []


def test_a_list_without_a_blackwell_gpu_fails_with_the_missing_kernel():
    text = (
        'TORCH_CUDA_ARCH_LIST="7.5 8.0 8.6 9.0" pip install -e .\n'
        "python train.py\n"
        f"{NO_KERNEL}\n"
        "My GPU is an RTX 5070 Ti\n"
    )
    result = read(text)
    assert "arch-list:without-gpu" in signature_ids(text)
    assert statuses(result, "library-kernels-unsupported") == {"fail"}


def test_a_list_without_the_gpu_and_no_error_is_a_warning():
    text = "cmake -B build -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=86\nGPU: Tesla V100\n"
    result = read(text)
    assert "arch-list:without-gpu" in signature_ids(text)
    assert statuses(result, "library-kernels-unsupported") == {"warn"}


def test_a_list_reaching_the_gpu_only_by_ptx_is_a_warning():
    text = 'ENV TORCH_CUDA_ARCH_LIST="8.0 8.6 8.9 9.0+PTX"\nGPU 0: NVIDIA GeForce RTX 5090\n'
    assert "arch-list:ptx-only" in signature_ids(text)


@pytest.mark.parametrize(
    ("arch", "gpu"),
    [
        ("8.0 8.6", "NVIDIA GeForce RTX 4090"),  # sm_86 code runs on an 8.9 GPU
        ("Ampere", "NVIDIA A10G"),
        ("9.0a", "NVIDIA H100 80GB HBM3"),
        ("7.0 7.5 8.0 8.6 8.9 9.0 10.0 12.0", "NVIDIA GeForce RTX 5080"),
    ],
)
def test_a_list_that_carries_the_gpu_stays_quiet(arch, gpu):
    text = f'export TORCH_CUDA_ARCH_LIST="{arch}"\nGPU 0: {gpu}\n'
    assert not any(i.startswith("arch-list:") for i in signature_ids(text))


def test_an_architecture_specific_list_does_not_reach_another_minor():
    text = 'export TORCH_CUDA_ARCH_LIST="10.0a"\nGPU 0: NVIDIA B300\n'
    assert "arch-list:without-gpu" in signature_ids(text)


# -- a ggml HIP build without targets -------------------------------------------------------

GGML_ROCM = (
    "ggml_init_cublas: found 1 ROCm devices:\n"
    "  Device 0: AMD Radeon RX 7900 XTX, compute capability 11.0\n"
)


def test_a_ggml_hip_build_without_targets_is_a_rocm_warning():
    text = f"cmake .. -DLLAMA_HIPBLAS=ON\ncmake --build .\n{GGML_ROCM}"
    result = read(text)
    assert "arch-list:ggml-hip-default-targets" in signature_ids(text)
    assert statuses(result, "rocm-issue") == {"warn"}


def test_a_ggml_hip_build_without_targets_fails_where_hip_finds_no_code():
    text = (
        "cmake -S . -B build -DGGML_HIP=ON -DCMAKE_BUILD_TYPE=Release\n"
        f"{GGML_ROCM}"
        "ggml_cuda_compute_forward: RMS_NORM failed\n"
        "CUDA error: invalid device function\n"
    )
    result = read(text)
    assert "arch-list:ggml-hip-default-targets" in signature_ids(text)
    assert "fail" in statuses(result, "rocm-issue")


@pytest.mark.parametrize(
    "line",
    [
        "cmake -S . -B build -DGGML_HIP=ON -DGPU_TARGETS=gfx1100",
        "cmake .. -DLLAMA_HIPBLAS=ON -DAMDGPU_TARGETS=gfx1100",
        "cmake -B build -DGGML_CUDA=ON",
    ],
)
def test_a_ggml_build_with_its_targets_or_for_cuda_stays_quiet(line):
    assert "arch-list:ggml-hip-default-targets" not in signature_ids(f"{line}\n{GGML_ROCM}")


# -- ROCm libraries built from MFMA tiles ---------------------------------------------------

ROCM_ENV = (
    "PyTorch version: 2.3.0+rocm6.0\n"
    "ROCM used to build PyTorch: 6.0.32830-d62f6a171\n"
    "Is CUDA available: True\n"
    "GPU models and configuration: {gpu}\n"
    "HIP runtime version: 6.0.32830\n"
    "Versions of relevant libraries:\n"
    "[pip3] torch==2.3.0+rocm6.0\n"
    "[pip3] {package}\n"
)


def test_xformers_beside_a_radeon_gpu_is_a_library_kernels_warning():
    text = ROCM_ENV.format(gpu="AMD Radeon RX 7900 XTX (gfx1100)", package="xformers==0.0.27")
    result = read(text)
    assert "rocm-library:xformers" in signature_ids(text)
    assert statuses(result, "library-kernels-unsupported") == {"warn"}


def test_a_report_in_rocms_xformers_fork_is_about_xformers():
    text = ROCM_ENV.format(gpu="AMD Radeon RX 6950 XT (gfx1030)", package="numpy==1.26.4")
    assert "rocm-library:xformers" in signature_ids(text, repository="ROCm/xformers")


def test_xformers_on_an_instinct_gpu_stays_quiet():
    text = ROCM_ENV.format(gpu="AMD Instinct MI300X (gfx942)", package="xformers==0.0.27")
    assert "rocm-library:xformers" not in signature_ids(text)


def test_flash_attn_s_triton_backend_on_a_radeon_gpu_stays_quiet():
    text = ROCM_ENV.format(gpu="AMD Radeon RX 7900 XTX (gfx1100)", package="flash_attn==2.7.4")
    assert "rocm-library:flash-attn" in signature_ids(text)
    quiet = text + "FLASH_ATTENTION_TRITON_AMD_ENABLE=TRUE\n"
    assert "rocm-library:flash-attn" not in signature_ids(quiet)


# -- bitsandbytes' PyPI wheel on a Jetson ---------------------------------------------------

JETSON = (
    "Device: NVIDIA Jetson AGX Orin 64GB, JetPack 6.1\n"
    "pip install bitsandbytes==0.45.5\n"
    ">>> import bitsandbytes as bnb\n"
)


def test_bitsandbytes_pypi_wheel_on_a_jetson_fails_on_its_first_op():
    text = (
        JETSON + "RuntimeError: Error named symbol not found at line 90 in file /src/csrc/ops.cu\n"
    )
    result = read(text)
    assert "library:bitsandbytes-tegra" in signature_ids(text)
    assert "fail" in statuses(result, "library-kernels-unsupported")


def test_bitsandbytes_built_on_the_jetson_stays_quiet():
    text = JETSON + "cmake -B build . -DCOMPUTE_BACKEND=cuda -DCOMPUTE_CAPABILITY=87\n"
    assert "library:bitsandbytes-tegra" not in signature_ids(text)


def test_bitsandbytes_on_a_desktop_gpu_is_not_a_jetson_matter():
    text = (
        "GPU: NVIDIA GeForce RTX 3090\npip install bitsandbytes==0.45.5\n>>> import bitsandbytes\n"
    )
    assert "library:bitsandbytes-tegra" not in signature_ids(text)


# -- vLLM's wheels without sm_120 -----------------------------------------------------------

VLLM_5090 = "GPU 0: NVIDIA GeForce RTX 5090\n[pip3] torch==2.7.0+cu128\n[pip3] vllm=={version}\n"


def test_vllm_up_to_0_9_2_on_an_rtx_50_gpu_is_a_warning():
    text = VLLM_5090.format(version="0.9.1")
    result = read(text)
    assert "library-ceiling:vllm" in signature_ids(text)
    assert statuses(result, "library-kernels-unsupported") == {"warn"}


@pytest.mark.parametrize(
    "text",
    [
        VLLM_5090.format(version="0.10.1.1"),
        VLLM_5090.format(version="0.9.1").replace("RTX 5090", "RTX 4090"),
        VLLM_5090.format(version="0.9.1")
        + "NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current "
        "PyTorch installation.\n",
    ],
)
def test_a_later_vllm_another_gpu_or_torch_s_own_refusal_stays_quiet(text):
    assert "library-ceiling:vllm" not in signature_ids(text)


# -- bitsandbytes' published compute capabilities ---------------------------------------------


@pytest.mark.parametrize(
    ("gpu", "version"),
    [("GeForce GTX 970", "0.48.1"), ("Tesla K80", "0.47.0"), ("GeForce GTX 980", "0.49.0")],
)
def test_bitsandbytes_below_its_published_floor_fails(gpu, version):
    text = f"GPU: {gpu}\nbitsandbytes=={version}\n"
    assert "library:bitsandbytes" in signature_ids(text)
    assert "fail" in statuses(read(text), "library-kernels-unsupported")


@pytest.mark.parametrize(
    ("gpu", "version"),
    [
        ("GeForce GTX 970", "0.46.1"),  # Maxwell was still on PyPI before 0.48
        ("Tesla K80", "0.42.0"),  # a release whose floor the guide does not name
        ("Tesla P100", "0.48.1"),
        ("GeForce GTX 970", "its own log lines"),
    ],
)
def test_bitsandbytes_at_or_above_its_floor_or_unnumbered_stays_quiet(gpu, version):
    text = f"GPU: {gpu}\nbitsandbytes=={version}\n"
    assert statuses(read(text), "library-kernels-unsupported") <= {"ok"}


# -- the HSA runtime's GPU page fault -------------------------------------------------------


def test_a_gpu_memory_access_fault_under_rocm_is_a_rocm_warning():
    text = (
        "export HSA_OVERRIDE_GFX_VERSION=11.0.0\n"
        "torch 2.3.0+rocm6.0 on a Radeon 780M\n"
        "Memory access fault by GPU node-1 (Agent handle: 0x55d0c0a0) on address 0x7f0000000000. "
        "Reason: Page not present or supervisor privilege.\n"
    )
    result = read(text)
    assert "hsa-gpu-memory-access-fault" in signature_ids(text)
    assert statuses(result, "rocm-issue") == {"warn"}


def test_a_cpu_segfault_is_not_a_gpu_memory_access_fault():
    text = "torch 2.3.0+rocm6.0\nSegmentation fault (core dumped)\n"
    assert "hsa-gpu-memory-access-fault" not in signature_ids(text)
