"""The Ray driver of ``dlrec fleet probe|smoke --ray``: a child process, never dlrec itself.

``python -m recommender.cluster.ray_driver probe|smoke --address A ...`` connects to the Ray
cluster, runs one task per alive node and prints JSON lines as the nodes answer:

* ``{"event": "nodes", "nodes": [{"id", "addr", "alive"}]}``: every node Ray knows;
* ``{"event": "answer", "node": ADDR, ...}``: a node's facts (probe; with ``--answers-text``,
  its own recommendation too, as Slurm's node task makes it) or its ranks' results (smoke), or
  its ``error`` (dead, slow, failed);
* ``{"event": "error", "message": ...}``: the driver could not go on (no cluster at A).

Probe tasks take no CPU (``num_cpus=0``) and are pinned to their node (hard node affinity), so
a busy cluster still answers. Smoke tasks run in a STRICT_SPREAD placement group: one bundle of
``--nproc-per-node`` CPUs on each node, never two on one.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import time
from typing import Any

from recommender.core.numfmt import is_digits

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no phoning home from dlrec's driver


def emit(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")
    sys.stdout.flush()


def probe_task(answers: tuple[str, str] | None = None) -> dict:
    """This node's facts and, given answers (text, suffix), its own recommendation for them:
    the very step Slurm's node task runs (:func:`recommender.cluster.node.probe_answer`)."""
    from recommender.cluster.node import probe_answer
    from recommender.facts.collect import collect_facts

    return probe_answer(collect_facts().to_dict(), answers, os.environ)


def port_task(host: str) -> int:
    """A TCP port free on this node's address right now (the rendezvous of node 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def smoke_task(rank: int, addrs: list[str], port: int, opts: dict[str, Any]) -> dict:
    """This node's ranks of the multi-node smoke (dlrec's distributed engine, run here)."""
    from recommender.facts.collect import collect_facts
    from recommender.smoke.distributed.plan import Cluster
    from recommender.smoke.distributed.run import run_distributed

    cluster = Cluster(
        nnodes=len(addrs),
        node_rank=rank,
        rdzv_endpoint=f"{addrs[0]}:{port}",
        worker_hosts=tuple(addrs),
        cores=opts["nproc"],
    )
    results = run_distributed(
        collect_facts(),
        opts["nproc"],
        frameworks=[opts["framework"]],
        device=opts["device"],
        cluster=cluster,
        steps=opts["steps"],
        import_timeout=opts["import_timeout"],
        train_timeout=opts["timeout"],
    )
    return {"node_rank": rank, "addr": addrs[rank], "results": [r.to_dict() for r in results]}


#: The resource Ray gives its head node only (ray/_common/constants.py, HEAD_NODE_RESOURCE_NAME).
HEAD_RESOURCE = "node:__internal_head__"


def _rank_order(nodes: list[dict]) -> list[dict]:
    """Node ranks in a fixed order, whatever order Ray lists nodes or places bundles in: the
    head first (the scaling baseline is node 0's one process), then by address and id."""
    return sorted(nodes, key=lambda n: (not n.get("head"), n["addr"], n["id"]))


def _nodes(ray) -> list[dict]:
    """Every node Ray knows; a dead entry whose address has an alive node again (the node was
    restarted: Ray keeps the old entry) is left out."""
    nodes = [
        {
            "id": n["NodeID"],
            "addr": n["NodeManagerAddress"],
            "alive": bool(n["Alive"]),
            "head": HEAD_RESOURCE in (n.get("Resources") or {}),
        }
        for n in ray.nodes()
    ]
    alive = {n["addr"] for n in nodes if n["alive"]}
    return [n for n in nodes if n["alive"] or n["addr"] not in alive]


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}".strip(": ")


def _collect(ray, refs: dict, deadline: float, answer) -> None:
    """Each ref's value (or error) to ``answer`` as it comes; the rest named as too slow."""
    pending = list(refs)
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, pending = ray.wait(pending, num_returns=1, timeout=left)
        for ref in ready:
            try:
                emit({"event": "answer", **refs[ref], **answer(ray.get(ref))})
            except Exception as exc:  # noqa: BLE001 - a task's failure is that node's answer
                emit({"event": "answer", **refs[ref], "error": _why(exc)})
    for ref in pending:
        emit({"event": "answer", **refs[ref], "error": "did not answer in time"})
        ray.cancel(ref, force=True)


def probe(ray, args) -> None:
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = _nodes(ray)
    emit({"event": "nodes", "nodes": nodes})
    task = ray.remote(num_cpus=0, max_retries=0)(probe_task)
    answers = None if args.answers_text is None else (args.answers_text, args.answers_suffix)
    refs = {}
    for n in nodes:
        if not n["alive"]:
            emit({"event": "answer", "node": n["addr"], "error": "Ray lists the node as dead"})
            continue
        strategy = NodeAffinitySchedulingStrategy(node_id=n["id"], soft=False)
        refs[task.options(scheduling_strategy=strategy).remote(answers)] = {"node": n["addr"]}
    _collect(ray, refs, time.monotonic() + args.timeout, lambda doc: doc)


def smoke(ray, args) -> None:
    from ray.util.placement_group import placement_group, placement_group_table
    from ray.util.placement_group import remove_placement_group as remove
    from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

    nodes = [n for n in _nodes(ray) if n["alive"]]
    emit({"event": "nodes", "nodes": nodes})
    bundles = [{"CPU": args.nproc_per_node} for _ in nodes]
    pg = placement_group(bundles, strategy="STRICT_SPREAD")
    try:
        ready, _ = ray.wait([pg.ready()], timeout=args.import_timeout)
        if not ready:
            need = f"{args.nproc_per_node} free CPU(s) on each of {len(nodes)} nodes"
            emit({"event": "error", "message": f"the placement group ({need}) was not granted "
                  f"within {args.import_timeout:g}s"})  # fmt: skip
            return
        where = placement_group_table(pg)["bundles_to_node_id"]
        by_id = {n["id"]: n for n in nodes}
        # STRICT_SPREAD places bundle i on any node: node rank r runs in the bundle that landed
        # on the r-th node of the fixed order, so ranks do not change from one run to the next.
        ranked = _rank_order([by_id[where[i]] for i in range(len(nodes))])
        bundle_of = {where[i]: i for i in range(len(nodes))}
        bundle_at = [bundle_of[n["id"]] for n in ranked]
        addrs = [n["addr"] for n in ranked]

        def on(rank: int, cpus: float = 0) -> Any:
            strategy = PlacementGroupSchedulingStrategy(
                placement_group=pg, placement_group_bundle_index=bundle_at[rank]
            )
            return {"scheduling_strategy": strategy, "num_cpus": cpus, "max_retries": 0}

        port = ray.get(ray.remote(port_task).options(**on(0)).remote(addrs[0]), timeout=60)
        opts = {"nproc": args.nproc_per_node, "framework": args.framework, "device": args.device,
                "steps": args.steps, "import_timeout": args.import_timeout, "timeout": args.timeout}  # fmt: skip
        task = ray.remote(smoke_task)
        refs = {
            task.options(**on(i, args.nproc_per_node)).remote(i, addrs, port, opts): {
                "node": addrs[i],
                "node_rank": i,
            }
            for i in range(len(nodes))
        }
        budget = 2 * (args.import_timeout + args.timeout) + 60
        _collect(ray, refs, time.monotonic() + budget, lambda doc: doc)
    finally:
        remove(pg)


def unreachable(address: str) -> str | None:
    """Why HOST:PORT cannot be a Ray head (nothing listens), or None; ``auto`` and ``ray://``
    addresses are left to ray.init, which asks no network of its own before it dials."""
    host, _, port = address.rpartition(":")
    if address == "auto" or "://" in address or not is_digits(port):
        return None
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=5.0):
            return None
    except ConnectionRefusedError:
        return f"nothing listens at {address} (connection refused)"
    except socket.gaierror:
        return f"the host {host!r} does not resolve"
    except OSError as exc:
        return f"{address} does not answer ({exc.strerror or exc})"


def main(argv: list[str] | None = None) -> int:
    from recommender.supervise.parent_watch import watch_parent

    watch_parent()
    p = argparse.ArgumentParser(prog="dlrec-ray-driver")
    p.add_argument("what", choices=("probe", "smoke"))
    p.add_argument("--address", required=True)
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--framework", default="pytorch")
    p.add_argument("--nproc-per-node", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--import-timeout", type=float, default=120.0)
    p.add_argument("--answers-text", default=None)  # probe: the launcher's --answers FILE, as text
    p.add_argument("--answers-suffix", default=".yaml")
    args = p.parse_args(argv)
    try:
        import ray
    except ImportError:
        emit({"event": "error", "message": "Ray is not installed: pip install 'dlrec[ray]'"})
        return 0
    if why := unreachable(args.address):
        emit({"event": "error", "message": f"no Ray cluster at {args.address}: {why}"})
        return 0
    try:
        ray.init(address=args.address, logging_level=logging.ERROR, log_to_driver=False)
    except Exception as exc:  # noqa: BLE001 - ConnectionError, ValueError: no cluster there
        emit({"event": "error", "message": f"no Ray cluster at {args.address}: {_why(exc)}"})
        return 0
    try:
        (probe if args.what == "probe" else smoke)(ray, args)
    finally:
        ray.shutdown()
    emit({"event": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
