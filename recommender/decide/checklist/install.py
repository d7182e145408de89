"""Install commands in checklist fixes: the one place they are produced.

``install_fix`` is what every ``{install}`` / ``{install_<answer>}`` field and every build
alternative comes from: the install planner's command for this machine and accelerator
(``recommender.decide.install.plans.plan_for`` over rules/wheels.yaml; it adds ``--force-reinstall``, or
an uninstall, itself when a build must be replaced). ``cuda_alternative`` picks the newest
PyTorch CUDA build a driver runs, from compat.yaml's ``torch_cuda_builds`` and frameworks.yaml's
``wheel_index``, and falls back on the planner's CPU build.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from recommender.core.catalog import Accelerator, Framework, KerasBackend
from recommender.decide.checklist.inputs import Inputs, fill
from recommender.rulebase.conditions import parse_version

if TYPE_CHECKING:
    from recommender.decide.checklist.inputs import ItemView


def install_fix(inputs: Inputs, framework: str, accelerator: str | None = None) -> str | None:
    """The command that installs ``framework`` (Keras with the project's backend) here, for the
    answered accelerator or for ``accelerator`` (an answer value: ``nvidia``, ``cpu``...); None
    when the planner finds no build."""
    from recommender.decide.install.plans import plan_for
    from recommender.decide.install.values import InstallPlan

    keras = framework == Framework.KERAS.value
    plan = plan_for(
        framework,
        inputs.facts,
        accelerator or inputs.accelerator,
        backend=(inputs.backend or KerasBackend.TENSORFLOW.value) if keras else None,
        matrix=inputs.rulebase.wheels,
    )
    return plan.command_line if isinstance(plan, InstallPlan) else None


def install_release(inputs: Inputs, framework: str) -> str | None:
    """The release line (``"2.8"``) the planner installs of ``framework`` here for the answered
    accelerator, so the Python item judges the release the install item prints; None when the
    planner finds no build."""
    from recommender.decide.install.plans import plan_for
    from recommender.decide.install.values import InstallPlan

    keras = framework == Framework.KERAS.value
    plan = plan_for(
        framework,
        inputs.facts,
        inputs.accelerator,
        backend=(inputs.backend or KerasBackend.TENSORFLOW.value) if keras else None,
        matrix=inputs.rulebase.wheels,
    )
    return plan.release_line if isinstance(plan, InstallPlan) else None


def version_of(text: Any) -> Version | None:
    return parse_version(text) if isinstance(text, str) else None


def major_minor(text: Any) -> tuple[int, ...] | None:
    v = version_of(text)
    return v.release[:2] if v is not None else None


def _fits(row: Mapping[str, Any], max_cuda: str | None, min_cc: str | None) -> bool:
    cuda, top = major_minor(row.get("cuda")), major_minor(max_cuda)
    if cuda is None or top is None or cuda > top:
        return False
    if min_cc is None:
        return True
    low, high, cc = (
        major_minor(row.get("min_cc")),
        major_minor(row.get("max_cc")),
        major_minor(min_cc),
    )
    return low is not None and high is not None and cc is not None and low <= cc <= high


def cuda_alternative(view: ItemView, max_cuda: str | None, min_cc: str | None) -> str | None:
    """The install command of the newest torch CUDA build this driver and GPU run, else the
    planner's CPU build."""
    fits = [
        (major_minor(row["cuda"]), label, row)
        for label, row in view.table("torch_cuda_builds").items()
        if isinstance(row, Mapping) and _fits(row, max_cuda, min_cc)
    ]
    if not fits:
        return view.install(Accelerator.CPU.info.answer)
    _, label, row = max(fits, key=lambda f: (f[0], f[1]))
    newest = view.table("newest_known").get(Framework.PYTORCH.value)
    spec = row.get("torch") or ""
    try:
        plain = not spec or bool(newest and SpecifierSet(spec).contains(newest + ".0"))
    except InvalidSpecifier:
        plain = False
    requirement = "torch" if plain else f'"torch{spec}"'
    index = fill(view.spec("wheel_index") or "", build=label)
    return (
        f"{view.inputs.python} -m pip install --force-reinstall {requirement} --index-url {index}"
    )


__all__ = ["cuda_alternative", "install_fix", "install_release", "major_minor", "version_of"]
