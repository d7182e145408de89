"""Issue 21, blind round 18 (21d: nvidia-smi, pip list/freeze/show and conda list pastes): the causes
its misses showed, fixed in general and tested on text written here (not the corpus cases):

* conda's mutex / selector meta-packages, whose build is the bare name of the variant they select
  (``_tflow_select 2.3.0 mkl``, ``pytorch-mutex 1.0 cpu``): such rows were taken for prose, so a
  conda list made of them was not read, and the CPU build they prove went unseen;
* a ``+cpu`` torch next to a torchvision / torchaudio without a local label on Linux: PyPI's
  companion is built against PyPI's CUDA torch (the ``torchvision::nms does not exist`` family);
* torchaudio before 0.10 had no CUDA code, so an unlabelled one next to a ``+cuXXX`` torch is the
  pair PyTorch's own index installed, not a mismatch;
* NVML's "Unknown Error" retold without the colon, and torch's OOM exception named by its class
  alone (``torch.OutOfMemoryError``, ``torch.cuda.OutOfMemoryError``)."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import run

# --- conda's selector / mutex meta-packages --------------------------------------------------------

_CONDA_HEAD = "# Name                    Version                   Build  Channel\n"


@pytest.mark.parametrize(
    "row",
    [
        "_tflow_select             2.3.0                       mkl",
        "_tflow_select             2.1.0                     eigen    anaconda",
        "_tflow_select             2.3.0                       mkl  ",
    ],
)
def test_anacondas_cpu_tensorflow_selector_proves_a_cpu_build(row: str) -> None:
    text = f"{_CONDA_HEAD}{row}\nabsl-py                   0.7.1                    py36_0\n"
    result = run(text)
    assert "conda-list" in result.formats
    assert "cpu-wheel-on-gpu" in result.categories


def test_the_gpu_tensorflow_selector_is_not_a_cpu_build() -> None:
    result = run(
        f"{_CONDA_HEAD}_tflow_select             2.1.0                       gpu    anaconda\n"
        "tensorflow                2.1.0           gpu_py37h7db9008_0    anaconda\n"
    )
    assert "cpu-wheel-on-gpu" not in result.categories
    assert not result.failed


@pytest.mark.parametrize(
    ("build", "cpu"),
    [("cpu", True), ("cuda", False)],
)
def test_the_pytorch_channels_mutex_names_the_variant(build: str, cpu: bool) -> None:
    result = run(
        "$ conda list | grep torch\n"
        f"pytorch-mutex             1.0                        {build}    pytorch\n"
        "torchvision               0.12.0                 py38_cu113    pytorch\n"
    )
    assert ("cpu-wheel-on-gpu" in result.categories) is cpu


def test_a_bare_word_after_an_ordinary_package_is_still_prose() -> None:
    # only selector / mutex names take a build without digits: "torch 2.0 works" stays a sentence
    with pytest.raises(NothingFound):  # nothing dlrec knows: exit 2
        run("I think torch 2.0 works\n")
    with pytest.raises(NothingFound):
        run("we pinned the select mkl build of numpy here\n")


# --- a +cpu torch next to PyPI's CUDA companions -----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # pip list, Linux paths in a traceback
        "torch                             2.9.0+cpu\ntorchvision                       0.24.0\n"
        '  File "/usr/local/lib/python3.11/dist-packages/torchvision/__init__.py", line 10\n',
        # pip show with its Location
        "Name: torch\nVersion: 2.4.1+cpu\nLocation: /home/u/venv/lib/python3.10/site-packages\n"
        "Name: torchaudio\nVersion: 2.4.1\n",
        # pip freeze from a collect_env-less CI log that says Linux
        "torch==2.2.1+cpu\ntorchvision==0.17.1\n/opt/venv/lib/python3.12/site-packages/torch/library.py:440\n",
    ],
)
def test_a_cpu_torch_with_pypis_companion_on_linux_is_a_mismatch(text: str) -> None:
    result = run(text)
    assert "version-mismatch" in result.categories
    assert result.failed


@pytest.mark.parametrize(
    "text",
    [
        # both from the CPU index
        "torch==2.7.0+cpu\ntorchvision==0.22.0+cpu\n/opt/venv/lib/python3.12/site-packages/x.py\n",
        # Windows: PyPI's builds there are CPU builds too
        "torch==2.7.0+cpu\ntorchvision==0.22.0\n"
        "C:\\Users\\me\\venv\\Lib\\site-packages\\torchvision\\__init__.py\n"
        "OS: Microsoft Windows 11 Pro\n",
        # nothing says which system: unknown, not a mismatch
        "torch==2.7.0+cpu\ntorchvision==0.22.0\n",
        # torchaudio 0.9 had no CUDA code
        "torch==1.9.0+cpu\ntorchaudio==0.9.0\n/opt/venv/lib/python3.8/site-packages/x.py\n",
    ],
)
def test_cpu_torch_pairs_the_text_does_not_prove_wrong_stay_unjudged(text: str) -> None:
    result = run(text)
    assert "version-mismatch" not in result.categories


# --- torchaudio before 0.10 has no CUDA variant ------------------------------------------------------


@pytest.mark.parametrize(
    "pair",
    [
        "torch==1.8.1+cu101\ntorchvision==0.9.1+cu101\ntorchaudio==0.8.1\n",
        "torch==1.9.0+cu111\ntorchvision==0.10.0+cu111\ntorchaudio==0.9.0\n",
        "torch==1.7.1+cu110\ntorchvision==0.8.2+cu110\ntorchaudio==0.7.2\n",
    ],
)
def test_an_unlabelled_torchaudio_before_0_10_matches_any_cuda_label(pair: str) -> None:
    result = run(pair)
    assert "version-mismatch" not in result.categories


def test_an_unlabelled_torchaudio_from_0_10_is_still_pypis_build() -> None:
    # torchaudio 0.10 ships per-CUDA builds: PyPI's is the cu102 one, not torch's cu113
    result = run("torch==1.10.0+cu113\ntorchvision==0.11.1+cu113\ntorchaudio==0.10.0\n")
    assert "version-mismatch" in result.categories


# --- NVML's unknown error and torch's OOM class ------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Failed to initialize NVML: Unknown Error",
        "nvidia-smi gives  **failed to initialize nvml unknown error** inside docker",
        "root@c0ffee:/# nvidia-smi\nFailed to initialize NVML:  Unknown Error",
    ],
)
def test_nvml_unknown_error_in_every_wording_is_a_lost_device(line: str) -> None:
    result = run(line + "\n")
    assert "no-device" in result.categories


@pytest.mark.parametrize(
    "line",
    [
        "[Troubleshoot]: torch.OutOfMemoryError on 4090 GPUs",
        "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 7.93 GiB total capacity)",
    ],
)
def test_torchs_oom_exception_named_alone_is_out_of_memory(line: str) -> None:
    result = run(line + "\n")
    assert "out-of-memory" in result.categories
    assert not result.failed  # the environment works: a warning, never a fail


def test_a_word_that_only_contains_the_class_name_is_not_read() -> None:
    result = run(
        "Failed to initialize NVML: Driver/library version mismatch\n"
        "mytorch.OutOfMemoryErrorHandler registered\n"
    )
    assert "out-of-memory" not in result.categories
