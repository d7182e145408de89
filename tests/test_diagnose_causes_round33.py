"""Issue 21, blind round 33 (half healthy pastes, half ROCm / TPU / Intel XPU / Apple MPS): the
causes its misses showed, fixed in general and tested on text written here, not the corpus cases.

An Intel build (IPEX, torch+xpu, an MKL-linked torch) whose oneAPI runtime library is not on the
library path (oneMKL's libmkl_*, the SYCL runtime, the Level Zero loader, the compiler runtime) is
a missing library, in every soname and wording; the same names found, listed or loaded stay quiet.
The XPU allocator running out of memory is out-of-memory, a warning, never a fail."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fails, signature_ids

# --- an Intel oneAPI runtime library that cannot be loaded -------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "ImportError: libmkl_sycl.so.4: cannot open shared object file: No such file or directory",
        "OSError: libmkl_intel_lp64.so.2: cannot open shared object file: No such file or directory",
        "ImportError: libmkl_sycl_blas.so.5: cannot open shared object file: No such file or directory",
        "OSError: libmkl_core.so.2: cannot open shared object file: No such file or directory",
        "ImportError: libsycl.so.8: cannot open shared object file: No such file or directory",
        "ImportError: libze_loader.so.1: cannot open shared object file: No such file or directory",
        "OSError: libimf.so: cannot open shared object file: No such file or directory",
        "ImportError: libintlc.so.5: cannot open shared object file: No such file or directory",
    ],
)
def test_a_oneapi_runtime_library_not_found_is_missing_library(line: str) -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/opt/venv/lib/python3.11/site-packages/intel_extension_for_pytorch/__init__.py", line 95, in <module>\n'
        "    from .utils._proxy_module import *\n"
        f"{line}\n"
    )
    assert fails(text) == {"missing-library"}
    assert "cannot-open-oneapi-runtime" in signature_ids(text)


def test_tensorflow_not_found_wording_of_a_oneapi_library_is_missing_library() -> None:
    # Intel Extension for TensorFlow's plugin loader words it as NotFoundError.
    text = "tensorflow.python.framework.errors_impl.NotFoundError: libmkl_sycl.so.3: cannot open shared object file: No such file or directory\n"
    assert fails(text) == {"missing-library"}


@pytest.mark.parametrize(
    "text",
    [
        # ldd resolving the libraries: found, nothing missing
        "$ ldd libintel-ext-pt-gpu.so | grep mkl\n"
        "\tlibmkl_sycl.so.4 => /opt/intel/oneapi/mkl/2024.0/lib/libmkl_sycl.so.4 (0x00007f2a1c000000)\n"
        "\tlibmkl_intel_lp64.so.2 => /opt/intel/oneapi/mkl/2024.0/lib/libmkl_intel_lp64.so.2 (0x00007f2a1b000000)\n",
        # a sourced oneAPI environment and a working session
        ":: oneAPI environment initialized ::\n"
        ">>> import torch, intel_extension_for_pytorch as ipex\n"
        ">>> torch.xpu.is_available()\n"
        "True\n",
        # the libraries listed as installed packages
        "mkl                2024.0.0\nintel-sycl-rt      2024.0.2\nintel-cmplr-lib-rt 2024.0.2\n",
    ],
)
def test_oneapi_libraries_that_are_found_stay_quiet(text: str) -> None:
    assert "missing-library" not in categories(text)
    assert "cannot-open-oneapi-runtime" not in signature_ids(text)


def test_a_library_whose_name_only_starts_alike_is_not_a_oneapi_runtime() -> None:
    # libsystemd / libsyclx are not libsycl; the soname must be the runtime's own.
    text = "OSError: libsyclx.so.1: cannot open shared object file: No such file or directory\n"
    assert "cannot-open-oneapi-runtime" not in signature_ids(text)


# --- the Intel GPU allocator out of memory ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "torch.OutOfMemoryError: XPU out of memory. Tried to allocate 512.00 MiB. GPU 0 has a total "
        "capacity of 15.56 GiB of which 88.00 MiB is free.\n",
        "RuntimeError: XPU out of memory. Tried to allocate 3.00 GiB (GPU 0; 7.75 GiB total capacity)\n",
        "RuntimeError: level_zero backend failed with error: 39 (UR_RESULT_ERROR_OUT_OF_DEVICE_MEMORY)\n",
    ],
)
def test_the_xpu_running_out_of_memory_is_out_of_memory_and_no_fail(text: str) -> None:
    assert "out-of-memory" in categories(text)
    assert fails(text) == set()


def test_an_xpu_memory_report_without_an_error_stays_quiet() -> None:
    text = (
        ">>> torch.xpu.memory_allocated() / 2**30\n"
        "3.25\n"
        ">>> torch.xpu.get_device_properties(0).total_memory / 2**30\n"
        "15.56\n"
    )
    assert "out-of-memory" not in categories(text)
