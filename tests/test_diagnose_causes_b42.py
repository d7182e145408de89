"""Issue 21, session 42 (engineer B: stated version pairs and stated minimums): each family of
causes the development misses stated in a wording no rule read, tested on text written here
(other libraries, other versions, other wordings), each with a healthy counterpart that must
stay quiet.

1. A library's own check that the version it was built with (its header, "compiled against")
   and the one it loaded differ: a signature that names both versions (groups ``built`` and
   ``have``) is a version mismatch only where the two differ in a part both state; the same
   version twice is no mismatch.
2. A program's own statement of the minimum compute capability it needs: arch-unsupported; where
   every GPU the paste lists meets the minimum, the refusal is not about them (a warning).
3. HIP's fat-binary loader finding no code object for the GPU's gfx target: rocm-issue, as
   hipErrorNoBinaryForGpu.
4. onnxruntime-gpu's CUDA provider that cannot be created next to a stated CUDA release of
   another major than the build's (onnxruntime's requirements table): a version-mismatch warning;
   the same major stays quiet.
"""

from __future__ import annotations

from recommender.facts.reports.signatures import versions_differ
from tests.pastes import categories, fails, read, signature_ids, statuses

# --- 1. two versions of one library stated by the message ---------------------------------------


def test_versions_differ_compares_the_parts_both_state() -> None:
    assert versions_differ("7", "5")
    assert versions_differ("7102", "7605")
    assert versions_differ("3.5.0", "2.6.1")
    assert not versions_differ("8.9", "8.9.2")
    assert not versions_differ("8", "8")
    assert not versions_differ(None, "8")
    assert not versions_differ("", "8.1")


def test_paddle_header_and_library_of_other_majors_fail() -> None:
    text = (
        "F1203 09:12:44.100 hl_cuda_cudnn.cc:171] Check failed: cudnn_cuh_major == cudnn_dso_major"
        " [cudnn init] libcudnn v8 with header v6 unmatched!"
    )
    assert "version-mismatch" in fails(text)


def test_paddle_header_and_library_of_one_major_are_quiet() -> None:
    text = "[cudnn init] libcudnn v7 with header v7 unmatched!"
    assert read(text) is None or "version-mismatch" not in categories(text)


def test_compiled_against_one_release_linked_against_another_fails() -> None:
    for text in (
        "RuntimeError: cuDNN version mismatch: PyTorch was compiled against 7005 but linked against 7301",
        "error: mylib was compiled with NCCL 2.18.3 but loaded NCCL 2.14.3 at run time",
        "warning: compiled against TensorRT 8.6.1 but found 10.0.1",
    ):
        assert "version-mismatch" in fails(text), text


def test_compiled_against_the_release_it_linked_is_quiet() -> None:
    text = "RuntimeError: cuDNN version mismatch: PyTorch was compiled against 7301 but linked against 7301"
    assert read(text) is None or "library-compiled-against-other-version" not in signature_ids(text)


def test_caffe2_and_legacy_tensorflow_wordings_fail() -> None:
    assert "version-mismatch" in fails(
        "RuntimeError: [enforce fail at common_cudnn.h:108] cuDNN compiled (7605) and runtime (7102) versions mismatch"
    )
    assert "version-mismatch" in fails(
        "E tensorflow/stream_executor/cuda/cuda_dnn.cc:298] Loaded cudnn library: 5105 but source was compiled against 6021."
    )


def test_mxnet_lib_mismatch_is_a_warning() -> None:
    text = "[12:01:02] src/common/cuda/utils.cc:1] cuDNN lib mismatch: linked-against version 8906 != compiled-against version 8101.  Set MXNET_CUDNN_LIB_CHECKING=0 to quiet this warning."
    result = read(text)
    assert result is not None
    assert statuses(result, "version-mismatch") == {"warn"}


def test_protobuf_runtime_older_than_the_program_fails() -> None:
    assert "version-mismatch" in fails(
        "[libprotobuf FATAL google/protobuf/stubs/common.cc:79] This program requires version 3.21.0"
        " of the Protocol Buffer runtime library, but the installed version is 3.12.4."
    )
    assert "version-mismatch" in fails(
        "[libprotobuf FATAL common.cc:87] This program was compiled against version 3.6.1 of the"
        " Protocol Buffer runtime library, which is not compatible with the installed version (4.25.3)."
    )


def test_protobuf_same_release_twice_is_quiet() -> None:
    text = (
        "This program requires version 3.21.0 of the Protocol Buffer runtime library, but the"
        " installed version is 3.21.0."
    )
    assert read(text) is None or "version-mismatch" not in categories(text)


# --- 2. a stated minimum compute capability ------------------------------------------------------


def test_stated_minimum_above_the_listed_gpu_fails() -> None:
    text = (
        "$ python check_gpu.py\n"
        "Found GPU(s) with compute capability: [3.5]\n"
        "RuntimeError: Device 0 does not have CUDA compute capability 6.0 or greater\n"
    )
    assert "arch-unsupported" in fails(text)


def test_stated_minimum_alone_fails() -> None:
    assert "arch-unsupported" in fails("FATAL: Sorry, need at least compute capability 7.5+!")


def test_stated_minimum_met_by_every_listed_gpu_is_a_warning() -> None:
    text = (
        "Found GPU(s) with compute capability: [8.6, 8.6]\n"
        "RuntimeError: Device 1 does not have CUDA compute capability 7.0 or greater\n"
    )
    result = read(text)
    assert result is not None
    assert "arch-unsupported" not in fails(text)
    assert statuses(result, "arch-unsupported") == {"warn"}


def test_other_wordings_of_a_minimum_compare_too() -> None:
    text = (
        "GPU 0: NVIDIA A10G, compute capability 8.6\n"
        "[VIEWER] ERROR: Sorry, need at least compute capability 7.0+!\n"
    )
    result = read(text)
    assert result is not None
    assert "arch-unsupported" not in fails(text)
    assert statuses(result, "arch-unsupported") == {"warn"}


# --- 3. HIP's fat-binary loader ------------------------------------------------------------------


def test_no_code_object_for_the_gfx_target_is_rocm_issue() -> None:
    text = (
        "  Device 0: AMD Radeon RX 7600 XT, gfx1102 (0x1102), VMM: no, Wave Size: 32\n"
        ":3:hip_fatbin.cpp :109 : 2034511 us: No compatible code objects found for: gfx1102, value of HIP_FORCE_SPIRV_CODEOBJECT: 0\n"
        "Segmentation fault (core dumped)\n"
    )
    assert {"rocm-issue", "arch-unsupported"} <= fails(text)


def test_a_hip_device_listing_alone_is_quiet() -> None:
    text = "ggml_cuda_init: found 1 ROCm devices:\n  Device 0: AMD Radeon RX 7900 XTX, gfx1100 (0x1100), VMM: no, Wave Size: 32\n"
    assert "rocm-issue" not in fails(text)


# --- 4. onnxruntime-gpu's CUDA provider against the stated CUDA ----------------------------------

_ORT_FAILED = (
    "2024-02-11 10:02:03.123 [W:onnxruntime:Default, onnxruntime_pybind_state.cc:640"
    " CreateExecutionProviderInstance] Failed to create CUDAExecutionProvider."
)


def test_cuda12_environment_with_a_cuda11_release_is_a_warning() -> None:
    text = f"onnxruntime-gpu==1.16.3\n{_ORT_FAILED}\nMy CUDA version is 12.2 and cuDNN 8.9.\n"
    result = read(text)
    assert result is not None
    assert "ort-cuda:cuda-major" in signature_ids(text)
    assert statuses(result, "version-mismatch") == {"warn"}


def test_cuda11_environment_with_a_release_that_requires_cuda12_is_a_warning() -> None:
    text = (
        "[W:onnxruntime:Default, onnxruntime_pybind_state.cc:965 CreateExecutionProviderInstance]"
        " Failed to create CUDAExecutionProvider. Require cuDNN 9.* and CUDA 12.*. Please install"
        " all dependencies.\nnvcc: Cuda compilation tools, release 11.8, V11.8.89\n"
    )
    assert "ort-cuda:cuda-major" in signature_ids(text)


def test_no_release_stated_and_cuda12_is_an_inferred_warning() -> None:
    text = f"{_ORT_FAILED}\nI installed CUDA 12.3 with cudnn 8.9.7\n"
    result = read(text)
    assert result is not None
    ort = [f for f in result.findings if f.id == "ort-cuda:cuda-major"]
    assert ort and ort[0].status == "warn" and "inferred" in ort[0].title


def test_the_builds_own_major_is_quiet() -> None:
    for text in (
        f"onnxruntime-gpu==1.14.1\n{_ORT_FAILED}\nCUDA version: 11.7\n",
        f"onnxruntime-gpu==1.20.1\n{_ORT_FAILED}\nCUDA version: 12.4\n",
        f"{_ORT_FAILED}\nCUDA version: 11.8\n",
        f"{_ORT_FAILED}\n",
    ):
        assert "ort-cuda:cuda-major" not in signature_ids(text), text


def test_a_build_running_on_a_newer_driver_is_no_pair() -> None:
    text = (
        "note: torch was compiled with CUDA 11.8 but is running on a driver that supports CUDA 12.4"
    )
    assert read(text) is None or "library-compiled-against-other-version" not in signature_ids(text)


def test_tf_trt_keeps_its_own_warning() -> None:
    text = "2024-01-02 W tensorflow/compiler/tf2tensorrt/utils/trt_logger.cc] TensorRT mismatch. Compiled against version 8.6.1, but loaded 8.5.3. Things may not work"
    result = read(text)
    assert result is not None
    assert statuses(result, "version-mismatch") == {"warn"}


def test_the_cpu_distribution_is_not_read_as_a_cuda_major() -> None:
    for text in (
        f"{_ORT_FAILED}\nCUDA 12.4 here, I did pip install onnxruntime==1.16.0\n",
        f"onnxruntime==1.16.0\n{_ORT_FAILED}\nCUDA version: 12.4\n",
    ):
        assert "ort-cuda:cuda-major" not in signature_ids(text), text
