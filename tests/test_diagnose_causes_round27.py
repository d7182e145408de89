"""Issue 21, blind round 27 (21d): install-time failures (no build for this Python/platform) and
memory exhaustion. The causes behind the round's misses, fixed in general and tested on text
written here (not the corpus cases): uv's "no wheels with a matching platform / Python ABI tag",
conda's PackagesNotFoundError, the serving stacks' own not-enough-memory messages (TGI's warm-up,
sglang's KV pool) and the Linux kernel's OOM killer; each with a healthy counterpart."""

from __future__ import annotations

import pytest

from recommender.facts.reports.paste import NothingFound
from tests.pastes import run


def _ids(text: str) -> set[str]:
    try:
        result = run(text)
    except NothingFound:
        return set()
    return {f.id.removeprefix("signature:") for f in result.findings}


# --- uv: the version exists, no wheel of it fits ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "  × No solution found when resolving dependencies:\n"
        "  ╰─▶ Because torch==2.5.1 has no wheels with a matching platform tag (e.g., `macosx_14_0_x86_64`)"
        " and you require torch==2.5.1, we can conclude that your requirements are unsatisfiable.\n",
        "      and tensorflow<=2.15.1 has no wheels with a matching Python ABI tag (e.g., `cp313`), we can "
        "conclude that tensorflow<=2.15.1 cannot be used.\n",
        "error: Because jaxlib==0.4.30 has no wheels with a matching platform tag and you require "
        "jaxlib==0.4.30, we can conclude that your requirements are unsatisfiable.\n",
    ],
)
def test_uv_no_wheel_for_this_platform_or_python_fails(text: str) -> None:
    result = run(text)
    assert "uv-no-wheel-matching-tag" in {f.id.removeprefix("signature:") for f in result.findings}
    assert "no-matching-wheel" in result.categories
    assert result.failed


def test_uv_successful_install_is_not_a_wheel_failure() -> None:
    ids = _ids(
        "Resolved 13 packages in 267ms\nPrepared 13 packages in 3.28s\nInstalled 13 packages in 279ms\n"
        " + torch==2.6.0\n + torchvision==0.21.0\n"
    )
    assert "uv-no-wheel-matching-tag" not in ids


# --- conda: nothing on the channels for this platform ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "PackagesNotFoundError: The following packages are not available from current channels:\n\n"
        "  - pytorch-cuda=12.1\n\nCurrent channels:\n\n  - https://conda.anaconda.org/pytorch/osx-arm64\n",
        "Solving environment: failed\n\nPackagesNotFoundError: The following packages are not available "
        "from current channels:\n\n  - cudatoolkit=11.3\n",
        "#0 401.1 PackagesNotFoundError: The following packages are not available from current channels:\n"
        "#0 401.1   - tensorflow-gpu=2.10\n",
    ],
)
def test_conda_packages_not_found_is_no_build_here(text: str) -> None:
    result = run(text)
    assert "conda-packages-not-found" in {f.id.removeprefix("signature:") for f in result.findings}
    assert "no-matching-wheel" in result.categories


def test_conda_remove_of_absent_package_is_not_no_build() -> None:
    ids = _ids(
        "PackagesNotFoundError: The following packages are missing from the target environment:\n"
        "  - pytorch\n"
    )
    assert "conda-packages-not-found" not in ids


# --- serving stacks: the batch / KV cache does not fit ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "sig"),
    [
        (
            "RuntimeError: Not enough memory to handle 4096 prefill tokens. You need to decrease "
            "`--max-batch-prefill-tokens`\n",
            "tgi-warmup-not-enough-memory",
        ),
        (
            'Error: Warmup(Generation("Not enough memory to handle 32000 total tokens with 4096 prefill '
            'tokens. You need to decrease `--max-batch-total-tokens` or `--max-batch-prefill-tokens`"))\n',
            "tgi-warmup-not-enough-memory",
        ),
        (
            "[2025-03-29 18:18:34 TP0] Scheduler hit an exception: Traceback (most recent call last):\n"
            "RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.\n",
            "sglang-kv-pool-no-memory",
        ),
        (
            "RuntimeError: Not enough memory. Please try to increase --mem-fraction-static. Current value: "
            "mem_fraction_static=0.7\n",
            "sglang-kv-pool-no-memory",
        ),
    ],
)
def test_serving_stack_memory_messages_are_out_of_memory(text: str, sig: str) -> None:
    result = run(text)
    assert sig in {f.id.removeprefix("signature:") for f in result.findings}
    assert "out-of-memory" in result.categories
    assert not result.failed  # a warning: the environment itself works


def test_serving_stack_healthy_warmup_is_not_out_of_memory() -> None:
    ids = _ids(
        "2024-08-22T17:48:37Z INFO text_generation_launcher: Setting max batch total tokens to 406560\n"
        "Warming up model\nUsing optimized Triton indexing kernels.\n"
    )
    assert not ids & {"tgi-warmup-not-enough-memory", "sglang-kv-pool-no-memory"}


# --- the Linux OOM killer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[1880957.563400] Out of memory: Kill process 18694 (python) score 246 or sacrifice child\n",
        "[ 8123.44] Out of memory: Killed process 4242 (pt_main_thread) total-vm:61234567kB, "
        "anon-rss:30123456kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:61000kB oom_score_adj:0\n",
        "Memory cgroup out of memory: Killed process 771 (python3) total-vm:9000000kB\n",
        "[563150.1] python3 invoked oom-killer: gfp_mask=0x280da, order=0, oom_score_adj=0\n",
    ],
)
def test_linux_oom_killer_is_out_of_memory(text: str) -> None:
    result = run(text)
    assert "linux-oom-killer" in {f.id.removeprefix("signature:") for f in result.findings}
    assert "out-of-memory" in result.categories
    assert not result.failed


def test_oom_score_adjustment_alone_is_not_an_oom() -> None:
    ids = _ids("echo -17 > /proc/1234/oom_adj\nsystemd: Set OOMScoreAdjust=-1000 for the service\n")
    assert "linux-oom-killer" not in ids
