"""``--ray ADDRESS``: the fleet commands through a Ray cluster, driven from a supervised child.

dlrec never imports Ray: :mod:`recommender.cluster.ray_driver` runs as a child process (its own
session, dead with dlrec, bounded), connects to the cluster and prints one JSON line per node
as it answers; here those lines become facts files (probe) or the cross-node verdict (smoke).
A node is named by its address (``NodeManagerAddress``): unique in a cluster, unlike host names.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from recommender.cluster.gather import Answer
from recommender.cluster.probe import FleetProbe, NodeOutcome, write_answer
from recommender.cluster.smoke import FleetSmoke, NodeRun, combine, node_run
from recommender.core.errors import BadInputError
from recommender.smoke.process import JsonLines, open_capture
from recommender.supervise.supervisor import Stopped, child_env, start

#: Seconds the driver gets beyond the nodes' own budget (connecting, scheduling, shutting down).
DRIVER_SLACK_S = 60.0
_POLL_S = 0.05


def _drive(
    what: str,
    address: str,
    args: list[str],
    *,
    env: Mapping[str, str],
    budget: float,
    log_dir: str,
    on_event: Callable[[dict[str, Any]], None],
) -> None:
    """Run the driver until it is done, exits, or ``budget`` s pass; each line to ``on_event``.
    Raises BadInputError for a cluster that cannot be reached (one line, exit 2)."""
    argv = [sys.executable, "-m", "recommender.cluster.ray_driver", what, "--address", address]
    out_path, log_path = os.path.join(log_dir, "ray.jsonl"), os.path.join(log_dir, "ray.log")
    extra = {"RAY_USAGE_STATS_ENABLED": "0"}
    with open_capture(out_path) as out_w, open_capture(log_path) as log_w:
        try:
            child = start([*argv, *args], stdout=out_w, stderr=log_w,
                          env=child_env(env, defaults=extra, budget=budget))  # fmt: skip
        except (OSError, Stopped) as exc:
            raise BadInputError(f"--ray {address}: the driver could not start ({exc})") from exc
        reader = JsonLines(out_path)
        deadline = time.monotonic() + budget
        try:
            while True:
                code = child.poll()
                for msg in reader.messages():
                    if msg.get("event") == "error":
                        raise BadInputError(f"--ray {address}: {msg.get('message')}")
                    on_event(msg)
                if code is not None or time.monotonic() > deadline:
                    break
                time.sleep(_POLL_S)
            if code not in (None, 0):
                raise BadInputError(
                    f"--ray {address}: the Ray driver exited with status {code}; see {log_path}"
                )
        finally:
            reader.close()
            child.kill()


def probe_ray(
    *,
    out: str,
    address: str,
    timeout: float,
    env: Mapping[str, str],
    log_dir: str,
    on_node: Callable[[NodeOutcome], None] | None = None,
    answers: tuple[str, str] | None = None,
) -> FleetProbe:
    """One probe task per alive node; each node's facts written as ``DIR/<address>.json``.
    ``answers``: (text, suffix) of an answers file: each node also makes its own recommendation
    for them (``DIR/<address>.recommendation.json``), as through Slurm."""
    seen: set[str] = set()
    outcomes: list[NodeOutcome] = []
    expected: list[str] = []

    def on_event(msg: dict[str, Any]) -> None:
        if msg.get("event") == "nodes":
            expected.extend(str(n.get("addr")) for n in msg.get("nodes") or ())
        if msg.get("event") != "answer":
            return
        answer = _answer(len(outcomes), msg)
        outcomes.append(write_answer(out, answer, seen))
        if on_node:
            on_node(outcomes[-1])

    args = ["--timeout", f"{timeout:g}"]
    if answers:
        args += ["--answers-text", answers[0], "--answers-suffix", answers[1]]
    _drive("probe", address, args, env=env,
           budget=timeout + DRIVER_SLACK_S, log_dir=log_dir, on_event=on_event)  # fmt: skip
    if not expected and not outcomes:
        raise BadInputError(f"--ray {address}: the cluster listed no node within {timeout:g}s")
    answered = {o.name for o in outcomes}
    for addr in expected:
        if addr not in answered:
            on_event({"event": "answer", "node": addr, "error": "the Ray driver ended first"})
    return FleetProbe(engine="ray", out=out, nodes=tuple(outcomes), log=None)


def _answer(task: int, msg: Mapping[str, Any]) -> Answer:
    name = str(msg.get("node") or f"node {task}")
    error = msg.get("error")
    doc = {k: v for k, v in msg.items() if k not in ("event", "node", "error")}
    return Answer(task=task, name=name, addr=name, doc=None if error else doc,
                  error=str(error) if error else None, seconds=None)  # fmt: skip


def smoke_ray(
    *,
    framework: str,
    nproc: int,
    address: str,
    device: str,
    steps: int,
    import_timeout: float,
    timeout: float,
    env: Mapping[str, str],
    log_dir: str,
    on_node: Callable[[NodeRun], None] | None = None,
) -> FleetSmoke:
    """Every alive node's ranks in a STRICT_SPREAD placement group; compared across nodes."""
    parts: list[tuple[NodeRun, dict[str, Any] | None]] = []
    expected: list[str] = []

    def on_event(msg: dict[str, Any]) -> None:
        if msg.get("event") == "nodes":
            expected.extend(str(n.get("addr")) for n in msg.get("nodes") or ())
        if msg.get("event") != "answer":
            return
        rank = msg.get("node_rank")
        part = node_run(_answer(rank if isinstance(rank, int) else len(parts), msg), nproc)
        parts.append(part)
        if on_node:
            on_node(part[0])

    args = ["--framework", framework, "--nproc-per-node", str(nproc), "--device", device]
    args += ["--steps", str(steps), "--import-timeout", f"{import_timeout:g}"]
    args += ["--timeout", f"{timeout:g}"]
    budget = 2 * (import_timeout + timeout) + 2 * DRIVER_SLACK_S
    _drive("smoke", address, args, env=env, budget=budget, log_dir=log_dir, on_event=on_event)
    answered = {run.name for run, _ in parts}
    for rank, addr in enumerate(expected):
        if addr not in answered:
            on_event({"event": "answer", "node": addr, "node_rank": rank,
                      "error": "did not answer before the Ray driver ended"})  # fmt: skip
    if not parts:
        raise BadInputError(f"--ray {address}: the cluster has no alive node")
    return combine("ray", framework, parts)
