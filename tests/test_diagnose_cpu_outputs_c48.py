"""Session 48 (issue 21), engineer X2: a CPU-only build stated by what a script printed, outside a
``>>>`` session: a ``print(torch.version.cuda)`` line quoted above its answer (``None``), jax's
``print(jax.devices())`` above ``[CpuDevice(id=0)]``, and onnxruntime's providers list under a
script's label (``Available providers: ['CPUExecutionProvider']``). Each reading fails only next
to a GPU the paste shows; without one it is a warning or nothing; a CUDA build's output is quiet."""

from __future__ import annotations

from recommender.facts.reports import tf_env
from tests.pastes import categories, fails, signature_ids

CPU = "cpu-wheel-on-gpu"
GPU = "GPU 0: NVIDIA GeForce RTX 3090 (UUID: GPU-5a1e7c4e-0000-0000-0000-000000000000)\n"

TORCH_PRINTED = "import torch\nprint(torch.version.cuda)\nNone\n"
ORT_PRINTED = (
    "import onnxruntime as ort\nprint(ort.get_available_providers())\n['CPUExecutionProvider']\n"
)
ORT_LABELLED = "Available providers: ['CPUExecutionProvider']\n"
JAX_PRINTED = "import jax\nprint(jax.devices())\n[CpuDevice(id=0)]\n"


def test_printed_torch_cuda_none_is_the_cpu_build_next_to_a_gpu():
    assert CPU in fails(TORCH_PRINTED + GPU)


def test_printed_torch_cuda_release_is_quiet():
    text = "print(torch.version.cuda)\n12.1\n" + GPU
    assert CPU not in categories(text)


def test_printed_torch_cuda_none_without_a_gpu_is_no_fail():
    assert CPU not in fails(TORCH_PRINTED)


def test_printed_providers_list_without_cuda_is_the_cpu_package_next_to_a_gpu():
    assert CPU in fails(ORT_PRINTED + GPU)
    assert CPU in fails(ORT_LABELLED + GPU)


def test_providers_list_with_cuda_is_quiet():
    text = (
        "print(ort.get_available_providers())\n"
        "['TensorrtExecutionProvider', 'CUDAExecutionProvider', 'CPUExecutionProvider']\n"
        "Available providers: ['CUDAExecutionProvider', 'CPUExecutionProvider']\n" + GPU
    )
    assert CPU not in categories(text)


def test_providers_list_of_the_cpu_package_without_a_gpu_is_no_fail():
    assert CPU not in fails(ORT_PRINTED)
    assert CPU not in fails(ORT_LABELLED)


def test_a_session_applied_providers_label_is_not_read_as_the_available_list():
    # insightface's "Applied providers:" is a session's list, read by its own (warning) signature
    text = "Applied providers: ['CPUExecutionProvider'], with options: {}\n" + GPU
    assert CPU not in fails(text)


def test_printed_jax_cpu_devices_next_to_a_gpu_is_read():
    assert CPU in categories(JAX_PRINTED + GPU)


def test_printed_jax_gpu_devices_is_quiet():
    text = "print(jax.devices())\n[CudaDevice(id=0)]\n" + GPU
    assert CPU not in categories(text)


def test_a_print_of_something_unread_takes_no_answer():
    text = "print(model.device)\nNone\n" + GPU
    assert CPU not in categories(text)


SUBSET = (
    "ValueError: ['CUDAExecutionProvider'] does not contain a subset of available providers "
    "['CPUExecutionProvider']\n"
)


def test_cuda_not_a_subset_of_the_cpu_providers_is_the_cpu_package_next_to_a_gpu():
    assert "onnxruntime-cuda-not-subset-of-cpu" in signature_ids(SUBSET)
    assert CPU in fails(SUBSET + GPU)
    assert CPU not in fails(SUBSET)


def test_another_provider_not_a_subset_is_not_the_cpu_package():
    text = (
        "ValueError: ['OpenVINOExecutionProvider'] does not contain a subset of available "
        "providers ['CPUExecutionProvider']\n" + GPU
    )
    assert "onnxruntime-cuda-not-subset-of-cpu" not in signature_ids(text)
    assert CPU not in fails(text)


TF1_COLLECT = (
    "== check pips ===================================================\n"
    "numpy                        1.16.4\n"
    "tensorflow                   1.14.0\n"
    "\n== tensorflow import ============================================\n"
    "tf.VERSION = 1.14.0\n"
    "tf.GIT_VERSION = v1.14.0-rc1-22-gaf24dc91b5\n"
)


def test_tf_env_collect_of_tensorflow_1x_reads_tf_version():
    blocks = tf_env.read(TF1_COLLECT.splitlines())
    versions = [f.value for b in blocks for f in b.facts if f.path.endswith("tensorflow.version")]
    assert versions == ["1.14.0"]


def test_tf_env_collect_of_tensorflow_1x_cpu_package_next_to_a_gpu_is_named():
    assert CPU in categories(TF1_COLLECT + GPU)


def test_tf_env_collect_of_tensorflow_gpu_1x_is_quiet():
    text = TF1_COLLECT.replace("tensorflow                   1.14.0", "tensorflow-gpu 1.14.0")
    assert CPU not in categories(text + GPU)
