"""`dlrec plan`: a target from flags or DLREC_TARGET_* variables, for every class of machine
(aarch64 server, DGX Spark, Jetson, musl, old glibc, Raspberry Pi, no build), its formats,
mirrors, and the scores on the public machine set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from recommender.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent


def plan(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["plan", *args], env=env or {})
    return result.exit_code, result.stdout, result.stderr


def as_json(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> dict:
    code, out, err = plan(runner, *args, "--format", "json", env=env)
    assert code in (0, 1), err
    return json.loads(out)


LINUX_ARM = ("--os", "linux", "--arch", "aarch64")


def test_gh200_on_580_gets_a_cuda13_aarch64_build(runner: CliRunner) -> None:
    doc = as_json(
        runner,
        "--framework",
        "pytorch",
        *LINUX_ARM,
        "--python",
        "3.12",
        "--gpu",
        "NVIDIA GH200",
        "--driver",
        "580.65.06",
        "--libc",
        "glibc-2.35",
    )
    assert doc["kind"] == "install"
    assert doc["build"] == {"flavour": "cuda", "cuda": "13.0"}
    assert doc["index_url"] == "https://download.pytorch.org/whl/cu130"


def test_gh200_on_570_falls_back_to_cuda12(runner: CliRunner) -> None:
    doc = as_json(
        runner,
        "--framework",
        "pytorch",
        *LINUX_ARM,
        "--python",
        "3.12",
        "--gpu",
        "GH200",
        "--driver",
        "570.124.06",
    )
    assert doc["build"]["cuda"] in ("12.6", "12.8")
    assert any("580" in g for g in doc["gave_up"])


def test_dgx_spark_gb10_cc_12_1_runs_sm120_code(runner: CliRunner) -> None:
    doc = as_json(
        runner,
        "--framework",
        "pytorch",
        *LINUX_ARM,
        "--python",
        "3.12",
        "--cc",
        "12.1",
        "--driver",
        "580.95.05",
    )
    assert doc["build"]["cuda"] == "13.0"


def test_tensorflow_has_no_cuda_build_on_aarch64_and_says_the_ways_out(runner: CliRunner) -> None:
    code, out, _ = plan(
        runner,
        "--framework",
        "tensorflow",
        *LINUX_ARM,
        "--python",
        "3.12",
        "--gpu",
        "GB10",
        "--driver",
        "580.95.05",
    )
    assert code == 0
    assert "not built with CUDA" in out
    assert "CPU only" in out and "container image" in out and "Another framework: pytorch" in out


def test_jetson_gets_jetpack_wheels_never_a_driver_upgrade(runner: CliRunner) -> None:
    doc = as_json(
        runner,
        "--framework",
        "pytorch",
        "--jetpack",
        "6.2",
        "--python",
        "3.10",
        "--gpu",
        "Jetson AGX Orin",
    )
    assert doc["kind"] == "install"
    assert "jetson-ai-lab" in doc["index_url"]
    doc = as_json(
        runner,
        "--framework",
        "pytorch",
        "--jetpack",
        "6.2",
        "--python",
        "3.12",
        "--gpu",
        "Jetson Orin NX",
    )
    assert doc["kind"] == "no_build"
    ways = " ".join(doc["ways_out"])
    assert "Use Python 3.10" in ways and "autotag l4t-pytorch" in ways
    assert "driver" not in ways.lower()


def test_jetson_thor_jetpack7_takes_the_sbsa_build(runner: CliRunner) -> None:
    doc = as_json(
        runner,
        "--framework",
        "pytorch",
        "--jetpack",
        "7.0",
        "--python",
        "3.12",
        "--cc",
        "11.0",
        "--driver",
        "580.00",
    )
    assert doc["index_url"] == "https://download.pytorch.org/whl/cu130"


@pytest.mark.parametrize("framework", ["pytorch", "tensorflow", "jax"])
def test_musl_has_no_wheels_and_a_container_way_out(runner: CliRunner, framework: str) -> None:
    doc = as_json(
        runner,
        "--framework",
        framework,
        "--os",
        "linux",
        "--arch",
        "x86_64",
        "--python",
        "3.12",
        "--libc",
        "musl",
    )
    assert doc["kind"] == "no_build"
    assert "musllinux" in doc["reason"]
    assert any("container image" in w for w in doc["ways_out"])


def test_old_glibc_gets_the_newest_release_that_installs(runner: CliRunner) -> None:
    doc = as_json(
        runner, "--framework", "pytorch", *LINUX_ARM, "--python", "3.12", "--libc", "glibc-2.17"
    )
    assert doc["packages"][0] == ["torch", "==2.5.*"]
    assert any("needs glibc >= 2.28" in g for g in doc["gave_up"])
    doc = as_json(
        runner,
        "--framework",
        "tensorflow",
        "--os",
        "linux",
        "--arch",
        "x86_64",
        "--python",
        "3.10",
        "--libc",
        "glibc-2.17",
    )
    assert doc["packages"][0] == ["tensorflow-cpu", "==2.20.*"]


def test_raspberry_pi_gets_the_cpu_builds(runner: CliRunner) -> None:
    doc = as_json(
        runner, "--framework", "pytorch", *LINUX_ARM, "--python", "3.11", "--libc", "glibc-2.36"
    )
    assert doc["build"] == {"flavour": "cpu"}
    assert doc["index_url"] == "https://download.pytorch.org/whl/cpu"
    doc = as_json(runner, "--framework", "tensorflow", *LINUX_ARM, "--python", "3.11")
    assert doc["packages"][0][0] == "tensorflow"  # tensorflow-cpu has no aarch64 wheel


def test_no_way_out_at_all_exits_1(runner: CliRunner) -> None:
    code, out, _ = plan(
        runner, "--framework", "pytorch", "--os", "linux", "--arch", "armv7l", "--python", "3.9"
    )
    assert code == 1
    assert "no build" in out


def test_rtx5090_on_575_gets_cuda_12_8_and_the_env_says_the_same(runner: CliRunner) -> None:
    flags = as_json(
        runner,
        "--framework",
        "pytorch",
        "--os",
        "linux",
        "--arch",
        "x86_64",
        "--python",
        "3.12",
        "--gpu",
        "NVIDIA GeForce RTX 5090",
        "--driver",
        "575.51.03",
    )
    assert flags["build"]["cuda"] in ("12.8", "12.9")
    env = {
        "DLREC_TARGET_OS": "linux",
        "DLREC_TARGET_ARCH": "x86_64",
        "DLREC_TARGET_PYTHON": "3.12",
        "DLREC_TARGET_GPU": "rtx 5090",
        "UV_CUDA_DRIVER_VERSION": "575.51.03",
    }
    by_env = as_json(runner, "--framework", "pytorch", env=env)
    assert by_env["commands"] == flags["commands"]


def test_missing_options_are_said_unknown(runner: CliRunner) -> None:
    doc = as_json(runner, "--framework", "jax", "--os", "linux", "--arch", "x86_64")
    said = " ".join(doc["target_unknowns"])
    assert "--python" in said and "--libc" in said


def test_no_os_or_arch_exits_2_naming_them(runner: CliRunner) -> None:
    code, out, err = plan(runner, "--framework", "pytorch", "--os", "linux")
    assert code == 2 and out == "" and "--arch" in err and "--os " not in err


def test_unknown_gpu_exits_2_with_the_nearest_names(runner: CliRunner) -> None:
    code, out, err = plan(
        runner, "--framework", "pytorch", "--os", "linux", "--arch", "x86_64", "--gpu", "RTX 5099"
    )
    assert code == 2 and out == ""
    assert "nearest known" in err and "rtx 5090" in err.lower()


def test_formats_requirements_uv_dockerfile(runner: CliRunner) -> None:
    base = (
        "--framework",
        "pytorch",
        *LINUX_ARM,
        "--python",
        "3.12",
        "--gpu",
        "GB10",
        "--driver",
        "580.95.05",
    )
    _, req, _ = plan(runner, *base, "--format", "requirements")
    assert req.splitlines()[0] == "--index-url https://download.pytorch.org/whl/cu130"
    _, uv, _ = plan(runner, *base, "--format", "uv")
    assert 'url = "https://download.pytorch.org/whl/cu130"' in uv and "[tool.uv.sources]" in uv
    _, docker, _ = plan(runner, *base, "--format", "dockerfile")
    assert docker.startswith("FROM python:3.12-slim-bookworm AS pytorch\nRUN python -m pip install")


def test_index_map_rewrites_every_index_and_pip_index_url_is_shown(runner: CliRunner) -> None:
    base = (
        "--framework",
        "pytorch",
        *LINUX_ARM,
        "--python",
        "3.12",
        "--cc",
        "9.0",
        "--driver",
        "580.65.06",
    )
    mirror = "https://download.pytorch.org/whl=https://mirror.example/torch"
    _, out, _ = plan(runner, *base, "--index-map", mirror)
    assert "https://mirror.example/torch/cu130" in out and "download.pytorch.org" not in out
    env = {"DLREC_INDEX_MAP": mirror}
    assert as_json(runner, *base, env=env)["index_url"] == "https://mirror.example/torch/cu130"
    doc = as_json(
        runner,
        "--framework",
        "jax",
        "--os",
        "linux",
        "--arch",
        "x86_64",
        "--python",
        "3.12",
        env={"PIP_INDEX_URL": "https://pypi.internal/simple"},
    )
    assert doc["commands"][0][-2:] == ["--index-url", "https://pypi.internal/simple"]
    code, _, err = plan(runner, *base, "--index-map", "nourl")
    assert code == 2 and "FROM=TO" in err


def test_machine_set_scores_both_halves() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "score_plans.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = dict(
        line.split(": ", 1)
        for line in done.stdout.splitlines()
        if line.startswith(("dev:", "held-out:"))
    )
    assert set(lines) == {"dev", "held-out"}
    assert lines["held-out"].startswith(lines["held-out"].split("/")[1].split(" ")[0] + "/")


def test_externally_managed_python_plans_inside_a_new_venv(runner: CliRunner) -> None:
    doc = as_json(
        runner,
        "--framework",
        "pytorch",
        "--os",
        "linux",
        "--arch",
        "x86_64",
        "--python",
        "3.12",
        "--interpreter",
        "externally-managed",
    )
    assert doc["commands"][0] == ["python", "-m", "venv", ".venv"]
    assert doc["commands"][1][:3] == [".venv/bin/python", "-m", "pip"]
    assert sum("PEP 668" in n for n in doc["notes"]) == 1


def test_conda_base_plans_inside_a_new_conda_env_or_conda_forge(runner: CliRunner) -> None:
    env = {"DLREC_TARGET_INTERPRETER": "conda-base"}
    doc = as_json(
        runner,
        "--framework",
        "tensorflow",
        "--os",
        "linux",
        "--arch",
        "x86_64",
        "--python",
        "3.11",
        env=env,
    )
    assert doc["commands"][0][:5] == ["conda", "create", "-y", "-n", "dlrec-tensorflow"]
    assert doc["commands"][1][:4] == ["conda", "run", "-n", "dlrec-tensorflow"]
    assert any("conda-forge tensorflow" in n for n in doc["notes"])


def test_the_python_probe_sees_pep668_and_conda_base(tmp_path, monkeypatch) -> None:
    from recommender.probes import python_env

    stdlib = tmp_path / "lib"
    stdlib.mkdir()
    monkeypatch.setattr(python_env.sysconfig, "get_path", lambda name: str(stdlib))
    monkeypatch.setattr(python_env.sys, "base_prefix", python_env.sys.prefix)
    assert python_env.externally_managed() is False
    (stdlib / "EXTERNALLY-MANAGED").write_text("[externally-managed]\n")
    assert python_env.externally_managed() is True
    prefix = tmp_path / "conda"
    (prefix / "condabin").mkdir(parents=True)
    (prefix / "conda-meta").mkdir()
    monkeypatch.setattr(python_env.sys, "prefix", str(prefix))
    from recommender.probes.base import Host

    assert python_env.conda_base(Host(env={})) is True


def test_a_jetson_without_its_jetpack_is_never_planned_an_sbsa_build(runner: CliRunner) -> None:
    doc = as_json(
        runner, "--framework", "pytorch", *LINUX_ARM, "--python", "3.10", "--gpu", "Jetson AGX Orin"
    )
    assert doc["kind"] == "no_build" and "JetPack" in doc["reason"]
    assert any("autotag l4t-pytorch" in w for w in doc["ways_out"])
    assert any("--jetpack" in u for u in doc["target_unknowns"])


def test_a_jetson_dockerfile_says_it_needs_the_l4t_base(runner: CliRunner) -> None:
    _, out, _ = plan(
        runner,
        "--framework",
        "pytorch",
        "--jetpack",
        "6.2",
        "--python",
        "3.10",
        "--gpu",
        "Jetson Orin Nano",
        "--format",
        "dockerfile",
    )
    assert out.startswith("# A Jetson stage needs the L4T base image")
    assert "jp6/cu126" in out


def test_keras_on_a_chosen_backend(runner: CliRunner) -> None:
    base = (
        "--framework",
        "keras",
        *LINUX_ARM,
        "--python",
        "3.12",
        "--gpu",
        "GB10",
        "--driver",
        "580.95.05",
    )
    assert as_json(runner, *base)["kind"] == "no_build"  # Keras' default backend: TensorFlow
    doc = as_json(runner, *base, "--backend", "torch")
    assert doc["index_url"] == "https://download.pytorch.org/whl/cu130"
    assert [p[0] for p in doc["packages"]] == ["torch", "keras"]


def test_recommend_prints_the_mirror_of_every_index(runner: CliRunner) -> None:
    facts = ROOT / "tests" / "fixtures" / "facts" / "a100_linux.json"
    args = ["recommend", "--facts", str(facts), "--accelerator", "nvidia", "--no-smoke", "--json"]
    plain = runner.invoke(cli, args)
    assert "https://download.pytorch.org/whl/" in plain.stdout
    env = {"DLREC_INDEX_MAP": "https://download.pytorch.org/whl=https://mirror.example/torch"}
    mapped = runner.invoke(cli, args, env=env)
    assert mapped.exit_code == plain.exit_code
    assert "download.pytorch.org" not in mapped.stdout
    assert "https://mirror.example/torch/" in mapped.stdout


def test_requirements_take_pip_index_url_and_the_mirror_for_pypi_packages(
    runner: CliRunner,
) -> None:
    """Keras on torch: torch from PyTorch's index, keras from the user's own PyPI (PIP_INDEX_URL),
    never pypi.org behind the user's back; --index-map rewrites PyPI too."""
    base = ("--framework", "keras", "--backend", "torch", "--os", "linux", "--arch", "x86_64")
    base += ("--python", "3.12", "--gpu", "RTX 5090", "--driver", "575.51.03")
    base += ("--format", "requirements")
    _, plain, _ = plan(runner, *base)
    assert "--extra-index-url https://pypi.org/simple" in plain.splitlines()
    corp = "https://corp.example/pypi/simple"
    _, own, _ = plan(runner, *base, env={"PIP_INDEX_URL": corp})
    assert f"--extra-index-url {corp}" in own.splitlines() and "pypi.org" not in own
    _, mapped, _ = plan(runner, *base, "--index-map", "https://pypi.org/simple=https://m.example/p")
    assert "--extra-index-url https://m.example/p" in mapped.splitlines()
