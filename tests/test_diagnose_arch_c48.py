"""Session 48 (issue 21), engineer Z: the wordings of "this build has no kernels for this GPU"
dlrec did not read (TensorRT 7-8's "Unsupported SM", PaddlePaddle's arch-list warning,
CTranslate2's compute-type refusal, an LLVM that does not know a gfx target), TensorFlow 2.x's
compute capability 3.5 floor (a cited table no rule read), torch's own printed architecture list
judged without its version, and the compiled modules of sglang, exllama, AutoAWQ, Marlin and
mamba as a library's kernels. Each with a neighbouring paste that must stay quiet."""

from __future__ import annotations

from tests.pastes import categories, fails, run

# --- TensorRT: trtSmToCask ------------------------------------------------------------------

TRT_8 = (
    "[12/12/2024-10:15:17] [E] [TRT] 1: [caskUtils.cpp::trtSmToCask::147] Error Code 1: "
    "Internal Error (Unsupported SM: 0x809)\n"
    "rcnn: rcnn.cpp:318: Assertion `engine != nullptr' failed.\n"
)
TRT_7 = (
    "[F] [TRT] Assertion failed: Unsupported SM.\n"
    "C:\\source\\rtSafe\\cuda\\caskUtils.cpp:80\n"
    "[E] [TRT] C:\\source\\rtSafe\\cuda\\caskUtils.cpp (80) - Assertion Error in "
    "nvinfer1::rt::task::trtSmToCask: 0 (Unsupported SM.)\n"
)


def test_tensorrt_unsupported_sm_is_the_release_lacking_the_gpu():
    for text in (TRT_8, TRT_7):
        found = fails(text)
        assert "arch-unsupported" in found
        assert "library-kernels-unsupported" in categories(text)


def test_tensorrt_building_an_engine_normally_stays_quiet():
    text = (
        "[12/12/2024-10:15:17] [I] [TRT] Loaded engine size: 120 MiB\n"
        "[12/12/2024-10:15:17] [I] [TRT] [MemUsageChange] TensorRT-managed allocation in engine "
        "deserialization: CPU +0, GPU +118, now: CPU 0, GPU 118 (MiB)\n"
        "&&&& PASSED TensorRT.trtexec\n"
    )
    assert "arch-unsupported" not in categories(text)


# --- PaddlePaddle's arch-list warning ------------------------------------------------------

PADDLE = (
    "W0616 17:16:24.460505  2840 gpu_resources.cc:96] The GPU architecture in your current "
    "machine is Pascal, which is not compatible with Paddle installation with arch: 70 75 80 86 "
    ", it is recommended to install the corresponding wheel package according to the "
    "installation information on the official Paddle website.\n"
    "W0616 17:16:24.460505  2840 gpu_resources.cc:119] Please NOTE: device: 0, GPU Compute "
    "Capability: 6.1, Driver API Version: 12.0, Runtime API Version: 11.7\n"
)


def test_paddle_arch_warning_is_arch_unsupported_as_a_warning():
    assert "arch-unsupported" in categories(PADDLE)
    assert "arch-unsupported" not in fails(PADDLE)


def test_paddle_run_check_without_the_warning_stays_quiet():
    text = (
        "W0616 17:16:24.460505  2840 gpu_resources.cc:119] Please NOTE: device: 0, GPU Compute "
        "Capability: 8.6, Driver API Version: 12.0, Runtime API Version: 11.7\n"
        "PaddlePaddle works well on 1 GPU.\n"
    )
    assert "arch-unsupported" not in categories(text)


# --- CTranslate2 -----------------------------------------------------------------------------

CT2 = (
    "Traceback (most recent call last):\n"
    '  File "/venv/lib/python3.10/site-packages/faster_whisper/transcribe.py", line 133, in '
    "__init__\n"
    "    self.model = ctranslate2.models.Whisper(\n"
    "ValueError: Requested int8_float16 compute type, but the target device or backend do not "
    "support efficient int8_float16 computation.\n"
)


def test_ctranslate2_compute_type_refusal_is_a_library_kernels_warning():
    assert "library-kernels-unsupported" in categories(CT2)
    assert "library-kernels-unsupported" not in fails(CT2)


def test_ctranslate2_asking_for_float32_stays_quiet():
    text = (
        "ValueError: Requested float32 compute type, but the model was converted with int8\n"
        "model = WhisperModel('large-v2', device='cuda', compute_type='float32')\n"
    )
    assert "library-kernels-unsupported" not in categories(text)


# --- LLVM without the gfx target -----------------------------------------------------------

GFX = (
    "'gfx1100' is not a recognized processor for this target (ignoring processor)\n"
    "'gfx1100' is not a recognized processor for this target (ignoring processor)\n"
)


def test_llvm_not_knowing_the_gfx_target_is_a_rocm_warning():
    found = run(GFX).findings
    assert any(f.category == "rocm-issue" and "arch-unsupported" in f.also for f in found)
    assert "rocm-issue" not in fails(GFX)


def test_llvm_not_knowing_an_sm_target_is_not_read_as_rocm():
    text = "'sm_120' is not a recognized processor for this target (ignoring processor)\n"
    assert "rocm-issue" not in categories(text)


# --- TensorFlow 2.x below compute capability 3.5 --------------------------------------------


def test_tensorflow_2x_on_a_cc_30_gpu_fails_arch():
    text = (
        "I'm using tensorflow 2.10 on Windows with a GeForce GTX 660. "
        "tf.config.list_physical_devices('GPU') returns [].\n"
    )
    assert "arch-unsupported" in fails(text)


def test_tensorflow_2x_on_a_cc_35_gpu_stays_quiet():
    text = (
        "I'm using tensorflow 2.10 on Windows with a GeForce GTX 780 Ti. "
        "tf.config.list_physical_devices('GPU') returns [].\n"
    )
    assert "arch-unsupported" not in categories(text)


# --- torch's printed architecture list without a version ------------------------------------

ARCHES = (
    ">>> import torch\n"
    ">>> torch.cuda.get_arch_list()\n"
    "['sm_50', 'sm_60', 'sm_70', 'sm_75', 'sm_80', 'sm_86', 'sm_90']\n"
    ">>> torch.cuda.get_device_capability(0)\n"
)


def test_torch_arch_list_without_the_gpu_fails_without_a_version():
    assert "arch-unsupported" in fails(ARCHES + "(12, 0)\n")


def test_torch_arch_list_with_the_gpu_stays_quiet():
    assert "arch-unsupported" not in categories(ARCHES + "(8, 9)\n")


# --- compiled modules of libraries with their own kernels -----------------------------------

NO_KERNEL = "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"


def test_sgl_kernel_import_makes_a_missing_kernel_the_librarys():
    text = (
        "Traceback (most recent call last):\n"
        '  File "/usr/local/lib/python3.10/dist-packages/sglang/srt/layers/quantization/'
        'fp8_kernel.py", line 30, in <module>\n'
        "    from sgl_kernel import sgl_per_token_group_quant_fp8\n" + NO_KERNEL
    )
    found = [f for f in run(text).findings if f.status == "fail"]
    assert found and found[0].category == "library-kernels-unsupported"


def test_a_bare_missing_kernel_in_a_users_script_stays_the_frameworks():
    text = (
        "Traceback (most recent call last):\n"
        '  File "train.py", line 30, in <module>\n'
        "    y = torch.matmul(a, b)\n" + NO_KERNEL
    )
    found = [f for f in run(text).findings if f.status == "fail"]
    assert found and found[0].category == "arch-unsupported"
    assert "library-kernels-unsupported" not in fails(text)


# --- China-market names in rules/gpus.yaml --------------------------------------------------


def test_china_market_names_take_their_compute_capability():
    from recommender.facts.reports.gpus import compute_capability, load_gpu_table

    table = load_gpu_table()
    assert compute_capability("NVIDIA GeForce RTX 4090 D", table) == "8.9"
    assert compute_capability("NVIDIA L20", table) == "8.9"
    assert compute_capability("NVIDIA A800-SXM4-80GB", table) == "8.0"
    assert compute_capability("NVIDIA GeForce RTX 5090 D v2", table) == "12.0"
    assert compute_capability("NVIDIA H20", table) is None  # no source read for it


def test_an_old_torch_on_an_l20_fails_arch():
    text = (
        "torch 1.10.1+cu102\n"
        "+-----------------------------------------------------------------------------+\n"
        "| NVIDIA-SMI 535.54.03    Driver Version: 535.54.03    CUDA Version: 12.2     |\n"
        "|-------------------------------+----------------------+----------------------+\n"
        "|   0  NVIDIA L20          On   | 00000000:00:04.0 Off |                    0 |\n"
        "+-------------------------------+----------------------+----------------------+\n"
    )
    assert "arch-unsupported" in fails(text)
    assert "arch-unsupported" not in categories(text.replace("1.10.1+cu102", "2.1.0+cu121"))


# --- features whose kernels need a newer GPU (FP8, bfloat16) --------------------------------

SCALED_MM = (
    "RuntimeError: torch._scaled_mm is only supported on CUDA devices with compute capability "
    ">= 9.0 or 8.9, or ROCm MI300+\n"
)


def test_fp8_refusals_are_library_kernel_warnings():
    for text in (
        SCALED_MM,
        "ValueError: FP8 quantized models is only supported on GPUs with compute capability >= "
        "9.0 (e.g H100)\n",
        "AssertionError: Device compute capability 8.9 or higher required for FP8 execution.\n",
        "[TensorRT-LLM][ERROR] Assertion failed: Fp8 FMHA cannot be enabled on pre-Hopper Arch.\n",
    ):
        assert "library-kernels-unsupported" in categories(text)
        assert not fails(text)


def test_an_fp8_refusal_beside_a_gpu_that_meets_it_says_so():
    text = "  Device 0: NVIDIA H100 80GB HBM3, compute capability 9.0, VMM: yes\n" + SCALED_MM
    found = [f for f in run(text).findings if f.category == "library-kernels-unsupported"]
    assert found and all(f.status == "warn" and "not about these GPUs" in f.detail for f in found)


def test_cudnn_9_arch_mismatch_status_and_inductors_triton_class_are_read():
    assert "arch-unsupported" in fails(
        "RuntimeError: cuDNN error: CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH\n"
    )
    text = (
        "torch._dynamo.exc.BackendCompilerFailed: backend='inductor' raised:\n"
        "GPUTooOldForTriton: Found NVIDIA GeForce GTX 1080 Ti which is too old\n"
    )
    assert "library-kernels-unsupported" in fails(text)


# --- a torch release stated without its CUDA variant ----------------------------------------

SMI_5090 = (
    "+-----------------------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 572.16                 Driver Version: 572.16         CUDA Version: 12.8     |\n"
    "|=========================================+========================+======================|\n"
    "|   0  NVIDIA GeForce RTX 5090      WDDM  |   00000000:01:00.0  On |                  N/A |\n"
    "+-----------------------------------------+------------------------+----------------------+\n"
)


def test_a_release_none_of_whose_cuda_wheels_carry_the_gpu_warns_arch():
    text = "I installed pytorch 2.4 and get errors on my new card\n" + SMI_5090
    found = [f for f in run(text).findings if f.id.startswith("torch-release-arches:")]
    assert found and found[0].category == "arch-unsupported" and found[0].status == "warn"


def test_a_release_with_a_cuda_wheel_for_the_gpu_stays_quiet():
    text = "I installed pytorch 2.7 and get errors on my new card\n" + SMI_5090
    assert not [f for f in run(text).findings if f.id.startswith("torch-release-arches:")]


def test_a_release_with_its_build_label_is_the_checklists_to_judge():
    text = "torch 2.4.1+cu124\n" + SMI_5090
    assert not [f for f in run(text).findings if f.id.startswith("torch-release-arches:")]
    assert "arch-unsupported" in fails(text)
