"""``dlrec fleet probe``: every node's facts, one file per node, through the cluster's engine.

Each node's document is written atomically as ``DIR/<node name>.json`` the moment it arrives
(Slurm's node name, unique where host names are not); a node that fails or stays silent is named
with its reason, and the others' files are kept. ``dlrec recommend --facts DIR`` reads them.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from recommender.cluster.gather import Answer, gather
from recommender.cluster.slurm import allocation, srun_argv
from recommender.core.atomic import write_atomic
from recommender.core.errors import BadInputError
from recommender.supervise.supervisor import child_env

#: A node name that is safe as a file name (Slurm's NodeName, a Ray node id).
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeOutcome:
    name: str
    ok: bool
    path: str | None  # the facts file written
    error: str | None
    seconds: float | None
    #: Why the node's own recommendation (``--answers``) is missing: its facts are kept and the
    #: head evaluates the node.
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetProbe:
    engine: str  # slurm | ray
    out: str
    nodes: tuple[NodeOutcome, ...]
    log: str | None = None

    @property
    def failed(self) -> tuple[NodeOutcome, ...]:
        return tuple(n for n in self.nodes if not n.ok)

    def to_dict(self) -> dict:
        return {
            "engine": self.engine,
            "out": self.out,
            "nodes": [
                {"name": n.name, "ok": n.ok, "file": n.path, "error": n.error}
                | ({"recommendation_error": n.note} if n.note else {})
                for n in self.nodes
            ],
        }


def prepare_out(path: str, force: bool) -> str:
    """The output folder, created; a non-empty one without ``force`` is refused (exit 2)."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise BadInputError(f"--out {path}: exists and is not a folder")
    if os.path.isdir(path) and os.listdir(path) and not force:
        raise BadInputError(
            f"--out {path}: the folder is not empty; pass --force to write into it "
            "(nodes' files of the same name are replaced)"
        )
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise BadInputError(f"--out {path}: cannot create it ({exc.strerror})") from exc
    return path


def node_command(what: str, *args: str) -> list[str]:
    """The task each node runs: this Python, dlrec's node module (nodes share the install)."""
    return [sys.executable, "-m", "recommender.cluster.node", what, *args]


def launcher_env(env: Mapping[str, str]) -> dict[str, str]:
    """srun's environment (exported to the tasks): dlrec findable, nothing of this process's
    parent watch (a PID on this host means nothing on a node)."""
    from recommender.supervise.parent_watch import WATCH_ENV

    out = child_env(env)
    out.pop(WATCH_ENV, None)
    return out


def facts_text(facts: Mapping) -> str:
    """A node's facts file, as written here (the node digests the same text for its stamp)."""
    return json.dumps(facts, indent=1) + "\n"


def write_answer(out: str, answer: Answer, seen: set[str]) -> NodeOutcome:
    """Write one node's facts file atomically (refusing an unsafe or repeated name), then its
    own recommendation beside it when it made one (``--answers``)."""
    if answer.error is not None or answer.doc is None:
        return NodeOutcome(name=answer.name, ok=False, path=None, error=answer.error, seconds=None)
    facts = answer.doc.get("facts")
    why = None
    if not _SAFE.match(answer.name):
        why = f"its name {answer.name!r} is not a safe file name"
    elif answer.name in seen:
        why = f"another node answered with the same name {answer.name!r}"
    elif not isinstance(facts, dict):
        why = "its answer held no facts document"
    if why:
        return NodeOutcome(name=answer.name, ok=False, path=None, error=why, seconds=None)
    seen.add(answer.name)
    path = os.path.join(out, f"{answer.name}.json")
    assert isinstance(facts, dict)  # refused above otherwise
    write_atomic(path, facts_text(facts))
    recommendation = answer.doc.get("recommendation")
    if isinstance(recommendation, dict):
        from recommender.facts.fleet import NODE_SUFFIX

        write_atomic(os.path.join(out, answer.name + NODE_SUFFIX), json.dumps(recommendation))
    failed = answer.doc.get("recommendation_error")
    note = None if failed is None else str(failed)
    return NodeOutcome(name=answer.name, ok=True, path=path, error=None, seconds=answer.seconds,
                       note=note)  # fmt: skip


def probe_slurm(
    *,
    out: str,
    nodes: int | None,
    partition: str | None,
    srun_args: Sequence[str],
    timeout: float,
    log_dir: str,
    env: Mapping[str, str],
    on_node: Callable[[NodeOutcome], None] | None = None,
    answers: tuple[str, str] | None = None,
) -> FleetProbe:
    """srun one probe per node (the allocation's, or N of srun's); files written as nodes answer.
    ``answers``: (text, suffix) of an answers file: each node also makes its own recommendation
    for them (``DIR/<node>.recommendation.json``)."""
    alloc = allocation(env, nodes, partition)
    extra = ("--answers-text", answers[0], "--answers-suffix", answers[1]) if answers else ()
    argv = srun_argv(alloc, node_command("probe", *extra), extra=srun_args)
    seen: set[str] = set()
    outcomes: dict[int, NodeOutcome] = {}

    def arrived(answer: Answer) -> None:
        if answer.task in outcomes:
            return
        outcomes[answer.task] = write_answer(out, answer, seen)
        if on_node:
            on_node(outcomes[answer.task])

    log = os.path.join(log_dir, "srun.log")
    got = gather(
        argv,
        count=alloc.count,
        env=launcher_env(env),
        timeout=timeout,
        log_path=log,
        on_answer=arrived,
    )
    for answer in got.answers:
        arrived(answer)
    return FleetProbe(
        engine="slurm", out=out, nodes=tuple(outcomes[k] for k in sorted(outcomes)), log=log
    )
