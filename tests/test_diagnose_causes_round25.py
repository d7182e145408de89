"""Issue 21, blind round 25 (21e, every dump format): the causes its misses showed, fixed in general
and tested on text written here (not the corpus cases): the container runtime's CUDA requirement
in its other generations and outcomes (nvidia-docker 1.0's "driver X < image Y", libnvidia-container
naming the failed Tesla driver-branch alternative), TensorFlow's template stating a CUDA major
alone ("CUDA/cuDNN version: 10"), collect_env GPU rows cut short of the model name (a sentence
completes them; package rows end the GPU list), vLLM's own collect_env naming vLLM by itself, and
the CUDA toolkit's own reports (nvcc --version, version.txt/json, nvcc rows of other dumps) against
the CUDA torch was built with."""

from __future__ import annotations

import pytest

from recommender.facts.reports.text import split_report
from recommender.facts.reports.toolkit import read as read_toolkit
from tests.pastes import diagnosed


def _run(text: str, repository: str | None = None):
    return diagnosed(text, "paste.txt", repository=repository)


def _status(result, category: str) -> str | None:
    return next((f.status for f in result.findings if f.category == category), None)


# --- the container runtime's CUDA requirement, every generation ---------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "nvidia-docker | 2016/08/22 12:54:02 Error: unsupported CUDA version: driver 7.5 < image 8.0",
        "nvidia-docker | 2017/09/27 19:42:59 Error: unsupported CUDA version: driver 7.5 < image 8.0.61",
        "Error: unsupported CUDA version: driver 8.0 < image 9.0.176",
        "nvidia-container-cli: requirement error: unsatisfied condition: brand = tesla",
        "nvidia-container-cli: requirement error: unsatisfied condition: driver < 385",
        'stderr: nvidia-container-cli: requirement error: unsatisfied condition: driver >= 410\\\\n\\"": unknown.',
        "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.9, please update your driver to a newer version, or use an earlier cuda container",
    ],
)
def test_the_container_cuda_requirement_is_a_driver_too_old(line: str) -> None:
    result = _run(f"$ docker run --runtime=nvidia --rm nvidia/cuda nvidia-smi\n{line}\n")
    assert _status(result, "driver-too-old") == "fail"


def test_nvidia_docker_reaching_no_driver_is_not_read_as_a_driver_too_old() -> None:
    # "driver 0.0": cudaDriverGetVersion reached no driver at all (libcuda missing).
    result = _run(
        "| NVIDIA-SMI 375.26                 Driver Version: 375.26                    |\n"
        "$ nvidia-docker run --rm nvidia/cuda nvidia-smi\n"
        "Error: unsupported CUDA version: driver 0.0 < image 8.0.61\n"
    )
    assert "driver-too-old" not in result.categories


def test_a_container_that_meets_its_requirement_is_not_failed() -> None:
    result = _run(
        "exec command: [/usr/bin/nvidia-container-cli --load-kmods configure --require=cuda>=10.1 "
        "brand=tesla,driver>=384,driver<385 --pid=23344 /var/lib/docker/overlay2/x/merged]\n"
        "| NVIDIA-SMI 418.67       Driver Version: 418.67       CUDA Version: 10.1     |\n"
    )
    assert "driver-too-old" not in result.categories


# --- TensorFlow's template with a CUDA major alone ----------------------------------------------

_TF = """**System information**
- OS Platform and Distribution (e.g., Linux Ubuntu 16.04): Ubuntu 18.04
- TensorFlow installed from (source or binary): binary
- TensorFlow version: {tf}
- Python version: 3.6
- {cuda_line}
- GPU model and memory: GTX 1080 Ti
"""


@pytest.mark.parametrize(
    ("tf", "cuda_line"),
    [
        ("1.12.0 (tensorflow-gpu)", "CUDA/cuDNN version: 10"),
        ("1.13.1", "CUDA/cuDNN version: 9.0 / 7.4"),
        ("2.4.0", "CUDA: 10"),
        ("2.3.0", "CUDA/cuDNN version: 11"),
        ("1.15.0", "CUDA version: 9"),
    ],
)
def test_a_cuda_release_the_tensorflow_release_was_not_built_for(tf: str, cuda_line: str) -> None:
    result = _run(_TF.format(tf=tf, cuda_line=cuda_line))
    assert "version-mismatch" in result.categories


@pytest.mark.parametrize(
    ("tf", "cuda_line"),
    [
        ("2.4.0", "CUDA/cuDNN version: 11"),  # 2.4 is built for 11.0: the same major
        ("1.12.0", "CUDA/cuDNN version: 9"),  # "9" under CUDA/cuDNN: cuDNN's or CUDA's, unread
        ("1.12.0", "CUDA/cuDNN version: 8"),
        ("1.14.0", "CUDA/cuDNN version: 10.0"),
    ],
)
def test_a_tensorflow_template_without_proof_of_another_cuda(tf: str, cuda_line: str) -> None:
    result = _run(_TF.format(tf=tf, cuda_line=cuda_line))
    assert "version-mismatch" not in result.categories


# --- collect_env GPU rows cut short, package rows after them ------------------------------------

_VLLM_CUT = """{title}
==============================
        System Info
==============================
OS                           : Ubuntu 22.04.4 LTS (x86_64)

==============================
       PyTorch Info
==============================
PyTorch version              : 2.7.0+cu126
CUDA used to build PyTorch   : 12.6

==============================
       CUDA / GPU Info
==============================
Is CUDA available            : True
GPU models and configuration :
GPU 0: {row}"""


@pytest.mark.parametrize(
    ("title", "row"),
    [
        ("vLLM fails on my GTX 1080 Ti (Compute 6.1)", "NVIDIA GeForce GTX"),
        ("[Bug]: cannot start the server on a Tesla P100", "Tesla"),
        ("no kernel image on a Tesla P40 with vLLM 0.8.5", "Tesla P"),
    ],
)
def test_a_cut_gpu_row_is_completed_by_the_gpu_a_sentence_names(title: str, row: str) -> None:
    result = _run(_VLLM_CUT.format(title=title, row=row))
    assert _status(result, "library-kernels-unsupported") == "fail"


def test_a_completed_gpu_that_vllm_covers_is_not_failed() -> None:
    result = _run(_VLLM_CUT.format(title="slow decoding on my RTX 4090", row="NVIDIA GeForce RTX"))
    assert not result.failed


def test_a_sentence_naming_another_gpu_does_not_rename_a_cut_row() -> None:
    # the row's own words come first: "Tesla" is not an RTX 4090
    result = _run(_VLLM_CUT.format(title="worked on my RTX 4090 at home", row="Tesla"))
    assert "library-kernels-unsupported" not in result.categories


def test_package_rows_end_the_gpu_list_without_a_blank_line() -> None:
    report = split_report(
        "PyTorch version: 2.1.0+cu121\nIs CUDA available: True\nGPU models and configuration:\n"
        "GPU 0: NVIDIA A100-SXM4-80GB\n[pip3] numpy==1.26.4\n[pip3] torch==2.1.0\n"
        "[conda] torch                     2.1.0                    pypi_0    pypi\n"
    )
    assert report.gpu_rows == ("GPU 0: NVIDIA A100-SXM4-80GB",)
    assert report.pip == ("numpy==1.26.4", "torch==2.1.0")
    assert len(report.conda) == 1


# --- vLLM's own collect_env names vLLM ----------------------------------------------------------


def test_a_vllm_collect_env_on_pascal_is_vllms_kernels_even_without_its_version_row() -> None:
    result = _run(_VLLM_CUT.format(title="", row="Tesla P100-PCIE-16GB"))
    assert _status(result, "library-kernels-unsupported") == "fail"


def test_a_torch_collect_env_on_pascal_names_no_library() -> None:
    result = _run(
        "Collecting environment information...\nPyTorch version: 2.3.1+cu121\n"
        "CUDA used to build PyTorch: 12.1\nIs CUDA available: True\n"
        "GPU models and configuration:\nGPU 0: Tesla P100-PCIE-16GB\n"
        "Nvidia driver version: 535.104.05\n"
    )
    assert "library-kernels-unsupported" not in result.categories


# --- the CUDA toolkit's own reports against torch's CUDA ---------------------------------------


@pytest.mark.parametrize(
    ("text", "release"),
    [
        (
            "$ nvcc --version\nnvcc: NVIDIA (R) Cuda compiler driver\nCopyright (c) 2005-2019 NVIDIA Corporation\n"
            "Built on Sun_Jul_28_19:07:16_PDT_2019\nCuda compilation tools, release 10.1, V10.1.243\n",
            "10.1",
        ),
        ("$ cat /usr/local/cuda/version.txt\nCUDA Version 10.0.130\n", "10.0"),
        (
            '$ cat /usr/local/cuda/version.json\n{\n   "cuda" : {\n      "name" : "CUDA SDK",\n'
            '      "version" : "11.8.0"\n   },\n',
            "11.8",
        ),
        ("NVCC                   Cuda compilation tools, release 9.0, V9.0.176\n", "9.0"),
    ],
)
def test_the_toolkit_release_is_read_from_each_of_its_reports(text: str, release: str) -> None:
    blocks = read_toolkit(text.splitlines())
    assert [f.value for b in blocks for f in b.facts if f.path == "toolkit.nvcc"] == [release]


_D2 = """---------------------  --------------------------------------------------
sys.platform           linux
detectron2._C          failed to import
PyTorch                1.3.0
CUDA available         True
GPU 0                  TITAN RTX
NVCC                   Cuda compilation tools, release {nvcc}, V9.0.176
torchvision arch flags  sm_35, sm_50, sm_60, sm_70, sm_75
---------------------  --------------------------------------------------
PyTorch built with:
  - GCC 7.3
  - CUDA Runtime 10.1
"""


def test_a_toolkit_of_another_major_than_torch_fails_a_build() -> None:
    result = _run(_D2.format(nvcc="9.0"))
    assert _status(result, "version-mismatch") == "fail"


def test_the_same_major_toolkit_is_fine() -> None:
    result = _run(_D2.format(nvcc="10.2"))
    assert "version-mismatch" not in result.categories


@pytest.mark.parametrize(
    "text",
    [
        # sglang's check_env: nvcc 11.7 beside torch cu124, no build under way: a warning
        "Python: 3.11.11\nCUDA available: True\nGPU 0: NVIDIA A100-SXM4-80GB\n"
        "GPU 0 Compute Capability: 8.0\nCUDA_HOME: /usr/local/cuda\n"
        "NVCC: Cuda compilation tools, release 11.7, V11.7.64\nCUDA Driver Version: 535.54.03\n"
        "PyTorch: 2.5.1+cu124\nsglang: 0.4.5\n",
        # ds_report's rows
        "DeepSpeed general environment info:\ntorch version .................... 2.3.0+cu121\n"
        "torch cuda version ............... 12.1\nnvcc version ..................... 11.8\n",
    ],
)
def test_a_toolkit_mismatch_in_a_dump_alone_is_a_warning(text: str) -> None:
    result = _run(text)
    assert _status(result, "version-mismatch") == "warn"
    assert not result.failed


def test_a_cpu_build_has_no_toolkit_question() -> None:
    result = _run(
        "$ nvcc --version\nCuda compilation tools, release 11.8, V11.8.89\n"
        ">>> import torch\n>>> torch.__version__\n'2.2.0+cpu'\n"
    )
    assert _status(result, "version-mismatch") is None
