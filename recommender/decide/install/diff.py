"""How two machines' install plans differ, per framework: "torch: cu126 here, cu130 there".

``plan_differences(a, b)`` is pure: two facts documents (or ``dlrec recommend --json``
documents: their ``facts`` are read) in, a tuple of PlanDifferences out. Each machine is planned
for the accelerator its own probes found (``derived.answer_accelerator`` with no answer), over
the bundled wheel matrix, for every framework and every Keras backend. Only frameworks whose
plans read differently are kept. "Here" is A, "there" is B, as ``dlrec diff A B`` names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import BACKEND_FRAMEWORK, Framework
from recommender.core.printable import printable
from recommender.decide.install.plans import plan_for
from recommender.decide.install.values import InstallPlan, NoBuild
from recommender.engine.derived import derived_facts
from recommender.facts.document import Facts
from recommender.rulebase.wheels.load import WheelMatrix

__all__ = ["PlanDifference", "describe", "plan_differences"]

_ORDER = (Framework.PYTORCH, Framework.TENSORFLOW, Framework.JAX)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanDifference:
    framework: str
    backend: str | None
    a: str
    b: str

    @property
    def label(self) -> str:
        """``torch``, ``tensorflow``, ``jax``, ``keras on torch``."""
        if self.framework == Framework.KERAS:
            return f"keras on {self.backend}"
        fw = Framework(self.framework)
        return fw.info.module if fw is Framework.PYTORCH else fw.value

    def to_dict(self) -> dict[str, str | None]:
        return {"framework": self.framework, "backend": self.backend, "a": self.a, "b": self.b}

    def line(self) -> str:
        return printable(f"{self.label}: {self.a} here, {self.b} there")


def describe(plan: InstallPlan | NoBuild) -> str:
    """A plan in a few words: ``torch==2.14.* (cu126)``, ``jax[cuda12]==0.10.*``, ``no build``."""
    if isinstance(plan, NoBuild):
        return "no build"
    pins = " ".join(f"{name}{spec}" for name, spec in plan.packages)
    variant = plan.index_url.rstrip("/").rsplit("/", 1)[-1] if plan.index_url else None
    if plan.accelerator is None:
        variant = "accelerator unknown" if variant is None else f"{variant}, accelerator unknown"
    return f"{pins} ({variant})" if variant else pins


def _facts(doc: Mapping[str, Any]) -> Facts:
    inner = doc.get("facts")
    return Facts.from_dict(inner if isinstance(inner, Mapping) else doc)


def _plans(doc: Mapping[str, Any], matrix: WheelMatrix) -> dict[tuple[str, str | None], str]:
    facts = _facts(doc)
    accelerator = derived_facts(facts, None).answer_accelerator
    accel = accelerator if isinstance(accelerator, str) else None
    targets: list[tuple[str, str | None]] = [(fw.value, None) for fw in _ORDER]
    targets += [("keras", backend) for backend in BACKEND_FRAMEWORK]
    return {
        (fw, backend): describe(plan_for(fw, facts, accel, backend=backend, matrix=matrix))
        for fw, backend in targets
    }


def plan_differences(
    a: Mapping[str, Any], b: Mapping[str, Any], *, matrix: WheelMatrix
) -> tuple[PlanDifference, ...]:
    """The frameworks whose install plans differ between machine A and machine B, planned from
    ``matrix`` (the rule base's wheel matrix)."""
    plans_a, plans_b = _plans(a, matrix), _plans(b, matrix)
    return tuple(
        PlanDifference(framework=fw, backend=backend, a=plans_a[key], b=plans_b[key])
        for key in plans_a
        for fw, backend in (key,)
        if plans_a[key] != plans_b[key]
    )
