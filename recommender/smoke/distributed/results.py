"""A distributed smoke's result, and the cache of passing ones that ``dlrec recommend`` reads.

Kept apart from the engine (:mod:`.run`, :mod:`.plan`, :mod:`.launch`) so that reading what a
past ``dlrec smoke --distributed N`` found costs a recommendation no import of the supervisor,
the launchers or the failure classifier: a warm ``dlrec recommend --no-smoke`` reads these
entries on every run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from recommender.core.catalog import DISTRIBUTED_ENGINES
from recommender.facts.document import Facts
from recommender.smoke import cache as smoke_cache

#: The frameworks with a distributed engine, in the catalog's order.
FRAMEWORKS = tuple(DISTRIBUTED_ENGINES)


@dataclass(frozen=True, slots=True, kw_only=True)
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


def read_doc(path: str) -> dict | None:
    """A JSON document from a file (a rank's, a cache entry's), or None (missing, unreadable,
    not an object)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


# --- the cache: the latest passing run per framework and topology -------------------------------

_NUMBER, _STR = smoke_cache.NUMBER, smoke_cache.OPTIONAL_STR
#: What a cached result must hold; anything else is a miss.
_CACHED_TYPES = {
    **dict.fromkeys(("framework", "device", "engine", "launcher"), (str,)),
    **dict.fromkeys(("backend", "skipped", "error", "cached_at"), _STR),
    **dict.fromkeys(("processes", "nnodes", "node_rank"), (int,)),
    "world_size": (int, type(None)),
    "ok": (bool,),
    **dict.fromkeys(("synchronized", "loss_fell"), (bool, type(None))),
    "param_checksums": (list, type(None)),
    **dict.fromkeys(
        (
            "max_param_diff",
            "loss_first",
            "loss_last",
            "step_s",
            "samples_per_s",
            "single_step_s",
            "single_samples_per_s",
            "scaling_efficiency",
        ),
        _NUMBER,
    ),
}


def _key(
    facts: Facts, framework: str, device: str, topology: tuple[int, int] | None = None
) -> dict[str, Any]:
    """The cache key; ``topology`` (nodes, processes per node) is part of it, so that a
    multi-node run never replaces a single-host entry (or another topology's)."""
    extra = {"topology": list(topology)} if topology else None
    return smoke_cache.fingerprint(
        framework=framework,
        backend="distributed",
        device=device,
        framework_facts=facts.framework(framework),
        steps=0,
        models=("mlp",),
        extra=extra,
    )


def store(
    env: Mapping[str, str], facts: Facts, result: DistributedSmokeResult, *, nnodes: int = 1
) -> None:
    """Keep a passing run, under its topology (``nnodes`` nodes of ``result.processes``)."""
    key = _key(facts, result.framework, result.device, (nnodes, result.processes))
    smoke_cache.store(env, key, [result.to_dict()])


def _topologies(env: Mapping[str, str], framework: str, device: str) -> list[tuple[int, int]]:
    """The topologies cached for ``framework`` on ``device``: single-host ones first, then by
    size (read from the entries' names and keys; each entry is checked again when loaded)."""
    prefix = f"{framework}-distributed-{device}-"
    found: set[tuple[int, int]] = set()
    try:
        with os.scandir(smoke_cache.smoke_dir(env)) as it:
            names = [e.path for e in it if e.name.startswith(prefix) and e.name.endswith(".json")]
    except OSError:
        return []
    for path in names:
        topo = ((read_doc(path) or {}).get("key") or {}).get("topology")
        if isinstance(topo, list) and len(topo) == 2 and all(type(v) is int for v in topo):
            found.add((topo[0], topo[1]))
    return sorted(found, key=lambda t: (t[0] > 1, t[0] * t[1]))


def cached(
    env: Mapping[str, str], facts: Facts, device: str = "cpu"
) -> tuple[DistributedSmokeResult, ...]:
    """Passing distributed results stored for this machine's installed frameworks, every
    topology (single-host first; stale or wrongly typed entries skipped)."""
    out: list[DistributedSmokeResult] = []
    for fw in FRAMEWORKS:
        if not facts.framework(fw).get("installed"):
            continue
        for topology in _topologies(env, fw, device):
            entry = smoke_cache.load(env, _key(facts, fw, device, topology))
            if entry is None:
                continue
            cached_at, docs = entry
            if not all(smoke_cache.well_typed(d, _CACHED_TYPES) for d in docs):
                continue
            try:
                out.extend(
                    DistributedSmokeResult.from_dict({**d, "cached_at": cached_at}) for d in docs
                )
            except (TypeError, ValueError):
                continue
    return tuple(out)


__all__ = ["FRAMEWORKS", "DistributedSmokeResult", "cached", "read_doc", "store"]
