"""Jetson: the os probe reads L4T from /etc/nv_tegra_release, the SoC from the device tree (or
only that it is tegra, from the kernel), and the facts stage names the JetPack and the GPU's
compute capability from rules/jetson.yaml; the planner then takes NVIDIA's JetPack wheels."""

from __future__ import annotations

import pytest

from recommender.decide.install.plan import plan_install
from recommender.facts.jetson import jetson_fields, load_jetson_table
from recommender.facts.machine import machine_from_facts
from recommender.probes.os_info import jetson
from recommender.rulebase.wheels.load import load_wheels

NV_TEGRA = "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64, DATE: Wed Jan  8 01:49:37 UTC 2025\n"


def test_the_probe_reads_l4t_soc_and_board_from_a_fake_tree(fake_host) -> None:
    fake_host.write("/etc/nv_tegra_release", NV_TEGRA)
    fake_host.write(
        "/proc/device-tree/compatible",
        "nvidia,p3737-0000+p3701-0005\x00nvidia,p3701-0005\x00nvidia,tegra234\x00",
    )
    fake_host.write("/proc/device-tree/model", "NVIDIA Jetson AGX Orin Developer Kit\x00")
    assert jetson(fake_host.host()) == {
        "l4t": "36.4.3",
        "tegra": "tegra234",
        "board": "NVIDIA Jetson AGX Orin Developer Kit",
    }


def test_a_tegra_kernel_alone_says_it_is_a_jetson(fake_host) -> None:
    fake_host.write("/proc/sys/kernel/osrelease", "5.15.148-tegra\n")
    assert jetson(fake_host.host()) == {"tegra": "unknown"}


def test_not_a_jetson(fake_host) -> None:
    fake_host.write("/proc/sys/kernel/osrelease", "6.8.0-45-generic\n")
    fake_host.write("/proc/device-tree/compatible", "raspberrypi,5-model-b\x00brcm,bcm2712\x00")
    assert jetson(fake_host.host()) == {}


@pytest.mark.parametrize(
    ("l4t", "jetpack"),
    [
        ("36.4.3", "6.2"),
        ("36.4.0", "6.1"),
        ("36.3.0", "6.0"),
        ("35.3.1", "5.1.1"),
        ("32.6.1", "4.6"),
    ],
)
def test_l4t_names_its_jetpack(l4t: str, jetpack: str) -> None:
    assert jetson_fields({"l4t": l4t}, load_jetson_table())["jetpack"] == jetpack


def _facts(l4t: str, python: str) -> dict:
    os_section = {
        "system": "Linux",
        "machine": "aarch64",
        "libc": "glibc 2.35",
        "l4t": l4t,
        "tegra": "tegra234",
        "board": "NVIDIA Jetson AGX Orin Developer Kit",
    }
    os_section.update(jetson_fields(os_section, load_jetson_table()))
    return {"os": os_section, "python": {"version": python}, "accelerators": []}


def test_a_jetson_from_its_facts_gets_jetpack_wheels_and_its_board_cc() -> None:
    machine = machine_from_facts(_facts("36.4.3", "3.10.12"))
    assert str(machine.jetpack) == "6.2" and str(machine.nvidia[0].cc) == "8.7"
    plan = plan_install("pytorch", machine, "nvidia", matrix=load_wheels())
    assert plan.to_dict()["index_url"] == "https://pypi.jetson-ai-lab.io/jp6/cu126"


def test_a_jetson_is_never_told_to_upgrade_its_driver() -> None:
    plan = plan_install(
        "pytorch", machine_from_facts(_facts("35.3.1", "3.8.10")), "nvidia", matrix=load_wheels()
    )
    doc = plan.to_dict()
    assert doc["kind"] == "no_build"
    assert not any("driver" in w.lower() for w in doc["ways_out"])
    assert any("autotag l4t-pytorch" in w for w in doc["ways_out"])


def test_tensorflow_on_a_jetpack_6_jetson_is_nvidias_build_pinned_from_its_index() -> None:
    """NVIDIA's "Installing TensorFlow for Jetson Platform": --extra-index-url .../jp/v61 and the
    exact local version (PyPI's newer aarch64 tensorflow has no CUDA, so ==2.16.* would take
    it); the plan says the build is NVIDIA's, not the TensorFlow project's."""
    machine = machine_from_facts(_facts("36.4.3", "3.10.12"))
    doc = plan_install("tensorflow", machine, "nvidia", matrix=load_wheels()).to_dict()
    assert doc["packages"] == [["tensorflow", "==2.16.1+nv24.08"]]
    assert doc["links"] == [
        ["--extra-index-url", "https://developer.download.nvidia.com/compute/redist/jp/v61"]
    ]
    assert doc["command_line"].endswith(
        "--extra-index-url https://developer.download.nvidia.com/compute/redist/jp/v61"
    )
    assert any(n.startswith("NVIDIA builds this tensorflow") for n in doc["notes"])


def test_tensorflow_on_jetpack_6_0_or_another_python_has_no_cited_wheel() -> None:
    for l4t, python in (("36.3.0", "3.10.12"), ("36.4.3", "3.12.3")):
        doc = plan_install(
            "tensorflow", machine_from_facts(_facts(l4t, python)), "nvidia", matrix=load_wheels()
        ).to_dict()
        assert doc["kind"] == "no_build", (l4t, python)


def test_the_vendor_index_reaches_requirements_and_uv_formats() -> None:
    from recommender.report.plan_formats import render_plan

    machine = machine_from_facts(_facts("36.4.3", "3.10.12"))
    plan = plan_install("tensorflow", machine, "nvidia", matrix=load_wheels())
    index = "https://developer.download.nvidia.com/compute/redist/jp/v61"
    requirements = render_plan(plan, "requirements", python="3.10", unknowns=()).splitlines()
    assert requirements == [f"--extra-index-url {index}", "tensorflow==2.16.1+nv24.08"]
    assert f'url = "{index}"' in render_plan(plan, "uv", python="3.10", unknowns=())
