"""Where a plan installs: never into an externally managed Python (PEP 668: Debian, Ubuntu,
Fedora, Homebrew) nor into conda's base environment. The plan then starts by making a new
environment and installs there, and says so in one line."""

from __future__ import annotations

from recommender.facts.machine import Machine

__all__ = ["CONDA_FORGE", "VENV", "in_own_environment"]

VENV = ".venv"
#: conda-forge's package of each framework (conda-forge picks its CUDA build from the driver).
CONDA_FORGE = {"pytorch": "pytorch", "tensorflow": "tensorflow", "jax": "jax", "keras": "keras"}


def _swap(argv: tuple[str, ...], python: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    return (*new, *argv[len(python) :]) if argv[: len(python)] == python else argv


def in_own_environment(
    commands: tuple[tuple[str, ...], ...],
    notes: tuple[str, ...],
    *,
    framework: str,
    machine: Machine,
    python: tuple[str, ...],
) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """The commands run in a new venv (PEP 668) or a new conda env (conda base), and the one
    line that says why; unchanged for any other interpreter."""
    if machine.interpreter == "externally-managed":
        venv_python = (f"{VENV}/bin/python",)
        made = ((*python, "-m", "venv", VENV),)
        moved = tuple(_swap(c, python, venv_python) for c in commands)
        note = (
            "This Python is externally managed (PEP 668): the plan makes a venv, "
            f"{VENV}, and installs there"
        )
        return made + moved, (note, *notes)
    if machine.interpreter == "conda-base":
        env = f"dlrec-{framework}"
        version = f"{machine.python.major}.{machine.python.minor}" if machine.python else "3.12"
        made = (("conda", "create", "-y", "-n", env, f"python={version}", "pip"),)
        moved = tuple(_swap(c, python, ("conda", "run", "-n", env, "python")) for c in commands)
        note = (
            f"This is conda's base environment: the plan makes a conda env, {env}, and installs "
            f"there (or conda-forge's build: conda install -n {env} -c conda-forge "
            f"{CONDA_FORGE.get(framework, framework)})"
        )
        return made + moved, (note, *notes)
    return commands, notes
