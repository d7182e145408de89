"""Session 42 (issue 21): a loader that cannot open one of ROCm's libraries, and WSL 2's DirectX
libraries missing, whatever program printed the loader's words; each with a healthy text that
names the same libraries and must stay quiet."""

from __future__ import annotations

import pytest

from recommender.facts.reports.lines import Text, paste_lines
from recommender.facts.reports.signatures import SignatureError, load_signatures
from tests.pastes import categories, fact, fails, read, signature_ids

ROCM_LOADER_LINES = [
    "error while loading shared libraries: libhsa-runtime64.so.1: cannot open shared object file: "
    "No such file or directory",
    "OSError: libamdhip64.so.6: cannot open shared object file: No such file or directory",
    "ImportError: librccl.so.1: cannot open shared object file: No such file or directory",
    "link_cuda_dso: warning: libamdhip64.so.5: cannot open shared object file: No such file or "
    "directory: failed to load library",
    "dlerror: /opt/rocm-5.7.1/lib/libMIOpen.so.1: cannot open shared object file: No such file",
    "RuntimeError: librocblas.so.4: cannot open shared object file: No such file or directory",
]


@pytest.mark.parametrize("line", ROCM_LOADER_LINES)
def test_a_rocm_library_the_loader_cannot_open_is_missing_library(line):
    text = f"$ python train.py\nTraceback (most recent call last):\n{line}\n"
    assert "missing-library" in fails(text)
    assert "cannot-open-rocm-library" in signature_ids(text)


def test_the_missing_rocm_library_is_named():
    text = "OSError: libhiprtc.so.6: cannot open shared object file: No such file or directory\n"
    assert fact(read(text), "library.missing") == "libhiprtc"


def test_rocm_libraries_found_by_ldd_stay_quiet():
    text = (
        "$ ldd /opt/rocm/lib/libMIOpen.so.1\n"
        "\tlibamdhip64.so.6 => /opt/rocm/lib/libamdhip64.so.6 (0x00007f2d1c000000)\n"
        "\tlibhsa-runtime64.so.1 => /opt/rocm/lib/libhsa-runtime64.so.1 (0x00007f2d1b000000)\n"
        "\tlibrocblas.so.4 => /opt/rocm/lib/librocblas.so.4 (0x00007f2d1a000000)\n"
    )
    assert "missing-library" not in categories(text)


def test_another_library_named_like_rocm_is_not_read_as_rocm():
    text = (
        "ImportError: librocksdb.so.8: cannot open shared object file: No such file or directory\n"
    )
    assert "cannot-open-rocm-library" not in signature_ids(text)


WSL_LOADER_LINES = [
    "ImportError: libdxcore.so: cannot open shared object file: No such file or directory",
    "OSError: libd3d12core.so: cannot open shared object file: No such file or directory",
    "MESA: error: libd3d12.so: cannot open shared object file: No such file or directory",
]


@pytest.mark.parametrize("line", WSL_LOADER_LINES)
def test_wsl_directx_libraries_not_found_is_a_wsl_issue(line):
    text = f">>> import tensorflow as tf\n{line}\n"
    assert "wsl-issue" in fails(text)
    assert fact(read(text), "os.wsl") == 2


def test_wsl_directx_libraries_listed_stay_quiet():
    text = (
        "$ ls /usr/lib/wsl/lib\n"
        "libcuda.so  libcuda.so.1  libcuda.so.1.1  libd3d12.so  libd3d12core.so  libdxcore.so\n"
        "libnvidia-ml.so.1  nvidia-smi\n"
    )
    assert "wsl-issue" not in fails(text)


# --- a template inside other text ("lib{lib}") is filled, and held to the pattern's groups -----


def _signatures(tmp_path, proves: str):
    path = tmp_path / "signatures.yaml"
    path.write_text(
        "schema: 1\nsignatures:\n"
        "  - id: x-test\n"
        "    pattern: 'libzz(?P<lib>[a-z]{1,8})\\.so: cannot open shared object file'\n"
        "    status: fail\n"
        "    diagnosis: missing-library\n"
        "    title: t\n"
        f"    proves:\n      library.missing: {proves!r}\n"
        "    source: https://example.org/x\n"
        "    verified: 2026-12-06\n",
        encoding="utf-8",
    )
    return load_signatures(path)


def test_a_template_inside_text_is_filled(tmp_path):
    (sig,) = _signatures(tmp_path, "libzz{lib}.so")
    (hit,) = sig.find(Text(paste_lines("libzzfoo.so: cannot open shared object file\n")))
    assert sig.facts(hit) == {"library.missing": "libzzfoo.so"}


@pytest.mark.parametrize("proves", ["lib{name}", "v{lib|cuda}"])
def test_a_template_inside_text_must_name_a_group_and_read_plainly(tmp_path, proves):
    with pytest.raises(SignatureError, match="proves library.missing"):
        _signatures(tmp_path, proves)


# --- a container asking for a GPU the host does not have ------------------------------------

UNKNOWN_DEVICE_LINES = [
    "nvidia-container-cli: device error: 3: unknown device: unknown.",
    "nvidia-container-cli: device error: GPU-5f2c1a7e-0b4d-11ee-9a3c-0242ac120002: unknown device: unknown",
    "        nvidia-container-cli: device error: /var/run/nvidia-container-devices: unknown device: unknown",
    "stderr: nvidia-container-cli.real: device error: false: unknown device: unknown",
]


@pytest.mark.parametrize("line", UNKNOWN_DEVICE_LINES)
def test_a_requested_gpu_the_host_lacks_is_no_device(line):
    text = (
        "docker: Error response from daemon: failed to create shim task: OCI runtime create "
        "failed: error running hook #0: error running hook: exit status 1, stdout: , stderr: "
        f"Auto-detected mode as 'legacy'\n{line}\n"
    )
    assert "no-device" in fails(text)
    assert "container-cli-unknown-device" in signature_ids(text)


def test_a_container_given_its_gpu_stays_quiet():
    text = (
        "$ docker run --rm --gpus '\"device=0\"' nvidia/cuda:12.4.1-base-ubuntu22.04 nvidia-smi -L\n"
        "GPU 0: NVIDIA A10G (UUID: GPU-5f2c1a7e-0b4d-11ee-9a3c-0242ac120002)\n"
    )
    assert "no-device" not in fails(text)


# --- a GPU reachable as root only: the device files' permissions ---------------------------

AS_USER = '$ python -c "import torch; print(torch.cuda.is_available())"\nFalse\n'


@pytest.mark.parametrize(
    "as_root",
    [
        '$ sudo python -c "import torch; print(torch.cuda.is_available())"\nTrue\n',
        'root@gpu-box:~# python3 -c "import torch; print(torch.cuda.is_available())"\nTrue\n',
        '[root@node7 ~]# python -c "import torch;print(torch.cuda.is_available())"\nTrue\n',
    ],
)
def test_a_gpu_answering_as_root_only_is_the_device_files_permissions(as_root):
    text = f"torch only sees the GPU as root\n{as_root}{AS_USER}"
    result = read(text)
    assert "no-device" in fails(text)
    assert "host:gpu-root-only" in {f.id for f in result.findings}
    assert "cpu-wheel-on-gpu" not in fails(text)


def test_an_app_check_failing_as_the_user_is_not_read_as_a_cpu_build_when_root_answers_true():
    text = (
        "RuntimeError: Torch is not able to use GPU; add --skip-torch-cuda-test to "
        "COMMANDLINE_ARGS variable to disable this check\n"
        '$ sudo venv/bin/python -c "import torch; print(torch.cuda.is_available())"\nTrue\n'
        '$ venv/bin/python -c "import torch; print(torch.cuda.is_available())"\nFalse\n'
    )
    assert fails(text) == {"no-device"}


@pytest.mark.parametrize(
    "text",
    [
        # two environments, neither as root: which one is broken is not the permissions
        '$ python -c "import torch; print(torch.cuda.is_available())"\nTrue\n' + AS_USER,
        # root sees nothing either: not a permission
        '$ sudo python -c "import torch; print(torch.cuda.is_available())"\nFalse\n'
        '$ python -c "import torch; print(torch.cuda.is_available())"\nTrue\n',
    ],
)
def test_no_root_only_finding_without_root_answering_true_and_the_user_false(text):
    result = read(text)
    assert "host:gpu-root-only" not in {f.id for f in result.findings}
