"""The distributed smoke's cache: the latest passing run per framework, device and topology, read by
``dlrec recommend``.

It imports neither the launchers nor the supervisor (``plan.py``, ``launch.py``): a warm
``dlrec recommend --no-smoke`` reads these entries on every run and should not pay for them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from recommender.core.catalog import DISTRIBUTED_ENGINES
from recommender.facts.document import Facts
from recommender.smoke import cache as smoke_cache
from recommender.smoke.distributed.result import DistributedSmokeResult

if TYPE_CHECKING:
    from recommender.smoke.distributed.plan import Cluster

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


def read_doc(path: str) -> dict | None:
    """A JSON document from a file (a cache entry, a rank's report), or None (missing,
    unreadable, not an object)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


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
    env: Mapping[str, str],
    facts: Facts,
    result: DistributedSmokeResult,
    cluster: Cluster | None = None,
) -> None:
    """Keep a passing run under its topology (``cluster``'s nodes; None: this host alone)."""
    nnodes = cluster.nnodes if cluster is not None else 1
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
    for fw in DISTRIBUTED_ENGINES:
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


def with_cached_runs(env: Mapping[str, str], facts: Facts) -> Facts:
    """Probed facts with the distributed smoke results cached for this machine attached (the
    rules read them); another machine's facts as they are. ``dlrec smoke --distributed N``
    stores GPU runs under their device: both are read, GPU first."""
    from recommender.facts import evidence

    if not facts.is_local:
        return facts
    return evidence.attach(facts, (*cached(env, facts, device="cuda"), *cached(env, facts)))
