"""Host facts that decide whether a binary runs, read wherever a paste states them (issue 21):
the CPU's vector instructions (lscpu, /proc/cpuinfo, a CPU named in a sentence) against the
binaries built with AVX, a CUDA status number in ggml's form or told in a sentence, and WSL 2's
pinned-memory limit. Each paste is written here; each has a healthy counterpart that stays quiet."""

from __future__ import annotations

from tests.pastes import categories, fact, fails, read, signature_ids, status

_LSCPU_NO_AVX = """\
$ lscpu
Architecture:            x86_64
  Model name:            Intel(R) Celeron(R) CPU  J1900  @ 1.99GHz
    Flags:               fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat
                         clflush mmx fxsr sse sse2 ss ht syscall nx lm constant_tsc pni ssse3
                         sse4_1 sse4_2 movbe popcnt aes rdrand lahf_lm
"""
_LSCPU_AVX = """\
$ lscpu
Architecture:            x86_64
  Model name:            Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz
    Flags:               fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat
                         clflush mmx fxsr sse sse2 ss ht syscall nx lm constant_tsc pni ssse3
                         sse4_1 sse4_2 movbe popcnt aes avx f16c avx2 fma rdrand lahf_lm
"""
_CRASH = """\
(venv) $ python3 -c "import tensorflow as tf; print(tf.__version__)"
Illegal instruction (core dumped)
"""


def test_lscpu_without_avx_and_a_tensorflow_crash_fails() -> None:
    result = read(_CRASH + _LSCPU_NO_AVX)
    assert result is not None
    assert status(result, "other") == "fail"
    assert "host:cpu-without-avx" in {f.id for f in result.findings}
    assert fact(result, "cpu.avx") is False
    assert fact(result, "cpu.model") == "Intel(R) Celeron(R) CPU  J1900  @ 1.99GHz"


def test_the_same_crash_on_a_cpu_with_avx_stays_quiet() -> None:
    result = read(_CRASH + _LSCPU_AVX)
    assert result is not None
    assert "host:cpu-without-avx" not in {f.id for f in result.findings}
    assert fact(result, "cpu.avx") is True


def test_cpuinfo_of_a_vm_hiding_avx_names_the_vm() -> None:
    text = (
        "$ ollama serve\nSIGILL: illegal instruction\n"
        "model name\t: Common KVM processor\n"
        "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov sse sse2 "
        "ssse3 cx16 sse4_1 sse4_2 x2apic popcnt hypervisor lahf_lm\n"
    )
    result = read(text)
    assert result is not None
    finding = next(f for f in result.findings if f.id == "host:cpu-without-avx")
    assert finding.status == "fail"
    assert "virtual machine" in finding.detail and "host" in (finding.fix or "")


def test_a_cpu_named_in_a_sentence_is_a_warning() -> None:
    text = "My workstation has a Core i7-920 and a GTX 1070.\n>>> import jax\nIllegal instruction (core dumped)\n"
    result = read(text)
    assert result is not None
    finding = next(f for f in result.findings if f.id == "host:cpu-without-avx")
    assert finding.status == "warn"
    assert "inferred" in finding.detail


def test_a_newer_cpu_named_in_a_sentence_stays_quiet() -> None:
    text = "My workstation has a Core i7-9700K and a GTX 1070.\n>>> import jax\nIllegal instruction (core dumped)\n"
    result = read(text)
    assert result is None or "host:cpu-without-avx" not in {f.id for f in result.findings}


def test_tensorflow_on_a_cpu_without_avx_is_a_warning_before_it_crashes() -> None:
    text = _LSCPU_NO_AVX + "$ pip list | grep tensorflow\ntensorflow     2.15.0\n"
    result = read(text)
    assert result is not None
    assert status(result, "other") == "warn"


def test_tensorflows_avx2_notice_is_not_a_missing_cpu_instruction() -> None:
    text = (
        "2024-01-01 10:00:00.000000: I tensorflow/core/platform/cpu_feature_guard.cc:182] This "
        "TensorFlow binary is optimized to use available CPU instructions in performance-critical "
        "operations.\nTo enable the following instructions: AVX2 FMA, in other operations, "
        "rebuild TensorFlow with the appropriate compiler flags.\n" + _LSCPU_AVX
    )
    assert "other" not in fails(text)


def test_a_program_stating_its_cpu_lacks_avx_fails() -> None:
    text = (
        'time=2025-01-01T00:00:00 level=WARN source=gpu.go:250 msg="CPU does not have minimum '
        'vector extensions, GPU inference disabled" required=avx detected="no vector extensions"\n'
    )
    assert "other" in fails(text)
    jax = (
        "RuntimeError: This version of jaxlib was built using AVX instructions, which your CPU "
        "and/or operating system do not support.\n"
    )
    assert "cpu-lacks-vector-extensions" in signature_ids(jax)


def test_an_arm_cpus_flags_are_not_read_as_x86_without_avx() -> None:
    text = (
        "Illegal instruction (core dumped)\nimport tensorflow\n"
        "Model name: Cortex-A72\nFlags: fp asimd evtstrm crc32 cpuid\n"
    )
    result = read(text)
    assert result is None or "host:cpu-without-avx" not in {f.id for f in result.findings}


def test_ggml_cuda_status_2_is_out_of_memory() -> None:
    text = "CUDA error 2 at /src/ggml/ggml-cuda.cu:9100: out of memory\ncurrent device: 0\n"
    assert "out-of-memory" in categories(text)
    healthy = (
        "CUDA error 700 at /src/ggml/ggml-cuda.cu:9100: an illegal memory access was encountered\n"
    )
    assert "out-of-memory" not in categories(healthy)


def test_status_804_told_in_a_sentence_is_a_driver_warning() -> None:
    text = (
        "Inside the container I get error code 804 whenever torch starts.\n"
        "| NVIDIA-SMI 535.54.03   Driver Version: 535.54.03   CUDA Version: 12.2     |\n"
    )
    result = read(text)
    assert result is not None
    assert status(result, "driver-too-old") == "warn"
    healthy = (
        "Inside the container torch starts fine; the run took 804 seconds.\n"
        "| NVIDIA-SMI 535.54.03   Driver Version: 535.54.03   CUDA Version: 12.2     |\n"
    )
    assert "driver-too-old" not in categories(healthy)


def test_uva_unavailable_under_wsl2_is_wsls_pinned_memory() -> None:
    text = (
        "Linux DESKTOP-1 5.15.153.1-microsoft-standard-WSL2 #1 SMP x86_64 GNU/Linux\n"
        "RuntimeError: UVA is not available\n"
    )
    assert "wsl-issue" in categories(text)
    native = "Linux node1 6.8.0-45-generic #45-Ubuntu SMP x86_64 GNU/Linux\nRuntimeError: UVA is not available\n"
    assert "wsl-issue" not in categories(native)


def test_a_broken_wsl_flight_with_its_revision_and_a_failing_gpu_warns() -> None:
    text = (
        ">>> torch.zeros(1).cuda()\n"
        "RuntimeError: CUDA error: all CUDA-capable devices are busy or unavailable\n"
        "Windows: 21343.1000\n"
    )
    result = read(text)
    assert result is not None
    assert fact(result, "os.windows_build") == "21343"
    assert status(result, "wsl-issue") == "warn"
    released = text.replace("21343.1000", "19045.3693")
    assert "wsl-issue" not in categories(released)


def test_a_broken_flight_under_wsl2_that_shows_a_gpu_warns_without_an_error_line() -> None:
    text = (
        "Windows build number: 10.0.20236.1000\n"
        "Linux version 5.4.72-microsoft-standard-WSL2 (oe-user@oe-host)\n"
        "Device 0: NVIDIA GeForce RTX 2070\n"
    )
    assert "wsl-issue" in categories(text)
    fixed = text.replace("20236", "20257")
    assert "wsl-issue" not in fails(fixed)
    assert "platform:wsl-broken-flight" not in {f.id for f in read(fixed).findings}


def test_a_resolver_asking_for_a_macos_x86_64_wheel_names_an_x86_python() -> None:
    text = (
        "  × No solution found when resolving dependencies:\n"
        "  ╰─▶ Because torch==2.9.0 has no wheels with a matching platform tag (e.g., "
        "`macosx_15_0_x86_64`) and you require torch==2.9.0, we can conclude that your "
        "requirements are unsatisfiable.\n"
    )
    assert "mps-issue" in categories(text)
    native = text.replace("macosx_15_0_x86_64", "manylinux_2_17_s390x")
    assert "mps-issue" not in categories(native)


def _ids(text: str) -> set[str]:
    result = read(text)
    return {f.id for f in result.findings} if result is not None else set()


def test_an_oom_whose_numbers_show_memory_held_elsewhere_says_so() -> None:
    text = (
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.00 GiB. GPU 1 has a "
        "total capacity of 47.50 GiB of which 120.00 MiB is free. Including non-PyTorch memory, "
        "this process has 6.10 GiB memory in use. Of the allocated memory 5.50 GiB is allocated "
        "by PyTorch, and 200.00 MiB is reserved by PyTorch but unallocated.\n"
    )
    result = read(text)
    assert result is not None
    finding = next(f for f in result.findings if f.category == "out-of-memory")
    assert finding.id == "memory:held-elsewhere" and finding.status == "warn"
    assert "41.28 GiB is held elsewhere" in finding.detail
    own = text.replace("this process has 6.10 GiB", "this process has 47.20 GiB")
    assert "memory:held-elsewhere" not in _ids(own)
    assert "out-of-memory" in categories(own)


def test_an_older_oom_message_is_read_the_same_way() -> None:
    text = (
        "RuntimeError: CUDA out of memory. Tried to allocate 64.00 MiB (GPU 0; 7.79 GiB total "
        "capacity; 512.00 MiB already allocated; 31.44 MiB free; 530.00 MiB reserved in total by "
        "PyTorch)\n"
    )
    assert "memory:held-elsewhere" in _ids(text)
    full = text.replace("530.00 MiB reserved", "7.20 GiB reserved")
    assert "memory:held-elsewhere" not in _ids(full)
