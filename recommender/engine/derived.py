"""The ``derived.*`` facts the rules read: accelerator kinds, a visible GPU, the lowest NVIDIA
compute capability and max CUDA, the accelerator ``auto`` resolves to, and the distributed-smoke
evidence. Each is None (unknown) when the probes could not tell.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import field
from types import MappingProxyType

from recommender.core.catalog import ACCELERATORS, Accelerator
from recommender.core.frozen import frozen
from recommender.facts.document import Facts
from recommender.rulebase.conditions import parse_version

GPU_KINDS = frozenset({"cuda", "rocm", "mps", "xpu"})
#: ``accelerator: auto`` resolves to the first kind found, in the catalog's order.
_AUTO_ACCELERATOR = tuple(
    (a.kind.value, a.answer) for a in ACCELERATORS.values() if a.kind is not Accelerator.CPU
)
#: The probe that finds each accelerator kind (its name under ``probes`` in the facts document).
_PROBE_OF_KIND = {a.kind.value: a.probe for a in ACCELERATORS.values() if a.probe}


def _lowest(values: list[object]) -> str | None:
    parsed = [(parse_version(v), v) for v in values if isinstance(v, str)]
    parsed = [(p, v) for p, v in parsed if p is not None]
    return min(parsed)[1] if parsed else None


def _unsure_kinds(facts: Facts) -> frozenset[str]:
    """Accelerator kinds whose probe could not tell (status ``unknown``, e.g. a hung nvidia-smi
    next to /dev/nvidia0): missing from the list, yet maybe here."""
    probes = facts.get("probes")
    if not isinstance(probes, Mapping):
        return frozenset()
    return frozenset(
        kind
        for kind, name in _PROBE_OF_KIND.items()
        if isinstance(probes.get(name), Mapping) and probes[name].get("status") == "unknown"
    )


def _auto(found: tuple[str, ...], unsure: frozenset[str]) -> str | None:
    """``accelerator: auto`` resolved: the first kind found; unknown when an earlier one may be here."""
    for kind, name in _AUTO_ACCELERATOR:
        if kind in found:
            return name
        if kind in unsure:
            return None
    return "cpu"


def _public_release(version: object) -> str | None:
    """``version`` when it is a public release (no local label, no dev segment), else None."""
    if not isinstance(version, str):
        return None
    parsed = parse_version(version)
    return version if parsed and not parsed.local and not parsed.is_devrelease else None


def _no_runs() -> Mapping[str, object]:
    return MappingProxyType({})


@frozen
class Derived:
    """The ``derived.*`` facts of one machine and accelerator answer, typed; each is None
    (unknown) when the probes could not tell. ``paths`` spells them as the rules do."""

    #: The accelerator kinds found (``("cuda",)``); None when a probe could not tell.
    accelerator_kinds: tuple[str, ...] | None = None
    has_visible_gpu: bool | None = None
    #: The lowest compute capability of the visible NVIDIA GPUs ("7.5").
    nvidia_min_cc: str | None = None
    #: The newest CUDA the NVIDIA driver runs ("12.8"), the lowest reading of several.
    nvidia_max_cuda: str | None = None
    #: The accelerator answer with ``auto`` resolved ("nvidia", "cpu"...).
    answer_accelerator: str | None = None
    #: TensorFlow's version where it names a public release ("2.20.0", "2.19.0rc1"); None for a
    #: source or vendor build ("2.20.0-dev0+selfbuilt", NGC's "2.17.0+nv25.02"), whose
    #: architecture list is its builder's, not the release's.
    tensorflow_release: str | None = None
    #: ``derived.distributed.<fw>.<key>`` -> value (facts/evidence.py).
    distributed: Mapping[str, object] = field(default_factory=_no_runs)

    @property
    def paths(self) -> dict[str, object]:
        """The facts by the paths the rules read (``derived.nvidia_min_cc``...)."""
        return {
            "derived.accelerator_kinds": self.accelerator_kinds,
            "derived.has_visible_gpu": self.has_visible_gpu,
            "derived.nvidia_min_cc": self.nvidia_min_cc,
            "derived.nvidia_max_cuda": self.nvidia_max_cuda,
            "derived.answer_accelerator": self.answer_accelerator,
            "derived.tensorflow_release": self.tensorflow_release,
            **self.distributed,
        }

    def get(self, path: str) -> object:
        """One derived fact by its path; None when unknown or not a derived fact."""
        return self.paths.get(path)


def derived_facts(facts: Facts, accelerator_answer: str | None) -> Derived:
    """The ``derived.*`` facts. What does not depend on the answer is computed once per Facts
    value (answers, evaluation, checklist and ranking all ask)."""
    known = facts.memo("engine.derived", lambda: _from_facts(facts))
    if accelerator_answer in (None, "auto"):
        return known
    return dataclasses.replace(known, answer_accelerator=accelerator_answer)


def _from_facts(facts: Facts) -> Derived:
    """The derived facts that read the facts alone (the probes', then the distributed smoke's),
    with the accelerator ``auto`` resolves to."""
    accels = facts.get("accelerators")
    if not isinstance(accels, (list, tuple)):
        kinds = has_gpu = min_cc = max_cuda = auto = None
    else:
        items = [a for a in accels if isinstance(a, Mapping)]
        visible = [a for a in items if a.get("visible") is not False]
        found = tuple(sorted({a["kind"] for a in visible if isinstance(a.get("kind"), str)}))
        unsure = _unsure_kinds(facts) - set(found)
        kinds = None if unsure else found  # a list with a probe that could not tell is incomplete
        has_gpu = (
            True if any(k in GPU_KINDS for k in found) else (None if unsure & GPU_KINDS else False)
        )
        auto = _auto(found, unsure)
        min_cc = _lowest(
            [a.get("compute_capability") for a in visible if a.get("kind") == Accelerator.CUDA]
        )
        # One driver serves every NVIDIA GPU; take the lowest reading to stay on the safe side.
        max_cuda = _lowest([a.get("max_cuda") for a in items if a.get("kind") == Accelerator.CUDA])
    from recommender.facts.evidence import derived as distributed_derived

    return Derived(
        tensorflow_release=_public_release(facts.get("frameworks.tensorflow.version")),
        accelerator_kinds=kinds,
        has_visible_gpu=has_gpu,
        nvidia_min_cc=min_cc,
        nvidia_max_cuda=max_cuda,
        answer_accelerator=auto,
        distributed=MappingProxyType(distributed_derived(facts)),
    )
