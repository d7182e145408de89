"""A proven symptom with no known message (symptoms.py, inferences.py): a framework answering that
it cannot use the GPU the paste shows is not a healthy paste. Its likely cause is inferred from
what the text states (a warning that says so), or the finding says the cause is not in the text.
Each text is written here; each has a counterpart that must stay quiet."""

from __future__ import annotations

from tests.pastes import fact, read, run

SMI_537 = (
    "| NVIDIA-SMI 537.13                 Driver Version: 537.13       CUDA Version: 12.2     |"
)
SMI_470 = "| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |"
SMI_570 = "| NVIDIA-SMI 570.86.10    Driver Version: 570.86.10    CUDA Version: 12.8     |"


def _session(version: str, answer: str) -> str:
    return (
        ">>> import torch\n>>> torch.__version__\n"
        f"'{version}'\n>>> torch.cuda.is_available()\n{answer}\n"
    )


def _symptom(result):
    return [f for f in result.findings if f.id.startswith("symptom:")]


def _healthy(result) -> bool:
    return any(f.id == "healthy" for f in result.findings) and not _symptom(result)


def test_windows_unlabelled_torch_is_pypi_cpu_build():
    text = "Laptop with Windows 11, RTX 4070.\n" + _session("2.3.1", "False") + SMI_537
    result = run(text)
    (found,) = _symptom(result)
    assert (found.category, found.status) == ("cpu-wheel-on-gpu", "warn")
    assert "inferred" in found.title
    assert not result.failed and not any(f.id == "healthy" for f in result.findings)
    assert {q.line for q in found.quotes} >= {1, 4, 6}


def test_windows_counterpart_cuda_available_is_healthy():
    text = "Laptop with Windows 11, RTX 4070.\n" + _session("2.3.1", "True") + SMI_537
    assert _healthy(run(text))


def test_labelled_cuda_build_is_not_inferred_cpu():
    """torch.version.cuda stated: the build is CUDA, so no CPU-build inference (the checklist
    judges that build)."""
    text = (
        "On Windows 10.\n>>> import torch\n>>> torch.__version__\n'2.3.1'\n"
        ">>> torch.version.cuda\n'12.1'\n>>> torch.cuda.is_available()\nFalse\n" + SMI_537
    )
    assert not any(f.id == "symptom:pytorch-windows-pypi" for f in run(text).findings)


def test_linux_unlabelled_torch_newer_cuda_than_driver():
    result = run(_session("2.7.0", "False") + SMI_470)
    (found,) = _symptom(result)
    assert (found.category, found.status) == ("driver-too-old", "warn")
    assert "12.6" in found.detail and "11.4" in found.detail


def test_linux_driver_new_enough_says_cause_not_in_text():
    result = run(_session("2.7.0", "False") + SMI_570)
    (found,) = _symptom(result)
    assert (found.category, found.status) == ("other", "warn")
    assert "not in the text" in found.detail
    assert found.fix and "collect_env" in found.fix
    assert not any(f.id == "healthy" for f in result.findings)


def test_own_check_without_gpu_shown_is_no_longer_healthy():
    """Session 47: the user's own is_available() answering False is the failure shown, GPU named
    or not: a warning that the text does not say why (tests/test_diagnose_symptoms_c47.py has the
    family; a CPU-only machine's report field, not a check, stays healthy there)."""
    (found,) = _symptom(run(_session("2.7.0", "False")))
    assert (found.category, found.status) == ("other", "warn")


def test_tensorflow_empty_gpu_list_libraries():
    text = (
        ">>> import tensorflow as tf\n>>> tf.__version__\n'2.17.0'\n"
        ">>> tf.config.list_physical_devices('GPU')\n[]\n" + SMI_570
    )
    (found,) = _symptom(run(text))
    assert (found.category, found.status) == ("missing-library", "warn")


def test_tensorflow_gpu_listed_is_healthy():
    text = (
        ">>> import tensorflow as tf\n>>> tf.__version__\n'2.17.0'\n"
        ">>> tf.config.list_physical_devices('GPU')\n"
        "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]\n" + SMI_570
    )
    assert _healthy(run(text))


def test_tensorflow_1x_cpu_package():
    text = (
        ">>> import tensorflow as tf\n>>> tf.__version__\n'1.14.0'\n"
        ">>> tf.test.is_gpu_available()\nFalse\n" + SMI_470
    )
    (found,) = _symptom(run(text))
    assert (found.id, found.category) == ("symptom:tensorflow-tf1-cpu-package", "cpu-wheel-on-gpu")


def test_tensorflow_1x_gpu_package_named_is_not_the_cpu_package():
    text = (
        "pip install tensorflow-gpu==1.14.0\n>>> import tensorflow as tf\n>>> tf.__version__\n"
        "'1.14.0'\n>>> tf.test.is_gpu_available()\nFalse\n" + SMI_470
    )
    assert not any(f.id == "symptom:tensorflow-tf1-cpu-package" for f in run(text).findings)


def test_jax_cpu_only_next_to_gpu():
    text = ">>> import jax\n>>> jax.devices()\n[CpuDevice(id=0)]\n" + SMI_570
    (found,) = _symptom(run(text))
    assert (found.category, found.status) == ("cpu-wheel-on-gpu", "warn")


def test_jax_cuda_plugin_named_is_not_the_cpu_jaxlib():
    text = (
        'pip install -U "jax[cuda12]"\n>>> import jax\n>>> jax.devices()\n[CpuDevice(id=0)]\n'
        + SMI_570
    )
    (found,) = _symptom(run(text))
    assert found.category == "other"


def test_conda_install_retold_answer_and_own_gpu():
    text = (
        "I installed it with `conda install -c pytorch pytorch=1.10.0 cudatoolkit=11.5` and now "
        "my GPU is not used: torch.cuda.is_available=**False**\n"
    )
    result = run(text)
    assert fact(result, "frameworks.pytorch.cuda_available") is False
    (found,) = _symptom(result)
    assert (found.id, found.category) == ("symptom:pytorch-conda-cpu-build", "cpu-wheel-on-gpu")


def test_own_gpu_of_another_vendor_is_no_nvidia_symptom():
    text = (
        "My GPU is an AMD Radeon RX 6800 and conda install pytorch=2.0.1 gave "
        "torch.cuda.is_available=False\n"
    )
    assert not _symptom(run(text))


def test_container_without_gpu_inferred():
    text = "Inside the docker container:\n" + _session("2.4.0", "False") + SMI_570
    (found,) = _symptom(run(text))
    assert (found.category, found.status) == ("no-device", "warn")


def test_gpu_at_work_elsewhere_is_no_symptom():
    text = (
        _session("2.4.0", "False")
        + ">>> torch.ones(2, device='cuda:0')\ntensor([1., 1.], device='cuda:0')\n"
        + SMI_570
    )
    assert not _symptom(run(text))


def test_cpu_intended_is_no_symptom():
    text = "We don't need the GPU for this job.\n" + _session("2.4.0", "False") + SMI_570
    assert not _symptom(run(text))


def test_aarch64_unlabelled_torch_before_2_8():
    text = "uname -m: aarch64 (GH200)\n" + _session("2.5.1", "False") + SMI_570
    (found,) = _symptom(run(text))
    assert (found.id, found.category) == ("symptom:pytorch-aarch64-pypi", "cpu-wheel-on-gpu")


def test_explained_symptom_gets_no_inference():
    """A known message that says why (torch's own CPU-build assertion) leaves nothing to infer."""
    text = (
        "On Windows 11\n"
        + _session("2.3.1", "False")
        + "AssertionError: Torch not compiled with CUDA enabled\n"
        + SMI_537
    )
    result = run(text)
    assert result.failed and not _symptom(result)


def test_retold_answers_read():
    for line, value in (
        ("torch.cuda.is_available=**False**", False),
        ("cuda.is_available(): `True`", True),
        ("torch.cuda.is_available() returns False", False),
    ):
        result = run(line + "\n" + SMI_570)
        assert fact(result, "frameworks.pytorch.cuda_available") is value, line


def _ids(text: str) -> set[str]:
    result = run(text)
    return {f.id for f in result.findings if f.status != "ok"}


def test_cpu_build_stated_in_the_users_words():
    for sentence in (
        "That pip command swapped my CUDA torch for a CPU-only pytorch.",
        "Turns out conda installed the CPU version, so the card sits idle.",
        "I only now noticed I had a CPU build of tensorflow.",
        "so torch is CPU only here",
    ):
        result = run(sentence + "\n" + SMI_570)
        found = [f for f in result.findings if f.id == "signature:cpu-build-stated"]
        assert found and found[0].status == "warn", sentence
        assert not result.failed and not any(f.id == "healthy" for f in result.findings)
        assert found[0].quotes[0].line == 1


def test_cpu_build_set_apart_is_not_stated():
    for sentence in (
        "I want the CPU-only torch for the CI runners.",
        "Installed the GPU wheel instead of the CPU-only pytorch.",
    ):
        assert "signature:cpu-build-stated" not in _ids(sentence + "\n" + SMI_570), sentence


def test_stated_cause_keeps_the_symptom_from_inferring_another():
    text = "Windows 10: pip gave me the CPU-only torch.\n" + _session("2.3.1", "False") + SMI_537
    result = run(text)
    assert not _symptom(result)
    assert "signature:cpu-build-stated" in {f.id for f in result.findings}


def test_driver_not_loaded_stated():
    for sentence in (
        "After last night's kernel update the driver isn't loaded any more.",
        "nvidia-smi tells me the NVIDIA driver is not running",
        "lsmod shows the nvidia kernel module is not loaded",
    ):
        result = run(sentence)
        (found,) = [f for f in result.findings if f.id == "signature:driver-not-loaded-stated"]
        assert (found.category, found.status) == ("no-driver", "warn"), sentence


def test_driver_not_loaded_install_steps_are_not_read():
    for sentence in (
        "Before installing, make sure the driver is not loaded (stop the display manager).",
        "Check that the nouveau driver is not loaded.",
    ):
        result = read(sentence + "\n" + SMI_570)
        assert result is None or "signature:driver-not-loaded-stated" not in {
            f.id for f in result.findings
        }, sentence


def test_aarch64_unlabelled_torch_cpu_only_through_2_10():
    """PyPI's aarch64 torch is the CPU-only build before 2.11 (compat.yaml, read from PyPI's
    metadata), 2.8-2.10 included; from 2.11 it is a CUDA build, so nothing is inferred."""
    for release in ("2.8.0", "2.10.0"):
        text = "uname -m: aarch64 (GH200)\n" + _session(release, "False") + SMI_570
        (found,) = _symptom(run(text))
        assert (found.id, found.category) == ("symptom:pytorch-aarch64-pypi", "cpu-wheel-on-gpu")
    text = "uname -m: aarch64 (GH200)\n" + _session("2.11.0", "False") + SMI_570
    assert all(f.id != "symptom:pytorch-aarch64-pypi" for f in _symptom(run(text)))
