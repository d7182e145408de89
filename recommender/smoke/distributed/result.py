"""One framework's distributed smoke result: what the ranks proved, as a frozen value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

from recommender.core.frozen import frozen


@frozen
class DistributedSmokeResult:
    """One framework's data-parallel smoke on ``processes`` local ranks (of ``world_size``)."""

    framework: str
    backend: str | None
    device: str
    engine: str  # ddp | mwms | keras.distribution
    launcher: str  # torchrun | tf_config | keras.distribution.initialize
    processes: int
    nnodes: int = 1
    node_rank: int = 0
    world_size: int | None = None
    ok: bool = False
    skipped: str | None = None  # why it did not run (no distribution API, not installed)
    synchronized: bool | None = None
    max_param_diff: float | None = None
    param_checksums: tuple[str, ...] = ()
    loss_first: float | None = None
    loss_last: float | None = None
    loss_fell: bool | None = None
    step_s: float | None = None
    samples_per_s: float | None = None
    single_step_s: float | None = None
    single_samples_per_s: float | None = None
    scaling_efficiency: float | None = None
    error: str | None = None
    cached_at: str | None = None
    log: str | None = field(default=None, compare=False)

    _FIELDS = (
        "framework",
        "backend",
        "device",
        "engine",
        "launcher",
        "processes",
        "nnodes",
        "node_rank",
        "world_size",
        "ok",
        "skipped",
        "synchronized",
        "max_param_diff",
        "param_checksums",
        "loss_first",
        "loss_last",
        "loss_fell",
        "step_s",
        "samples_per_s",
        "single_step_s",
        "single_samples_per_s",
        "scaling_efficiency",
        "error",
        "cached_at",
    )

    def to_dict(self) -> dict[str, Any]:
        doc = {name: getattr(self, name) for name in self._FIELDS}
        doc["param_checksums"] = list(self.param_checksums)
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> DistributedSmokeResult:
        values = {k: doc[k] for k in cls._FIELDS if k in doc}
        values["ok"], values["backend"] = bool(doc.get("ok")), doc.get("backend")
        values["param_checksums"] = tuple(doc.get("param_checksums") or ())
        return cls(**values)

    @property
    def label(self) -> str:
        name = f"{self.framework}[{self.backend}]" if self.backend else self.framework
        return f"{name} {self.engine} x{self.processes} on {self.device}"
