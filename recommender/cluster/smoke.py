"""``dlrec fleet smoke``: one real data-parallel training across nodes, judged across nodes.

Each node runs its share of the ranks (:mod:`recommender.cluster.node` under srun, or a Ray
task) and answers with its local ranks' results, parameter checksums included. The launcher
compares every rank's checksum with rank 0's: "parameters identical on all N nodes", or the
nodes whose ranks differ. :func:`combine` is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recommender.cluster.gather import Answer, gather
from recommender.cluster.probe import launcher_env, node_command
from recommender.cluster.slurm import allocation, srun_argv
from recommender.smoke.distributed.launch import BATCH


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeRun:
    name: str
    addr: str | None
    node_rank: int
    processes: int
    ok: bool
    error: str | None = None
    checksums: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "addr": self.addr,
            "node_rank": self.node_rank,
            "processes": self.processes,
            "ok": self.ok,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetSmoke:
    engine: str
    framework: str
    nodes: tuple[NodeRun, ...]
    processes: int
    synchronized: bool
    scaling_efficiency: float | None
    results: tuple[dict[str, Any], ...] = ()
    differing: tuple[str, ...] = ()  # nodes whose ranks' parameters differ from rank 0's
    errors: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.synchronized and all(n.ok for n in self.nodes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "framework": self.framework,
            "nodes": [n.to_dict() for n in self.nodes],
            "processes": self.processes,
            "synchronized": self.synchronized,
            "scaling_efficiency": self.scaling_efficiency,
            "results": list(self.results),
        }


def node_run(answer: Answer, nproc: int) -> tuple[NodeRun, dict[str, Any] | None]:
    """A node's part from its answer: its run, and its result document (None when it has none)."""
    doc = answer.doc or {}
    results = [r for r in doc.get("results") or () if isinstance(r, dict)]
    result = results[0] if results else None
    given = doc.get("node_rank")
    rank = given if isinstance(given, int) else answer.task
    error = answer.error
    if error is None and result is None:
        error = "it answered without a result"
    elif error is None and result is not None and result.get("skipped"):
        error = f"skipped: {result['skipped']}"
    elif error is None and result is not None and not result.get("ok"):
        error = str(result.get("error") or "its ranks failed")
    sums = tuple(str(c) for c in (result or {}).get("param_checksums") or ())
    run = NodeRun(
        name=answer.name,
        addr=doc.get("addr") if isinstance(doc.get("addr"), str) else answer.addr,
        node_rank=rank,
        processes=int((result or {}).get("processes") or nproc),
        ok=error is None,
        error=error,
        checksums=sums,
    )
    return run, result


def combine(
    engine: str, framework: str, parts: Sequence[tuple[NodeRun, dict[str, Any] | None]]
) -> FleetSmoke:
    """Every node's part -> the fleet's verdict: all ranks' checksums equal rank 0's, and the
    scaling efficiency against one process on node 0 (pure)."""
    parts = sorted(parts, key=lambda p: p[0].node_rank)
    nodes = tuple(run for run, _ in parts)
    results = tuple(r for _, r in parts if r is not None)
    reference = next((run.checksums[0] for run in nodes if run.checksums), None)
    differing = tuple(
        run.name for run in nodes if run.checksums and any(c != reference for c in run.checksums)
    )
    processes = sum(run.processes for run in nodes)
    complete = all(run.ok and len(run.checksums) == run.processes for run in nodes)
    synchronized = bool(nodes) and complete and reference is not None and not differing
    return FleetSmoke(
        engine=engine,
        framework=framework,
        nodes=nodes,
        processes=processes,
        synchronized=synchronized,
        scaling_efficiency=_efficiency(parts, processes) if complete else None,
        results=results,
        differing=differing,
        errors=tuple(f"{run.name}: {run.error}" for run in nodes if run.error),
    )


def _efficiency(
    parts: Sequence[tuple[NodeRun, dict[str, Any] | None]], processes: int
) -> float | None:
    """samples/s of every rank (paced by the slowest node) / (ranks x one process on node 0)."""
    steps = [r.get("step_s") for _, r in parts if r]
    base = parts[0][1].get("single_samples_per_s") if parts and parts[0][1] else None
    if not steps or not all(isinstance(s, (int, float)) and s > 0 for s in steps) or not base:
        return None
    slowest = max(float(s) for s in steps if isinstance(s, (int, float)))
    return round(processes * BATCH / slowest / (processes * float(base)), 3)


def verdict(smoke: FleetSmoke) -> str:
    """The cross-node comparison in one line."""
    n = len(smoke.nodes)
    if smoke.synchronized:
        return f"parameters identical on all {n} nodes"
    if smoke.differing:
        return f"parameters DIFFER from rank 0's on {', '.join(smoke.differing)}"
    failed = [run for run in smoke.nodes if not run.ok]
    # under --kill-on-bad-exit srun terminates the other nodes once one fails: name the cause
    stopped = [run.name for run in failed if (run.error or "").endswith(": Terminated")]
    cause = [run for run in failed if run.name not in stopped]
    if not cause:
        return f"not compared: no result from {', '.join(stopped) or 'any node'}"
    first = f"not compared: {cause[0].name} failed ({cause[0].error})"
    more = [run.name for run in cause[1:]]
    tail = f"; also failed: {', '.join(more)}" if more else ""
    return first + tail + (f"; srun stopped {', '.join(stopped)} with it" if stopped else "")


def smoke_slurm(
    *,
    framework: str,
    nproc: int,
    nodes: int | None,
    partition: str | None,
    srun_args: Sequence[str],
    device: str,
    steps: int,
    import_timeout: float,
    timeout: float,
    log_dir: str,
    env: Mapping[str, str],
    on_node: Callable[[NodeRun], None] | None = None,
) -> FleetSmoke:
    """srun one launcher per node (``--cpus-per-task`` = processes per node: one rank a core);
    a node that fails ends the step (``--kill-on-bad-exit``), and is named."""
    alloc = allocation(env, nodes, partition)
    args = ["--framework", framework, "--nproc-per-node", str(nproc), "--device", device]
    args += ["--steps", str(steps), "--import-timeout", f"{import_timeout:g}"]
    args += ["--timeout", f"{timeout:g}"]
    argv = srun_argv(
        alloc,
        node_command("smoke", *args),
        extra=srun_args,
        cpus_per_task=nproc,
        kill_on_bad_exit=True,
    )
    seen: set[int] = set()

    def arrived(answer: Answer) -> None:
        if on_node and answer.task not in seen:
            seen.add(answer.task)
            on_node(node_run(answer, nproc)[0])

    # the nodes' own budgets come first: baseline + ranks (import and training each), + slack
    budget = 2 * (import_timeout + timeout) + 60
    got = gather(
        argv,
        count=alloc.count,
        env=launcher_env(env),
        timeout=budget,
        log_path=f"{log_dir}/srun.log",
        on_answer=arrived,
    )
    return combine("slurm", framework, [node_run(a, nproc) for a in got.answers])
