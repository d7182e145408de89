"""Issue 21, blind round 23 (21c, mixed pastes from 2024-2026 threads): the causes behind its
misses, fixed in general and tested on text written here (not the corpus cases), each with a
counterpart that must not fail:

* a compiler older than the GPU, in each tool's words: LLVM's NVPTX back end (inside XLA,
  Triton, clang) refusing a PTX version too old for the target ("PTX version 8.5 does not
  support target 'sm_120'"), ptxas given such PTX ("PTX .version 7.4 does not support .target
  sm_89"), and LLVM not knowing the sm_ target at all ("is not a recognized processor");
* GPU names as people and nvidia-smi write them: a suffix run into the number ("5070TI",
  "5090D"), a GeForce model without its family words ("RTX 5080", "5070 Ti"), and nvidia-smi's
  cut name ("NVIDIA GeForce RTX 3060 ..."), each read only where every table name it can stand
  for has one compute capability;
* TensorFlow's CUDA 12 pip releases (through 2.20) on a Blackwell GPU: no kernels for it."""

from __future__ import annotations

import pytest

from recommender.facts.reports.gpus import compute_capability, load_gpu_table
from recommender.facts.reports.paste import NothingFound
from tests.pastes import diagnosed


def _fails(text: str) -> set[str]:
    """The failing categories; none where the text holds nothing the reader knows."""
    try:
        result = diagnosed(text, "paste.txt")
    except NothingFound:
        return set()
    return {f.category for f in result.findings if f.status == "fail"}


# --- LLVM NVPTX: PTX version too old for the target -------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "LLVM ERROR: PTX version 8.5 does not support target 'sm_120' (or 'sm_120a'). Minimum required PTX version is 8.7",
        "LLVM Fatal Error ... PTX version 9.0 does not support target 'sm_107a'.",
        "E0101 00:00:00 error: PTX version 7.8 does not support target 'sm_90a'. Minimum required PTX version is 8.0. Either remove the PTX version to use the default, or increase it to at least 8.0.",
        "  what():  PTX version 8.6 does not support target sm_120a",
    ],
)
def test_llvm_ptx_version_too_old_for_the_gpu_is_arch_unsupported(line: str) -> None:
    assert "arch-unsupported" in _fails(f"Traceback (most recent call last):\n{line}\n")


#: A run-time compiler refusing the GPU in ptxas's and LLVM's other words.
JIT_REFUSALS = [
    "ptxas /tmp/tmpa1b2.ptx, line 6; error   : PTX .version 7.4 does not support .target sm_89",
    "error   : PTX .version 8.5 does not support .target sm_120a",
    "'sm_120' is not a recognized processor for this target (ignoring processor)",
    "'sm_100a' is not a recognized processor for this target (ignoring processor)",
]


@pytest.mark.parametrize("line", JIT_REFUSALS)
def test_a_run_time_compiler_refusing_the_gpu_under_torch_is_a_librarys(line: str) -> None:
    # torch's own kernels are compiled ahead of time: a run-time compiler here is Triton's
    text = f"using SageAttention\n{line}\nLLVM ERROR: Cannot select: intrinsic %llvm.nvvm.shfl.sync.bfly.i32\n"
    assert "library-kernels-unsupported" in _fails(text)


@pytest.mark.parametrize("line", JIT_REFUSALS)
def test_the_same_refusal_under_tensorflow_is_the_frameworks(line: str) -> None:
    text = f"### TensorFlow version\n\n2.21.0\n\n### Current behavior?\n\n{line}\n"
    assert "arch-unsupported" in _fails(text)


def test_a_compiler_older_than_the_gpu_inside_triton_is_the_librarys() -> None:
    text = (
        "RuntimeError: Internal Triton PTX codegen error:\n"
        "ptxas /tmp/x.ptx, line 6; error   : PTX .version 7.4 does not support .target sm_89\n"
    )
    assert "library-kernels-unsupported" in _fails(text)


@pytest.mark.parametrize(
    "line",
    [
        # ptxas told about PTX newer than it reads is another cause (round 19's signature)
        "ptxas fatal   : Unsupported .version 8.7; current version is '8.4'",
        # a PTX version named in a build log that compiled fine
        "-- Using PTX version 8.7 for target sm_120",
        "PTX version 8.7 supports target sm_120",
        # LLVM's warning for a CPU name is not a GPU architecture
        "'apple-m4' is not a recognized processor for this target (ignoring processor)",
    ],
)
def test_other_ptx_version_lines_are_not_arch_unsupported(line: str) -> None:
    assert "arch-unsupported" not in _fails(f"{line}\n")


# --- GPU names as written ----------------------------------------------------------------------

TABLE = load_gpu_table()


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        ("5070TI", "12.0"),
        ("RTX 5070 Ti", "12.0"),
        ("rtx 4060ti", "8.9"),
        ("RTX 5090D", "12.0"),
        ("5080", "12.0"),
        ("GTX 1080", "6.1"),
        ("NVIDIA GeForce RTX 3060 ...", "8.6"),
        ("NVIDIA RTX PRO 6000 Blac...", "12.0"),
        ("NVIDIA GeForce RTX 5070 Ti", "12.0"),
    ],
)
def test_gpu_names_as_people_and_nvidia_smi_write_them(name: str, cc: str) -> None:
    assert compute_capability(name, TABLE) == cc


@pytest.mark.parametrize(
    "name",
    [
        "NVIDIA GeForce ...",  # cut before the model: many compute capabilities
        "NVIDIA ...",
        "5000",  # no GeForce model of that number
        "RTX 9999 Ti",
    ],
)
def test_ambiguous_or_unknown_names_stay_unknown(name: str) -> None:
    assert compute_capability(name, TABLE) is None


# --- TensorFlow's CUDA 12 releases on Blackwell ------------------------------------------------

TF_TEMPLATE = """\
### TensorFlow version

{tf}

### OS platform and distribution

Ubuntu 24.04

### GPU model and memory

{gpu}
"""


@pytest.mark.parametrize(
    ("tf", "gpu"),
    [
        ("2.18", "5070TI"),
        ("2.19.0", "RTX 5090 32GB"),
        ("2.20.0", "NVIDIA GeForce RTX 5080"),
        ("tf 2.17.1", "NVIDIA B200"),
    ],
)
def test_tensorflow_cuda12_release_on_blackwell_fails(tf: str, gpu: str) -> None:
    assert "arch-unsupported" in _fails(TF_TEMPLATE.format(tf=tf, gpu=gpu))


@pytest.mark.parametrize(
    ("tf", "gpu"),
    [
        ("2.20.0", "RTX 4090"),  # Ada: in the build's list
        ("2.19.0", "NVIDIA H100"),  # Hopper: compute_90
        ("2.21.0", "RTX 5090"),  # not known to be a CUDA 12-only build
        ("2.20.0-dev0+selfbuilt", "RTX 5090"),  # a source build: its builder chose the arches
        ("2.17.0+nv25.02", "NVIDIA B200"),  # a vendor (NGC) build: its arches are not the release's
        ("2.21.0.dev20260101", "RTX 5080"),  # a nightly, not a release
    ],
)
def test_tensorflow_on_a_gpu_its_build_covers_does_not_fail(tf: str, gpu: str) -> None:
    assert "arch-unsupported" not in _fails(TF_TEMPLATE.format(tf=tf, gpu=gpu))
