"""Distributed smoke: N-process data-parallel training with each framework's own engine.

* PyTorch: torchrun DDP over gloo (CPU) or nccl (CUDA);
* TensorFlow: N workers with their ``TF_CONFIG``, MultiWorkerMirroredStrategy;
* Keras 3: ``keras.distribution`` where the backend has one (JAX); a skipped result elsewhere.

Each run first trains the same model in one plain process (the baseline), then launches the N
ranks (:mod:`.plan` builds the launches, :mod:`.launch` runs them under the
supervisor and compares the ranks). ``--distributed N`` beyond what the machine holds
(:func:`.plan.max_processes`) is refused before anything starts. Logs go to this
run's own folder; the rank documents to a private folder inside it, removed afterwards. This
process never imports a framework.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from recommender.core.catalog import DISTRIBUTED_ENGINES
from recommender.core.errors import BadInputError
from recommender.facts.document import Facts
from recommender.smoke import cache as smoke_cache
from recommender.smoke.distributed.launch import (
    BATCH,
    compare_ranks,
    efficiency,
    rank_docs,
    read_doc,
    supervise_group,
)
from recommender.smoke.distributed.plan import (
    ENGINES,
    Cluster,
    check_fits,
    keras_skip,
    launches,
    max_processes,
    single_launch,
    tf_config,
    threads_per_rank,
    torchrun_launch,
)
from recommender.smoke.process import WATCH_SLACK_S, open_capture

DEFAULT_STEPS = 30
#: The frameworks with a distributed engine, in the catalog's order.
FRAMEWORKS = tuple(DISTRIBUTED_ENGINES)
#: This host alone (the default cluster).
LOCAL = Cluster()


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


# --- the entry point ----------------------------------------------------------------------------


def run_one(
    facts: Facts,
    framework: str,
    n: int,
    *,
    cluster: Cluster = LOCAL,
    device: str = "cpu",
    steps: int = DEFAULT_STEPS,
    import_timeout: float = 120.0,
    train_timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
) -> DistributedSmokeResult:
    """The single-process baseline, then the ``n`` local ranks; every process killed at the end.
    The log goes to a new folder of this run's own."""
    env = dict(os.environ if env is None else env)
    engine, launcher = ENGINES[framework]
    backend = (
        (facts.framework("keras").get("backend") or "tensorflow") if framework == "keras" else None
    )
    base: dict[str, Any] = dict(
        framework=framework,
        backend=backend,
        device=device,
        engine=engine,
        launcher=launcher,
        processes=n,
        nnodes=cluster.nnodes,
        node_rank=cluster.node_rank,
    )
    if framework == "keras" and (reason := keras_skip(facts)):
        return DistributedSmokeResult(**base, skipped=reason)
    logs = smoke_cache.RunLogs.create(env)
    log = os.path.join(logs.path, f"distributed-{framework}-{device}-x{n}.log")
    threads = threads_per_rank(facts, n, cluster.cores)
    budget = import_timeout + train_timeout + WATCH_SLACK_S
    work = tempfile.mkdtemp(prefix="ranks-", dir=logs.path)
    group: dict[str, Any] = dict(
        log_path=log, cwd=work, import_timeout=import_timeout, train_timeout=train_timeout
    )
    rendezvous = _rendezvous(framework, n, cluster)
    try:
        with open_capture(log) as log_w:
            single = single_launch(framework, device, steps, threads, work, env, budget)
            out = os.path.join(work, "single.jsonl")
            error, _ = supervise_group([single], ranks=1, out=out, log=log_w, **group)
            baseline = read_doc(os.path.join(work, "single.json")) or {}
            if error is None:
                ranks = launches(framework, n, cluster, device, steps, threads, work, env, budget)
                out = os.path.join(work, "ranks.jsonl")
                error, _ = supervise_group(
                    ranks, ranks=n, out=out, log=log_w, rendezvous=rendezvous, **group
                )
            else:
                error = f"single-process baseline: {error}"
        docs = rank_docs(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = assemble(base, docs, baseline, n, error, log)
    kept = logs.finish([log] if not result.ok else [])
    return result if kept is None or log in kept else _without_log(result)


def _rendezvous(framework: str, n: int, cluster: Cluster) -> str | None:
    """Where this node's ranks meet the other nodes' (None on one host): torchrun's and
    keras.distribution's endpoint, TensorFlow's first worker."""
    if cluster.nnodes == 1:
        return None
    if framework == "tensorflow" and cluster.hosts and cluster.rdzv_endpoint:
        return f"{cluster.hosts[0]}:{int(cluster.rdzv_endpoint.rpartition(':')[2]) + 1}"
    return cluster.rdzv_endpoint


def _without_log(result: DistributedSmokeResult) -> DistributedSmokeResult:
    return replace(result, log=None)


def assemble(
    base: Mapping[str, Any],
    docs: Sequence[Mapping[str, Any]],
    baseline: Mapping[str, Any],
    n: int,
    error: str | None,
    log: str | None,
) -> DistributedSmokeResult:
    """The result from the ranks' documents and the baseline (pure)."""
    figures = compare_ranks(docs) if docs else {}
    single_step = baseline.get("step_s")
    single_sps = BATCH / single_step if single_step else None
    if error is None and len(docs) < n:
        error = f"only {len(docs)} of {n} local ranks reported; see {log}"
    if error is None and not figures.get("synchronized"):
        error = (
            f"the ranks' parameters differ after training (max difference {figures.get('max_param_diff')}): "
            "the gradients were not synchronised"
        )
    if error is None and not figures.get("loss_fell"):
        error = f"the loss did not fall enough ({figures.get('loss_first')} -> {figures.get('loss_last')})"
    sps = figures.get("samples_per_s")
    local_sps = sps * n / max(1, figures.get("world_size") or n) if sps else None
    return DistributedSmokeResult(
        **base,
        **figures,
        ok=error is None,
        error=error,
        log=log,
        single_step_s=single_step,
        single_samples_per_s=single_sps,
        scaling_efficiency=efficiency(local_sps, n, single_sps),
    )


def plan(facts: Facts, frameworks: Sequence[str] | None) -> tuple[str, ...]:
    installed = [fw for fw in FRAMEWORKS if facts.framework(fw).get("installed")]
    for fw in frameworks or ():
        if fw not in installed:
            raise BadInputError(
                f"{fw} is not installed in this Python ({sys.executable})", where="--framework"
            )
    return tuple(fw for fw in FRAMEWORKS if fw in (frameworks or installed))


def _device(facts: Facts, framework: str, device: str) -> str:
    from recommender.smoke.run import _build_devices

    if device != "auto":
        return device
    return "cuda" if "cuda" in _build_devices(facts, framework) else "cpu"


def run_distributed(
    facts: Facts,
    n: int,
    *,
    frameworks: Sequence[str] | None = None,
    device: str = "cpu",
    cluster: Cluster = LOCAL,
    steps: int = DEFAULT_STEPS,
    import_timeout: float = 120.0,
    train_timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
    on_result=None,
) -> tuple[DistributedSmokeResult, ...]:
    """Each planned framework in turn (never two at once: the ranks share the cores). Raises
    BadInputError before anything starts for a request the machine cannot hold."""
    env = dict(os.environ if env is None else env)
    if n < 1:
        raise BadInputError(f"--distributed {n}: need at least 1 process")
    cluster.validate()
    if device not in ("auto", "cpu", "cuda"):
        raise BadInputError(
            f"--device {device}: the distributed smoke runs on cpu (gloo) or cuda (nccl)"
        )
    todo = [(fw, _device(facts, fw, device)) for fw in plan(facts, frameworks)]
    check_fits(facts, n, [dev for _, dev in todo], cluster.cores)
    out = []
    for fw, dev in todo:
        result = run_one(
            facts,
            fw,
            n,
            cluster=cluster,
            device=dev,
            steps=steps,
            env=env,
            import_timeout=import_timeout,
            train_timeout=train_timeout,
        )
        if result.ok:
            store(env, facts, result, cluster)
        out.append(result)
        if on_result:
            on_result(result)
    return tuple(out)


# --- the cache: the latest passing run per framework, read by `dlrec recommend` ------------------

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
    env: Mapping[str, str], facts: Facts, result: DistributedSmokeResult, cluster: Cluster = LOCAL
) -> None:
    key = _key(facts, result.framework, result.device, (cluster.nnodes, result.processes))
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


__all__ = [
    "BATCH",
    "Cluster",
    "DistributedSmokeResult",
    "assemble",
    "cached",
    "compare_ranks",
    "efficiency",
    "max_processes",
    "run_distributed",
    "run_one",
    "tf_config",
    "torchrun_launch",
]
