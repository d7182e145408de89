"""Session 47 (issue 21), integrator's rules. A CUDA library that a crashed import needed is a
failure even where the paste shows no GPU: the finding said "harmless here: the paste shows no
GPU" next to the ImportError that had ended the program, a reading right only for an optional
probe a CPU run survives (TensorFlow's dlopen warnings) and for a CUDA call on a machine with no
GPU (the code asked for CUDA, the environment is fine). CUDA error 500 at start-up is the GPU
pass-through of Docker Desktop or WSL 2."""

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


INIT_500 = (
    "RuntimeError: Unexpected error from cudaGetDeviceCount(). Did you run some cuda functions "
    "before calling NumCudaDevices() that might have already set an error? Error 500: named "
    "symbol not found\n",
    "2024-05-27 18:05:31.089452: E external/local_xla/xla/stream_executor/cuda/cuda_driver.cc:282]"
    " failed call to cuInit: CUDA_ERROR_NOT_FOUND: named symbol not found\n",
    'time=2024-09-25T10:00:00.000Z level=INFO source=gpu.go:600 msg="cuda driver library init '
    'failure: 500"\n',
    'Error: DriverError(CUDA_ERROR_NOT_FOUND, "named symbol not found")\n',
)


def test_cuda_error_500_at_start_is_the_gpu_pass_through_as_a_warning():
    for text in INIT_500:
        assert "wsl-issue" in categories(text), text
        assert "wsl-issue" not in fails(text), text  # the text alone does not show WSL


def test_other_cuda_errors_at_start_are_not_read_as_wsl():
    for number, words in (
        ("804", "forward compatibility was attempted on non supported HW"),
        ("100", "no CUDA-capable device is detected"),
    ):
        text = (
            "RuntimeError: Unexpected error from cudaGetDeviceCount(). Did you run some cuda "
            f"functions before calling NumCudaDevices() that might have already set an error? "
            f"Error {number}: {words}\n"
        )
        assert "wsl-issue" not in categories(text), text
