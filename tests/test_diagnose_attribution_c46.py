"""Attribution by cause (issue 21, session 46): the right evidence under the right category.

(a) WSL. Under WSL 2 the GPU comes from the Windows driver (libcuda and NVML in /usr/lib/wsl/lib);
there is no NVIDIA kernel module and no Linux driver to install. A paste that shows WSL (its dxg
kernel driver's log, a Windows drive as WSL mounts it, WSL's environment variables, neofetch's
"on Windows 11" row, a WSL 2 kernel) and a driver-side failure is WSL's GPU path: a checklist's "no
driver visible", NVML's version mismatch, a Linux driver's versioned libcuda, the container
runtime's "WSL environment detected but no adapters were found". Native Linux pastes with the same
failures keep their categories.

(b) Whose kernels. "no kernel image is available" is the same words for torch's build and for a
library's own compiled ops; the frame, module or log that raised it says whose (vLLM's
torch.ops._C, flash_attn_2_cuda, Apex's fused_layer_norm_cuda, mmcv's _ext, detectron2's _C,
ONNX Runtime's CUDA provider). A report filed in a library's tracker with nothing of its ops in
the paste names both builds; torch's own frames and warnings stay torch's.

Texts written after public threads: NVIDIA/nvidia-container-toolkit#155, microsoft/WSL#13734,
microsoft/WSL#11755, pytorch/pytorch#3601."""

from __future__ import annotations

import pytest

from tests.pastes import categories, diagnosed, fact, failing_categories, fails, signature_ids

WSL = "wsl-issue"
ARCH = "arch-unsupported"
LIBRARY = "library-kernels-unsupported"

SMI_FAILED = (
    "$ nvidia-smi\n"
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure "
    "that the latest NVIDIA driver is installed and running.\n"
)
INIT_FAILED = (
    ">>> torch.cuda.is_available()\n"
    "UserWarning: CUDA initialization: CUDA driver initialization failed, you might not have a "
    "CUDA gpu. (Triggered internally at ../c10/cuda/CUDAFunctions.cpp:108.)\nFalse\n"
)
NO_KERNEL = "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"


# --- (a) WSL: where the paste shows it ---------------------------------------------------------


@pytest.mark.parametrize(
    "setting",
    [
        "$ dmesg | grep dxg\n[    1.272072] misc dxg: dxgk: dxgkio_query_adapter_info: Ioctl failed: -22\n",
        "[    0.265917] hv_vmbus: registering driver dxgkrnl\n",
        "user@DESKTOP-7K2:/mnt/c/Users/me/proj$ python train.py\n",
        "WSL_DISTRO_NAME=Ubuntu-22.04\nWSL_INTEROP=/run/WSL/8_interop\n",
        "WSLENV=WT_SESSION:WT_PROFILE_ID\n",
        "OS: Ubuntu 22.04.3 LTS on Windows 11 x86_64\n",
        "OS: Ubuntu 20.04.6 LTS on Windows 10 x86_64\n",
        "$ uname -r\n5.15.133.1-microsoft-standard-WSL2\n",
    ],
)
def test_nvidia_smi_failing_under_wsl_is_wsls_gpu_path(setting: str) -> None:
    assert WSL in failing_categories(diagnosed(setting + SMI_FAILED))


def test_the_same_failure_on_native_linux_stays_no_driver() -> None:
    text = "$ uname -r\n6.5.0-21-generic\nuser@box:/mnt/data/proj$ ls\n" + SMI_FAILED
    found = fails(text)
    assert "no-driver" in found
    assert WSL not in found


def test_a_linux_mount_named_like_a_drive_letter_is_not_wsl() -> None:
    result = diagnosed("/mnt/cache/models/llama\n" + SMI_FAILED)
    assert fact(result, "os.wsl_named") is None


def test_dxg_log_proves_wsl_2() -> None:
    result = diagnosed(
        "[    1.27] misc dxg: dxgk: dxgkio_query_adapter_info: Ioctl failed: -2\n" + SMI_FAILED
    )
    assert fact(result, "os.wsl") == 2


def test_a_checklists_no_driver_under_wsl_2_is_wsls_path() -> None:
    text = (
        "PyTorch version: 2.1.0+cu121\n"
        "Is debug build: False\n"
        "CUDA used to build PyTorch: 12.1\n"
        "OS: Ubuntu 22.04.3 LTS (x86_64)\n"
        "Python platform: Linux-5.15.133.1-microsoft-standard-WSL2-x86_64-with-glibc2.35\n"
        "Is CUDA available: False\n"
        "CUDA runtime version: No CUDA\n"
        "GPU models and configuration: No CUDA\n"
        "Nvidia driver version: No CUDA\n" + INIT_FAILED
    )
    found = fails(text)
    assert WSL in found
    result = diagnosed(text)
    assert all(f.category != "no-driver" for f in result.findings if f.status == "fail")


def test_the_same_collect_env_on_native_linux_stays_no_driver() -> None:
    text = (
        "PyTorch version: 2.1.0+cu121\n"
        "Is debug build: False\n"
        "CUDA used to build PyTorch: 12.1\n"
        "OS: Ubuntu 22.04.3 LTS (x86_64)\n"
        "Python platform: Linux-6.5.0-21-generic-x86_64-with-glibc2.35\n"
        "Is CUDA available: False\n"
        "CUDA runtime version: No CUDA\n"
        "GPU models and configuration: No CUDA\n"
        "Nvidia driver version: No CUDA\n" + INIT_FAILED
    )
    assert "no-driver" in fails(text)
    assert WSL not in categories(text)


OLD_LIBCUDA = (
    'msg="unable to load cuda driver library" library=/usr/lib/x86_64-linux-gnu/libcuda.so.418.226.00'
    ' error="symbol lookup for cuCtxCreate_v3 failed: /usr/lib/x86_64-linux-gnu/'
    'libcuda.so.418.226.00: undefined symbol: cuCtxCreate_v3"\n'
)


def test_a_linux_drivers_libcuda_inside_wsl_2_is_wsls_path() -> None:
    result = diagnosed("I run Ubuntu 22.04 in WSL2 on Windows 11.\n" + OLD_LIBCUDA)
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and failing[0].category == WSL
    assert "driver-too-old" in failing[0].also
    assert "/usr/lib/wsl/lib" in (failing[0].fix or "")


def test_the_same_old_libcuda_on_native_linux_stays_driver_too_old() -> None:
    found = fails(OLD_LIBCUDA)
    assert "driver-too-old" in found
    assert WSL not in found


NVML_MISMATCH = (
    "$ nvidia-smi\nFailed to initialize NVML: Driver/library version mismatch\n"
    "NVML library version: 535.104\n"
)


def test_nvml_mismatch_under_wsl_2_is_a_linux_driver_inside_it() -> None:
    text = "$ uname -r\n5.15.90.1-microsoft-standard-WSL2\n" + NVML_MISMATCH
    result = diagnosed(text)
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and failing[0].category == WSL


def test_nvml_mismatch_on_native_linux_stays_driver_mismatch() -> None:
    text = "$ uname -r\n6.5.0-21-generic\n" + NVML_MISMATCH
    found = fails(text)
    assert "driver-mismatch" in found
    assert WSL not in found


CONTAINER_NO_ADAPTERS = (
    "docker: Error response from daemon: failed to create task for container: failed to create "
    "shim task: OCI runtime create failed: runc create failed: unable to start container process: "
    "error during container init: error running hook #0: error running hook: exit status 1, "
    "stdout: , stderr: Auto-detected mode as 'legacy'\n"
    "nvidia-container-cli: initialization error: WSL environment detected but no adapters were "
    "found: unknown.\n"
)


def test_the_container_runtime_finding_no_wsl_adapter_is_wsls_path() -> None:
    assert WSL in fails(CONTAINER_NO_ADAPTERS)
    assert "wsl-container-no-adapters" in signature_ids(CONTAINER_NO_ADAPTERS)


def test_the_container_runtimes_wsl_probe_on_native_linux_stays_quiet() -> None:
    text = (
        "I1004 13:41:19.447196 13740 nvc.c:389] attempting to load dxcore to see if we are "
        "running under Windows Subsystem for Linux (WSL)\n"
        "I1004 13:41:19.447300 13740 nvc.c:403] dxcore initialization failed, continuing "
        "assuming a non-WSL environment\n"
    )
    assert WSL not in fails(text)


# --- (b) whose kernels ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frames",
    [
        # vLLM's own ops
        '  File "/usr/local/lib/python3.10/dist-packages/vllm/_custom_ops.py", line 35, in rms_norm\n'
        "    torch.ops._C.rms_norm(out, input, weight, epsilon)\n"
        '  File "/usr/local/lib/python3.10/dist-packages/torch/_ops.py", line 1061, in __call__\n'
        "    return self_._op(*args, **(kwargs or {}))\n",
        "    torch.ops._moe_C.topk_softmax(topk_weights, topk_ids, token_expert_indices, logits)\n",
        # FlashAttention 2's extension
        "    out, softmax_lse = flash_attn_2_cuda.fwd(q, k, v, None, alibi_slopes, dropout_p)\n",
        # Apex's fused kernels
        "    output, mean, invvar = fused_layer_norm_cuda.forward_affine(\n",
        "    from amp_C import multi_tensor_l2norm\n",
        # xformers' compiled ops
        "    return torch.ops.xformers._C.efficient_attention(query, key, value)\n"
        '  File "/opt/conda/lib/python3.10/site-packages/xformers/_C.so"\n',
        # mmcv's _ext
        "RuntimeError: roi_align_forward failed in mmcv._ext\n",
        # detectron2's _C
        '  File "/home/u/detectron2/detectron2/_C.cpython-38-x86_64-linux-gnu.so"\n',
        # bitsandbytes' binary
        "loading /usr/lib/python3/site-packages/bitsandbytes/libbitsandbytes_cuda121.so\n",
    ],
)
def test_a_missing_kernel_in_a_librarys_own_ops_is_the_librarys(frames: str) -> None:
    result = diagnosed(frames + NO_KERNEL)
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and failing[0].category == LIBRARY


def test_onnxruntimes_cuda_provider_log_is_its_own_kernels() -> None:
    text = (
        "2024-01-01 10:00:00.000 [E:onnxruntime:Default, cuda_call.cc:116 CudaCall] CUDA failure "
        "209: no kernel image is available for execution on the device ; GPU=0 ; hostname=x ; "
        "file=/onnxruntime_src/onnxruntime/core/providers/cuda/cuda_execution_provider.cc ; "
        "line=289 ; expr=cudaDeviceSynchronize();\n"
    )
    result = diagnosed(text)
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and failing[0].category == LIBRARY


def test_torchs_own_frames_keep_torchs_build() -> None:
    text = (
        '  File "/home/u/train.py", line 10, in <module>\n'
        '  File "/usr/lib/python3/site-packages/torch/nn/modules/linear.py", line 114, in forward\n'
        "    return F.linear(input, self.weight, self.bias)\n" + NO_KERNEL
    )
    result = diagnosed(text)
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and failing[0].category == ARCH
    assert LIBRARY not in failing_categories(result)


def test_torchs_own_warning_beside_a_librarys_frame_names_torch_first() -> None:
    text = (
        "UserWarning: NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with "
        "the current PyTorch installation.\n"
        "The current PyTorch install supports CUDA capabilities sm_50 sm_60 sm_70 sm_75 sm_80 "
        "sm_86 sm_90.\n"
        "    out, softmax_lse = flash_attn_2_cuda.fwd(q, k, v, None, alibi_slopes, dropout_p)\n"
        + NO_KERNEL
    )
    result = diagnosed(text)
    assert ARCH in failing_categories(result)


def test_filed_in_a_librarys_tracker_with_none_of_its_ops_names_both_builds() -> None:
    text = (
        "The machine is an NVIDIA H100 and the error I get is " + NO_KERNEL + "This is where it "
        "occurred: vllm/model_executor/layers.py, line 361, in forward output = output_ + self.bias\n"
    )
    result = diagnosed(text, repository="vllm-project/vllm")
    found = failing_categories(result)
    assert {ARCH, LIBRARY} <= found


def test_filed_in_a_librarys_tracker_with_its_ops_in_the_frames_stays_the_librarys() -> None:
    text = "    torch.ops._C.rms_norm(out, input, weight, epsilon)\n" + NO_KERNEL
    result = diagnosed(text, repository="vllm-project/vllm")
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and failing[0].category == LIBRARY
    assert ARCH not in failing_categories(result)


def test_torchs_old_warning_that_the_gpu_needs_a_newer_cuda_build_is_torchs_arch() -> None:
    text = (
        "/home/anaconda3/lib/python3.6/site-packages/torch/cuda/__init__.py:115: UserWarning:\n"
        "    Found GPU0 Tesla V100-PCIE-16GB which requires CUDA_VERSION >= 9000 for\n"
        "     optimal performance and fast startup time, but your PyTorch was compiled\n"
        "     with CUDA_VERSION 8000. Please install the correct PyTorch binary\n"
        "RuntimeError: cuDNN error: CUDNN_STATUS_EXECUTION_FAILED\n"
    )
    assert ARCH in categories(text)
    assert "torch-gpu-needs-newer-cuda-build" in signature_ids(text)


def test_a_healthy_torch_session_names_no_arch() -> None:
    text = ">>> import torch\n>>> torch.cuda.is_available()\nTrue\n>>> torch.version.cuda\n'12.1'\n"
    assert ARCH not in categories(text)


# --- WSL's version as WSL itself prints it -------------------------------------------------------

NO_DEVICE = (
    "2023-08-01 10:00:00.000000: E tensorflow/compiler/xla/stream_executor/cuda/cuda_driver.cc:268]"
    " failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected\n"
)


def _wsl_list(version: str) -> str:
    return (
        "PS C:\\Users\\me> wsl -l -v\n"
        "  NAME            STATE           VERSION\n"
        f"* Ubuntu-22.04    Running         {version}\n"
        "  docker-desktop  Stopped         2\n"
    )


def test_wsl_list_verbose_saying_2_makes_no_device_wsls_path() -> None:
    result = diagnosed(_wsl_list("2") + NO_DEVICE)
    assert fact(result, "os.wsl") == "2"
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and failing[0].category == WSL


def test_wsl_list_verbose_saying_1_is_wsl_1_which_has_no_gpu() -> None:
    result = diagnosed(_wsl_list("1") + NO_DEVICE)
    failing = [f for f in result.findings if f.status == "fail"]
    assert failing and failing[0].category == "wsl1"


def test_wsls_template_ticking_wsl_1_is_wsl_1() -> None:
    """The template's captured version is a string; the document keeps it as WSL's number."""
    result = diagnosed("- [ ] WSL 2\n- [x] WSL 1\n" + NO_DEVICE)
    assert "wsl1" in failing_categories(result)


def test_a_test_runner_saying_running_2_tests_is_not_wsl() -> None:
    result = diagnosed("Running  2 tests\n" + NO_DEVICE)
    assert fact(result, "os.wsl") is None
    assert WSL not in failing_categories(result)
