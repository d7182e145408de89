"""Planning the distributed smoke: where the ranks run, how many fit, and the argv that starts them.

* PyTorch: ``python -m torch.distributed.run`` (torchrun, static rendezvous) starts the ranks.
* TensorFlow: N worker processes, each with its ``TF_CONFIG`` (MultiWorkerMirroredStrategy).
* Keras 3: N processes on the JAX backend, joined by ``keras.distribution``.

Ports are picked free on 127.0.0.1; with ``nnodes > 1`` the cluster's own endpoint is used.
Pure but for :func:`free_port`; nothing here starts a process.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.core.catalog import Accelerator, Framework, KerasBackend
from recommender.core.errors import BadInputError
from recommender.core.numfmt import is_digits
from recommender.facts.document import Facts
from recommender.smoke.process import framework_env

#: Framework id -> (the engine, its launcher): the values the JSON reports.
ENGINES = {
    "pytorch": ("ddp", "torchrun"),
    "tensorflow": ("mwms", "tf_config"),
    "keras": ("keras.distribution", "keras.distribution.initialize"),
}
#: Memory one rank needs: a framework import plus the tiny model, with headroom.
RANK_MEMORY_BYTES = 1 << 30


@dataclass(frozen=True, slots=True, kw_only=True)
class Cluster:
    """Where the ranks run: this host alone, or one node of a multi-node job."""

    nnodes: int = 1
    node_rank: int = 0
    rdzv_endpoint: str | None = None  # host:port of node 0 (torchrun's static rendezvous)
    worker_hosts: tuple[str, ...] = ()  # every node's host, in node-rank order (TF_CONFIG)
    #: The cores this node gives the job (Slurm's SLURM_CPUS_ON_NODE), where the probed ones are
    #: shared with other nodes' ranks; None: the probed usable cores.
    cores: int | None = None

    def validate(self) -> Cluster:
        if not 0 <= self.node_rank < self.nnodes:
            raise BadInputError(
                f"--node-rank {self.node_rank} must be below --nnodes {self.nnodes}"
            )
        if self.nnodes > 1 and not self.rdzv_endpoint:
            raise BadInputError("--nnodes > 1 needs --rdzv-endpoint HOST:PORT (node 0's address)")
        if self.rdzv_endpoint:
            host, _, port = self.rdzv_endpoint.rpartition(":")
            if not host or not is_digits(port) or not 0 < int(port) < 65536:
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


#: This host alone (the default cluster).
LOCAL = Cluster()


@dataclass(frozen=True, slots=True, kw_only=True)
class Launch:
    argv: tuple[str, ...]
    env: Mapping[str, str]


# --- how many ranks fit ------------------------------------------------------------------------


def max_processes(facts: Facts, device: str, cores: int | None = None) -> tuple[int, str]:
    """The most local ranks this machine can hold on ``device``, and what sets that limit.

    The smallest of:

    * the usable CPU cores (affinity and cgroup quota applied): every rank needs a core of its
      own, or the ranks only take turns and the measured scaling means nothing;
    * the usable memory (RAM, or the cgroup limit) / :data:`RANK_MEMORY_BYTES` (1 GiB): a rank is
      a whole framework process;
    * on ``cuda``, the visible NVIDIA GPUs: NCCL runs one rank per GPU.

    A figure the probes could not read sets no limit but the cores' ``os.cpu_count()``."""
    cores = cores or int(facts.get("cpu.usable_cores") or os.cpu_count() or 1)
    limits = [(max(1, cores), f"{cores} usable CPU core{'s' if cores != 1 else ''}")]
    memory = facts.get("memory.usable_bytes")
    if isinstance(memory, int) and memory > 0:
        fit = max(1, memory // RANK_MEMORY_BYTES)
        limits.append((fit, f"{memory / (1 << 30):.1f} GiB of memory at 1 GiB a rank"))
    if device == Accelerator.CUDA:
        gpus = sum(
            1
            for a in facts.accelerators
            if a.get("kind") == Accelerator.CUDA and a.get("visible") is not False
        )
        limits.append((gpus, f"{gpus} visible NVIDIA GPU{'s' if gpus != 1 else ''}"))
    return min(limits, key=lambda limit: limit[0])


def check_fits(facts: Facts, n: int, devices: Sequence[str], cores: int | None = None) -> None:
    """Raise BadInputError (exit 2) when ``n`` local ranks do not fit on one of ``devices``."""
    for device in dict.fromkeys(devices):
        limit, why = max_processes(facts, device, cores)
        if n > limit and limit == 0:
            raise BadInputError(f"--distributed {n} on {device}: {why}; use --device cpu")
        if n > limit:
            raise BadInputError(
                f"--distributed {n}: this machine holds at most {limit} processes on {device} "
                f"({why}); use --distributed {limit} or fewer"
            )


# --- the argv of each launch -------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_argv(
    engine: str, framework: str, device: str, steps: int, threads: int, out_dir: str
) -> list[str]:
    """The rank child's module and flags (after ``python`` or torchrun's own flags)."""
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


def rank_env(
    base: Mapping[str, str], threads: int, extra: Mapping[str, str], budget: float = 0.0
) -> dict[str, str]:
    return framework_env(base, threads=threads, overrides=extra, budget=budget)


def torchrun_launch(
    n: int,
    cluster: Cluster,
    device: str,
    steps: int,
    threads: int,
    out_dir: str,
    env: Mapping[str, str],
    budget: float = 0.0,
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
        *child_argv("ddp", "pytorch", device, steps, threads, out_dir),
    ]
    extra = (
        {"GLOO_SOCKET_IFNAME": "lo"}
        if cluster.nnodes == 1 and "GLOO_SOCKET_IFNAME" not in env
        else {}
    )
    # torchrun's own temp folders (/tmp/torchelastic_*) go in the run's private folder, which is
    # removed afterwards, instead of piling up in /tmp
    extra["TMPDIR"] = out_dir
    return Launch(argv=tuple(argv), env=rank_env(env, threads, extra, budget))


def tf_config(n: int, cluster: Cluster, local: int, ports: Sequence[int]) -> dict[str, Any]:
    """TF_CONFIG for local worker ``local``: every node contributes ``n`` workers, node 0 on
    ``ports`` and node R on each port + R x n. Ports differ per node rank, so that nodes sharing
    a host (several slurmd on one machine, or a host's loopback) never bind the same port."""
    workers = [
        f"{host}:{port + rank * n}" for rank, host in enumerate(cluster.hosts) for port in ports
    ]
    return {
        "cluster": {"worker": workers},
        "task": {"type": "worker", "index": cluster.node_rank * n + local},
    }


def tf_ports(n: int, cluster: Cluster) -> list[int]:
    """Free loopback ports on one host; on a cluster, node 0's: the endpoint's port + 1 .. + n
    (node R's are shifted by R x n, :func:`tf_config`)."""
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
    budget: float = 0.0,
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
        argv = (sys.executable, *child_argv("mwms", "tensorflow", device, steps, threads, out_dir))
        out.append(Launch(argv=argv, env=rank_env(env, threads, extra, budget)))
    return out


def keras_launches(
    n: int,
    cluster: Cluster,
    device: str,
    steps: int,
    threads: int,
    out_dir: str,
    env: Mapping[str, str],
    budget: float = 0.0,
) -> list[Launch]:
    host = cluster.rdzv_endpoint or f"127.0.0.1:{free_port()}"
    world = n * cluster.nnodes
    extra = {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu" if device == "cpu" else ""}
    return [
        Launch(
            argv=(
                sys.executable,
                *child_argv("keras-jax", "keras", device, steps, threads, out_dir),
                "--coordinator",
                host,
                "--num-processes",
                str(world),
                "--process-id",
                str(cluster.node_rank * n + local),
            ),
            env=rank_env(env, threads, extra, budget),
        )
        for local in range(n)
    ]


def launches(framework, n, cluster, device, steps, threads, out_dir, env, budget=0.0):
    """Every launch of ``framework``'s ``n`` local ranks."""
    if framework == Framework.PYTORCH:
        return [torchrun_launch(n, cluster, device, steps, threads, out_dir, env, budget)]
    if framework == Framework.TENSORFLOW:
        return mwms_launches(n, cluster, device, steps, threads, out_dir, env, budget)
    return keras_launches(n, cluster, device, steps, threads, out_dir, env, budget)


def single_launch(framework, device, steps, threads, out_dir, env, budget=0.0) -> Launch:
    """The one plain process that trains the same model: the scaling baseline."""
    extra = {"KERAS_BACKEND": "jax"} if framework == Framework.KERAS else {}
    argv = (sys.executable, *child_argv("single", framework, device, steps, threads, out_dir))
    return Launch(argv=argv, env=rank_env(env, threads, extra, budget))


def keras_skip(facts: Facts) -> str | None:
    """Why Keras cannot be smoked here with its own distribution API, or None."""
    backend = facts.framework("keras").get("backend") or "tensorflow"
    if backend != KerasBackend.JAX:
        via = "tf.distribute" if backend == KerasBackend.TENSORFLOW else "torch DDP"
        return (
            f"keras.distribution exists only for the JAX backend; the configured backend is "
            f"{backend} (Keras on {backend} distributes through {via}, smoked above as that "
            "framework)"
        )
    if not facts.framework("jax").get("installed"):
        return "the Keras backend is jax, but jax is not installed: {install_jax}"
    return None


def threads_per_rank(facts: Facts, n: int, cores: int | None = None) -> int:
    """One rank per core: each rank's thread pools get its share of the node's cores (Slurm's
    cores for the job when given), never more, so that ranks never fight over a core."""
    cores = cores or facts.get("cpu.usable_cores") or os.cpu_count() or 1
    return max(1, int(cores) // max(1, n))
