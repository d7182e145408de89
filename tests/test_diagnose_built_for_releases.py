"""Issue 21, session 43 (part A): a library's name carries the release it belongs to, so a module
asking for it was built for that release. Text written here, each with a quiet counterpart.

1. torch's own libraries that only some torch releases ship (``libtorch_cuda_cu.so`` and
   ``libtorch_cuda_cpp.so``, the split CUDA builds of 1.8 to 1.13; compat.yaml
   ``torch_release_libraries``): an extension asking for one was built against those releases.
2. A cuDNN library of one major (``cudnn64_7.dll``, ``libcudnn.so.7``) asked for where the paste
   states only CUDA releases that major was never built for (compat.yaml ``cudnn_cuda``, NVIDIA's
   support matrices): the package asking was built for another CUDA; the file is missing too, so
   both categories. A cuDNN of the stated CUDA's era that is merely not on the path stays
   missing-library only.
"""

from __future__ import annotations

from tests.pastes import categories, fails, read, statuses

# --- 1. torch's libraries of some releases only ----------------------------------------------


def test_split_cuda_library_next_to_torch_2_is_a_failure() -> None:
    text = (
        ">>> import torch\n"
        ">>> torch.__version__\n"
        "'2.2.1+cu121'\n"
        ">>> import fused_dense_lib\n"
        "Traceback (most recent call last):\n"
        '  File "<stdin>", line 1, in <module>\n'
        "ImportError: libtorch_cuda_cpp.so: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" in fails(text)


def test_split_cuda_library_alone_is_a_warning_naming_the_importer() -> None:
    text = (
        '  File "/usr/local/lib/python3.10/dist-packages/spconv/core_cc/__init__.py", line 3\n'
        "    from spconv import core_cc\n"
        "ImportError: libtorch_cuda_cu.so: cannot open shared object file: No such file or directory\n"
    )
    result = read(text)
    assert result is not None
    assert statuses(result, "version-mismatch") == {"warn"}
    finding = next(f for f in result.findings if f.category == "version-mismatch")
    assert "spconv" in finding.title


def test_windows_split_dll_is_read_too() -> None:
    text = (
        '  File "C:\\venv\\Lib\\site-packages\\torch_scatter\\__init__.py", line 16\n'
        "    torch.ops.load_library(spec.origin)\n"
        "FileNotFoundError: Could not find module 'C:\\venv\\Lib\\site-packages\\torch\\lib\\"
        "torch_cuda_cu.dll' (or one of its dependencies). Try using the full path with constructor"
        " syntax.\n"
    )
    result = read(text)
    assert result is not None
    finding = next(f for f in result.findings if f.category == "version-mismatch")
    assert "torch-scatter" in finding.title and finding.status == "warn"


def test_split_library_next_to_a_torch_that_ships_it_is_not_another_release() -> None:
    text = (
        ">>> import torch\n"
        ">>> torch.__version__\n"
        "'1.12.1+cu113'\n"
        "ImportError: libtorch_cuda_cu.so: cannot open shared object file: No such file or directory\n"
    )
    assert "version-mismatch" not in categories(text)


def test_torch_own_merged_library_is_not_judged() -> None:
    text = "OSError: libtorch_cuda.so: cannot open shared object file: No such file or directory\n"
    result = read(text)
    assert result is None or "version-mismatch" not in categories(text)


# --- 2. a cuDNN major never built for the stated CUDA ------------------------------------------


def test_cudnn_7_dll_next_to_cuda_11_is_both_missing_and_another_release() -> None:
    text = (
        "RuntimeError: (PreconditionNotMet) The third-party dynamic library (cudnn64_7.dll) that "
        "Paddle depends on is not configured correctly. (error code is 126)\n"
        "My environment: Windows 11, CUDA 11.7, cuDNN 8.4\n"
        "paddlepaddle-gpu          2.3.2\n"
    )
    assert {"missing-library", "version-mismatch"} <= categories(text)


def test_cudnn_so_7_next_to_cuda_12_from_nvcc() -> None:
    text = (
        "OSError: libcudnn.so.7: cannot open shared object file: No such file or directory\n"
        "$ nvcc --version\n"
        "nvcc: NVIDIA (R) Cuda compiler driver\n"
        "Cuda compilation tools, release 12.1, V12.1.105\n"
    )
    assert "version-mismatch" in categories(text)


def test_cudnn_of_the_stated_cuda_era_stays_missing_library_only() -> None:
    text = (
        "OSError: libcudnn.so.8: cannot open shared object file: No such file or directory\n"
        "$ nvcc --version\n"
        "Cuda compilation tools, release 11.8, V11.8.89\n"
    )
    found = categories(text)
    assert "version-mismatch" not in found


def test_cudnn_and_the_driver_cuda_of_nvidia_smi_is_not_the_toolkit() -> None:
    text = (
        "OSError: libcudnn.so.7: cannot open shared object file: No such file or directory\n"
        "| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
    )
    assert "version-mismatch" not in categories(text)
