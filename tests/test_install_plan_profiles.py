"""The install planner on a matrix of machine profiles: every framework and Keras backend.

Profiles and their expected plans live in tests/fixtures/wheels/profiles.py; each expectation
cites the wheels.yaml rows the plan must name in ``why`` (or the NoBuild it must be).
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import sys
from pathlib import Path
from types import ModuleType

import pytest

from recommender.decide.install.plan import InstallPlan, NoBuild, plan_install
from recommender.rulebase.wheels.load import load_wheels

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "wheels"


def _load_profiles() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wheel_profiles", FIXTURES / "profiles.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


P = _load_profiles()
MATRIX = load_wheels()
CASES = [(p, t, e) for p in P.PROFILES for t, e in zip(P.TARGETS, p.expect, strict=True)]


def _plan(profile, target):
    framework, _, backend = target.partition(":")
    return plan_install(
        framework, profile.facts, profile.accelerator, matrix=MATRIX, backend=backend or None
    )


def _row_of(cited: str) -> tuple[str, str]:
    row, _, line = cited.partition("@")
    return row, line


def _check_cited(plan: InstallPlan, expect: str) -> None:
    main, *keras = expect.split(" +")
    row, line = _row_of(main)
    build = next(b for b in MATRIX.builds if b.row == row)
    assert f"builds {row}, releases {build.package} {line}" in plan.why, plan.why
    pin = f"=={build.version}" if build.version else f"=={line}.*"
    assert (build.requirement_name, pin) in plan.packages
    if build.index_url:
        assert plan.index_url == build.index_url
    for extra in keras:
        _, kline = _row_of(extra)
        assert f"releases keras {kline}" in plan.why
        assert ("keras", f"=={kline}.*") in plan.packages


def _check_expectation(result: InstallPlan | NoBuild, expect: str) -> None:
    if expect.startswith("!"):
        assert isinstance(result, NoBuild), json.dumps(result.to_dict(), indent=1)
        wanted = expect[2:] if expect.startswith("!~") else f"no_build {expect[1:]}"
        assert wanted in result.reason, result.reason
    else:
        assert isinstance(result, InstallPlan), json.dumps(result.to_dict(), indent=1)
        _check_cited(result, expect)


def _check_extra(result: InstallPlan | NoBuild, extra: dict) -> None:
    text = json.dumps(result.to_dict())
    for key, wanted in extra.items():
        if key == "reinstall":
            assert isinstance(result, InstallPlan) and result.reinstall is wanted
            continue
        if key == "command":
            assert isinstance(result, InstallPlan)
            haystack = result.command_line
        else:
            haystack = " | ".join(getattr(result, key))
        for piece in wanted:
            assert piece in haystack, f"{key}: {piece!r} not in {haystack!r}\n{text}"


@pytest.mark.parametrize(
    ("profile", "target", "expect"), CASES, ids=[f"{p.id}-{t}" for p, t, _ in CASES]
)
def test_profile_plan(profile, target, expect):
    result = _plan(profile, target)
    _check_expectation(result, expect)
    _check_extra(result, profile.extra.get(target, {}))


def test_the_matrix_is_big_enough():
    assert len(P.PROFILES) >= 30
    platforms = {(p.facts["os"]["system"], p.facts["os"]["machine"]) for p in P.PROFILES}
    assert {
        ("Linux", "x86_64"),
        ("Windows", "AMD64"),
        ("Darwin", "arm64"),
        ("Darwin", "x86_64"),
    } <= platforms
    pythons = {p.facts["python"]["version"][:4] for p in P.PROFILES}
    assert {"3.10", "3.11", "3.12", "3.13", "3.14"} <= pythons


@pytest.mark.parametrize("profile", P.PROFILES, ids=[p.id for p in P.PROFILES])
def test_plans_are_quoted_argv_and_serialise(profile):
    for target in P.TARGETS:
        result = _plan(profile, target)
        data = json.loads(json.dumps(result.to_dict()))
        if isinstance(result, InstallPlan):
            assert data["command_line"] == " && ".join(shlex.join(c) for c in result.commands)
            assert all(c[:3] == ("python", "-m", "pip") for c in result.commands)
            assert result.build["flavour"] in {"cpu", "cuda", "rocm", "xpu", "tpu"}
        else:
            assert data["kind"] == "no_build" and data["reason"]


def test_cpu_machine_gets_the_same_tensorflow_for_tensorflow_and_keras():
    profile = next(p for p in P.PROFILES if p.id == "linux-cpu-py312")
    tf = _plan(profile, "tensorflow")
    keras = _plan(profile, "keras:tensorflow")
    tf_dist = {n for n, _ in tf.packages if n.startswith("tensorflow")}
    keras_dist = {n for n, _ in keras.packages if n.startswith("tensorflow")}
    assert tf_dist == keras_dist == {"tensorflow-cpu"}
