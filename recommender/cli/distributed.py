"""`dlrec smoke --distributed N`: the options, and the glue from them to the distributed engine.

``smoke`` (cli_smoke.py) takes these options and hands over when ``--distributed`` is given.
On a cluster, run one ``dlrec smoke --distributed N`` per node (srun, or any launcher that starts
one process per node) with ``--nnodes``, ``--node-rank`` and ``--rdzv-endpoint`` (node 0's
HOST:PORT, passed to torchrun's static rendezvous); TensorFlow also needs ``--worker-hosts``, every
node's host in node-rank order, and uses the endpoint's port + 1 .. + N on each node for TF_CONFIG.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import click

from recommender.core.errors import ExitCode
from recommender.core.numfmt import throughput
from recommender.smoke.distributed.plan import RANK_MEMORY_BYTES


def distributed_options(f):
    options = [
        click.option(
            "--distributed",
            type=click.IntRange(1, 1024),
            metavar="N",
            help="Data-parallel smoke on N processes per node (torchrun DDP, TF "
            "MultiWorkerMirroredStrategy, Keras on JAX) instead of the one-process runs. "
            "N may not exceed what this machine holds: its usable CPU cores, its usable "
            f"memory at {RANK_MEMORY_BYTES >> 30} GiB a process, and on cuda its visible GPUs "
            "(more is refused, exit 2, before anything starts).",
        ),
        click.option(
            "--nnodes",
            type=click.IntRange(1, 100_000),
            default=1,
            show_default=True,
            help="With --distributed: nodes in the job (one dlrec per node).",
        ),
        click.option(
            "--node-rank",
            type=click.IntRange(0, 100_000),
            default=0,
            show_default=True,
            help="With --distributed: this node's rank (0 .. nnodes-1).",
        ),
        click.option(
            "--rdzv-endpoint",
            metavar="HOST:PORT",
            help="With --distributed: node 0's address (torchrun's rendezvous; TF uses PORT+1..).",
        ),
        click.option(
            "--worker-hosts",
            metavar="HOST,HOST,...",
            help="With --distributed: every node's host in node-rank order (TensorFlow's TF_CONFIG).",
        ),
        click.option(
            "--slurm",
            is_flag=True,
            help="With --distributed, inside a Slurm job step (srun, one task per node): fill "
            "--nnodes, --node-rank, --rdzv-endpoint (node 0's NodeAddr) and --worker-hosts "
            "from SLURM_* and scontrol.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def wanted(dist: Mapping) -> bool:
    """True when any distributed option was given (run() then checks they make sense)."""
    return bool(
        dist.get("distributed")
        or dist.get("nnodes", 1) != 1
        or dist.get("node_rank")
        or dist.get("rdzv_endpoint")
        or dist.get("worker_hosts")
        or dist.get("slurm")
    )


def run(
    facts,
    dist: Mapping,
    *,
    frameworks: Sequence[str],
    device: str,
    steps: int,
    import_timeout: float,
    timeout: float,
    as_json: bool,
) -> int:
    """Run the distributed smoke, print it, and return the exit status."""
    from recommender.core.errors import BadInputError
    from recommender.smoke.distributed.run import Cluster, DistributedSmokeResult, run_distributed

    hosts = tuple(h.strip() for h in (dist.get("worker_hosts") or "").split(",") if h.strip())
    cluster = Cluster(
        nnodes=dist["nnodes"],
        node_rank=dist["node_rank"],
        rdzv_endpoint=dist.get("rdzv_endpoint"),
        worker_hosts=hosts,
    )
    if not dist.get("distributed"):
        raise BadInputError(
            "--nnodes, --node-rank, --rdzv-endpoint, --worker-hosts and --slurm need --distributed N"
        )
    if dist.get("slurm"):
        cluster = _from_slurm(dist)

    def echo_lines(result: DistributedSmokeResult) -> None:
        for line in plain_lines([_planned_skip(facts, result)]):
            click.echo(line)

    show = None if as_json else echo_lines
    results = run_distributed(
        facts,
        dist["distributed"],
        frameworks=frameworks or None,
        device=device,
        cluster=cluster,
        steps=steps,
        import_timeout=import_timeout,
        train_timeout=timeout,
        on_result=show,
    )
    if as_json:
        shown = [_planned_skip(facts, r).to_dict() for r in results]
        click.echo(json.dumps({"distributed": shown}, indent=2))
    ran = [r for r in results if not r.skipped]
    if not ran:
        return ExitCode.FAILED
    return ExitCode.OK if all(r.ok for r in ran) else ExitCode.FAILED


def _planned_skip(facts, result):
    """A skipped run's reason with the install planner's command for this machine in place of
    its ``{install_<framework>}`` field: the same command the checklist and ranking print."""
    if not result.skipped or "{install_" not in result.skipped:
        return result
    from dataclasses import replace

    from recommender.decide.install.plans import install_hint, machine_answer, with_planned_installs
    from recommender.rulebase.wheels.load import load_wheels

    matrix, answer = load_wheels(), machine_answer(facts, result.device)
    reason = with_planned_installs(
        result.skipped, lambda fw: install_hint(fw, facts, answer, matrix=matrix)
    )
    return replace(result, skipped=reason or result.skipped)


def _from_slurm(dist: Mapping):
    """The cluster of this job step (``--slurm``), which the explicit options must not contradict."""
    import os

    from recommender.cluster.slurm import step
    from recommender.core.errors import BadInputError
    from recommender.smoke.distributed.plan import Cluster

    given = [
        flag
        for flag, key in (
            ("--nnodes", "nnodes"),
            ("--node-rank", "node_rank"),
            ("--rdzv-endpoint", "rdzv_endpoint"),
            ("--worker-hosts", "worker_hosts"),
        )
        if dist.get(key) not in (None, "", 0, 1) or (key == "node_rank" and dist.get(key))
    ]
    if given:
        raise BadInputError(
            f"--slurm fills {', '.join(given)} from the job step; pass one or the other"
        )
    here = step(os.environ)
    return Cluster(
        nnodes=here.nnodes,
        node_rank=here.node_rank,
        rdzv_endpoint=here.endpoint,
        worker_hosts=here.addrs,
        cores=here.cpus,
    )


def plain_lines(results: Sequence) -> list[str]:
    """One line per result (plus its error and log), for a terminal or a CI log."""
    lines = []
    for r in results:
        if r.skipped:
            lines.append(f"{r.label}: skipped, {r.skipped}")
            continue
        state = "passed" if r.ok else "FAILED"
        eff = (
            f", scaling efficiency {r.scaling_efficiency:.0%}"
            if r.scaling_efficiency is not None
            else ""
        )
        speed = (
            f", {r.step_s * 1000:.2f} ms/step, {throughput(r.samples_per_s)} (smoke figure)"
            if r.step_s and r.samples_per_s
            else ""
        )
        sync = {
            True: "parameters identical on every rank",
            False: "parameters DIFFER across ranks",
            None: "synchronisation unknown",
        }[r.synchronized]
        loss = (
            f", loss {r.loss_first:.3f} -> {r.loss_last:.3f}"
            if r.loss_first is not None and r.loss_last is not None
            else ""
        )
        lines.append(f"{r.label}: {state} ({sync}{loss}{speed}{eff})")
        if r.error:
            lines.append(f"  {r.error}")
        if not r.ok and r.log:
            lines.append(f"  log: {r.log}")
    return lines
