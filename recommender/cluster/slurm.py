"""Slurm, as dlrec uses it: the allocation, the nodes' addresses, and the srun that reaches them.

* :func:`allocation`: inside ``salloc``/``sbatch`` the job's nodes; outside, ``--nodes N``
  asks srun for N; neither is one line and exit 2 (:data:`NO_ALLOCATION`).
* :func:`step`: what a task of a job step knows from ``SLURM_*`` (node rank, node count, the
  step's nodes) and every node's ``NodeAddr`` from ``scontrol``: a node's name need not resolve
  (a cluster's names are often known to Slurm only), its address is what Slurm itself dials.
* :func:`srun_argv`: one task per node, labelled output (the launcher reads every node's answer
  from srun's stdout: no shared filesystem needed).

Every ``scontrol`` runs bounded, under the one supervisor.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from recommender.core.errors import BadInputError
from recommender.probes.process import run_bounded

NO_ALLOCATION = "not inside a Slurm allocation: pass --nodes N, or run under salloc/sbatch"
#: Seconds one ``scontrol`` may take (it asks slurmctld over the network).
SCONTROL_TIMEOUT = 30.0
#: The first rendezvous port a job step derives its own from (see :func:`rendezvous_port`).
PORT_BASE = 20000
PORT_SPAN = 20000
_ADDR = re.compile(r"(?:^|\s)NodeName=(\S+)(?:\s.*)?\sNodeAddr=(\S+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """The nodes a fleet command reaches: ``count`` tasks, one per node."""

    count: int
    job_id: str | None  # None: srun creates a job of its own (--nodes outside an allocation)
    partition: str | None = None


def allocation(env: Mapping[str, str], nodes: int | None, partition: str | None) -> Allocation:
    """The allocation's nodes (all, or the first ``nodes``), or srun's for ``nodes`` outside one."""
    job = env.get("SLURM_JOB_ID") or env.get("SLURM_JOBID")
    if not job:
        if nodes is None:
            raise BadInputError(NO_ALLOCATION)
        return Allocation(count=nodes, job_id=None, partition=partition)
    have = _int(env.get("SLURM_JOB_NUM_NODES") or env.get("SLURM_NNODES"))
    if have is None:
        raise BadInputError(
            f"inside Slurm job {job} but SLURM_JOB_NUM_NODES is not set: run under salloc/sbatch"
        )
    if nodes is not None and nodes > have:
        raise BadInputError(f"--nodes {nodes}: the allocation (job {job}) holds {have} nodes")
    return Allocation(count=nodes or have, job_id=job, partition=partition)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def srun_argv(
    alloc: Allocation,
    command: Sequence[str],
    *,
    extra: Sequence[str] = (),
    cpus_per_task: int | None = None,
    kill_on_bad_exit: bool = False,
) -> list[str]:
    """srun with one task per node, each task's output labelled with its task id (= node rank)."""
    argv = ["srun", f"--nodes={alloc.count}", f"--ntasks={alloc.count}", "--ntasks-per-node=1"]
    argv += ["--label", "--job-name=dlrec-fleet"]
    argv.append(f"--kill-on-bad-exit={1 if kill_on_bad_exit else 0}")
    if cpus_per_task:
        argv.append(f"--cpus-per-task={cpus_per_task}")
    if alloc.partition:
        argv.append(f"--partition={alloc.partition}")
    return [*argv, *extra, *command]


# --- inside a job step ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One task of a job step, one task per node: where it is and who its peers are."""

    node: str  # SLURMD_NODENAME: unique in the cluster, unlike a host name
    node_rank: int  # SLURM_NODEID
    nnodes: int  # SLURM_STEP_NUM_NODES
    addrs: tuple[str, ...]  # every node's NodeAddr, in node-rank order
    port: int  # the rendezvous port this step's nodes agree on
    cpus: int | None  # SLURM_CPUS_ON_NODE: the cores this node gives the step

    @property
    def endpoint(self) -> str:
        return f"{self.addrs[0]}:{self.port}"


def step(env: Mapping[str, str], *, port: int | None = None) -> Step:
    """This task's place in its job step, from ``SLURM_*`` and ``scontrol``; BadInputError
    outside a step (``dlrec smoke --slurm`` run by hand, not by srun)."""
    node = env.get("SLURMD_NODENAME")
    rank = _int(env.get("SLURM_NODEID"))
    nodelist = env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST")
    nnodes = _int(env.get("SLURM_STEP_NUM_NODES") or env.get("SLURM_NNODES"))
    if not node or rank is None or not nodelist or not nnodes:
        raise BadInputError(
            "--slurm: not inside a Slurm job step (SLURMD_NODENAME, SLURM_NODEID and "
            "SLURM_STEP_NODELIST unset): start it with srun, one task per node"
        )
    names = hostnames(nodelist, env)
    if len(names) != nnodes:
        raise BadInputError(
            f"--slurm: the step has {nnodes} nodes but {len(names)} names ({nodelist}): "
            "run one task per node (srun --ntasks-per-node=1)"
        )
    addrs = node_addrs(nodelist, env)
    missing = [n for n in names if n not in addrs]
    if missing:
        raise BadInputError(f"--slurm: scontrol gave no NodeAddr for {', '.join(missing)}")
    return Step(
        node=node,
        node_rank=rank,
        nnodes=nnodes,
        addrs=tuple(addrs[n] for n in names),
        port=port or rendezvous_port(env),
        cpus=_int(env.get("SLURM_CPUS_ON_NODE")),
    )


def rendezvous_port(env: Mapping[str, str]) -> int:
    """A port every node of the step derives alike, without talking: from the job and step ids,
    so that two steps on one host (several slurmd, or two jobs sharing a node) differ."""
    job = _int(env.get("SLURM_JOB_ID") or env.get("SLURM_JOBID")) or 0
    stp = _int(env.get("SLURM_STEP_ID") or env.get("SLURM_STEPID")) or 0
    return PORT_BASE + (job * 64 + stp * 7) % PORT_SPAN


def _scontrol(args: Sequence[str], env: Mapping[str, str]) -> str:
    result = run_bounded(["scontrol", *args], timeout=SCONTROL_TIMEOUT, env=env)
    if not result.ok:
        why = result.error or ("timed out" if result.timed_out else result.stderr.strip())
        raise BadInputError(f"scontrol {' '.join(args)}: {why or f'exit {result.returncode}'}")
    return result.stdout


def hostnames(nodelist: str, env: Mapping[str, str]) -> tuple[str, ...]:
    """``n[1-3]`` -> (n1, n2, n3), by ``scontrol show hostnames`` (Slurm's own expansion)."""
    return tuple(_scontrol(["show", "hostnames", nodelist], env).split())


def node_addrs(nodelist: str, env: Mapping[str, str]) -> dict[str, str]:
    """Each node's ``NodeAddr`` (what slurmctld itself dials), by one ``scontrol show node``."""
    return parse_node_addrs(_scontrol(["-o", "show", "node", nodelist], env))


def parse_node_addrs(text: str) -> dict[str, str]:
    """``NodeName=n1 ... NodeAddr=10.0.0.1 ...`` lines (``scontrol -o``) -> {n1: 10.0.0.1}."""
    return {m.group(1): m.group(2) for line in text.splitlines() if (m := _ADDR.search(line))}
