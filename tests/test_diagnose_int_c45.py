"""Session 45 (issue 21), integrator's rules: jax asked for a GPU backend that the installed
jaxlib does not provide (the CPU-only wheel from PyPI)."""

from __future__ import annotations

from tests.pastes import categories, fails, signature_ids

SMI = (
    "| NVIDIA-SMI 525.60.13    Driver Version: 525.60.13    CUDA Version: 12.0     |\n"
    "|   0  NVIDIA GeForce RTX 3090  On   | 00000000:01:00.0  On |                  N/A |\n"
)
NEW = (
    "RuntimeError: Unknown backend: 'gpu' requested, but no platforms that are instances of gpu "
    "are present. Platforms present are: interpreter,cpu\n"
)
OLD = (
    '  File "/home/u/envs/p/lib/python3.7/site-packages/jaxlib/xla_client.py", line 248, in '
    "get_local_backend\n"
    "    raise RuntimeError('Unknown backend {}'.format(name))\n"
    "RuntimeError: Unknown backend gpu\n"
)


def test_a_gpu_backend_jax_cannot_find_beside_an_nvidia_gpu_is_a_cpu_jaxlib():
    assert "cpu-wheel-on-gpu" in fails(SMI + NEW)
    assert "cpu-wheel-on-gpu" in fails(
        SMI + NEW.replace("'gpu'", "'cuda'").replace("of gpu", "of cuda")
    )


def test_the_old_jaxlib_wording_is_the_same_message():
    assert "jax-unknown-gpu-backend" in signature_ids(SMI + OLD)
    assert "cpu-wheel-on-gpu" in fails(SMI + OLD)


def test_without_a_gpu_in_the_paste_it_is_only_a_warning():
    assert "cpu-wheel-on-gpu" in categories(NEW)
    assert "cpu-wheel-on-gpu" not in fails(NEW)


def test_other_backends_and_other_libraries_stay_quiet():
    tpu = NEW.replace("'gpu'", "'tpu'").replace("of gpu", "of tpu")
    assert "jax-unknown-gpu-backend" not in signature_ids(SMI + tpu)
    keras = "ValueError: Unknown backend: 'torch'. Available backends: tensorflow, jax\n"
    assert "jax-unknown-gpu-backend" not in signature_ids(SMI + keras)


COUNT = (
    "On Kaggle I turned on the T4 x2, but the function can't detect the gpu.\n"
    "\n"
    "mx.context.num_gpus()\n"
    "\n"
    "{answer}\n"
)


def test_a_count_retold_in_prose_on_the_line_after_the_check_is_read():
    for answer in ('gives "0" as result', "it returns 0", "I get `0`.", "prints 0"):
        assert "cpu-wheel-on-gpu" in categories(COUNT.format(answer=answer)), answer


def test_a_count_above_zero_or_a_sentence_with_more_words_says_nothing():
    for answer in ("it returns 2", "gives 0 GPUs after the kernel restarts and then 2"):
        assert "cpu-wheel-on-gpu" not in categories(COUNT.format(answer=answer)), answer
