"""Session 44 (issue 21): serving engines that compile their own CUDA kernels (LMDeploy's
TurboMind, TensorRT-LLM). A missing kernel raised inside their sources, or in their own tracker,
is their build's, not torch's; the same bare message elsewhere stays torch's."""

from __future__ import annotations

from tests.pastes import categories, failing_with_also, fails, run, signature_ids

TURBOMIND = (
    "terminate called after throwing an instance of 'std::runtime_error'\n"
    "  what():  [TM][ERROR] CUDA runtime error: no kernel image is available for execution on "
    "the device /lmdeploy/src/turbomind/kernels/sampling_topp_kernels.cu:1219\n"
    "Aborted (core dumped)\n"
)

BARE = (
    "$ lmdeploy serve api_server /models/Qwen3-0.6B\n"
    "no kernel image is available for execution on the device\n"
    "Aborted (core dumped)\n"
)


def test_a_missing_kernel_inside_turbomind_is_lmdeploys_build():
    assert "library-kernels-unsupported" in fails(TURBOMIND)
    assert "arch-unsupported" not in fails(TURBOMIND)


def test_a_bare_missing_kernel_filed_in_lmdeploys_tracker_is_its_build():
    assert "library-kernels-unsupported" in fails(BARE, repository="InternLM/lmdeploy")
    assert "library-kernels-unsupported" in fails(BARE, repository="NVIDIA/TensorRT-LLM")


def test_every_kernel_librarys_own_tracker_makes_the_report_about_that_library():
    for repository in ("open-mmlab/mmcv", "facebookresearch/detectron2", "state-spaces/mamba"):
        assert "library-kernels-unsupported" in fails(BARE, repository=repository), repository
    torch_bare = BARE.replace(
        "lmdeploy serve api_server", "python -c 'import torch; torch.ones(1).cuda()'"
    )
    assert "library-kernels-unsupported" not in categories(torch_bare, repository="pytorch/pytorch")


def test_the_same_bare_message_under_torch_elsewhere_stays_torchs():
    text = BARE.replace("lmdeploy serve api_server", "python serve.py --torch-compile")
    assert "arch-unsupported" in fails(text)
    assert "library-kernels-unsupported" not in categories(text)


def test_a_torch_frame_with_the_message_is_not_turbomind():
    text = (
        '  File "/opt/conda/lib/python3.10/site-packages/torch/nn/modules/linear.py", line 114\n'
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "arch-unsupported" in fails(text)
    assert "library-kernels-unsupported" not in categories(text)


OLLAMA = (
    "time=2025-05-19T10:50:36.626+05:00 level=INFO source=server.go:168 msg=offload "
    'library={library} layers.requested=-1 layers.model=35 layers.offload={offload} layers.split=""'
    ' memory.available="[3.2 GiB]" memory.required.full="2.6 GiB"\n'
)


def test_ollama_placing_no_layer_on_the_gpu_is_a_model_too_big_for_its_vram():
    text = OLLAMA.format(library="cuda", offload=0)
    assert "out-of-memory" in categories(text)
    assert "ollama-no-layer-offloaded" in signature_ids(text)


def test_ollama_with_every_layer_on_the_gpu_or_no_gpu_at_all_is_not_memory():
    for library, offload in (("cuda", 35), ("cuda", 10), ("cpu", 0)):
        text = OLLAMA.format(library=library, offload=offload)
        assert "ollama-no-layer-offloaded" not in signature_ids(text)


def _smi(cuda: str) -> str:
    return (
        "+-----------------------------------------------------------------------------+\n"
        f"| NVIDIA-SMI 430.64       Driver Version: 430.64       CUDA Version: {cuda}     |\n"
        "|-------------------------------+----------------------+----------------------+\n"
    )


def _paddle_start(driver: str, runtime: str) -> str:
    return (
        ">>> import paddle\n>>> paddle.utils.run_check()\n"
        "W0624 14:32:46.220422 23029 gpu_resources.cc:61] Please NOTE: device: 0, GPU Compute "
        f"Capability: 7.5, Driver API Version: {driver}, Runtime API Version: {runtime}\n"
    )


def test_paddles_start_line_with_a_runtime_the_driver_cannot_start_is_driver_too_old():
    for driver, runtime in (("10.1", "10.2"), ("11.4", "12.0")):
        assert "driver-too-old" in fails(_paddle_start(driver, runtime)), (driver, runtime)


def test_paddles_start_line_within_one_major_from_cuda_11_or_an_older_runtime_is_quiet():
    for driver, runtime in (("11.4", "11.7"), ("12.0", "11.7"), ("10.2", "10.2")):
        assert "driver-too-old" not in categories(_paddle_start(driver, runtime)), (driver, runtime)


def test_a_paddle_release_built_for_a_cuda_past_the_drivers_is_driver_too_old():
    for version, cuda in (("2.5.2.post120", "11.4"), ("2.4.2", "10.1"), ("2.5.1.post112", "10.2")):
        text = f"$ pip list\npaddlepaddle-gpu    {version}\n$ nvidia-smi\n{_smi(cuda)}"
        assert "driver-too-old" in fails(text), (version, cuda)


def test_a_paddle_release_the_driver_runs_or_the_table_does_not_know_is_quiet():
    for version, cuda in (
        ("2.5.2.post117", "11.4"),
        ("2.6.0", "10.1"),
        ("2.4.2", "11.2"),
        ("1.8.4.post107", "10.1"),  # Paddle 1.x: CUDA 10.0 with cuDNN 7
    ):
        text = f"$ pip list\npaddlepaddle-gpu    {version}\n$ nvidia-smi\n{_smi(cuda)}"
        assert "driver-too-old" not in categories(text), (version, cuda)


NATIVE = [
    "./darknet detector demo cfg/coco.data yolov3.cfg yolov3.weights\nCUDA Error: invalid device function\n",
    "what(): parallel_for failed: cudaErrorNoKernelImageForDevice: no kernel image is available "
    "for execution on the device\n",
    "$ ./slam --dataset ../scene.klg\nFATL| Cuda Error: no kernel image is available for execution "
    "on the device\n",
]


def test_a_program_that_shows_no_framework_lacks_the_kernel_in_its_own_build():
    for text in NATIVE:
        assert {"arch-unsupported", "library-kernels-unsupported"} <= fails(text), text


def test_torchs_wording_or_a_framework_named_keeps_the_missing_kernel_torchs():
    for text in (
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n",
        "import tensorflow as tf\nCUDA Error: invalid device function\n",
        "I installed pytorch 2.7 and get: no kernel image is available for execution on the device\n",
    ):
        assert "arch-unsupported" in fails(text), text
        assert "library-kernels-unsupported" not in categories(text), text


def test_the_linkers_listing_of_a_cuda_library_not_found_is_a_missing_library():
    for text in (
        "$ ldd build/lib/_ext.so\n\tlibcudart.so.11.0 => not found\n\tlibc.so.6 => /lib/libc.so.6\n",
        "$ ntldd ggml-cuda.dll\n        cublas64_13.dll => not found\n",
        "$ ldd libMIOpen.so\n\tlibamdhip64.so.6 => not found\n",
    ):
        assert "missing-library" in fails(text), text


def test_the_linkers_listing_of_found_or_unrelated_libraries_is_quiet():
    text = (
        "$ ldd build/lib/_ext.so\n\tlibcudart.so.12 => /usr/local/cuda/lib64/libcudart.so.12\n"
        "\tlibpng16.so.16 => not found\n"
    )
    assert "linker-listing-not-found" not in signature_ids(text)


PADDLE_WARN = (
    "W0109 05:13:22.261219 28456 device_context.h:397] WARNING: device: 0. The installed Paddle is "
    "compiled with {lib} {built}, but {what} version in your machine is {have}, which may cause "
    "serious incompatible bug. Please recompile or reinstall Paddle with compatible {lib} version.\n"
)


def test_paddle_built_with_a_newer_cudnn_or_cuda_than_it_found_is_said():
    cudnn = PADDLE_WARN.format(lib="CUDNN", what="CUDNN", built="7.6", have="7.3")
    assert "version-mismatch" in categories(cudnn)
    cuda = PADDLE_WARN.format(lib="CUDA", what="CUDA runtime", built="10.2", have="10.1")
    assert "driver-too-old" in categories(cuda)
    enforce = (
        "InvalidArgumentError: The installed Paddle is compiled with CUDA12/cuDNN9,but CUDA/cuDNN "
        "version in your machine is CUDA11/cuDNN8. which will cause serious incompatible bug.\n"
    )
    assert "version-mismatch" in fails(enforce)


def test_paddles_warning_with_the_same_versions_is_quiet():
    same = PADDLE_WARN.format(lib="CUDNN", what="CUDNN", built="8.9", have="8.9")
    assert "paddle-built-cudnn-newer" not in signature_ids(same)


def test_an_mps_buffer_larger_than_the_mac_allows_is_out_of_memory():
    text = "I use Mac M1 Pro, 16GB\nRuntimeError: Invalid buffer size: 11.25 GB\n"
    assert "out-of-memory" in categories(text)
    assert "mps-invalid-buffer-size" not in signature_ids("ValueError: Invalid buffer size: -1\n")


def test_nvidia_docker_1s_first_wording_of_an_image_past_the_driver_is_driver_too_old():
    text = "$ nvidia-docker run --rm nvidia/cuda nvidia-smi\nnvidia-docker | 2016/04/09 00:07:59 Error: unsupported CUDA version: 7.5 < 6.5\n"
    assert "driver-too-old" in fails(text)


def test_a_cuda_driver_failure_on_a_machine_with_only_another_vendors_gpu_is_no_driver():
    for gpu in (
        "an integrated Intel GPU (Iris Xe Graphics)",
        "an AMD Radeon RX 6600",
        "a MacBook M2 Pro",
    ):
        text = (
            "Error CUDA driver version is insufficient for CUDA runtime version at line 167 in "
            f"file csrc/ops.cu\nI'm using {gpu}, torch==2.0.0+cu118.\n"
        )
        assert set(failing_with_also(text)) == {"no-driver"}, gpu  # one cause, one fail


def test_the_same_failure_where_the_paste_names_an_nvidia_gpu_stays_the_drivers():
    for gpu in ("an Intel Iris Xe and an RTX 3050 laptop GPU", "Intel UHD 630 + GeForce GTX 1650"):
        text = (
            "RuntimeError: CUDA driver version is insufficient for CUDA runtime version\n"
            f"My laptop has {gpu}.\n"
        )
        assert "no-driver" not in categories(text), gpu


def test_torchs_amp_warnings_without_cuda_beside_a_named_geforce_point_at_a_cpu_build():
    for line in (
        "UserWarning: torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
        "UserWarning: User provided device_type of 'cuda', but CUDA is not available. Disabling",
    ):
        text = f"I don't think torch is using my GPU (RTX 2080 super), it gives me:\n{line}\n"
        assert "cpu-wheel-on-gpu" in categories(text), line


def test_an_nvcc_older_than_the_cxx_standard_the_framework_needs_is_a_version_pair():
    for std in ("c++14", "c++17"):
        text = (
            "[5/6] /usr/local/cuda-8.0/bin/nvcc -DWITH_CUDA -c nms_cuda.cu -std=" + std + "\n"
            f"nvcc fatal   : Value '{std}' is not defined for option 'std'\n"
        )
        assert "version-mismatch" in fails(text), std
    assert "nvcc-predates-cxx-standard" not in signature_ids(
        "nvcc fatal   : Value 'c++20' is not defined for option 'std'\n"
    )


TRITON_PTX = (
    "torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:\n"
    "RuntimeError: Internal Triton PTX codegen error: \n"
    "ptxas fatal   : Value 'sm_110' is not defined for option 'gpu-name'\n"
)


def test_tritons_nvidia_path_on_an_amd_gpu_is_tritons_wrong_build():
    text = TRITON_PTX + "### GPU\nAMD Radeon RX 7900 XTX\n### ROCm Version\nROCm 6.0.0\n"
    assert "version-mismatch" in categories(text)


def test_tritons_nvidia_path_on_an_nvidia_gpu_is_not_a_vendor_mix():
    text = TRITON_PTX + "GPU 0: NVIDIA GeForce RTX 5090\nROCM used to build PyTorch: N/A\n"
    assert "version-mismatch" not in categories(text)


def test_collect_envs_rocm_row_of_a_cuda_build_is_not_an_amd_gpu():
    text = TRITON_PTX + "PyTorch version: 2.3.0+cu121\nROCM used to build PyTorch: N/A\n"
    assert "build:triton-for-nvidia-on-amd" not in {f.id for f in run(text).findings}


WINDOWS_SESSION = (
    "PS D:\\Workspace\\app> python\n"
    "Python 3.10.11 (tags/v3.10.11:7d4cc5a, Apr  5 2023, 00:38:17) [MSC v.1929 64 bit (AMD64)] "
    "on win32\n>>> import torch\n>>> print(torch.cuda.is_available())\nFalse\n"
)


def test_torchs_answer_to_the_users_own_check_on_windows_points_at_pypis_cpu_wheel():
    assert "cpu-wheel-on-gpu" in categories(WINDOWS_SESSION)


def test_the_same_answer_on_linux_or_beside_another_vendors_gpu_stays_unexplained():
    linux = WINDOWS_SESSION.replace("PS D:\\Workspace\\app> python", "$ python").replace(
        "on win32", "on linux"
    )
    assert "cpu-wheel-on-gpu" not in categories(linux)
    radeon = WINDOWS_SESSION + "My GPU is a Radeon RX 6600.\n"
    assert "cpu-wheel-on-gpu" not in categories(radeon)
