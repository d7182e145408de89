"""Session 46 (issue 21), integrator's rules from the development halves of sets 33-35: uv's
"no source distribution or wheel for the current platform", NVRTC refusing the GPU's
architecture, MindSpore's import-time CUDA checks, MLX on a non-native Python, and a driver of a
CUDA release's branch that predates the release's GA driver."""

from __future__ import annotations

import yaml

from recommender.facts.reports.gpus import load_gpu_table, max_cuda_for_driver
from recommender.rulebase.load import bundled_dir
from tests.pastes import categories, fails, run, signature_ids

UV = (
    "$ uv add torch\n"
    "  x No solution found when resolving dependencies:\n"
    "  `-> Because torch==2.5.1 {} and you require torch, we can conclude that your "
    "requirements are unsatisfiable.\n"
)


def test_uv_without_a_build_for_this_platform_is_no_matching_wheel():
    for words in (
        "can't be installed because it doesn't have a source distribution or wheel for the "
        "current platform",
        "has no source distribution or wheel for the current platform",
    ):
        # a lock or pin may name a build meant for other platforms only: a warning
        assert "no-matching-wheel" in categories(UV.format(words))
        assert "no-matching-wheel" not in fails(UV.format(words))
    assert "uv-no-file-for-current-platform" not in signature_ids(UV.format("was yanked"))


SMI = (
    "| NVIDIA-SMI 535.54.03    Driver Version: 535.54.03    CUDA Version: 12.2     |\n"
    "|   0  NVIDIA GeForce RTX 4090  On   | 00000000:01:00.0  On |                  N/A |\n"
)


def test_nvrtc_refusing_the_architecture_is_a_build_older_than_the_gpu():
    text = SMI + "nvrtc: error: invalid value for --gpu-architecture (-arch)\n"
    assert "arch-unsupported" in fails(text)
    other = SMI + "nvrtc: error: failed to open libnvrtc-builtins.so.11.1.\n"
    assert "nvrtc-unknown-gpu-architecture" not in signature_ids(other)


def test_mindspore_import_checks_name_the_mismatch_and_the_missing_libraries():
    for line in (
        "OSError: MindSpore version 1.0.0 and cuda version 10.0 does not match, please refer",
        "[WARNING] ME: MindSpore version 2.2.0 and nvcc(cuda bin) version 11.1 does not match,",
        "MindSpore version 1.8.1 and Ascend 910 AI software package version 1.79 does not match,",
    ):
        assert "version-mismatch" in fails(line + "\n"), line
    lib = "[ERROR] ME: cuDNN (need by mindspore-gpu) is not found, please confirm that\n"
    assert "missing-library" in fails(lib)
    assert "mindspore-cuda-version-check" not in signature_ids(
        "MindSpore version 2.2.0 is installed and imports fine\n"
    )


PIP_MLX = (
    "ERROR: Could not find a version that satisfies the requirement mlx (from versions: none)\n"
    "ERROR: No matching distribution found for mlx\n"
)


def test_mlx_not_found_on_apple_silicon_is_a_non_native_python():
    assert "mps-issue" in fails(PIP_MLX + "Environment: virtualenv, Apple M2 Pro\n")
    # without Apple silicon in the paste it is only a warning (Linux has its own floors)
    assert "mps-issue" in categories(PIP_MLX)
    assert "mps-issue" not in fails(PIP_MLX)
    assert "mlx-no-distribution-non-native-python" not in signature_ids(
        "ERROR: No matching distribution found for mlx-lm==9.9\n"
    )


def test_an_early_driver_of_a_branch_runs_the_previous_release():
    table = load_gpu_table()
    assert max_cuda_for_driver("384.69", table) == "8.0"
    assert max_cuda_for_driver("384.81", table) == "9.0"
    assert max_cuda_for_driver("384.130", table) == "9.0"
    assert max_cuda_for_driver("390.25", table) == "9.0"
    assert max_cuda_for_driver("440.26", table) == "10.1"
    assert max_cuda_for_driver("440.33.01", table) == "10.2"
    assert max_cuda_for_driver("535.54.03", table) == "12.2"


def test_the_first_ga_drivers_are_the_wheel_tables_linux_column():
    table = load_gpu_table()
    doc = yaml.safe_load((bundled_dir() / "wheels.yaml").read_text(encoding="utf-8"))
    linux = {row["cuda"]: row["linux"] for row in doc["cuda_drivers"]}
    for cuda, driver in table.first_ga.items():
        assert ".".join(map(str, driver)) == linux[cuda], cuda


TF_OLD_DRIVER = (
    "E tensorflow/stream_executor/cuda/cuda_dnn.cc:385] could not create cudnn handle: "
    "CUDNN_STATUS_NOT_INITIALIZED\n"
    "tensorflow version: 1.5.0\nCUDA: 9.0\nCudnn: 7.0\nDriver Version: {}\n"
)


def test_tensorflow_on_a_driver_before_the_releases_ga_driver():
    assert "driver-too-old" in fails(TF_OLD_DRIVER.format("384.69"))
    assert "driver-too-old" not in fails(TF_OLD_DRIVER.format("384.111"))


MAILED = (
    "(env) $ conda list | grep 'torch\\|cuda'\n"
    "*cuda*-*cuda*rt               11.8.89                       0    nvidia\n"
    "py*torch*                   2.0.0              py3.10_cpu_0    py*torch*\n"
    "py*torch*-*cuda*              11.8                 h7e8668a_3    py*torch*\n"
    "py*torch*-mutex             1.0                         cpu    py*torch*\n"
)


def test_a_conda_list_whose_grep_matches_an_email_reply_starred_is_read():
    assert "cpu-wheel-on-gpu" in categories(MAILED)
    assert "cpu-wheel-on-gpu" in categories(MAILED.replace("*", ""))
    # a bullet's "* " is not a starred word: the line stays prose
    assert "cpu-wheel-on-gpu" not in categories("* pytorch 2.0.0 py3.10_cpu_0 is what I have\n")


REPLACED = (
    "$ pip3 install -U {asked} --index-url https://download.pytorch.org/whl/cu121\n"
    "Installing collected packages: torch, xformers\n"
    "  Attempting uninstall: torch\n"
    "    Found existing installation: torch 2.4.1\n"
    "    Uninstalling torch-2.4.1:\n"
    "      Successfully uninstalled torch-2.4.1\n"
)


def test_an_install_that_did_not_ask_for_torch_but_replaced_it_is_a_version_pair():
    for asked in ("xformers", "vllm==0.6.3", "torchvision"):
        text = REPLACED.format(asked=asked)
        assert "version-mismatch" in categories(text), asked
        assert "version-mismatch" not in fails(text), asked
    report = run(REPLACED.format(asked="xformers"))
    assert any("torch 2.4.1" in f.title for f in report.findings)


def test_asking_for_torch_or_a_requirements_file_stays_quiet():
    for asked in ("torch torchvision", "torch==2.5.1 xformers", "-r requirements.txt"):
        assert "version-mismatch" not in categories(REPLACED.format(asked=asked)), asked
    # no uninstall of torch: nothing replaced
    quiet = "$ pip install xformers\nSuccessfully installed xformers-0.0.28\n"
    assert "version-mismatch" not in categories(quiet)


def test_a_cuda_function_the_frameworks_stub_cannot_find_is_another_cuda_release():
    jax = (
        "jaxlib.xla_extension.XlaRuntimeError: INTERNAL: CustomCall failed: "
        "jaxlib/cuda/cuda_prng_kernels.cc:32: operation cudaGetLastError() failed: "
        "cudaGetErrorString symbol not found.\n"
    )
    tf = "F external/xla/xla/tsl/cuda/cublas_stub.cc:61] cublasLtCreate symbol not found.\n"
    for text in (jax, tf):
        assert "version-mismatch" in fails(text), text
    # other programs' symbols are not CUDA's
    assert "cuda-stub-symbol-not-found" not in signature_ids('error: "this" symbol not found.\n')
