"""What the checklist reads: ``Inputs`` (built once per checklist) and ``ItemView``, one item's
window onto them.

A check reads facts freely, but a compat table or a frameworks.yaml field only through the view,
and only those its item lists in ``reads`` (the loader checks that too): the item's data, not
Python, says which rules and tables it reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import ANSWER_KIND, BACKEND_FRAMEWORK, Accelerator, Framework
from recommender.core.shell import quote_python
from recommender.rulebase.checklist.items import INSTALL_FIELDS, ChecklistItem
from recommender.rulebase.load import RuleBase

if TYPE_CHECKING:
    from recommender.engine.answers import Answers
    from recommender.engine.evaluate import Evaluation
    from recommender.facts.document import Facts
    from recommender.smoke.results import SmokeResult

_NAMES = {f.value: f.info.name for f in Framework}
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def name_of(fw: str) -> str:
    """The display name of a framework id ("PyTorch"); an unknown id as it is."""
    return _NAMES.get(fw, fw)


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: Any) -> str:
    """A rule base template with its placeholders filled (unknown ones are left as they are):
    for rule ``fix`` texts and frameworks.yaml templates, which are not checklist templates."""
    try:
        return template.format_map(_Defaulting({k: v for k, v in values.items() if v is not None}))
    except (ValueError, IndexError):
        return template


def field_text(value: Any) -> str | None:
    """A fact value as template text: lists joined, booleans as true/false, unknown as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return ", ".join(str(v) for v in value if v is not None)
    return str(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Inputs:
    """Everything the checklist reads; built once by ``build_checklist``."""

    framework: str
    backend: str | None
    facts: Facts
    answers: Answers
    rulebase: RuleBase
    evaluation: Evaluation
    smoke: tuple[SmokeResult, ...]
    #: This machine's environment, or None when the facts describe another machine.
    env: Mapping[str, str] | None
    smoke_note: str | None
    fired: frozenset[str]
    #: ``(inputs, framework, accelerator answer or None) -> command or None``: the planner's
    #: install command, given by the builder (``checklist/install.py``'s ``install_fix``), so
    #: that this value imports no service.
    install_command: Callable[[Inputs, str, str | None], str | None]
    #: ``(inputs, framework) -> release line or None``: the release that command installs
    #: (``install.py``'s ``install_release``).
    install_release: Callable[[Inputs, str], str | None]

    @property
    def targets(self) -> tuple[str, ...]:
        """The frameworks this project runs on: Keras brings its backend's framework."""
        if self.framework == Framework.KERAS.value and self.backend in BACKEND_FRAMEWORK:
            return (self.framework, BACKEND_FRAMEWORK[self.backend])
        return (self.framework,)

    @property
    def python(self) -> str:
        return quote_python(self.facts.get("python.executable"), fallback="python3")

    @property
    def accelerator(self) -> str | None:
        """The ``accelerator`` answer with ``auto`` resolved (``nvidia``, ``cpu``...)."""
        return self.evaluation.derived.answer_accelerator

    @property
    def accelerator_kind(self) -> str | None:
        return ANSWER_KIND.get(self.accelerator or "")

    def fact(self, path: str) -> Any:
        """A fact path, derived facts included (as the rules see them)."""
        if path.startswith("derived."):
            return self.evaluation.derived.get(path)
        return self.facts.get(path)

    def fw(self, framework: str, key: str) -> Any:
        return self.facts.get(f"frameworks.{framework}.{key}")

    def installed(self, framework: str) -> bool:
        return self.fw(framework, "installed") is True

    def nvidia_gpus(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(
            a
            for a in self.facts.accelerators
            if a.get("kind") == Accelerator.CUDA.value and a.get("visible") is not False
        )

    def wants_gpu(self) -> bool:
        """An NVIDIA GPU is here and usable, and the answer did not ask for the CPU."""
        return bool(self.nvidia_gpus()) and self.accelerator != Accelerator.CPU.info.answer


class UndeclaredRead(LookupError):
    """A check read a table or frameworks.yaml field its item does not list (a dlrec bug)."""


@dataclass(frozen=True, slots=True)
class ItemView:
    """One item (for one framework) over the inputs."""

    inputs: Inputs
    item: ChecklistItem
    #: The framework the item is about: its ``each`` framework, its one listed framework, or the
    #: project's.
    framework: str

    def fact(self, path: str) -> Any:
        return self.inputs.fact(path)

    def fw(self, key: str, framework: str | None = None) -> Any:
        return self.inputs.fw(framework or self.framework, key)

    def table(self, name: str) -> Mapping[str, Any]:
        if name not in self.item.reads.tables:
            raise UndeclaredRead(f"item {self.item.id!r} reads table {name!r} not in its reads")
        table = self.inputs.rulebase.tables.get(name)
        return table if isinstance(table, Mapping) else _EMPTY

    def spec(self, key: str, framework: str | None = None) -> Any:
        """A frameworks.yaml field of the item's framework (or ``framework``)."""
        if key not in self.item.reads.frameworks:
            raise UndeclaredRead(f"item {self.item.id!r} reads frameworks.yaml {key!r}")
        entry = self.inputs.rulebase.frameworks.get(framework or self.framework)
        return entry.get(key) if isinstance(entry, Mapping) else None

    def install(self, accelerator: str | None = None, framework: str | None = None) -> str | None:
        """The install command of the item's framework, for the answered accelerator or another
        ``accelerator`` answer value (``cpu``, ``nvidia``)."""
        if not self.item.reads.wheels:
            raise UndeclaredRead(f"item {self.item.id!r} asks for an install without reads.wheels")
        return self.inputs.install_command(self.inputs, framework or self.framework, accelerator)

    def planned_release(self, framework: str | None = None) -> str | None:
        """The release line the planner installs of the item's framework (or ``framework``)."""
        if not self.item.reads.wheels:
            raise UndeclaredRead(f"item {self.item.id!r} asks for a plan without reads.wheels")
        return self.inputs.install_release(self.inputs, framework or self.framework)

    def field(self, name: str) -> str | None:
        """A template field that is not the check's own: the base fields, install commands and
        fact paths (docs/RULES.md, "Checklist items")."""
        if name == "python":
            return self.inputs.python
        if name == "framework":
            return self.framework
        if name == "name":
            return name_of(self.framework)
        if name == "backend":
            return self.inputs.backend
        if name == "nvidia_gpu":
            gpus = self.inputs.nvidia_gpus()
            return field_text(gpus[0].get("name")) if gpus else None
        if name in INSTALL_FIELDS:
            _, _, answer = name.partition("_")
            return self.install(answer or None)
        return field_text(self.fact(name))


__all__ = ["Inputs", "ItemView", "UndeclaredRead", "field_text", "fill", "name_of"]
