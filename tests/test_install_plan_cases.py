"""The install commands dlrec printed wrong before the wheel matrix, one named test each, plus the
planner's contract (inputs, argv quoting, purity)."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from recommender.core.problems import BadRequest
from recommender.decide.install.plan import InstallPlan, NoBuild, plan_install
from recommender.rulebase.wheels.load import load_wheels

MATRIX = load_wheels()
_spec = importlib.util.spec_from_file_location(
    "wheel_profiles_cases", Path(__file__).resolve().parent / "fixtures" / "wheels" / "profiles.py"
)
assert _spec and _spec.loader
P = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = P
_spec.loader.exec_module(P)


def plan(facts, framework, accelerator, backend=None, **kw):
    return plan_install(framework, facts, accelerator, matrix=MATRIX, backend=backend, **kw)


def spec_of(result: InstallPlan, name: str) -> SpecifierSet:
    return SpecifierSet(dict(result.packages)[name])


def test_windows_nvidia_keras_on_torch_uses_a_cuda_index_not_pypi():
    facts = P.facts(system="Windows", machine="AMD64", accelerators=(P.gpu("8.9", "581.57"),))
    result = plan(facts, "keras", "nvidia", "torch")
    assert isinstance(result, InstallPlan)
    assert result.index_url and result.index_url.startswith("https://download.pytorch.org/whl/cu")
    assert result.commands[-1][-1] == "keras==3.15.*"  # keras from PyPI, in its own command
    assert "--index-url" not in result.commands[-1]


def test_amd_keras_on_torch_uses_the_rocm_index():
    result = plan(P.facts(accelerators=(P.amd("gfx90a"),)), "keras", "amd", "torch")
    assert isinstance(result, InstallPlan)
    assert result.index_url == "https://download.pytorch.org/whl/rocm7.2"
    assert result.build == {"flavour": "rocm", "rocm": "7.2"}


@pytest.mark.parametrize(
    ("cc", "driver"), [("7.0", "580.82.07"), ("6.1", "570.86.10"), ("8.6", "550.54.14")]
)
def test_pre_turing_or_cuda12_driver_never_gets_cuda13(cc, driver):
    result = plan(P.facts(accelerators=(P.gpu(cc, driver),)), "pytorch", "nvidia")
    assert isinstance(result, InstallPlan)
    assert result.build["cuda"].startswith("12.")
    assert "cu13" not in (result.index_url or "")


def test_a100_on_driver_550_gets_cu126_below_2_15_and_says_why():
    result = plan(P.facts(accelerators=(P.gpu("8.0", "550.54.14"),)), "pytorch", "nvidia")
    assert isinstance(result, InstallPlan)
    assert result.index_url == "https://download.pytorch.org/whl/cu126"
    assert "2.15.0" not in spec_of(result, "torch") and "2.14.1" in spec_of(result, "torch")
    assert any("torch 2.15" in g and "R580" in g for g in result.gave_up), result.gave_up


def test_unknown_driver_is_said_to_be_unknown():
    result = plan(P.facts(accelerators=(P.gpu("8.0", None),)), "pytorch", "nvidia")
    assert isinstance(result, InstallPlan)
    assert any("driver version unknown" in u for u in result.unknowns)


def test_tpu_pytorch_pairs_torch_and_torch_xla_at_the_same_minor():
    result = plan(P.facts(accelerators=({"kind": "tpu"},)), "pytorch", "tpu")
    assert isinstance(result, InstallPlan)
    assert result.packages == (("torch", "==2.9.*"), ("torch_xla[tpu]", "==2.9.*"))


def test_tpu_tensorflow_is_tensorflow_tpu_2_20_with_libtpu():
    result = plan(P.facts(accelerators=({"kind": "tpu"},)), "tensorflow", "tpu")
    assert isinstance(result, InstallPlan)
    assert dict(result.packages)["tensorflow-tpu"] == "==2.20.*"
    assert "libtpu" in dict(result.packages)


@pytest.mark.parametrize("driver", ["570.124.06", "575.57.08"])
def test_blackwell_on_r570_r575_gets_cu128_below_2_12_and_names_the_r580_upgrade(driver):
    result = plan(P.facts(accelerators=(P.gpu("12.0", driver),)), "pytorch", "nvidia")
    assert isinstance(result, InstallPlan)
    assert result.index_url == "https://download.pytorch.org/whl/cu128"
    assert not spec_of(result, "torch").contains("2.12.0")
    assert any("580 (R580)" in g for g in result.gave_up)


def test_amd_tensorflow_is_amds_wheel_from_its_repo_and_says_rocm_is_not_checked():
    """AMD's tensorflow-rocm (rocm-tensorflow doc): -f repo.radeon.com, the exact version, a
    note that AMD builds it, and the system-wide ROCm it needs as an unknown."""
    result = plan(P.facts(accelerators=(P.amd("gfx90a"),), python="3.12.3"), "tensorflow", "amd")
    assert isinstance(result, InstallPlan)
    assert result.packages == (("tensorflow-rocm", "==2.18.1"),)
    assert result.links == (
        ("--find-links", "https://repo.radeon.com/rocm/manylinux/rocm-rel-6.4/"),
    )
    assert "--find-links" in result.command_line
    assert any(n.startswith("AMD builds this tensorflow (tensorflow-rocm)") for n in result.notes)
    assert any("ROCm 6.4 installed system-wide" in u for u in result.unknowns)
    assert result.build["flavour"] == "rocm"


def test_amd_tensorflow_on_python_3_11_is_pypis_last_tensorflow_rocm():
    result = plan(P.facts(accelerators=(P.amd("gfx942"),), python="3.11.9"), "tensorflow", "amd")
    assert isinstance(result, InstallPlan)
    assert result.packages == (("tensorflow-rocm", "==2.14.*"),) and result.links == ()
    assert any("tensorflow-rocm 2.18" in g and "3.11" in g for g in result.gave_up)
    assert any("ROCm 6.0 installed system-wide" in u for u in result.unknowns)


def test_amd_tensorflow_on_python_3_13_is_a_nobuild_with_ways_out():
    result = plan(P.facts(accelerators=(P.amd("gfx90a"),), python="3.13.1"), "tensorflow", "amd")
    assert isinstance(result, NoBuild)
    assert "tensorflow-rocm" in result.reason
    assert any(w.startswith("Use Python 3.12") for w in result.ways_out)
    assert any("pytorch" in w for w in result.ways_out)


def test_an_amd_gpu_tensorflow_rocm_was_not_built_for_is_refused():
    result = plan(P.facts(accelerators=(P.amd("gfx1201"),), python="3.12.3"), "tensorflow", "amd")
    assert isinstance(result, NoBuild)


def test_macos_python_3_13_tensorflow_metal_is_a_nobuild_pointing_at_python_3_12():
    facts = P.facts(system="Darwin", machine="arm64", macos="15.1", python="3.13.1")
    result = plan(facts, "tensorflow", "apple")
    assert isinstance(result, NoBuild)
    assert any(w.startswith("Use Python 3.12") for w in result.ways_out)
    assert any("CPU only" in w and "tensorflow==2.21.*" in w for w in result.ways_out)


def test_keras_on_jax_on_v100_with_r580_is_not_jax_cuda13():
    result = plan(P.facts(accelerators=(P.gpu("7.0", "580.82.07"),)), "keras", "nvidia", "jax")
    assert isinstance(result, InstallPlan)
    assert "jax[cuda12]" in dict(result.packages)


def test_intel_arc_uses_the_xpu_index():
    result = plan(P.facts(accelerators=({"kind": "xpu"},)), "pytorch", "intel")
    assert isinstance(result, InstallPlan)
    assert result.index_url == "https://download.pytorch.org/whl/xpu"
    assert result.build == {"flavour": "xpu"}


@pytest.mark.parametrize(
    ("system", "machine", "dist"),
    [
        ("Linux", "x86_64", "tensorflow-cpu"),
        ("Windows", "AMD64", "tensorflow-cpu"),
        ("Darwin", "arm64", "tensorflow"),
    ],
)
def test_cpu_machine_tensorflow_and_keras_on_tensorflow_agree(system, machine, dist):
    facts = P.facts(system=system, machine=machine, macos="15.1" if system == "Darwin" else None)
    tf, keras = plan(facts, "tensorflow", "cpu"), plan(facts, "keras", "cpu", "tensorflow")
    assert tf.packages[0] == keras.packages[0] == (dist, "==2.21.*")


def test_a_usable_build_of_another_variant_in_the_same_line_is_named_not_forced():
    facts = P.facts(
        accelerators=(P.gpu("8.0", "580.65.06"),),
        frameworks=P.torch_installed("2.15.0+cu132", "cuda", "13.2"),
    )
    result = plan(facts, "pytorch", "nvidia")
    assert isinstance(result, InstallPlan) and not result.reinstall
    assert any("pip keeps it" in n for n in result.notes)


def test_python_cmd_is_split_and_commands_are_quoted():
    result = plan(P.facts(), "pytorch", "cpu", python_cmd="py -3.12")
    assert result.commands[0][:4] == ("py", "-3.12", "-m", "pip")
    assert result.command_line == (
        "py -3.12 -m pip install 'torch==2.15.*' --index-url https://download.pytorch.org/whl/cpu"
    )


def test_keras_without_a_backend_uses_keras_default_and_says_so():
    result = plan(P.facts(), "keras", "cpu")
    assert isinstance(result, InstallPlan)
    assert any("KERAS_BACKEND is unset" in n for n in result.notes)
    assert result.packages[0][0] == "tensorflow-cpu"


def test_planning_does_not_touch_the_facts():
    facts = P.facts(accelerators=(P.gpu("8.0", "550.54.14"),))
    before = copy.deepcopy(facts)
    plan(facts, "keras", "nvidia", "torch")
    assert facts == before


@pytest.mark.parametrize(
    ("framework", "accelerator", "backend", "wanted"),
    [
        ("caffe", "cpu", None, "framework 'caffe' (allowed: tensorflow, pytorch, keras, jax)"),
        ("keras", "cpu", "mxnet", "backend 'mxnet' (allowed with keras: tensorflow, torch, jax)"),
        ("pytorch", "cpu", "torch", "backend 'torch' (allowed with keras"),
        (
            "pytorch",
            "cuda",
            None,
            "accelerator 'cuda' (allowed: nvidia, amd, apple, tpu, intel, cpu)",
        ),
    ],
)
def test_bad_arguments_are_refused_with_what_is_allowed(framework, accelerator, backend, wanted):
    with pytest.raises(BadRequest) as info:
        plan(P.facts(), framework, accelerator, backend)
    assert wanted in str(info.value)


def test_unknown_platform_is_a_nobuild():
    result = plan(P.facts(system="FreeBSD", machine="amd64"), "pytorch", "cpu")
    assert isinstance(result, NoBuild) and "FreeBSD/amd64" in result.reason


def test_empty_facts_plan_with_every_unknown_said():
    result = plan({"os": {"system": "Linux", "machine": "x86_64"}}, "pytorch", "nvidia")
    assert isinstance(result, InstallPlan)
    text = " | ".join(result.unknowns)
    assert "Python version unknown" in text and "no NVIDIA GPU in the facts" in text
