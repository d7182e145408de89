"""Session 49 (issue 21), engineer C3: a CPU-only build on a GPU machine in more of the words the
libraries print and the shapes people paste: torch's aten operators without a CUDA kernel and its
missing ATen_cuda library, jax's list of known backends without CUDA, TensorFlow's note that
native-Windows GPU support ended with 2.10, a +cpu wheel pip fetches (``%2Bcpu`` in the URL),
torch.version.cuda None retold in a sentence or answered by a REPL's silence, and a library's own
answer in a session (tf.test.is_built_with_gpu_support, llama_supports_gpu_offload, faiss's and
dlib's GPU counts, jax's xla_bridge platform). Each has a neighbour that must stay quiet."""

from __future__ import annotations

from tests.pastes import categories, fact, fails, read, signature_ids

CPU = "cpu-wheel-on-gpu"
GPU = "GPU 0: NVIDIA GeForce RTX 3090 (UUID: GPU-5a1e7c4e-0000-0000-0000-000000000000)\n"

ATEN = (
    "NotImplementedError: Could not run 'aten::empty_strided' with arguments from the 'CUDA' "
    "backend. This could be because the operator doesn't exist for this backend, or was omitted "
    "during the selective/custom build process (if using custom build). 'aten::empty_strided' is "
    "only available for these backends: [CPU, Meta, QuantizedCPU, BackendSelect, Python].\n"
)


def test_aten_operator_without_cuda_kernel_is_the_cpu_build_next_to_a_gpu():
    assert "torch-aten-no-cuda-backend" in signature_ids(ATEN)
    assert CPU in fails(ATEN + GPU)
    assert CPU not in fails(ATEN)  # without a GPU shown: a warning


def test_an_operator_missing_for_mps_or_from_torchvision_is_not_read_as_a_cpu_build():
    mps = ATEN.replace("'CUDA'", "'MPS'").replace("aten::empty_strided", "aten::cumsum.out")
    assert "torch-aten-no-cuda-backend" not in signature_ids(mps)
    nms = ATEN.replace("aten::empty_strided", "torchvision::nms")
    assert "torch-aten-no-cuda-backend" not in signature_ids(nms + GPU)


def test_aten_cuda_library_absent_is_the_cpu_build():
    text = (
        "    return self._apply(lambda t: t.cuda(device))\n"
        "RuntimeError: Cannot initialize CUDA without ATen_cuda library. PyTorch splits its "
        "backend into two shared libraries: a CPU library and a CUDA library\n"
    )
    assert "torch-aten-cuda-library-absent" in signature_ids(text)
    assert CPU in fails(text + GPU)


def test_jax_without_a_cuda_backend_in_its_list_is_a_cpu_build_warning():
    text = (
        "RuntimeError: Unable to initialize backend 'cuda': Backend 'cuda' is not in the list of "
        "known backends: ['cpu', 'tpu'].\n"
    )
    assert "jax-cuda-backend-not-known" in signature_ids(text)
    assert CPU in categories(text)
    # jax asked for a ROCm backend by the generic name is not a CPU jaxlib
    rocm = "Backend 'rocm' is not in the list of known backends: ['cpu', 'tpu', 'cuda'].\n"
    assert "jax-cuda-backend-not-known" not in signature_ids(rocm)


def test_tensorflow_note_on_native_windows_gpu_is_read():
    text = (
        "TensorFlow 2.10 was the last TensorFlow release that supported GPU on native-Windows.\n"
        "I installed 2.13 and my RTX 3070 stays idle.\n"
    )
    assert "tf-windows-gpu-ended" in signature_ids(text)
    assert CPU in categories(text)


def test_pip_fetching_a_url_encoded_cpu_wheel_is_the_cpu_build():
    text = (
        "Collecting torch==2.1.0\n"
        "  Downloading https://download.pytorch.org/whl/cpu/torch-2.1.0%2Bcpu-cp311-cp311-"
        "linux_x86_64.whl (184.9 MB)\n"
    )
    result = read(text + GPU)
    assert result is not None
    assert fact(result, "frameworks.pytorch.build.flavour") == "cpu"
    assert CPU in fails(text + GPU)


def test_pip_fetching_a_cuda_wheel_stays_quiet():
    text = (
        "Collecting torch==2.1.0\n"
        "  Downloading https://download.pytorch.org/whl/cu121/torch-2.1.0%2Bcu121-cp311-cp311-"
        "linux_x86_64.whl (2200.7 MB)\n"
    )
    assert CPU not in categories(text + GPU)


def test_torch_version_cuda_none_retold_in_a_sentence():
    text = "ValueError: Cannot use GPU, CUDA is not available. torch.version.cuda = None\n"
    assert CPU in categories(text)
    assert CPU in fails(text + GPU)
    said = "print(torch.version.cuda) gives None, and the RTX 3060 stays idle.\n"
    assert CPU in categories(said)


def test_a_condition_on_torch_version_cuda_is_code_not_an_answer():
    text = "if torch.version.cuda is None:\n    device = 'cpu'\n" + GPU
    assert CPU not in categories(text)
    assert CPU not in categories("torch.version.cuda is not None here: 12.1\n" + GPU)


def test_repl_silence_after_torch_version_cuda_is_none():
    text = (
        ">>> import torch\n>>> torch.cuda.is_available()\nFalse\n>>> torch.__version__\n"
        "'1.13.1'\n>>> torch.version.cuda\n>>> \n" + GPU
    )
    assert CPU in fails(text)


def test_repl_answering_a_cuda_version_stays_quiet():
    text = (
        ">>> import torch\n>>> torch.version.cuda\n'12.1'\n>>> torch.cuda.is_available()\n"
        "True\n" + GPU
    )
    assert CPU not in categories(text)


def test_library_build_answers_in_a_session():
    tf = ">>> tf.test.is_built_with_gpu_support()\nFalse\n"
    assert CPU in fails(tf + GPU)
    llama = ">>> llama_cpp.llama_supports_gpu_offload()\nFalse\n"
    assert CPU in fails(llama + GPU)
    faiss = ">>> faiss.get_num_gpus()\n0\n"
    assert CPU in categories(faiss + GPU)
    assert CPU not in fails(faiss + GPU)  # a GPU build that sees no device counts 0 too
    dlib = ">>> dlib.cuda.get_num_devices()\n0\n"
    assert CPU in categories(dlib + GPU)


def test_library_build_answers_that_say_gpu_stay_quiet():
    text = (
        ">>> tf.test.is_built_with_gpu_support()\nTrue\n"
        ">>> llama_cpp.llama_supports_gpu_offload()\nTrue\n"
        ">>> faiss.get_num_gpus()\n1\n" + GPU
    )
    assert CPU not in categories(text)


def test_jax_platform_from_xla_bridge():
    text = ">>> from jax.lib import xla_bridge\n>>> print(xla_bridge.get_backend().platform)\ncpu\n"
    assert CPU in categories(text + GPU)
    gpu = text.replace("\ncpu\n", "\ngpu\n")
    assert CPU not in categories(gpu + GPU)


def test_accelerate_fp16_refusal_next_to_a_gpu():
    text = "ValueError: fp16 mixed precision requires a GPU (not 'cpu').\n"
    assert "accelerate-fp16-needs-gpu" in signature_ids(text)
    assert CPU in fails(text + GPU)
    assert CPU not in fails(text)


def test_faiss_without_any_gpu_class():
    text = "AttributeError: module 'faiss' has no attribute 'GpuIndexFlatL2'\n"
    assert "faiss-cpu-build" in signature_ids(text)
    other = "AttributeError: module 'faiss' has no attribute 'IndexHNSWFlat'\n"
    assert "faiss-cpu-build" not in signature_ids(other)


def test_conda_list_pasted_as_a_markdown_table_is_read():
    text = (
        "| Name | Version | Build | Channel |\n|---|---|---|---|\n"
        "| pytorch | 2.0.1 | py3.10_cpu_0 | pytorch |\n| cpuonly | 2.0 | 0 | pytorch |\n"
    )
    result = read(text + GPU)
    assert result is not None
    assert fact(result, "frameworks.pytorch.build.flavour") == "cpu"
    cuda = text.replace("py3.10_cpu_0", "py3.10_cuda11.8_cudnn8.7.0_0").replace(
        "| cpuonly | 2.0 | 0 | pytorch |\n", ""
    )
    assert CPU not in categories(cuda + GPU)


def test_mamba_install_plan_rows_with_a_size_column_are_read():
    text = (
        "  Package     Version  Build                      Channel          Size\n"
        "  Install:\n\n"
        "  + pytorch     2.1.0  cpu_generic_py311h2bbdd83_0  conda-forge     20MB\n"
    )
    result = read(text + GPU)
    assert result is not None
    assert fact(result, "frameworks.pytorch.build.flavour") == "cpu"
