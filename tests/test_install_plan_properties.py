"""Property tests: on generated machines every plan the planner makes is one the matrix allows.

For NVIDIA: the planned CUDA variant covers the GPU's compute capability, its driver floor
(native, or the major's minor-version-compatibility floor when the GPU runs SASS) is at or below
the machine's driver in the right column (Windows for WSL 2), and the release has wheels for the
machine's Python. An independent brute-force oracle says whether any build fits at all: the
planner finds one exactly when the oracle does, and never an older line than the newest one.
On TPUs, torch and torch_xla always share their X.Y.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from recommender.core.catalog import Accelerator, DriverColumn, Framework, Platform
from recommender.decide.install.plan import InstallPlan, NoBuild, plan_install
from recommender.rulebase.wheels.load import load_wheels

MATRIX = load_wheels()
CCS = (
    "3.5",
    "3.7",
    "5.0",
    "5.2",
    "6.0",
    "6.1",
    "7.0",
    "7.2",
    "7.5",
    "8.0",
    "8.6",
    "8.7",
    "8.9",
    "9.0",
    "10.0",
    "10.3",
    "12.0",
    "12.1",
)
DRIVERS = (
    "450.80.02",
    "470.256.02",
    "520.61.05",
    "525.60.13",
    "527.41",
    "535.104.05",
    "550.54.14",
    "555.85",
    "560.28.03",
    "560.76",
    "570.26",
    "570.124.06",
    "575.57.08",
    "576.02",
    "580",
    "580.65.06",
    "581.57",
    "590.44.01",
    "595.45.04",
    "610.43.02",
)
PYTHONS = ("3.9.18", "3.10.14", "3.11.9", "3.12.3", "3.13.1", "3.14.0", "3.15.0")
WHY = re.compile(r"builds (?P<row>\S+), releases (?P<package>\S+) (?P<line>\S+)")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _facts(where: str, python: str, cc: str, driver: str) -> dict:
    system, machine, wsl = {
        "linux": ("Linux", "x86_64", None),
        "windows": ("Windows", "AMD64", None),
        "wsl2": ("Linux", "x86_64", 2),
    }[where]
    return {
        "python": {"version": python},
        "os": {"system": system, "machine": machine, "wsl": wsl, "version": None},
        "accelerators": [{"kind": "cuda", "compute_capability": cc, "driver_version": driver}],
        "frameworks": {},
    }


def _covers(build, cc: Version) -> str | None:
    if any(a.major == cc.major and a.minor <= cc.minor for a in build.arches):
        return "sass"
    if build.ptx is not None and cc >= build.ptx:
        return "ptx"
    if build.min_cc is not None and cc >= build.min_cc:
        return "jit"
    return None


def _driver_ok(build, how: str, driver: Version, column: DriverColumn) -> bool:
    native = MATRIX.toolkit_floor(build.cuda, column)
    minor = MATRIX.minor_floor(build.cuda.major, column)
    if native and driver >= Version(native):
        return True
    return how != "ptx" and minor is not None and driver >= Version(minor)


def _oracle(
    framework: Framework,
    platform: Platform,
    python: Version,
    cc: Version,
    driver: Version,
    column: DriverColumn,
) -> Version | None:
    """The newest release line any NVIDIA build of ``framework`` fits, by brute force."""
    best = None
    for build in MATRIX.builds_for(framework, Accelerator.CUDA, platform):
        how = _covers(build, cc)
        if how is None or not _driver_ok(build, how, driver, column):
            continue
        for release in MATRIX.lines(build.package):
            spec = release.python_for(platform)
            if build.has_release(release) and spec is not None and python in spec:
                best = max(best or release.line, release.line)
    return best


@SETTINGS
@given(
    where=st.sampled_from(("linux", "windows", "wsl2")),
    python=st.sampled_from(PYTHONS),
    cc=st.sampled_from(CCS),
    driver=st.sampled_from(DRIVERS),
    framework=st.sampled_from(("pytorch", "tensorflow", "jax")),
)
def test_nvidia_plans_are_allowed_by_the_matrix(where, python, cc, driver, framework):
    facts = _facts(where, python, cc, driver)
    result = plan_install(framework, facts, "nvidia", matrix=MATRIX)
    platform = Platform.WINDOWS_AMD64 if where == "windows" else Platform.LINUX_X86_64
    column = DriverColumn.LINUX if where == "linux" else DriverColumn.WINDOWS
    newest = _oracle(
        Framework(framework), platform, Version(python), Version(cc), Version(driver), column
    )
    if newest is None:
        assert isinstance(result, NoBuild), result.to_dict()
        return
    assert isinstance(result, InstallPlan), result.to_dict()
    found = WHY.search(result.why)
    assert found, result.why
    build = next(b for b in MATRIX.builds if b.row == found["row"])
    release = MATRIX.release(found["package"], Version(found["line"]))
    assert release is not None and build.has_release(release)
    how = _covers(build, Version(cc))
    assert how is not None, (build.row, cc)
    assert _driver_ok(build, how, Version(driver), column), (build.row, driver, column)
    assert Version(python) in release.python_for(platform)
    assert release.line == newest
    assert result.build == {"flavour": "cuda", "cuda": f"{build.cuda.major}.{build.cuda.minor}"}


@SETTINGS
@given(python=st.sampled_from(PYTHONS), backend=st.sampled_from((None, "torch")))
def test_tpu_torch_and_torch_xla_share_their_minor_version(python, backend):
    facts = {
        "python": {"version": python},
        "os": {"system": "Linux", "machine": "x86_64"},
        "accelerators": [{"kind": "tpu"}],
    }
    framework = "keras" if backend else "pytorch"
    result = plan_install(framework, facts, "tpu", matrix=MATRIX, backend=backend)
    if isinstance(result, NoBuild):
        assert "Python" in result.reason
        return
    specs = dict(result.packages)
    assert specs["torch"] == specs["torch_xla[tpu]"]
    line = specs["torch"].removeprefix("==").removesuffix(".*")
    assert MATRIX.release("torch", Version(line)) is not None
    assert MATRIX.release("torch_xla", Version(line)) is not None


@SETTINGS
@given(
    python=st.sampled_from(PYTHONS),
    driver=st.sampled_from(DRIVERS + (None,)),
    cc=st.sampled_from(CCS + (None,)),
)
def test_unknown_facts_are_said_never_assumed(python, driver, cc):
    facts = _facts("linux", python, cc, driver)
    result = plan_install("pytorch", facts, "nvidia", matrix=MATRIX)
    unknowns = " | ".join(result.unknowns)
    if driver is None and isinstance(result, InstallPlan):
        assert "driver version unknown" in unknowns
    if cc is None and isinstance(result, InstallPlan):
        assert "compute capability" in unknowns
