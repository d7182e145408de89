"""NCCL's failures, read by their underlying cause (issue 21, session 46).

NCCL's own message ("unhandled cuda error", ncclSystemError, ...) names only the kind of failure;
its WARN lines and torch's "Last error:" quote the CUDA error or system call underneath, which the
signatures of those errors read wherever the text stands (inside NCCL's ``Cuda failure '...'``).
Alone, NCCL's message is a family warning that sends the reader to NCCL's log. A healthy start
logs INFO lines, among them an optional plugin the loader did not find: those stay quiet."""

from __future__ import annotations

import pytest

from tests.pastes import diagnosed, read

WARN = "node7:20313:20390 [0] {where} NCCL WARN Cuda failure {code}'{text}'"
RAISED = (
    "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/"
    "ProcessGroupNCCL.cpp:1970, unhandled cuda error (run with NCCL_DEBUG=INFO for details), "
    "NCCL version 2.20.5\nncclUnhandledCudaError: Call to CUDA function failed.\nLast error:\n"
)

HEALTHY_INIT = """\
gpu-node:3301:3301 [0] NCCL INFO Bootstrap : Using eth0:10.0.0.5<0>
gpu-node:3301:3301 [0] NCCL INFO NET/Plugin : dlerror=libnccl-net.so: cannot open shared object file: No such file or directory No plugin found (libnccl-net.so), using internal implementation
gpu-node:3301:3301 [0] NCCL INFO NET/Plugin: Plugin load returned 2 : libnccl-net.so: cannot open shared object file: No such file or directory : when loading libnccl-net.so
gpu-node:3301:3301 [0] NCCL INFO TUNER/Plugin: Plugin load returned 2 : libnccl-tuner.so: cannot open shared object file: No such file or directory : when loading libnccl-tuner.so
gpu-node:3301:3301 [0] NCCL INFO cudaDriverVersion 12020
NCCL version 2.18.1+cuda12.1
gpu-node:3301:3390 [0] NCCL INFO Failed to open libibverbs.so[.1]
gpu-node:3301:3390 [0] NCCL INFO NET/IB : No device found.
gpu-node:3301:3390 [0] NCCL INFO NET/Socket : Using [0]eth0:10.0.0.5<0>
gpu-node:3301:3390 [0] NCCL INFO Using network Socket
gpu-node:3301:3390 [0] NCCL INFO comm 0x55d0 rank 0 nranks 2 cudaDev 0 busId 1000 commId 0x1a2b - Init START
gpu-node:3301:3390 [0] NCCL INFO Channel 00/0 : 0[1000] -> 1[2000] via P2P/IPC
gpu-node:3301:3390 [0] NCCL INFO Channel 00 : 1[2000] -> 0[1000] via SHM/direct/direct
gpu-node:3301:3390 [0] NCCL INFO Connected all rings
gpu-node:3301:3390 [0] NCCL INFO comm 0x55d0 rank 0 nranks 2 cudaDev 0 busId 1000 - Init COMPLETE
"""


def _failing(result) -> set[str]:
    return {f.category for f in result.findings if f.status == "fail"}


def _warning(result) -> set[str]:
    return {f.category for f in result.findings if f.status == "warn"}


@pytest.mark.parametrize("code", ["", "2 ", "209 "])
@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("no kernel image is available for execution on the device", "arch-unsupported"),
        ("CUDA driver version is insufficient for CUDA runtime version", "driver-too-old"),
        ("all CUDA-capable devices are busy or unavailable", "no-device"),
    ],
)
def test_nccl_warn_cuda_failure_hands_the_inner_error_to_its_signature(
    code: str, text: str, category: str
) -> None:
    line = WARN.format(where="enqueue.cc:1556", code=code, text=text)
    result = diagnosed(f"{RAISED}{line}\n")
    assert category in _failing(result)
    assert "other" not in _warning(result)  # the family stays quiet where the cause is named


def test_nccl_out_of_memory_under_last_error_is_out_of_memory() -> None:
    result = diagnosed(f"{RAISED}Cuda failure 2 'out of memory'\n")
    assert "out-of-memory" in result.categories
    assert not _failing(result)


@pytest.mark.parametrize(
    "message",
    [
        RAISED.removesuffix("\nLast error:\n"),
        "RuntimeError: NCCL error in: ProcessGroupNCCL.cpp:825, unhandled cuda error, NCCL version 2.7.8",
        "torch.distributed.DistBackendError: NCCL error in: NCCLUtils.hpp:317, unhandled system error "
        "(run with NCCL_DEBUG=INFO for details), NCCL version 2.21.5\nncclSystemError: System call "
        "(e.g. socket, malloc) or external library call failed or device error.",
        "RuntimeError: NCCL error in: ProcessGroupNCCL.cpp:1191, internal error - please report this "
        "issue to the NCCL developers, NCCL version 2.19.3\nncclInternalError: Internal check failed.",
        "Test NCCL failure common.cu:401 'remote process exited or there was a network error'",
    ],
)
def test_nccl_result_code_alone_is_a_warning_pointing_at_its_log(message: str) -> None:
    result = diagnosed(f"{message}\n")
    assert not _failing(result)
    assert "other" in _warning(result)
    nccl = next(f for f in result.findings if f.category == "other")
    assert "NCCL_DEBUG=INFO" in (nccl.fix or "")


def test_nccl_system_error_with_its_shm_warn_is_the_shared_memory_cause() -> None:
    text = (
        "[3] include/shm.h:48 NCCL WARN Error while creating shared memory segment "
        "/dev/shm/nccl-8FqV2k (size 9637888)\nncclSystemError: System call (e.g. socket, malloc) "
        "or external library call failed or device error.\n"
    )
    result = diagnosed(text)
    assert "other" in _failing(result)
    assert not any(f.id.startswith("family:") for f in result.findings)


def test_a_healthy_nccl_init_log_stays_quiet() -> None:
    result = read(HEALTHY_INIT)
    assert result is None or not _failing(result) and not _warning(result)


def test_a_missing_libnccl_itself_still_fails() -> None:
    text = "ImportError: libnccl.so.2: cannot open shared object file: No such file or directory\n"
    result = diagnosed(
        f"{text}NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2\n"
    )
    assert "missing-library" in _failing(result)


def test_cuda_peer_access_refused_is_a_p2p_warning() -> None:
    line = WARN.format(
        where="transport/p2p.cc:275",
        code="217 ",
        text="peer access is not supported between these two devices",
    )
    result = diagnosed(f"{line}\n")
    assert "other" in _warning(result)
    assert not _failing(result)
    p2p = next(f for f in result.findings if f.category == "other")
    assert "NCCL_P2P_DISABLE=1" in (p2p.fix or "")


def test_a_p2p_channel_of_a_healthy_run_is_not_a_p2p_warning() -> None:
    result = read("node:1:2 [0] NCCL INFO Channel 00/0 : 0[1000] -> 1[2000] via P2P/IPC\n")
    assert result is None or "other" not in _warning(result)


def test_ranks_on_different_nccl_releases_are_a_version_mismatch() -> None:
    text = (
        "node2:811:902 [0] init.cc:598 NCCL WARN Mismatched NCCL version detected : rank 1 "
        "version 21805 rank 0 version 21903\n"
        "torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1691, invalid "
        "usage (run with NCCL_DEBUG=WARN for details), NCCL version 2.19.3\n"
        "ncclInvalidUsage: This usually reflects invalid usage of NCCL library.\n"
    )
    result = diagnosed(text)
    assert "version-mismatch" in _failing(result)
    assert not any(f.id.startswith("family:") for f in result.findings)


def test_invalid_usage_alone_is_a_warning() -> None:
    text = (
        "RuntimeError: NCCL error in: ProcessGroupNCCL.cpp:1190, invalid usage, NCCL version 2.10.3\n"
        "ncclInvalidUsage: This usually reflects invalid usage of NCCL library.\n"
    )
    result = diagnosed(text)
    assert not _failing(result)
    assert "other" in _warning(result)


def test_a_plugin_symbol_probe_of_a_healthy_start_stays_quiet() -> None:
    text = (
        "inst:1:1 [0] NCCL INFO NET/Plugin: Failed to find ncclNetPlugin_v7 symbol.\n"
        "inst:1:1 [0] NCCL INFO NET/Plugin: Failed to find ncclNetPlugin symbol (>= v5). "
        "ncclNetPlugin symbols v4 and lower are not supported.\n"
        "inst:1:1 [0] NCCL INFO cudaDriverVersion 12040\nNCCL version 2.19.3+cuda12.3\n"
        "inst:1:2 [0] NCCL INFO NET/IB : No device found.\n"
        "inst:1:2 [0] NCCL INFO Using network Socket\n"
    )
    result = read(text)
    assert result is None or not _failing(result) and not _warning(result)


@pytest.mark.parametrize(
    "line",
    [
        "node1:51:51 [0] bootstrap.cc:60 NCCL WARN Bootstrap : no socket interface found",
        "node1:51:80 [0] NCCL WARN NET/Socket : No usable listening interface found",
    ],
)
def test_nccl_without_a_network_interface_is_a_warning(line: str) -> None:
    result = diagnosed(f"{line}\n")
    assert "other" in _warning(result)
    assert any("NCCL_SOCKET_IFNAME" in (f.fix or "") for f in result.findings)


@pytest.mark.parametrize(
    "line",
    [
        "n2:7:9 [0] transport/net_ib.cc:611 NCCL WARN Call to ibv_create_cq failed with error Cannot allocate memory",
        "[1668] ib_log.c:246  UCX  ERROR mlx5_0: ibv_create_cq() failed: Cannot allocate memory. "
        "Please set max locked memory (ulimit -l) to 'unlimited' (current: 64 kbytes)",
    ],
)
def test_ib_verbs_without_locked_memory_is_a_warning(line: str) -> None:
    result = diagnosed(f"{line}\n")
    assert "other" in _warning(result)
    assert any("memlock" in (f.fix or "") for f in result.findings)


def test_a_healthy_socket_and_ib_choice_is_quiet() -> None:
    text = (
        "n1:5:5 [0] NCCL INFO NET/Socket : Using [0]eth0:10.0.0.5<0>\n"
        "n1:5:5 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB ; OOB eth0:10.0.0.5<0>\n"
        "n1:5:5 [0] NCCL INFO Using network IB\n"
    )
    result = read(text)
    assert result is None or not _warning(result) and not _failing(result)
