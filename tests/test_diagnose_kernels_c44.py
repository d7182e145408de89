"""Session 44 (issue 21): serving engines that compile their own CUDA kernels (LMDeploy's
TurboMind, TensorRT-LLM). A missing kernel raised inside their sources, or in their own tracker,
is their build's, not torch's; the same bare message elsewhere stays torch's."""

from __future__ import annotations

from tests.pastes import categories, fails

TURBOMIND = (
    "terminate called after throwing an instance of 'std::runtime_error'\n"
    "  what():  [TM][ERROR] CUDA runtime error: no kernel image is available for execution on "
    "the device /lmdeploy/src/turbomind/kernels/sampling_topp_kernels.cu:1219\n"
    "Aborted (core dumped)\n"
)

BARE = (
    "$ lmdeploy serve api_server /models/Qwen3-0.6B\n"
    "no kernel image is available for execution on the device\n"
    "Aborted (core dumped)\n"
)


def test_a_missing_kernel_inside_turbomind_is_lmdeploys_build():
    assert "library-kernels-unsupported" in fails(TURBOMIND)
    assert "arch-unsupported" not in fails(TURBOMIND)


def test_a_bare_missing_kernel_filed_in_lmdeploys_tracker_is_its_build():
    assert "library-kernels-unsupported" in fails(BARE, repository="InternLM/lmdeploy")
    assert "library-kernels-unsupported" in fails(BARE, repository="NVIDIA/TensorRT-LLM")


def test_the_same_bare_message_elsewhere_stays_torchs():
    assert "arch-unsupported" in fails(BARE)
    assert "library-kernels-unsupported" not in categories(BARE)


def test_a_torch_frame_with_the_message_is_not_turbomind():
    text = (
        '  File "/opt/conda/lib/python3.10/site-packages/torch/nn/modules/linear.py", line 114\n'
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
    )
    assert "arch-unsupported" in fails(text)
    assert "library-kernels-unsupported" not in categories(text)
