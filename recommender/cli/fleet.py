"""`dlrec fleet probe|smoke`: every node of a Slurm allocation or a Ray cluster, from one command."""

from __future__ import annotations

import json
import os
import shlex

import click

from recommender.cli.choices import (
    FRAMEWORK_SYNONYMS,
    NamedChoice,
    device_choice,
    dir_path,
    file_path,
)
from recommender.cli.options import answer_options, rules_option, seconds_option
from recommender.core.catalog import DISTRIBUTED_ENGINES
from recommender.core.errors import BadInputError, ExitCode

ENGINE_HELP = "Reach the nodes through Slurm (srun; inside salloc/sbatch, the allocation's nodes)."
RAY_HELP = "Reach every alive node of the Ray cluster at ADDRESS (host:port, or auto)."


def _engine_options(f):
    options = [
        click.option("--slurm", is_flag=True, help=ENGINE_HELP),
        click.option("--ray", "ray_address", metavar="ADDRESS", help=RAY_HELP),
        click.option(
            "--nodes",
            type=click.IntRange(1, 100_000),
            help="Slurm: this many nodes (outside an allocation srun allocates them).",
        ),
        click.option("--partition", metavar="P", help="Slurm: the partition to run in."),
        click.argument("srun_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- SRUN_ARGS...]"),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _engine(slurm: bool, ray_address: str | None, srun_args: tuple[str, ...]) -> str:
    if slurm == bool(ray_address):
        raise BadInputError("pass exactly one of --slurm and --ray ADDRESS")
    if ray_address and srun_args:
        raise BadInputError(f"{shlex.join(srun_args)}: extra srun arguments need --slurm")
    return "slurm" if slurm else "ray"


def _answers_text(path: str) -> tuple[str, str]:
    """(text, suffix) of an answers file, checked here (exit 2) before any node runs."""
    from recommender.core.documents import DocumentError, load_document, read_text

    try:
        load_document(path)
        text = read_text(path)
    except DocumentError as exc:
        raise BadInputError(exc.message, where=exc.where) from None
    return text, os.path.splitext(path)[1] or ".yaml"


@click.group()
def fleet() -> None:
    """Probe or smoke-train every node of a cluster, through Slurm or Ray."""


@fleet.command()
@_engine_options
@click.option(
    "--out",
    "out",
    required=True,
    metavar="DIR",
    type=dir_path(),
    help="Write DIR/<node>.json per node.",
)
@click.option("--force", is_flag=True, help="Write into a non-empty DIR.")
@seconds_option(
    "--timeout", default=300.0, help="Seconds to wait for every node; the silent ones are named."
)
@click.option("--json", "as_json", is_flag=True, help="Print the nodes as JSON at the end.")
@click.option(
    "--answers",
    "answers_file",
    metavar="FILE",
    type=file_path(),
    help="Each node also writes its own recommendation for these answers "
    "(DIR/<node>.recommendation.json), folded by `dlrec recommend --facts DIR --answers FILE`.",
)
@click.pass_context
def probe(
    ctx, slurm, ray_address, nodes, partition, srun_args, out, force, timeout, as_json,
    answers_file,
):  # fmt: skip
    """Probe every node; write each node's facts as DIR/<node>.json (atomically, as it answers).

    Then `dlrec recommend --facts DIR`. Exit status: 0 every node answered, 1 a node failed or
    timed out (the others' files are kept), 2 bad input (a non-empty DIR, no allocation).
    """
    from recommender.cluster.probe import prepare_out
    from recommender.smoke.cache import RunLogs

    engine = _engine(slurm, ray_address, srun_args)
    if engine == "ray" and (nodes or partition):
        raise BadInputError("--nodes and --partition are Slurm's; Ray probes every alive node")
    answers = _answers_text(answers_file) if answers_file else None
    env = dict(os.environ)
    if engine == "slurm":
        from recommender.cluster.slurm import allocation

        allocation(env, nodes, partition)  # no allocation and no --nodes: refused before DIR exists
    out = prepare_out(out, force)
    logs = RunLogs.create(env)

    def show(node) -> None:
        if as_json:
            return
        if node.ok:
            took = f" ({node.seconds:.1f} s)" if node.seconds is not None else ""
            click.echo(f"{node.name}: facts written to {node.path}{took}")
            if node.note:
                click.echo(f"{node.name}: no recommendation of its own ({node.note}); "
                           "dlrec recommend evaluates it on the head")  # fmt: skip
        else:
            click.echo(f"{node.name}: FAILED: {node.error}")

    if engine == "slurm":
        from recommender.cluster.probe import probe_slurm

        result = probe_slurm(out=out, nodes=nodes, partition=partition, srun_args=srun_args,
                             timeout=timeout, log_dir=logs.path, env=env, on_node=show,
                             answers=answers)  # fmt: skip
    else:
        from recommender.cluster.ray_engine import probe_ray

        result = probe_ray(out=out, address=ray_address, timeout=timeout, env=env,
                           log_dir=logs.path, on_node=show, answers=answers)  # fmt: skip
    failed = result.failed
    kept = logs.finish([result.log] if failed and result.log else [])
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        done = len(result.nodes) - len(failed)
        click.echo(
            f"{done} of {len(result.nodes)} nodes probed; next: dlrec recommend --facts {shlex.quote(out)}"
        )
        if failed and result.log and (kept is None or result.log in kept):
            click.echo(f"launcher log: {result.log}")
    ctx.exit(ExitCode.FAILED if failed or not result.nodes else ExitCode.OK)


@fleet.command()
@_engine_options
@click.option(
    "--framework",
    required=True,
    type=NamedChoice(tuple(DISTRIBUTED_ENGINES), synonyms=FRAMEWORK_SYNONYMS),
)
@click.option(
    "--nproc-per-node",
    type=click.IntRange(1, 1024),
    default=1,
    show_default=True,
    help="Ranks on each node (one core each).",
)
@click.option("--device", type=device_choice(("cpu", "cuda")), default="cpu", show_default=True)
@click.option("--steps", type=click.IntRange(5, 100_000), default=30, show_default=True)
@seconds_option(
    "--import-timeout",
    default=120.0,
    help="Seconds each node's ranks may take to import and meet at the rendezvous.",
)
@seconds_option("--timeout", default=120.0, help="Seconds the ranks may train.")
@click.option("--json", "as_json", is_flag=True, help="Print the fleet's result as JSON only.")
@click.pass_context
def smoke(ctx, slurm, ray_address, nodes, partition, srun_args, framework, nproc_per_node,
          device, steps, import_timeout, timeout, as_json):  # fmt: skip
    """A real data-parallel training across nodes; every rank's parameters compared with rank 0's.

    Exit status: 0 every node trained and the parameters are identical on all of them, 1 not,
    2 bad input.
    """
    from recommender.cluster.smoke import verdict
    from recommender.smoke.cache import RunLogs

    engine = _engine(slurm, ray_address, srun_args)
    env = dict(os.environ)
    logs = RunLogs.create(env)

    def show(node) -> None:
        if not as_json:
            state = "trained" if node.ok else f"FAILED: {node.error}"
            where = f"{node.addr}, " if node.addr else ""
            click.echo(f"{node.name} ({where}node rank {node.node_rank}): {state}")

    budgets = dict(device=device, steps=steps, import_timeout=import_timeout, timeout=timeout)
    if engine == "slurm":
        from recommender.cluster.smoke import smoke_slurm

        result = smoke_slurm(framework=framework, nproc=nproc_per_node, nodes=nodes,
                             partition=partition, srun_args=srun_args, log_dir=logs.path,
                             env=env, on_node=show, **budgets)  # fmt: skip
    else:
        if nodes or partition:
            raise BadInputError("--nodes and --partition are Slurm's; Ray uses every alive node")
        from recommender.cluster.ray_engine import smoke_ray

        result = smoke_ray(framework=framework, nproc=nproc_per_node, address=ray_address,
                           env=env, log_dir=logs.path, on_node=show, **budgets)  # fmt: skip
    logs.finish([])
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        eff = result.scaling_efficiency
        tail = f", scaling efficiency {eff:.0%} against one process" if eff is not None else ""
        state = "passed" if result.ok else "FAILED"
        click.echo(f"{framework} on {len(result.nodes)} nodes x {nproc_per_node} "
                   f"({result.processes} processes): {state}: {verdict(result)}{tail}")  # fmt: skip
        for line in result.errors:
            click.echo(f"  {line}")
    ctx.exit(ExitCode.OK if result.ok else ExitCode.FAILED)


@fleet.command("node-recommend")
@click.argument("facts_path", metavar="FACTS", type=click.Path(dir_okay=False))
@answer_options
@click.option(
    "--answers", "answers_file", metavar="FILE", type=file_path(), help="Answers as YAML or JSON."
)
@rules_option
@click.option(
    "--out",
    metavar="FILE",
    type=file_path(),
    help="Write here (default: FACTS's DIR/<node>.recommendation.json, beside it).",
)
def node_recommend(facts_path, answers_file, rule_files, out, **flags) -> None:
    """Write this node's own recommendation for FACTS (no smoke run), stamped with the rule
    base, the answers, dlrec's version and FACTS by digest: `dlrec recommend --facts DIR` with
    the same answers and rules then folds the node from it instead of evaluating it again."""
    from recommender.core.atomic import write_atomic
    from recommender.facts.fleet import NODE_SUFFIX
    from recommender.pipeline import Request, node_recommendation

    request = Request(
        flags={k: v for k, v in flags.items() if v is not None},
        answers_file=answers_file,
        rules_files=tuple(rule_files),
        smoke=False,
    )
    doc = node_recommendation(request, facts_path)
    target = out or facts_path.removesuffix(".json") + NODE_SUFFIX
    try:
        write_atomic(target, json.dumps(doc) + "\n")
    except OSError as exc:
        raise BadInputError(f"cannot write: {exc.strerror}", where=target) from None
