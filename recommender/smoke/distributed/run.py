"""Distributed smoke: N-process data-parallel training with each framework's own engine.

* PyTorch: torchrun DDP over gloo (CPU) or nccl (CUDA);
* TensorFlow: N workers with their ``TF_CONFIG``, MultiWorkerMirroredStrategy;
* Keras 3: ``keras.distribution`` where the backend has one (JAX); a skipped result elsewhere.

Each run first trains the same model in one plain process (the baseline), then launches the N
ranks (:mod:`.plan` builds the launches, :mod:`.launch` runs them under the
supervisor and compares the ranks; :mod:`.result` is the value a run gives,
:mod:`.cache` keeps the latest passing one). ``--distributed N`` beyond what the machine holds
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
from dataclasses import replace
from typing import Any

from recommender.core.catalog import DISTRIBUTED_ENGINES, Accelerator, Framework
from recommender.core.errors import BadInputError
from recommender.facts.document import Facts
from recommender.smoke import cache as smoke_cache
from recommender.smoke.distributed.cache import cached, read_doc, store
from recommender.smoke.distributed.launch import (
    BATCH,
    compare_ranks,
    efficiency,
    rank_docs,
    supervise_group,
)
from recommender.smoke.distributed.plan import (
    ENGINES,
    LOCAL,
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
from recommender.smoke.distributed.result import DistributedSmokeResult
from recommender.smoke.process import WATCH_SLACK_S, open_capture

DEFAULT_STEPS = 30
#: The frameworks with a distributed engine, in the catalog's order.
FRAMEWORKS = tuple(DISTRIBUTED_ENGINES)


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
        (facts.framework("keras").get("backend") or "tensorflow")
        if framework == Framework.KERAS
        else None
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
    if framework == Framework.KERAS and (reason := keras_skip(facts)):
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
    if framework == Framework.TENSORFLOW and cluster.hosts and cluster.rdzv_endpoint:
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
    return "cuda" if Accelerator.CUDA in _build_devices(facts, framework) else "cpu"


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
    if device not in ("auto", "cpu", Accelerator.CUDA):
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
    "store",
    "tf_config",
    "torchrun_launch",
]
