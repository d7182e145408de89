"""``dlrec plan``: the install plan for a machine described on the command line (or by
``DLREC_TARGET_*`` environment variables), with no facts file and no GPU present."""

from __future__ import annotations

import dataclasses
import os

import click

from recommender.cli.choices import NamedChoice, framework_choice
from recommender.cli.options import index_map_option
from recommender.core.catalog import KERAS_BACKENDS, Framework
from recommender.core.errors import ExitCode

_TARGET_OPTIONS = (
    ("--os", "os", "linux, windows or macos"),
    ("--arch", "arch", "x86_64 or aarch64"),
    ("--python", "python", "Python version, e.g. 3.12"),
    ("--gpu", "gpu", "GPU name, e.g. 'RTX 5090' (case and vendor prefix optional)"),
    ("--cc", "cc", "NVIDIA compute capability, e.g. 12.0 (instead of --gpu)"),
    ("--driver", "driver", "NVIDIA driver version, e.g. 575.51.03"),
    ("--libc", "libc", "glibc-2.35 or musl (absent: glibc of unknown version)"),
    ("--jetpack", "jetpack", "Jetson JetPack release, e.g. 6.2"),
    ("--macos", "macos", "macOS version, e.g. 14.5"),
    ("--wsl", "wsl", "2 when the target is WSL 2 (the Windows driver serves CUDA)"),
    ("--interpreter", "interpreter", "externally-managed (PEP 668), conda-base, venv or system"),
)


def _target_options(func):
    for flag, dest, text in reversed(_TARGET_OPTIONS):
        env = f"DLREC_TARGET_{dest.upper()}"
        func = click.option(flag, dest, default=None, metavar="X", help=f"{text} [env {env}]")(func)
    return func


@click.command("plan")
@click.option(
    "--framework",
    "framework",
    required=True,
    type=framework_choice(),
)
@click.option(
    "--backend",
    "backend",
    default=None,
    envvar="KERAS_BACKEND",
    type=NamedChoice(KERAS_BACKENDS),
    help="Keras' backend (with --framework keras) [env KERAS_BACKEND]",
)
@_target_options
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=NamedChoice(("text", "json", "requirements", "uv", "dockerfile")),
)
@index_map_option
def plan(
    framework: str,
    fmt: str,
    index_map: tuple[str, ...],
    backend: str | None,
    **flags: str | None,
) -> None:
    """The install plan for a target machine: flags, else DLREC_TARGET_* variables."""
    from recommender.decide.install.mirrors import (
        apply_mirrors,
        default_index,
        parse_index_map,
        rewrite,
    )
    from recommender.decide.install.plan import NoBuild, plan_install
    from recommender.decide.install.target import accelerator_of, machine_for, target_from
    from recommender.facts.reports.gpus import load_gpu_table
    from recommender.report.plan_formats import PYPI, render_plan
    from recommender.rulebase.wheels.load import load_wheels

    target = target_from(flags, os.environ)
    machine, unknowns = machine_for(target, load_gpu_table())
    if fmt == "dockerfile":  # the stage's own python image is neither PEP 668 nor conda
        machine = dataclasses.replace(machine, interpreter=None)
    result = plan_install(
        framework,
        machine,
        accelerator_of(machine),
        matrix=load_wheels(),
        backend=backend if framework == Framework.KERAS else None,
    )
    mapping = parse_index_map(index_map, os.environ)
    result = apply_mirrors(result, mapping, os.environ)
    pypi = default_index(os.environ, mapping) or rewrite(PYPI, mapping)
    click.echo(render_plan(result, fmt, python=target.python, unknowns=unknowns, pypi=pypi))
    if isinstance(result, NoBuild) and not result.ways_out:
        click.get_current_context().exit(ExitCode.FAILED)
