"""The checklist's JAX items (installed, Python range, accelerator build, Keras on JAX) and Intel
XPU items (device found, PyTorch XPU build, TensorFlow and JAX on an Intel GPU)."""

from __future__ import annotations

import copy
import dataclasses
import json
from types import MappingProxyType

import pytest

from recommender.decide.checklist.build import build_checklist
from recommender.engine.answers import resolve_answers
from recommender.engine.evaluate import evaluate
from recommender.facts.document import Facts
from recommender.rulebase.load import load_rulebase
from tests.conftest import FIXTURES, ROOT

CL = FIXTURES / "checklist"
RB = load_rulebase()
PY = "/opt/venv/bin/python"


def fixture(name: str) -> dict:
    return json.loads((CL / name).read_text())


def checklist(doc: dict, framework: str, backend: str | None = None, rulebase=RB, **flags: str):
    facts = Facts.from_dict(doc, origin="facts.json")
    answers = resolve_answers(rulebase.questions, file=None, flags=flags, facts=facts)
    return build_checklist(
        framework=framework,
        backend=backend,
        facts=facts,
        answers=answers,
        rulebase=rulebase,
        evaluation=evaluate(facts, answers, rulebase),
    )


def items(cl) -> dict:
    return {i.id: i.to_dict() for i in cl.items}


#: A driver of each CUDA ceiling (the planner reads the driver, the rules read max_cuda).
DRIVERS = {"13.0": "580.95.05", "12.8": "570.86.10", "12.4": "550.54.14", "11.4": "470.82.01"}


def planned(fix: str | None, requirement: str) -> bool:
    """The install planner's command for ``requirement`` (pinned to a release line it chose)."""
    return bool(fix) and fix.startswith(f"{PY} -m pip install '{requirement}==")


def jax_doc(plugins, max_cuda: str = "13.0") -> dict:
    doc = fixture("a100_cpu_jax.json")
    doc["accelerators"][0].update(max_cuda=max_cuda, driver_version=DRIVERS[max_cuda])
    doc["frameworks"]["jax"]["plugins"] = plugins
    return doc


# --------------------------------------------------------------------------- JAX


def test_cpu_only_jax_on_an_nvidia_gpu_fails_with_the_cuda13_extra():
    build = items(checklist(jax_doc([]), "jax"))["jax-build"]
    assert build["status"] == "fail" and build["rule"] == "checklist.yaml jax-build"
    assert "CPU-only build" in build["detail"]
    assert planned(build["fix"], "jax[cuda13]")


def test_a_cuda12_driver_gets_the_cuda12_extra():
    build = items(checklist(jax_doc([], max_cuda="12.8"), "jax"))["jax-build"]
    assert planned(build["fix"], "jax[cuda12]")


@pytest.mark.parametrize(
    "plugins, max_cuda, status",
    [
        (["jax-cuda13-plugin"], "13.0", "ok"),
        (["jax-cuda12-plugin"], "13.0", "ok"),  # a CUDA 13 driver runs CUDA 12 builds
        (["jax-cuda12-plugin"], "12.4", "ok"),
        (["jax-cuda13-plugin"], "12.8", "fail"),
        (["jax-cuda12-plugin"], "11.4", "fail"),
    ],
)
def test_the_cuda_plugin_must_suit_the_driver(plugins, max_cuda, status):
    build = items(checklist(jax_doc(plugins, max_cuda=max_cuda), "jax"))["jax-build"]
    assert build["status"] == status, build
    if plugins == ["jax-cuda13-plugin"] and status == "fail":
        uninstall = f"{PY} -m pip uninstall -y jax-cuda13-plugin jax-cuda13-pjrt && "
        assert build["fix"].startswith(uninstall)
        assert planned(build["fix"][len(uninstall) :], "jax[cuda12]")


def test_jax_on_a_tpu_needs_libtpu():
    doc = jax_doc([])
    doc["accelerators"] = [{"kind": "tpu", "vendor": "google", "index": 0, "name": "TPU v5e"}]
    build = items(checklist(doc, "jax", accelerator="tpu"))["jax-build"]
    assert build["status"] == "fail" and planned(build["fix"], "jax[tpu]")
    doc["frameworks"]["jax"]["plugins"] = ["libtpu"]
    assert items(checklist(doc, "jax", accelerator="tpu"))["jax-build"]["status"] == "ok"


def test_jax_on_the_cpu_has_no_build_item():
    assert "jax-build" not in items(checklist(jax_doc([]), "jax", accelerator="cpu"))


def test_jax_not_installed_fails_with_its_install_command():
    doc = jax_doc([])
    doc["frameworks"]["jax"] = {"installed": False}
    got = items(checklist(doc, "jax"))
    assert got["installed"]["status"] == "fail"
    assert got["installed"]["rule"] == "wheels.yaml jax (install plan)"
    assert planned(got["installed"]["fix"], "jax[cuda13]")
    assert "jax-build" not in got


def _with_jax_rows(rows) -> object:
    support = {k: v for k, v in RB.tables["python_support"].items() if k != "jax"}
    if rows is not None:
        support["jax"] = rows
    tables = MappingProxyType({**RB.tables, "python_support": MappingProxyType(support)})
    return dataclasses.replace(RB, tables=tables)


def test_jax_python_range_comes_from_the_compat_tables():
    python = items(checklist(jax_doc([]), "jax"))["python"]
    assert python["status"] == "ok"
    assert python["detail"] == "Python 3.12.3: JAX 0.10.2 supports >=3.11"
    rb = _with_jax_rows(({"versions": ">=0.10", "python": ">=3.13"},))
    python = items(checklist(jax_doc([]), "jax", rulebase=rb))["python"]
    assert python["status"] == "fail"
    assert python["detail"] == "Python 3.12.3 is outside JAX 0.10.2's range >=3.13"
    assert python["fix"].endswith("python3.19 -m venv .venv")


def test_a_framework_without_python_rows_warns():
    python = items(checklist(jax_doc([]), "jax", rulebase=_with_jax_rows(None)))["python"]
    assert python["status"] == "warn"
    assert python["detail"] == "Python 3.12.3: no Python range for JAX in the rule base"


def test_keras_on_jax():
    doc = jax_doc(["jax-cuda13-plugin"])
    got = items(checklist(doc, "keras", "jax"))
    assert got["keras-jax"]["status"] == "ok"
    assert got["keras-jax"]["detail"] == "Keras 3.15.1 on jax 0.10.2"
    assert got["installed-jax"]["status"] == "ok" and got["jax-build"]["status"] == "ok"
    assert got["keras-backend"]["status"] == "ok"
    doc["frameworks"]["keras"].update(version="2.15.0", major=2)
    keras2 = items(checklist(doc, "keras", "jax"))["keras-jax"]
    assert (
        keras2["status"] == "fail"
        and keras2["fix"] == f'{PY} -m pip install --upgrade "keras>=3" jax'
    )
    assert "keras-jax" not in items(checklist(doc, "keras", "torch"))


def test_keras_on_jax_on_an_intel_mac_shows_the_old_jaxlib_rule_through_its_item():
    doc = copy.deepcopy(fixture("a100_cpu_jax.json"))
    doc["os"].update(system="Darwin", machine="x86_64", version="13.6")
    doc["cpu"]["rosetta"] = False
    doc["accelerators"] = []
    got = items(checklist(doc, "keras", "jax"))
    assert (
        got["keras-jax"]["status"] == "warn" and got["keras-jax"]["rule"] == "jax-macos-intel-last"
    )
    assert "rule:jax-macos-intel-last" not in got


# --------------------------------------------------------------------------- Intel XPU


def test_cpu_torch_on_an_intel_gpu_fails_with_the_xpu_wheel():
    got = items(checklist(fixture("arc_cpu_torch.json"), "pytorch"))
    assert got["xpu-device"]["status"] == "ok" and "8086:e20b" in got["xpu-device"]["detail"]
    build = got["xpu-build"]
    assert build["status"] == "fail" and build["rule"] == "checklist.yaml xpu-build"
    # The planner's XPU build (rules/wheels.yaml), replacing the CPU one.
    assert planned(build["fix"], "torch")
    assert build["fix"].endswith(
        "--force-reinstall --index-url https://download.pytorch.org/whl/xpu"
    )


def test_an_xpu_torch_build_passes():
    doc = fixture("arc_cpu_torch.json")
    doc["frameworks"]["pytorch"].update(
        version="2.15.0+xpu", build={"flavour": "xpu 2025.2", "xpu": "2025.2"}
    )
    assert items(checklist(doc, "pytorch"))["xpu-build"]["status"] == "ok"


def test_intel_answered_but_no_intel_gpu_here_warns():
    doc = fixture("arc_cpu_torch.json")
    doc["accelerators"] = []
    device = items(checklist(doc, "pytorch", accelerator="intel"))["xpu-device"]
    assert device["status"] == "warn" and device["fix"]


def test_tensorflow_and_jax_on_an_intel_gpu_warn_and_point_to_torch_xpu():
    doc = fixture("arc_cpu_torch.json")
    for fw, key in (("tensorflow", "xpu-tensorflow"), ("jax", "xpu-jax")):
        item = items(checklist(doc, fw))[key]
        assert item["status"] == "warn" and "download.pytorch.org/whl/xpu" in item["fix"]
    assert "xpu-build" not in items(checklist(doc, "tensorflow"))


def test_other_accelerators_get_no_xpu_items():
    got = items(checklist(fixture("gtx1080_cu130_torch.json"), "pytorch"))
    assert not [k for k in got if k.startswith("xpu-")]


def test_jax_golden(update_goldens):
    from recommender.cli.checklist import make_checklist, render
    from recommender.pipeline import Request

    made = make_checklist(Request(facts_file=str(CL / "a100_cpu_jax.json"), flags={}), "jax")
    text = render(made.checklist, "text").replace(str(CL), "tests/fixtures/checklist")
    golden = ROOT / "tests" / "golden" / "checklist_a100_jax.txt"
    if update_goldens:
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
