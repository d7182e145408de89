"""Session 47 (issue 21): a CUDA library that a crashed import needed is a failure even where
the paste shows no GPU. Before, the finding said "harmless here: the paste shows no GPU" next to
the ImportError that had ended the program; that reading is right only for an optional probe a
CPU run logs and survives (TensorFlow's dlopen warnings), and for a CUDA call on a machine with no
GPU (the code asked for CUDA, the environment is fine)."""

from __future__ import annotations

from tests.pastes import categories, fails, run

CRASH = (
    "Traceback (most recent call last):\n"
    '  File "train.py", line 3, in <module>\n'
    "    import flash_attn_2_cuda\n"
    "ImportError: libcudart.so.12: cannot open shared object file: No such file or directory\n"
)

#: TensorFlow's optional probe: logged, and the run goes on on the CPU.
PROBE = (
    "2023-03-01 10:00:00.000000: W tensorflow/compiler/xla/stream_executor/platform/default/"
    "dso_loader.cc:64] Could not load dynamic library 'libcudart.so.11.0'; dlerror: "
    "libcudart.so.11.0: cannot open shared object file: No such file or directory\n"
)


def test_a_crashed_import_missing_a_cuda_library_fails_without_a_gpu_shown():
    assert "missing-library" in fails(CRASH)
    details = [f.detail for f in run(CRASH).findings if f.category == "missing-library"]
    assert details and not any("harmless" in d for d in details)


def test_an_optional_probe_stays_a_warning_where_no_gpu_is_shown():
    assert "missing-library" in categories(PROBE)
    assert "missing-library" not in fails(PROBE)


def test_a_cuda_call_on_a_machine_without_a_gpu_stays_harmless():
    text = (
        '  File "eval.py", line 9, in main\n'
        "    model.cuda()\n"
        "AssertionError: Torch not compiled with CUDA enabled\n"
        "I have no GPU on this laptop, only the CPU.\n"
    )
    assert "cpu-wheel-on-gpu" not in fails(text)
