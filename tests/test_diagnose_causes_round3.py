"""Issue 21, third blind round: the causes its misses showed, fixed in general and tested on text
written here (not the corpus cases): wordings of torch's architecture checks (the 2.8+ capability
list, the last line of the sm_XX warning, 1.x's "too old" warning), Flash Attention V2's check as
text-generation-inference loads it, MPS running out of memory, PJRT's struct-size mismatch and a
package list with a jax plugin of another release than jaxlib; TensorFlow's tested CUDA/cuDNN per
release; WSL 2 on a Windows build without GPU support, and WSL named only in prose; and no
"CPU-only build" on macOS, where no torch build has CUDA."""

from __future__ import annotations

import pytest

from tests.pastes import run as _run

# --- torch's architecture checks, in the wordings they print ----------------------------------


def test_the_capability_list_warning_is_arch_unsupported() -> None:
    text = (
        "UserWarning: Found GPU0 NVIDIA GeForce GTX 1070 which is of compute capability (CC) 6.1.\n"
        "The following list shows the CCs this version of PyTorch was built for and the hardware CCs it supports:\n"
        "- 7.5 which supports hardware CC >=7.5,<8.0\n"
        "- 8.0 which supports hardware CC >=8.0,<9.0 except {8.7}\n"
    )
    result = _run(text)
    assert "arch-unsupported" in result.categories
    assert result.failed


def test_the_capability_list_warning_on_a_jetson_is_only_a_warning() -> None:
    # torch's desktop wheels exclude the Tegra iGPU's 8.7 from the 8.0 range; PTX may still run.
    text = "UserWarning: Found GPU0 Orin which is of compute capability (CC) 8.7.\n"
    result = _run(text)
    assert "arch-unsupported" in result.categories
    assert not result.failed


def test_the_last_line_of_the_sm_warning_alone_is_arch_unsupported() -> None:
    text = (
        "some log line\n"
        "If you want to use the NVIDIA GeForce RTX 5060 GPU with PyTorch, please check the "
        "instructions at https://pytorch.org/get-started/locally/\n"
    )
    result = _run(text)
    assert "arch-unsupported" in result.categories
    assert result.failed


def test_torch_1x_too_old_warning_is_arch_unsupported() -> None:
    text = (
        "UserWarning:\n"
        "    Found GPU0 Quadro K2000 which is of cuda capability 3.0.\n"
        "    PyTorch no longer supports this GPU because it is too old.\n"
    )
    result = _run(text)
    assert "arch-unsupported" in result.categories
    assert result.failed


# --- libraries, memory and plugins ----------------------------------------------------------


def test_flash_attention_v2_capability_check_is_the_librarys_kernels() -> None:
    text = "ImportError: GPU with CUDA capability 7 5 is not supported for Flash Attention V2\n"
    result = _run(text)
    assert "library-kernels-unsupported" in result.categories
    assert "arch-unsupported" not in result.categories


def test_mps_out_of_memory_is_out_of_memory_not_a_cpu_build() -> None:
    text = (
        "RuntimeError: MPS backend out of memory (MPS allocated: 17.36 GB, other allocations: "
        "613.56 MB, max allowed: 18.13 GB). Tried to allocate 192.00 MB on private pool.\n"
        "PyTorch version: 2.5.1\n"
        "CUDA used to build PyTorch: None\n"
        "OS: macOS 15.1 (arm64)\n"
    )
    result = _run(text)
    assert "out-of-memory" in result.categories
    assert "cpu-wheel-on-gpu" not in result.categories
    assert not result.failed


def test_a_cpu_build_on_linux_next_to_a_gpu_still_fails() -> None:
    text = (
        "PyTorch version: 2.5.1+cpu\n"
        "CUDA used to build PyTorch: None\n"
        "OS: Ubuntu 22.04.4 LTS (x86_64)\n"
        "GPU models and configuration: GPU 0: NVIDIA GeForce RTX 3060\n"
    )
    result = _run(text)
    assert "cpu-wheel-on-gpu" in result.categories
    assert result.failed


def test_pjrt_struct_size_mismatch_is_a_version_mismatch() -> None:
    text = (
        "jaxlib.xla_extension.XlaRuntimeError: INVALID_ARGUMENT: Unexpected PJRT_Plugin_Attributes_Args "
        "size: expected 32, got 24. The plugin is likely built with a later version than the framework.\n"
    )
    result = _run(text)
    assert "version-mismatch" in result.categories
    assert result.failed


def test_a_package_list_with_a_jax_plugin_of_another_release_fails() -> None:
    text = (
        "jax                       0.6.0\n"
        "jax-cuda12-pjrt           0.6.2\n"
        "jax-cuda12-plugin         0.6.2\n"
        "jaxlib                    0.6.0\n"
        "numpy                     2.2.6\n"
    )
    result = _run(text)
    assert "version-mismatch" in result.categories
    assert result.failed


def test_a_package_list_with_matching_jax_plugin_is_fine() -> None:
    text = (
        "jax                       0.6.2\n"
        "jax-cuda12-pjrt           0.6.2\n"
        "jax-cuda12-plugin         0.6.2\n"
        "jaxlib                    0.6.2\n"
        "numpy                     2.2.6\n"
    )
    result = _run(text)
    assert "version-mismatch" not in result.categories


# --- TensorFlow's tested CUDA/cuDNN ----------------------------------------------------------


@pytest.mark.parametrize(
    ("tf", "libs", "mismatch"),
    [
        ("2.3.0", "10.1/7.6.5", False),
        ("2.3.0", "10.1/8.0.5", True),  # cuDNN 8 where TF 2.3 loads libcudnn.so.7
        ("2.2.0", "10.2, 7.6", True),  # before CUDA 11 the minor must match (libcudart.so.10.1)
        ("2.6.0", "11.4/8.2", False),  # CUDA 11.x minor versions load libcudart.so.11.0
        ("2.10.0", "CUDA 11.2, cuDNN 8.1", False),
        ("2.12.0", "12.1/8.9", True),
    ],
)
def test_tensorflow_template_against_the_tested_cuda_and_cudnn(
    tf: str, libs: str, mismatch: bool
) -> None:
    text = (
        "**System information**\n"
        "- OS Platform and Distribution (e.g., Linux Ubuntu 16.04): Ubuntu 20.04\n"
        f"- TensorFlow version (use command below): {tf}\n"
        f"- CUDA/cuDNN version: {libs}\n"
        "- GPU model and memory: GeForce RTX 2070, 8GB\n"
    )
    result = _run(text)
    assert ("version-mismatch" in result.categories) is mismatch
    # A stated version alone is a warning (it may be nvidia-smi's or the host's, not the one
    # conda or Docker gives TensorFlow); a library that failed to load makes it a fail.
    assert not result.failed
    failed = _run(
        text + "Could not load dynamic library 'libcudnn.so.7'; dlerror: libcudnn.so.7: "
        "cannot open shared object file: No such file or directory\n"
    )
    # A load error for cuDNN 7 beside a stated cuDNN 8 is a mismatch of its own
    # (decide/diagnosis/cudnn.py), whatever TensorFlow's table says.
    cudnn_8_stated = libs.rstrip().endswith(("/8.2", "cuDNN 8.1", "/8.9", "/8.0.5"))
    assert ("version-mismatch" in failed.categories) is (mismatch or cudnn_8_stated)


def test_a_stated_cudnn_with_a_load_error_fails_as_a_version_mismatch() -> None:
    text = (
        "- TensorFlow version: 2.3.0\n- CUDA/cuDNN version: 10.1/8.0.5\n"
        "- GPU model and memory: GeForce RTX 2070, 8GB\n"
        "W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic "
        "library 'libcudnn.so.7'; dlerror: libcudnn.so.7: cannot open shared object file: No such "
        "file or directory\n"
    )
    result = _run(text)
    # TensorFlow's table check and the load error's cuDNN 7 beside the stated cuDNN 8 say the same:
    # one version-mismatch fail that quotes the stated line and the load error (the table check's
    # own finding is folded under it, its lines being a subset).
    [finding] = [f for f in result.findings if f.category == "version-mismatch"]
    assert finding.status == "fail"
    assert {q.line for q in finding.quotes} >= {2, 4}


def test_tensorflow_new_template_headings_are_read() -> None:
    text = (
        "### TensorFlow version\n\n2.4.1\n\n"
        "### OS platform and distribution\n\nLinux Ubuntu 20.04\n\n"
        "### CUDA/cuDNN version\n\n10.1 / 7.6\n\n"
        "### GPU model and memory\n\nRTX 3090\n"
    )
    result = _run(text)
    assert "version-mismatch" in result.categories


def test_cuda_lines_without_tensorflow_state_nothing() -> None:
    text = "PyTorch version: 2.1.0+cu121\nIs CUDA available: True\ncuDNN: 7.6\nCUDA: 10.1\n"
    result = _run(text)
    assert "version-mismatch" not in result.categories


def test_tensorflow_from_2_14_is_only_warned() -> None:
    text = "- TensorFlow version: 2.15.0\n- CUDA/cuDNN version: 11.8/8.6\n"
    result = _run(text)
    assert "version-mismatch" in result.categories
    assert not result.failed


# --- WSL ------------------------------------------------------------------------------------


def test_wsl2_on_a_windows_10_build_before_21h2_fails() -> None:
    text = (
        "### Windows Version\n\nMicrosoft Windows [Version 10.0.19043.1288]\n\n"
        "### WSL Version\n\n- [X] WSL 2\n- [ ] WSL 1\n\n"
        "torch.cuda.is_available() returns False\n"
    )
    result = _run(text)
    assert "wsl-issue" in result.categories
    assert result.failed


@pytest.mark.parametrize("build", ["19044", "19045", "22631"])
def test_wsl2_on_a_windows_build_with_gpu_support_does_not_fail(build: str) -> None:
    text = f"Microsoft Windows [Version 10.0.{build}.1000]\n- [X] WSL 2\n"
    result = _run(text)
    assert not result.failed


def test_wsl_named_in_prose_makes_a_missing_libcuda_wsls_library_path() -> None:
    text = (
        "I run this inside the Windows Subsystem for Linux with Ubuntu.\n"
        "Could not load library libcudnn_ops_infer.so.8. Error: libcuda.so: cannot open shared "
        "object file: No such file or directory\n"
    )
    result = _run(text)
    assert "wsl-issue" in result.categories


def test_a_missing_libcuda_without_wsl_is_not_a_wsl_issue() -> None:
    text = (
        "Could not load library libcudnn_ops_infer.so.8. Error: libcuda.so: cannot open shared "
        "object file: No such file or directory\n"
    )
    result = _run(text)
    assert "wsl-issue" not in result.categories


# --- uv's install summary as a package list --------------------------------------------------


def test_uv_install_summary_is_a_package_list_and_removed_lines_are_not() -> None:
    text = (
        "Installed 4 packages in 41ms\n"
        " + jax==0.6.1\n"
        " + jax-cuda12-plugin==0.6.2\n"
        " + jaxlib==0.6.1\n"
        " - torch==2.4.0\n"
    )
    result = _run(text)
    paths = {f.path: f.value for f in result.facts}
    assert paths.get("package.jaxlib") == "0.6.1"
    assert "frameworks.pytorch.version" not in paths
    assert "version-mismatch" in result.categories
