"""Issue 21, blind round 35 (WSL and Windows hosts): the causes its misses showed, fixed in general
and tested on text written here (not the corpus cases). "This is WSL 2" is read from more of the
evidence people paste (nvidia-smi's header, where the Linux tool reports the Windows driver; prose
that says "a WSL machine", "using WSL", the "WLS2" typo), and a GPU-access failure on such a host
is named as WSL's GPU path: the Rust loaders' (cudarc) own words for a missing libcuda, ollama's
installer finding no GPU, nvidia-smi crashing there, and a framework that sees no GPU there with
nothing else stated (an inferred warning). The same texts from native Linux stay what they were,
and a working WSL 2 paste stays quiet."""

from __future__ import annotations

import pytest

from tests.pastes import categories, fact, fails, run, statuses

# --- WSL 2 read from nvidia-smi's header --------------------------------------------------------------

_SMI = (
    "+-----------------------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI {smi:<22} Driver Version: {driver:<14} CUDA Version: 12.6     |\n"
    "|-----------------------------------------+------------------------+----------------------+\n"
    "|   0  NVIDIA GeForce RTX 4060 Ti     On  |   00000000:01:00.0  On |                  N/A |\n"
    "|  0%   41C    P8              8W /  165W |    902MiB /  16380MiB |      2%      Default |\n"
    "+-----------------------------------------+------------------------+----------------------+\n"
)


@pytest.mark.parametrize(
    ("smi", "driver"),
    [("560.35.02", "560.94"), ("550.163.01", "555.85"), ("535.103", "537.13")],
)
def test_a_linux_nvidia_smi_reporting_a_windows_driver_is_wsl2(smi: str, driver: str) -> None:
    result = run(_SMI.format(smi=smi, driver=driver))
    assert fact(result, "os.wsl") == 2
    assert not fails(_SMI.format(smi=smi, driver=driver))  # a working GPU: nothing fails


@pytest.mark.parametrize("version", ["560.35.03", "546.33", "470.57.02"])
def test_one_version_in_the_header_says_nothing_of_wsl(version: str) -> None:
    result = run(_SMI.format(smi=version, driver=version))
    assert fact(result, "os.wsl") is None


# --- nvidia-smi crashing under WSL 2 -----------------------------------------------------------------

_HEADER_ONLY = (
    "| NVIDIA-SMI {smi:<22} Driver Version: {driver:<14} CUDA Version: 12.6     |\n"
    "|=========================================+========================+======================|\n"
)


@pytest.mark.parametrize(
    "crash",
    [
        "[1]    2211 segmentation fault  nvidia-smi\n",
        "bash: line 1:  4242 Segmentation fault      (core dumped) /usr/lib/wsl/lib/nvidia-smi\n",
        "Segmentation fault (core dumped) nvidia-smi\n",
    ],
)
def test_nvidia_smi_crashing_under_wsl2_is_a_wsl_warning(crash: str) -> None:
    text = _HEADER_ONLY.format(smi="560.27", driver="560.70") + crash
    result = run(text)
    assert "wsl-issue" in categories(text)
    assert statuses(result, "wsl-issue") >= {"warn"}
    assert "fail" not in statuses(result, "wsl-issue")


def test_nvidia_smi_crashing_on_native_linux_is_not_named_wsl() -> None:
    text = _HEADER_ONLY.format(smi="560.28.03", driver="560.28.03")
    text += "[1]    2211 segmentation fault  nvidia-smi\n"
    assert "wsl-issue" not in categories(text)


# --- cudarc (Rust) cannot load libcuda --------------------------------------------------------------

_CUDARC = {
    "0.11": (
        "thread 'main' panicked at /home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/"
        "cudarc-0.11.9/src/driver/sys/mod.rs:61:9:\n"
        'Unable to find cuda lib under the names ["cuda", "nvcuda"]. Please open GitHub issue.\n'
    ),
    "0.13": (
        "thread 'main' panicked at /home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/"
        "cudarc-0.13.3/src/lib.rs:98:5:\n"
        'Unable to dynamically load the "cuda" shared library - searched for library names: '
        '["cuda", "nvcuda"]. Ensure that `LD_LIBRARY_PATH` has the correct path to the installed '
        "library.\n"
    ),
}


@pytest.mark.parametrize("release", sorted(_CUDARC))
@pytest.mark.parametrize(
    "where",
    [
        "I build candle on Ubuntu 24.04 in WSL2 and the bert example panics:\n",
        "Running the server on a WSL machine (Windows 11, RTX 3080):\n",
        "Using WSL with the latest Game Ready driver, mistral.rs stops at start:\n",
    ],
)
def test_cudarc_missing_libcuda_under_wsl2_is_wsls_library_path(release: str, where: str) -> None:
    result = run(where + _CUDARC[release])
    failing = {f.category for f in result.findings if f.status == "fail"}
    assert "wsl-issue" in failing
    wsl = next(f for f in result.findings if f.category == "wsl-issue" and f.status == "fail")
    assert "missing-library" in wsl.also


@pytest.mark.parametrize("release", sorted(_CUDARC))
def test_cudarc_missing_libcuda_on_native_linux_is_a_missing_library(release: str) -> None:
    found = fails("On a Debian 12 server with an A10:\n" + _CUDARC[release])
    assert "missing-library" in found
    assert "wsl-issue" not in found


def test_cudarc_missing_a_toolkit_library_is_not_the_driver() -> None:
    text = (
        'Unable to dynamically load the "cublas" shared library - searched for library names: '
        '["cublas", "cublas64"]. Ensure that `LD_LIBRARY_PATH` has the correct path.\n'
    )
    assert "missing-library" not in fails("inside WSL2:\n" + text)


def test_the_linker_missing_libcuda_under_wsl2_names_wsl() -> None:
    text = "On WSL2 (Ubuntu 22.04) torch.compile fails:\n/usr/bin/ld: cannot find -lcuda: No such file or directory\n"
    assert "wsl-issue" in fails(text)


def test_the_linker_missing_libcuda_is_no_proof_of_a_missing_driver() -> None:
    text = (
        "cuda eager: tensor([0.5000], device='cuda:0')\n"
        "/usr/bin/ld: cannot find -lcuda: No such file or directory\n"
        "collect2: error: ld returned 1 exit status\n"
    )
    found = fails(text)
    assert "missing-library" in found
    assert "no-driver" not in found


# --- ollama's installer finds no GPU ------------------------------------------------------------------

_OLLAMA = (
    '>>> Install complete. Run "ollama" from the command line.\n'
    "WARNING: No {vendors} GPU detected. Ollama will run in CPU-only mode.\n"
)


@pytest.mark.parametrize("vendors", ["NVIDIA", "NVIDIA/AMD"])
def test_ollama_finding_no_gpu_under_wsl2_is_a_wsl_warning(vendors: str) -> None:
    text = "I installed ollama inside my WSL Ubuntu distro (RTX 3090):\n" + _OLLAMA.format(
        vendors=vendors
    )
    result = run(text)
    assert "wsl-issue" in categories(text)
    assert "fail" not in statuses(result, "wsl-issue")


def test_ollama_finding_no_gpu_elsewhere_is_a_device_warning() -> None:
    text = "On a fresh Ubuntu 22.04 server:\n" + _OLLAMA.format(vendors="NVIDIA/AMD")
    found = categories(text)
    assert "no-device" in found
    assert "wsl-issue" not in found
    assert not fails(text)


# --- a framework that sees no GPU under WSL 2, nothing else stated -----------------------------------


def test_jax_with_its_cuda_plugin_seeing_no_gpu_under_wsl2_is_an_inferred_wsl_warning() -> None:
    text = (
        "Ubuntu 22.04 under WSL2, RTX 4090, pip install -U 'jax[cuda12]'\n"
        ">>> import jax\n"
        ">>> jax.devices()\n"
        "[CpuDevice(id=0)]\n"
    )
    result = run(text)
    wsl = [f for f in result.findings if f.category == "wsl-issue" and f.status == "warn"]
    assert wsl and "inferred" in wsl[0].title


def test_jax_with_its_cuda_plugin_seeing_no_gpu_on_native_linux_is_not_named_wsl() -> None:
    text = (
        "Ubuntu 22.04, RTX 4090, pip install -U 'jax[cuda12]'\n"
        ">>> import jax\n"
        ">>> jax.devices()\n"
        "[CpuDevice(id=0)]\n"
    )
    assert "wsl-issue" not in categories(text)


# --- WSL named in prose ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "My setup: WLS2 - Ubuntu 22.04",
        "Using WSL (Ubuntu 24.04)",
        "on a WSL host with an RX 7900 XTX",
    ],
)
def test_rocm_unable_to_reach_the_gpu_where_prose_names_wsl_is_wsls_path(said: str) -> None:
    text = said + "\nROCk module is NOT loaded, possibly no GPU devices\n"
    text += "Unable to open /dev/kfd read-write: No such file or directory\n"
    assert "wsl-issue" in fails(text)


def test_a_working_wsl2_paste_stays_quiet() -> None:
    text = "Using WSL2 on Windows 11:\n" + _SMI.format(smi="560.35.02", driver="560.94")
    text += ">>> import torch\n>>> torch.cuda.is_available()\nTrue\n"
    assert not fails(text)
    result = run(text)
    assert not {f.category for f in result.findings if f.status == "warn"}
