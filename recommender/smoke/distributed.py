"""Distributed smoke: N-process data-parallel training with each framework's own engine.

* PyTorch: ``python -m torch.distributed.run`` (torchrun, static rendezvous) starts the ranks;
  DistributedDataParallel over gloo (CPU) or nccl (CUDA).
* TensorFlow: N worker processes, each with its ``TF_CONFIG``; MultiWorkerMirroredStrategy.
* Keras 3: ``keras.distribution`` where the backend has one (JAX); a skipped result elsewhere.

Each run first trains the same model in one plain process (the baseline), then launches the N
ranks. Every process runs in its own session under the import and training budgets; on timeout,
Ctrl-C or exit the whole tree is killed (smoke_process.kill_tree). Ports are picked free on
127.0.0.1; with ``nnodes > 1`` the cluster's own endpoint is used instead. The ranks write their
parameters; the parent calls the gradients synchronised when every local rank ends with the
same parameters (each rank trained on a different shard, so only the all-reduce keeps them equal).
This process never imports a framework.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recommender.errors import BadInputError
from recommender.facts.document import Facts
from recommender.smoke import cache as smoke_cache
from recommender.smoke.process import _Watch, child_cwd, kill_tree

DEFAULT_STEPS = 30
BATCH = 64  # smoke_child.BATCH: samples per rank per step
LOSS_RATIO = 0.6
#: Replicas are in sync when no parameter differs by more than this (relative to its scale).
SYNC_TOLERANCE = 1e-5
FRAMEWORKS = ("pytorch", "tensorflow", "keras")
_POLL_S = 0.05


@dataclass(frozen=True, slots=True, kw_only=True)
class Cluster:
    """Where the ranks run: this host alone, or one node of a multi-node job."""

    nnodes: int = 1
    node_rank: int = 0
    rdzv_endpoint: str | None = None  # host:port of node 0 (torchrun's static rendezvous)
    worker_hosts: tuple[str, ...] = ()  # every node's host, in node-rank order (TF_CONFIG)

    def validate(self) -> Cluster:
        if not 0 <= self.node_rank < self.nnodes:
            raise BadInputError(
                f"--node-rank {self.node_rank} must be below --nnodes {self.nnodes}"
            )
        if self.nnodes > 1 and not self.rdzv_endpoint:
            raise BadInputError("--nnodes > 1 needs --rdzv-endpoint HOST:PORT (node 0's address)")
        if self.rdzv_endpoint:
            host, _, port = self.rdzv_endpoint.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise BadInputError(f"--rdzv-endpoint {self.rdzv_endpoint!r}: expected HOST:PORT")
        if self.worker_hosts and len(self.worker_hosts) != self.nnodes:
            raise BadInputError(
                f"--worker-hosts names {len(self.worker_hosts)} hosts for --nnodes {self.nnodes}"
            )
        return self

    @property
    def hosts(self) -> tuple[str, ...]:
        """Every node's host: --worker-hosts, else (one node) the endpoint's host or 127.0.0.1."""
        if self.worker_hosts:
            return self.worker_hosts
        if self.nnodes == 1:
            return (self.rdzv_endpoint.rpartition(":")[0] if self.rdzv_endpoint else "127.0.0.1",)
        return ()


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


# --- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(base: Mapping[str, str], threads: int, extra: Mapping[str, str]) -> dict[str, str]:
    env = dict(base)
    env.update(extra)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONUNBUFFERED"] = "1"
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env[name] = str(threads)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), root) if p)
    return env


@dataclass(frozen=True, slots=True, kw_only=True)
class Launch:
    argv: tuple[str, ...]
    env: Mapping[str, str]


def supervise_group(
    launches: Sequence[Launch],
    *,
    ranks: int,
    out_dir: str,
    log: str,
    import_timeout: float,
    train_timeout: float,
) -> tuple[str | None, set[int]]:
    """Start every launch in its own session; enforce the budgets; kill every tree.

    The training budget starts once all ``ranks`` local ranks said "imported". Returns
    (None or the error, the ranks that said "done")."""
    out = os.path.join(out_dir, "stdout.jsonl")
    open(out, "wb").close()
    procs: list[subprocess.Popen] = []
    imported, done, error = set(), set(), None
    try:
        with open(out, "ab") as out_w, open(log, "ab") as err_w:
            for launch in launches:
                procs.append(
                    subprocess.Popen(
                        list(launch.argv),
                        stdin=subprocess.DEVNULL,
                        stdout=out_w,
                        stderr=err_w,
                        env=dict(launch.env),
                        start_new_session=True,
                        cwd=child_cwd(out_dir),
                    )
                )
        watch = _Watch(out)
        phase, deadline = "import", time.monotonic() + import_timeout
        try:
            while True:
                for msg in watch.messages():
                    if msg.get("phase") == "imported":
                        imported.add(msg.get("rank"))
                    elif msg.get("phase") == "done":
                        done.add(msg.get("rank"))
                if phase == "import" and len(imported) >= ranks:
                    phase, deadline = "train", time.monotonic() + train_timeout
                codes = [p.poll() for p in procs]
                if all(c is not None for c in codes):
                    bad = [c for c in codes if c != 0]
                    error = f"a rank exited with status {bad[0]}; see {log}" if bad else None
                    break
                if any(c not in (None, 0) for c in codes):
                    error = f"a rank exited with status {next(c for c in codes if c not in (None, 0))}; see {log}"
                    break
                if time.monotonic() > deadline:
                    budget = import_timeout if phase == "import" else train_timeout
                    hung = sorted(set(range(ranks)) - (imported if phase == "import" else done))
                    error = (
                        f"{'importing' if phase == 'import' else 'training'} did not finish within "
                        f"{budget:g}s (waiting on local rank {', '.join(map(str, hung)) or '?'}); "
                        "every process was killed"
                    )
                    break
                time.sleep(_POLL_S)
            done.update(m.get("rank") for m in watch.messages() if m.get("phase") == "done")
        finally:
            watch.close()
    finally:
        for proc in procs:  # on timeout, Ctrl-C and normal exit alike
            kill_tree(proc)
    return error, done


# --- planning the launches ----------------------------------------------------------------------


def _child(
    engine: str, framework: str, device: str, steps: int, threads: int, out_dir: str
) -> list[str]:
    return [
        "-m",
        "recommender.smoke.children.distributed",
        "--engine",
        engine,
        "--framework",
        framework,
        "--device",
        device,
        "--steps",
        str(steps),
        "--threads",
        str(threads),
        "--out",
        out_dir,
    ]


def torchrun_launch(
    n: int,
    cluster: Cluster,
    device: str,
    steps: int,
    threads: int,
    out_dir: str,
    env: Mapping[str, str],
) -> Launch:
    endpoint = cluster.rdzv_endpoint or f"127.0.0.1:{free_port()}"
    argv = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes",
        str(cluster.nnodes),
        "--nproc-per-node",
        str(n),
        "--node-rank",
        str(cluster.node_rank),
        "--rdzv-backend",
        "static",
        "--rdzv-endpoint",
        endpoint,
        "--max-restarts",
        "0",
        *_child("ddp", "pytorch", device, steps, threads, out_dir),
    ]
    extra = (
        {"GLOO_SOCKET_IFNAME": "lo"}
        if cluster.nnodes == 1 and "GLOO_SOCKET_IFNAME" not in env
        else {}
    )
    return Launch(argv=tuple(argv), env=_env(env, threads, extra))


def tf_config(n: int, cluster: Cluster, local: int, ports: Sequence[int]) -> dict[str, Any]:
    """TF_CONFIG for local worker ``local``: every node contributes ``n`` workers on ``ports``."""
    workers = [f"{host}:{port}" for host in cluster.hosts for port in ports]
    return {
        "cluster": {"worker": workers},
        "task": {"type": "worker", "index": cluster.node_rank * n + local},
    }


def tf_ports(n: int, cluster: Cluster) -> list[int]:
    """Free loopback ports on one host; on a cluster, the endpoint's port + 1 .. + n on every node."""
    if cluster.nnodes == 1 and not cluster.rdzv_endpoint:
        return [free_port() for _ in range(n)]
    base = int((cluster.rdzv_endpoint or "").rpartition(":")[2])
    return [base + 1 + i for i in range(n)]


def mwms_launches(
    n: int,
    cluster: Cluster,
    device: str,
    steps: int,
    threads: int,
    out_dir: str,
    env: Mapping[str, str],
) -> list[Launch]:
    if cluster.nnodes > 1 and not cluster.worker_hosts:
        raise BadInputError(
            "TensorFlow on several nodes needs --worker-hosts HOST,HOST,... (every node, "
            "in --node-rank order) to build TF_CONFIG"
        )
    ports = tf_ports(n, cluster)
    out = []
    for local in range(n):
        extra = {"TF_CONFIG": json.dumps(tf_config(n, cluster, local, ports))}
        if device == "cpu":
            extra["CUDA_VISIBLE_DEVICES"] = ""
        out.append(
            Launch(
                argv=(
                    sys.executable,
                    *_child("mwms", "tensorflow", device, steps, threads, out_dir),
                ),
                env=_env(env, threads, extra),
            )
        )
    return out


def keras_launches(
    n: int,
    cluster: Cluster,
    device: str,
    steps: int,
    threads: int,
    out_dir: str,
    env: Mapping[str, str],
) -> list[Launch]:
    host = cluster.rdzv_endpoint or f"127.0.0.1:{free_port()}"
    world = n * cluster.nnodes
    return [
        Launch(
            argv=(
                sys.executable,
                *_child("keras-jax", "keras", device, steps, threads, out_dir),
                "--coordinator",
                host,
                "--num-processes",
                str(world),
                "--process-id",
                str(cluster.node_rank * n + local),
            ),
            env=_env(
                env,
                threads,
                {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu" if device == "cpu" else ""},
            ),
        )
        for local in range(n)
    ]


ENGINES = {
    "pytorch": ("ddp", "torchrun"),
    "tensorflow": ("mwms", "tf_config"),
    "keras": ("keras.distribution", "keras.distribution.initialize"),
}


def keras_skip(facts: Facts) -> str | None:
    """Why Keras cannot be smoked here with its own distribution API, or None."""
    backend = facts.framework("keras").get("backend") or "tensorflow"
    if backend != "jax":
        return (
            f"keras.distribution exists only for the JAX backend; the configured backend is {backend} "
            f"(Keras on {backend} distributes through {'tf.distribute' if backend == 'tensorflow' else 'torch DDP'}, "
            "smoked above as that framework)"
        )
    if not facts.framework("jax").get("installed"):
        return "the Keras backend is jax, but jax is not installed: pip install jax"
    return None


# --- comparing the ranks -------------------------------------------------------------------------


def _read(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _checksum(params: Sequence[float]) -> str:
    return hashlib.sha256(json.dumps(list(params)).encode()).hexdigest()[:16]


def compare_ranks(docs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Synchronisation, loss and speed from the ranks' documents (pure)."""
    params = [d.get("params") or [] for d in docs]
    scale = max((abs(v) for v in params[0]), default=1.0) if params else 1.0
    same_len = len({len(p) for p in params}) == 1 and params and params[0]
    diff = (
        max((abs(a - b) for p in params[1:] for a, b in zip(params[0], p)), default=0.0)
        if same_len
        else None
    )
    losses = docs[0].get("losses") or [] if docs else []
    tail = losses[-5:]
    last = sum(tail) / len(tail) if tail else None
    steps = [d.get("step_s") for d in docs if isinstance(d.get("step_s"), (int, float))]
    step_s = max(steps) if steps else None  # the slowest rank sets the pace
    world = int(docs[0].get("world_size") or len(docs)) if docs else 0
    return {
        "synchronized": diff is not None and diff <= SYNC_TOLERANCE * max(1.0, scale),
        "max_param_diff": diff,
        "param_checksums": tuple(_checksum(p) for p in params),
        "loss_first": losses[0] if losses else None,
        "loss_last": last,
        "loss_fell": bool(losses) and last is not None and last <= LOSS_RATIO * losses[0],
        "step_s": step_s,
        "world_size": world,
        "samples_per_s": world * BATCH / step_s if step_s else None,
    }


def efficiency(
    samples_per_s: float | None, processes: int, single_samples_per_s: float | None
) -> float | None:
    """samples/s of N processes / (N x samples/s of one process); None when either is unknown."""
    if not samples_per_s or not single_samples_per_s or processes < 1:
        return None
    return round(samples_per_s / (processes * single_samples_per_s), 3)


# --- the entry point ----------------------------------------------------------------------------


def _threads(facts: Facts, n: int) -> int:
    cores = facts.get("cpu.usable_cores") or os.cpu_count() or 1
    return max(1, int(cores) // max(1, n))


def _launches(framework, n, cluster, device, steps, threads, out_dir, env):
    if framework == "pytorch":
        return [torchrun_launch(n, cluster, device, steps, threads, out_dir, env)]
    if framework == "tensorflow":
        return mwms_launches(n, cluster, device, steps, threads, out_dir, env)
    return keras_launches(n, cluster, device, steps, threads, out_dir, env)


def run_one(
    facts: Facts,
    framework: str,
    n: int,
    *,
    cluster: Cluster = Cluster(),
    device: str = "cpu",
    steps: int = DEFAULT_STEPS,
    import_timeout: float = 120.0,
    train_timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
    log_dir: str | None = None,
) -> DistributedSmokeResult:
    """The single-process baseline, then the ``n`` local ranks; every process killed at the end."""
    env = dict(os.environ if env is None else env)
    engine, launcher = ENGINES[framework]
    backend = (
        (facts.framework("keras").get("backend") or "tensorflow") if framework == "keras" else None
    )
    base = dict(
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
    log_dir = log_dir or smoke_cache.log_dir(env)
    os.makedirs(log_dir, exist_ok=True)
    log = os.path.join(log_dir, f"distributed-{framework}-{device}-x{n}.log")
    open(log, "wb").close()
    threads = _threads(facts, n)
    work = tempfile.mkdtemp(prefix="dlrec-dist-")
    try:
        single = Launch(
            argv=(sys.executable, *_child("single", framework, device, steps, threads, work)),
            env=_env(env, threads, {"KERAS_BACKEND": "jax"} if framework == "keras" else {}),
        )
        error, _ = supervise_group(
            [single],
            ranks=1,
            out_dir=work,
            log=log,
            import_timeout=import_timeout,
            train_timeout=train_timeout,
        )
        baseline = _read(os.path.join(work, "single.json")) or {}
        if error is None:
            launches = _launches(framework, n, cluster, device, steps, threads, work, env)
            error, done = supervise_group(
                launches,
                ranks=n,
                out_dir=work,
                log=log,
                import_timeout=import_timeout,
                train_timeout=train_timeout,
            )
        else:
            error = f"single-process baseline: {error}"
        docs = sorted(
            (
                d
                for f in sorted(os.listdir(work))
                if f.startswith("rank-")
                if (d := _read(os.path.join(work, f)))
            ),
            key=lambda d: d.get("rank", 0),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return assemble(base, docs, baseline, n, error, log)


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


def run_distributed(
    facts: Facts,
    n: int,
    *,
    frameworks: Sequence[str] | None = None,
    device: str = "cpu",
    cluster: Cluster = Cluster(),
    steps: int = DEFAULT_STEPS,
    import_timeout: float = 120.0,
    train_timeout: float = 120.0,
    env: Mapping[str, str] | None = None,
    on_result=None,
) -> tuple[DistributedSmokeResult, ...]:
    """Each planned framework in turn (never two at once: the ranks share the cores)."""
    env = dict(os.environ if env is None else env)
    if n < 1:
        raise BadInputError(f"--distributed {n}: need at least 1 process")
    cluster.validate()
    if device not in ("auto", "cpu", "cuda"):
        raise BadInputError(
            f"--device {device}: the distributed smoke runs on cpu (gloo) or cuda (nccl)"
        )
    out = []
    for fw in plan(facts, frameworks):
        from recommender.smoke.run import _build_devices

        dev = (
            device
            if device != "auto"
            else ("cuda" if "cuda" in _build_devices(facts, fw) else "cpu")
        )
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
            store(env, facts, result)
        out.append(result)
        if on_result:
            on_result(result)
    return tuple(out)


# --- the cache: the latest passing run per framework, read by `dlrec recommend` ------------------


def _key(facts: Facts, framework: str, device: str) -> dict[str, Any]:
    return smoke_cache.fingerprint(
        framework=framework,
        backend="distributed",
        device=device,
        framework_facts=facts.framework(framework),
        steps=0,
        models=("mlp",),
    )


def store(env: Mapping[str, str], facts: Facts, result: DistributedSmokeResult) -> None:
    smoke_cache.store(env, _key(facts, result.framework, result.device), [result.to_dict()])


def cached(
    env: Mapping[str, str], facts: Facts, device: str = "cpu"
) -> tuple[DistributedSmokeResult, ...]:
    """Passing distributed results stored for this machine's installed frameworks (stale ones skipped)."""
    out = []
    for fw in FRAMEWORKS:
        if not facts.framework(fw).get("installed"):
            continue
        entry = smoke_cache.load(env, _key(facts, fw, device))
        if entry is None:
            continue
        cached_at, docs = entry
        try:
            out.extend(
                DistributedSmokeResult.from_dict({**d, "cached_at": cached_at}) for d in docs
            )
        except (TypeError, ValueError):
            continue
    return tuple(out)
