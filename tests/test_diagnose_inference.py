"""Issue 21 (21e): a cause a paste states only through facts, inferred through the cited tables
whatever the format the facts come in. Each rule is tried on several formats written here (not
corpus cases), each with a healthy counterpart that must not fail:

* the driver's newest CUDA from its version (rules/gpus.yaml driver_branches) where no nvidia-smi
  header states it: collect_env's driver line, a bare ``Driver Version:`` line, prose ("driver
  470", ``nvidia-driver-535``);
* a torch build stated in prose or an install command (``torch 2.1.0+cu121``);
* torchvision/torchaudio without a local label next to a labelled torch: PyPI's build, for the
  CUDA of compat.yaml ``torch_pypi_linux_cuda``; a conda companion's build string (``py39_cu116``)
  read as its label; pip's ``Requirement already satisfied: ... (1.10.0+cu111)`` as a version;
* two blocks that disagree stay a conflict in every format."""

from __future__ import annotations

import pytest

from recommender.facts.reports import read_paste
from recommender.facts.reports.gpus import load_gpu_table, max_cuda_for_driver
from tests.pastes import run


def _fails(text: str) -> set[str]:
    return {f.category for f in run(text).findings if f.status == "fail"}


# --- the driver's newest CUDA, inferred from its version ------------------------------------------

_CU121_BUILDS = {
    "pip list": "Package    Version\ntorch      2.1.0+cu121\n",
    "pip freeze": "torch==2.1.0+cu121\nnumpy==1.26.4\n",
    "session": ">>> import torch\n>>> torch.__version__\n'2.1.0+cu121'\n",
    "prose": "I installed torch 2.1.0+cu121 with pip.\n",
    "conda list": (
        "# Name                    Version                   Build  Channel\n"
        "pytorch                   2.1.0           py3.10_cuda12.1_cudnn8.9.2_0    pytorch\n"
    ),
}
_DRIVER_470 = {
    "bare driver line": "Driver Version: 470.182.03\n",
    "prose": "My NVIDIA driver version is 470.182.03.\n",
    "prose branch": "I am on driver 470 (Ubuntu 20.04).\n",
    "apt package": "nvidia-driver-470 is already the newest version (470.182.03-0ubuntu0.20.04.1).\n",
}


@pytest.mark.parametrize("build", sorted(_CU121_BUILDS))
@pytest.mark.parametrize("driver", sorted(_DRIVER_470))
def test_a_driver_older_than_the_build_fails_in_every_format(build: str, driver: str) -> None:
    text = _DRIVER_470[driver] + _CU121_BUILDS[build]
    result = run(text)
    assert "driver-too-old" in _fails(text), (build, driver, result.findings)
    finding = next(f for f in result.findings if f.category == "driver-too-old")
    assert any("470" in q.text for q in finding.quotes)  # the driver line is quoted


@pytest.mark.parametrize("build", sorted(_CU121_BUILDS))
def test_a_driver_new_enough_for_the_build_is_healthy(build: str) -> None:
    for driver in ("Driver Version: 535.104.05\n", "I updated to driver 550 last week.\n"):
        assert "driver-too-old" not in _fails(driver + _CU121_BUILDS[build]), (build, driver)


def test_the_collect_env_driver_line_is_read_the_same_way() -> None:
    report = (
        "PyTorch version: 2.1.0+cu121\nIs debug build: False\nCUDA used to build PyTorch: 12.1\n"
        "OS: Ubuntu 20.04.6 LTS (x86_64)\nIs CUDA available: False\n"
        "GPU models and configuration: GPU 0: Tesla T4\nNvidia driver version: {driver}\n"
    )
    assert "driver-too-old" in _fails(report.format(driver="470.182.03"))
    assert "driver-too-old" not in _fails(report.format(driver="535.104.05"))


def test_the_inferred_cuda_keeps_the_driver_line_and_never_overrides_nvidia_smi() -> None:
    paste = read_paste("text\nDriver Version: 470.57.02\n", origin="x")
    fact = paste.facts["driver.max_cuda"]
    assert (fact.value, fact.line) == ("11.4", 2)
    smi = "| NVIDIA-SMI 470.57.02    Driver Version: 470.57.02    CUDA Version: 11.4     |\n"
    assert read_paste(smi, origin="x").facts["driver.max_cuda"].value == "11.4"


@pytest.mark.parametrize(
    ("driver", "cuda"),
    [("470", "11.4"), ("470.57.02", "11.4"), ("535.104.05", "12.2"), ("418.67", "10.1")],
)
def test_a_driver_branch_alone_gives_its_cuda(driver: str, cuda: str) -> None:
    assert max_cuda_for_driver(driver, load_gpu_table()) == cuda


@pytest.mark.parametrize(
    "line",
    [
        "CUDA driver version 12.2 is what nvidia-smi prints",
        "found version 11040",
        "I updated the driver twice",
        "the driver 2023 release notes",
    ],
)
def test_other_numbers_near_driver_are_not_a_driver(line: str) -> None:
    paste = read_paste(line + "\ntorch==2.1.0+cu121\n", origin="x")
    assert "driver.version" not in paste.facts


# --- torchvision / torchaudio from another index than torch ---------------------------------------

_UNLABELLED = {
    "pip list": "Package     Version\ntorch       {torch}\ntorchvision {companion}\n",
    "pip freeze": "torch=={torch}\ntorchvision=={companion}\n",
    "collect_env": (
        "PyTorch version: {torch}\nIs debug build: False\n\nVersions of relevant libraries:\n"
        "[pip3] numpy==1.26.4\n[pip3] torch=={torch}\n[pip3] torchvision=={companion}\n"
    ),
    "pip output": (
        "Requirement already satisfied: torch in /usr/lib/python3/dist-packages (from torchvision) "
        "({torch})\nSuccessfully installed torchvision-{companion}\n"
    ),
}


@pytest.mark.parametrize("layout", sorted(_UNLABELLED))
def test_a_pypi_companion_next_to_torch_of_another_cuda_is_a_mismatch(layout: str) -> None:
    text = _UNLABELLED[layout].format(torch="2.1.0+cu118", companion="0.16.0")
    result = run(text)
    assert "version-mismatch" in _fails(text), (layout, result.findings)
    finding = next(f for f in result.findings if f.category == "version-mismatch")
    assert "cu121" in finding.detail and "cu118" in finding.detail


@pytest.mark.parametrize("layout", sorted(_UNLABELLED))
def test_a_pypi_companion_next_to_pypi_s_own_cuda_is_healthy(layout: str) -> None:
    text = _UNLABELLED[layout].format(torch="2.1.0+cu121", companion="0.16.0")
    assert "version-mismatch" not in _fails(text), layout


def test_torch_1x_companions_use_the_cuda_10_2_pypi_build() -> None:
    text = (
        "Requirement already satisfied: torch==1.10.0 in /usr/local/lib/python3.7/dist-packages "
        "(from torchaudio) (1.10.0+cu111)\nSuccessfully installed torchaudio-0.10.0\n"
    )
    result = run(text)
    finding = next(f for f in result.findings if f.category == "version-mismatch")
    assert "cu102" in finding.detail
    healthy = text.replace("1.10.0+cu111", "1.10.0+cu102")
    assert "version-mismatch" not in _fails(healthy)


def test_on_windows_the_pypi_rule_does_not_guess() -> None:
    text = "OS: Microsoft Windows 11 Pro\nPython platform: Windows-10-10.0.22631-SP0\n"
    text += _UNLABELLED["collect_env"].format(torch="2.1.0+cu118", companion="0.16.0")
    result = run(text)
    assert not any("PyPI's build" in f.detail for f in result.findings)


def test_a_conda_companion_build_string_is_its_cuda() -> None:
    listing = (
        "# Name                    Version                   Build  Channel\n"
        "pytorch                   1.13.1          py3.9_cuda11.7_cudnn8.5.0_0    pytorch\n"
        "torchvision               0.14.1               py39_{tv}    pytorch\n"
    )
    assert "version-mismatch" in _fails(listing.format(tv="cu116"))
    assert "version-mismatch" not in _fails(listing.format(tv="cu117"))
    paste = read_paste(listing.format(tv="cu117"), origin="x")
    assert paste.facts["package.torchvision"].value == "0.14.1+cu117"


# --- a torch build stated in prose, with a GPU named in prose --------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "I'm using a GTX 1080 with torch 2.8.0+cu128.",
        "On my GTX 1080 I ran pip install torch==2.8.0+cu128 and training fails.",
        "GPU: GTX 1080, pytorch 2.8.0+cu128",
    ],
)
def test_a_gpu_older_than_the_stated_build_s_architectures_fails(sentence: str) -> None:
    assert "arch-unsupported" in _fails(sentence)
    assert "arch-unsupported" not in _fails(sentence.replace("cu128", "cu126"))


def test_a_torch_version_with_no_label_says_nothing_of_the_build() -> None:
    paste = read_paste("I upgraded torch 2.1.0 yesterday, driver 470.\n", origin="x")
    assert "frameworks.pytorch.build.cuda" not in paste.facts


# --- two blocks that disagree stay a conflict, in every format -------------------------------------

_SMI = "| NVIDIA-SMI {d}    Driver Version: {d}    CUDA Version: {c}     |\n"


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (
            _SMI.format(d="535.104.05", c="12.2") + _SMI.format(d="470.57.02", c="11.4"),
            "driver.version",
        ),
        (
            "PyTorch version: 2.1.0+cu121\nIs CUDA available: True\n"
            "Nvidia driver version: 535.104.05\n\n" + _SMI.format(d="525.60.13", c="12.0"),
            "driver.version",
        ),
        (
            "jax:    0.4.26\njaxlib: 0.4.26\n"
            + _SMI.format(d="535.54.03", c="12.2")
            + "later:\n"
            + _SMI.format(d="550.54.14", c="12.4"),
            "driver.version",
        ),
        (
            ">>> torch.__version__\n'2.1.0+cu121'\n$ pip list\ntorch          2.3.1+cu118\n",
            "frameworks.pytorch.version",
        ),
        (
            "- `transformers` version: 4.40.0\n- PyTorch version (GPU?): 2.3.0+cu121 (True)\n\n"
            "[pip3] torch==2.1.0+cu118\n",
            "frameworks.pytorch.version",
        ),
    ],
)
def test_disagreeing_blocks_are_a_conflict(text: str, path: str) -> None:
    result = run(text)
    assert any(f.id == f"conflict:{path}" for f in result.findings), result.findings


def test_agreeing_blocks_are_no_conflict() -> None:
    text = (
        "PyTorch version: 2.1.0+cu121\nNvidia driver version: 535.104.05\n\n"
        + _SMI.format(d="535.104.05", c="12.2")
        + "$ pip list\ntorch          2.1.0+cu121\n"
    )
    assert not any(f.id.startswith("conflict:") for f in run(text).findings)


# --- package pairs stated side by side (decide/diagnosis/pairings.py) ---------------------------------

_PAIR_LAYOUTS = {
    "pip list": "Package    Version\n{a}    {av}\n{b}    {bv}\n",
    "pip freeze": "{a}=={av}\n{b}=={bv}\n",
    "conda list": "# Name  Version  Build  Channel\n{a}  {av}  pypi_0  pypi\n{b}  {bv}  pypi_0  pypi\n",
}


@pytest.mark.parametrize("layout", sorted(_PAIR_LAYOUTS))
@pytest.mark.parametrize(
    ("a", "av", "b", "bv", "bad"),
    [
        ("tensorflow", "2.13.1", "keras", "3.1.1", True),
        ("tensorflow", "2.13.1", "keras", "2.13.1", False),
        ("tensorflow", "2.16.1", "keras", "2.15.0", True),
        ("tensorflow", "2.16.1", "keras", "3.3.3", False),
        ("tensorflow", "2.15.0", "keras", "3.0.2", False),  # documented: Keras 3 over TF 2.15
        ("tensorflow", "2.16.1", "tf-keras", "2.15.1", True),
        ("tensorflow", "2.16.1", "tf-keras", "2.16.0", False),
        ("jax", "0.4.30", "jaxlib", "0.4.23", True),
        ("jax", "0.4.20", "jaxlib", "0.4.31", True),
        ("jax", "0.4.30", "jaxlib", "0.4.28", False),
        ("jax", "0.5.2", "jaxlib", "0.5.1", False),  # jax 0.5.2 accepts jaxlib 0.5.1
        ("jax", "0.6.2", "jaxlib", "0.6.1", True),
        ("torch", "2.3.0", "xformers", "0.0.27", True),
        ("torch", "2.3.1", "xformers", "0.0.27", False),
        ("torch", "2.5.1+cu124", "xformers", "0.0.28.post3", False),
    ],
)
def test_package_pairs(layout: str, a: str, av: str, b: str, bv: str, bad: bool) -> None:
    text = _PAIR_LAYOUTS[layout].format(a=a, av=av, b=b, bv=bv)
    assert ("version-mismatch" in _fails(text)) is bad, (layout, a, av, b, bv)


@pytest.mark.parametrize(
    "line",
    [
        "tensorflow 2.13.1 requires keras<2.14,>=2.13.1, but you have keras 3.1.1 which is incompatible.",
        "ERROR: tensorflow 2.13.1 has requirement keras<2.14,>=2.13.1, but you'll have keras 3.1.1 "
        "which is incompatible.",
    ],
)
def test_pip_s_conflict_line_states_both_versions(line: str) -> None:
    paste = read_paste(line + "\n", origin="x")
    assert paste.facts["frameworks.tensorflow.version"].value == "2.13.1"
    assert paste.facts["frameworks.keras.version"].value == "3.1.1"
    assert "pip-output" in paste.formats
    assert "version-mismatch" in _fails(line)


def test_a_pip_conflict_the_tables_allow_is_healthy() -> None:
    line = "tensorflow-macos 2.15.0 requires keras<2.16,>=2.15.0, but you have keras 3.0.2 which is incompatible."
    assert not run(line).failed


# --- a message the stated versions contradict: direct evidence wins -------------------------------

_NMS = "RuntimeError: operator torchvision::nms does not exist\n"


@pytest.mark.parametrize(
    "listing",
    [
        "[pip3] torch==2.4.0\n[pip3] torchvision==0.19.0\n",
        "Package      Version\ntorch        2.4.0\ntorchvision  0.19.0\n",
        "torch==2.8.0+cu128\ntorchvision==0.23.0+cu128\n",
    ],
)
def test_a_companion_message_next_to_a_matching_pair_is_a_warning(listing: str) -> None:
    text = ">>> torch.hub.load('pytorch/vision', 'resnet18')\n" + _NMS + listing
    result = run(text)
    assert not result.failed, result.findings
    finding = next(f for f in result.findings if f.id == "signature:torchvision-operator-missing")
    assert finding.status == "warn" and "not the one listed" in finding.detail
    assert "--force-reinstall" not in (finding.fix or "")


@pytest.mark.parametrize(
    "listing",
    [
        "[pip3] torch==2.6.0\n[pip3] torchvision==0.23.0\n",
        "Package      Version\ntorch        2.6.0\ntorchvision  0.23.0\n",
        "",  # no versions stated: the message decides
    ],
)
def test_a_companion_message_next_to_a_mismatched_or_unknown_pair_fails(listing: str) -> None:
    assert "version-mismatch" in _fails(_NMS + listing)


@pytest.mark.parametrize(
    ("line", "installed"),
    [
        ("    PyTorch 2.0.1+cu118 with CUDA 1108 (you have 2.1.0+cu121)", "2.1.0+cu121"),
        ("    PyTorch 2.0.1+cu118 with CUDA 1108 (you have 2.0.1)", None),
        ("this wheel was built for torch 2.1.0+cu121 only", None),
        ("flash-attn requires torch==2.3.0+cu121 here", None),
        ("I have torch 2.3.0+cu121 installed", "2.3.0+cu121"),
    ],
)
def test_a_torch_a_library_was_built_for_is_not_the_installed_one(
    line: str, installed: str | None
) -> None:
    paste = read_paste(line + "\nDriver Version: 535.104.05\n", origin="x")
    fact = paste.facts.get("frameworks.pytorch.version")
    assert (fact.value if fact else None) == installed


# --- TensorFlow's release gives its CUDA where no block states the build's ------------------------

_SMI_470 = "| NVIDIA-SMI 470.57.02    Driver Version: 470.57.02    CUDA Version: 11.4     |\n"


@pytest.mark.parametrize(
    "tf",
    [
        "Package      Version\ntensorflow   2.15.0\n",
        "tensorflow==2.16.1\n",
        "- TensorFlow version (use command below): 2.15.0\n- Python version: 3.10\n",
        "My tensorflow version is 2.17.0\n",
    ],
)
def test_a_tensorflow_built_for_a_newer_cuda_major_than_the_driver_fails(tf: str) -> None:
    assert "driver-too-old" in _fails(tf + _SMI_470)
    newer = _SMI_470.replace("470.57.02", "535.104.05").replace("11.4", "12.2")
    assert "driver-too-old" not in _fails(tf + newer)


def test_tensorflow_within_the_driver_s_cuda_major_or_on_cpu_is_not_blamed() -> None:
    assert "driver-too-old" not in _fails(
        "tensorflow==2.12.0\n" + _SMI_470
    )  # CUDA 11.8: minor compat
    assert "driver-too-old" not in _fails("tensorflow-cpu==2.15.0\n" + _SMI_470)
