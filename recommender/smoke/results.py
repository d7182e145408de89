"""The smoke engine's values: a planned run, one trained model's result, a progress event.

Frozen values shared by the engine (``smoke/run.py``), the cache and the report; a result is
rebuilt from a child's JSON line or a cache entry by ``SmokeResult.from_dict``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from recommender.smoke.failures import SmokeFailure


@dataclass(frozen=True, slots=True, kw_only=True)
class SmokeResult:
    """One model trained by one framework (and Keras backend) on one device."""

    framework: str
    backend: str | None
    device: str
    model: str
    ok: bool
    error: SmokeFailure | None = None
    import_s: float | None = None
    first_step_s: float | None = None
    step_s: float | None = None
    samples_per_s: float | None = None
    peak_rss_bytes: int | None = None
    peak_device_bytes: int | None = None
    loss_first: float | None = None
    loss_last: float | None = None
    accuracy: float | None = None
    #: The training loss at each step, in order (drawn as a sparkline).
    losses: tuple[float, ...] = ()
    converged: bool = False
    cached: bool = False
    cached_at: str | None = None
    #: The child's stderr log (not part of the JSON contract; shown with --verbose).
    log: str | None = None

    _FIELDS = (
        "framework",
        "backend",
        "device",
        "model",
        "ok",
        "error",
        "import_s",
        "first_step_s",
        "step_s",
        "samples_per_s",
        "peak_rss_bytes",
        "peak_device_bytes",
        "loss_first",
        "loss_last",
        "accuracy",
        "losses",
        "converged",
        "cached",
        "cached_at",
    )

    def to_dict(self) -> dict[str, Any]:
        doc = {name: getattr(self, name) for name in self._FIELDS}
        doc["error"] = self.error.to_dict() if self.error else None
        doc["losses"] = list(self.losses)
        return doc

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> SmokeResult:
        values: dict[str, Any] = {name: doc.get(name) for name in cls._FIELDS}
        values["error"] = SmokeFailure.from_dict(doc["error"]) if doc.get("error") else None
        values["ok"], values["converged"] = bool(doc.get("ok")), bool(doc.get("converged"))
        values["cached"] = bool(doc.get("cached"))
        values["losses"] = losses_of(doc.get("losses"))
        return cls(**values)


def losses_of(value: Any) -> tuple[float, ...]:
    """A child's (or a cache entry's) list of losses as a tuple of floats; junk: empty."""
    if not isinstance(value, (list, tuple)):
        return ()
    try:
        return tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SmokeRun:
    """A planned child: one framework (Keras: one backend) on one device."""

    framework: str
    backend: str | None
    device: str
    #: Child env overrides (KERAS_BACKEND with --all-backends), and a note saying so.
    env: tuple[tuple[str, str], ...] = ()
    note: str | None = None

    @property
    def label(self) -> str:
        name = f"{self.framework}[{self.backend}]" if self.backend else self.framework
        return f"{name} on {self.device}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SmokeEvent:
    """Progress for a live display: ``kind`` is planned, skipped, phase, or done."""

    kind: str
    run: SmokeRun | None = None
    phase: str = ""
    elapsed: float = 0.0
    results: tuple[SmokeResult, ...] = ()
    message: str = ""
