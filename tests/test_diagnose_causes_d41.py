"""Issue 21, session 41 (engineer D: pastes no reader took): the message families behind this
session's unread development misses, tested on text written here (other chips, other device
files, other frameworks, other languages, other libraries), each with a healthy counterpart that
must stay quiet.

1. The TPU's device files (libtpu opens /dev/accelN or /dev/vfio/N and holds it): busy means
   another process holds the TPU, refused means held or not permitted; in jax, torch_xla and
   TensorFlow alike.
2. The Cloud TPU VM's metadata server, where torch_xla and jax read the TPU's type and workers: a
   404 or an unreachable server for the TPU attributes means no Cloud TPU VM.
3. The dynamic loader's "version `GLIBC_2.X' not found": a build linked for a newer glibc than the
   host's, so no prebuilt wheel of that release runs there (GLIBCXX_ is another library).
4. /dev/shm too small: NCCL's shared-memory segment (a fail), torch DataLoader's bus error (a
   warning, torch's own words say "might").
5. Windows' ERROR_MOD_NOT_FOUND in the system's language after "DLL load failed".
"""

from __future__ import annotations

from tests.pastes import categories, fails, read, signature_ids, statuses

# --- 1. the TPU's device files ----------------------------------------------------------------


def test_vfio_busy_in_jax_is_a_tpu_held_by_another_process() -> None:
    text = (
        "on a v6e-8 slice, the second job dies at start:\n"
        "jax.errors.JaxRuntimeError: UNKNOWN: TPU initialization failed: open(/dev/vfio/3): "
        "Device or resource busy: Device or resource busy; Couldn't open iommu group /dev/vfio/3\n"
    )
    assert "tpu-issue" in fails(text)
    assert "tpu-device-file-busy" in signature_ids(text)


def test_accel_busy_in_torch_xla_is_a_tpu_held_by_another_process() -> None:
    text = (
        "RuntimeError: Bad StatusOr access: FAILED_PRECONDITION: open(/dev/accel1): "
        "Device or resource busy\n"
    )
    assert "tpu-issue" in fails(text)


def test_accel_not_permitted_is_a_tpu_device_refused() -> None:
    text = (
        "2023-03-02 10:11:12.000000: E tensorflow/core/distributed_runtime/rpc/grpc_server_lib.cc:561] "
        "Invalid argument: Invalid fd: -1; Couldn't open device: /dev/accel2 (Operation not permitted); "
        "could not create driver instance\n"
    )
    assert "tpu-issue" in fails(text)
    assert "tpu-device-file-refused" in signature_ids(text)


def test_a_device_file_listing_stays_quiet() -> None:
    text = (
        "$ ls -l /dev/accel*\n"
        "crw-rw-rw- 1 root root 121, 0 Mar  2 10:00 /dev/accel0\n"
        "crw-rw-rw- 1 root root 121, 1 Mar  2 10:00 /dev/accel1\n"
        ">>> import jax; jax.devices()\n"
        "[TpuDevice(id=0, process_index=0, coords=(0,0,0), core_on_chip=0)]\n"
    )
    assert "tpu-issue" not in categories(text)


# --- 2. the Cloud TPU VM's metadata server ----------------------------------------------------


def test_requests_404_for_the_tpu_env_attribute_is_not_a_cloud_tpu_vm() -> None:
    text = (
        '  File "/usr/local/lib/python3.10/dist-packages/torch_xla/_internal/tpu.py", line 73, in _get_metadata\n'
        "    resp.raise_for_status()\n"
        "requests.exceptions.HTTPError: 404 Client Error: Not Found for url: "
        "http://metadata.google.internal/computeMetadata/v1/instance/attributes/accelerator-type\n"
    )
    assert "tpu-issue" in fails(text)
    assert "tpu-metadata-unavailable" in signature_ids(text)


def test_unreachable_metadata_server_in_a_container_is_a_tpu_issue() -> None:
    text = (
        "requests.exceptions.ConnectionError: HTTPConnectionPool(host='metadata.google.internal', port=80): "
        "Max retries exceeded with url: /computeMetadata/v1/instance/attributes/tpu-env "
        "(Caused by NameResolutionError(\"Failed to resolve 'metadata.google.internal'\"))\n"
    )
    assert "tpu-issue" in fails(text)


def test_torch_xla_and_jax_own_wordings_are_the_same_cause() -> None:
    assert "tpu-issue" in fails("OSError: Failed to get TPU metadata\n")
    jax_words = "RuntimeError: Getting metadata['agent-worker-number'] failed for 6 tries\n"
    assert "tpu-issue" in fails(jax_words)


def test_service_account_metadata_lookups_stay_quiet() -> None:
    text = (
        "WARNING:google.auth.compute_engine._metadata:Compute Engine Metadata server unavailable on attempt 1 of 3. "
        "Reason: 404 Client Error: Not Found for url: "
        "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/\n"
    )
    assert "tpu-issue" not in categories(text)


# --- 3. a build linked for a newer glibc --------------------------------------------------------


def test_glibc_too_old_for_torch_is_no_matching_wheel() -> None:
    text = (
        "CentOS Linux release 7.9.2009, python 3.9\n"
        ">>> import torch\n"
        "ImportError: /lib64/libc.so.6: version `GLIBC_2.28' not found "
        "(required by /opt/env/lib/python3.9/site-packages/torch/lib/libtorch_cpu.so)\n"
    )
    assert "no-matching-wheel" in fails(text)
    assert "glibc-too-old-for-build" in signature_ids(text)


def test_glibc_too_old_with_straight_quotes_for_tensorflow() -> None:
    text = (
        "ImportError: /usr/lib64/libm.so.6: version 'GLIBC_2.27' not found "
        "(required by .../tensorflow/python/_pywrap_tensorflow_internal.so)\n"
    )
    assert "no-matching-wheel" in fails(text)


def test_glibcxx_is_another_library_and_stays_out_of_this_rule() -> None:
    text = (
        "ImportError: /usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.30' not found "
        "(required by /home/me/env/lib/python3.11/site-packages/scipy/linalg/_matfuncs_sqrtm_triu.so)\n"
    )
    assert "glibc-too-old-for-build" not in signature_ids(text)


def test_ldd_version_output_stays_quiet() -> None:
    text = "$ ldd --version\nldd (Ubuntu GLIBC 2.35-0ubuntu3.8) 2.35\n"
    assert "no-matching-wheel" not in categories(text)


# --- 4. shared memory too small -----------------------------------------------------------------


def test_nccl_attach_failure_in_dev_shm_is_a_host_limit() -> None:
    text = (
        "torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1970, unhandled "
        "system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.20.5\n"
        "ncclSystemError: System call (e.g. socket, malloc) or external library call failed or device error.\n"
        "Last error:\n"
        "Error while attaching to shared memory segment /dev/shm/nccl-Xq0a1B (size 9637888), "
        "error: No such file or directory (2)\n"
    )
    assert "other" in fails(text)
    assert "nccl-shm-segment-failed" in signature_ids(text)


def test_nccl_extend_failure_is_the_same_cause() -> None:
    text = (
        "node1:412:530 [3] NCCL WARN Error: failed to extend /dev/shm/nccl-3kLm9Q to 33030148 bytes, "
        "error: No space left on device (28)\n"
    )
    assert "other" in fails(text)


def test_dataloader_bus_error_is_a_warning() -> None:
    text = (
        "ERROR: Unexpected bus error encountered in worker. This might be caused by insufficient "
        "shared memory (shm).\n"
        "RuntimeError: DataLoader worker (pid 5123) is killed by signal: Bus error. It is possible "
        "that dataloader's workers are out of shared memory. Please try to raise your shared memory limit.\n"
    )
    result = read(text)
    assert result is not None
    assert statuses(result, "other") == {"warn"}
    assert "other" not in fails(text)


def test_nccl_shm_info_lines_stay_quiet() -> None:
    text = (
        "node1:412:530 [0] NCCL INFO Channel 00 : 0[0] -> 1[1] via SHM/direct/direct\n"
        "node1:412:530 [0] NCCL INFO Allocated 9637892 bytes of shared memory in /dev/shm/nccl-Xq0a1B\n"
    )
    assert "other" not in categories(text)


# --- 5. Windows' module-not-found in the system's language ---------------------------------------


def test_german_module_not_found_after_dll_load_failed() -> None:
    text = (
        '  File "C:\\Python39\\lib\\site-packages\\torch\\__init__.py", line 81, in <module>\n'
        "    from torch._C import *\n"
        "ImportError: DLL load failed while importing _C: Das angegebene Modul wurde nicht gefunden.\n"
    )
    found = fails(text)
    assert {"missing-library", "other"} <= found


def test_chinese_and_spanish_module_not_found() -> None:
    chinese = "ImportError: DLL load failed while importing _pywrap_tensorflow_internal: 找不到指定的模块。\n"
    spanish = "ImportError: DLL load failed while importing _C: No se puede encontrar el módulo especificado.\n"
    assert "missing-library" in fails(chinese)
    assert "missing-library" in fails(spanish)


def test_a_successful_import_on_a_german_windows_stays_quiet() -> None:
    text = (
        ">>> import torch\n>>> torch.__version__\n'2.3.1+cu121'\n"
        ">>> torch.cuda.is_available()\nTrue\n"
        "Das angegebene Modul wurde nicht gefunden. (that was an unrelated plugin of the editor)\n"
    )
    assert "missing-library" not in fails(text)


def test_torch_xla_without_libtpu_is_a_tpu_issue() -> None:
    text = (
        '  File "/opt/venv/lib/python3.11/site-packages/torch_xla/_internal/tpu.py", line 366, in library_path\n'
        "    raise EnvironmentError('libtpu not found')\n"
        "OSError: libtpu not found\n"
    )
    assert "tpu-issue" in fails(text)
    assert "torch-xla-libtpu-not-found" in signature_ids(text)


def test_an_install_that_brings_libtpu_stays_quiet() -> None:
    text = (
        "$ pip install 'torch_xla[tpu]==2.6.0'\n"
        "Successfully installed libtpu-0.0.7.1 torch_xla-2.6.0 torch-2.6.0\n"
    )
    assert "tpu-issue" not in categories(text)
