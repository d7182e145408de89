"""Running the distributed smoke's processes, and comparing what the ranks wrote.

Every launch runs under :mod:`recommender.supervise.supervisor` (its own session, dead with dlrec, output
to files it creates fresh, capped); the training budget starts once every local rank said
"imported"; on timeout, Ctrl-C or exit every tree is killed. The ranks write their parameters;
they are in sync when every local rank ends with the same ones (each trained on a different
shard, so only the all-reduce keeps them equal).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

from recommender.smoke.distributed.cache import read_doc
from recommender.smoke.distributed.plan import Launch
from recommender.smoke.process import CAP, JsonLines, open_capture
from recommender.supervise.supervisor import Child, Stopped, size_text, start

BATCH = 64  # smoke children's BATCH: samples per rank per step
LOSS_RATIO = 0.6
#: Replicas are in sync when no parameter differs by more than this (relative to its scale).
SYNC_TOLERANCE = 1e-5
_POLL_S = 0.05


def supervise_group(
    launches: Sequence[Launch],
    *,
    ranks: int,
    out: str,
    log: BinaryIO,
    log_path: str,
    cwd: str,
    import_timeout: float,
    train_timeout: float,
    rendezvous: str | None = None,
) -> tuple[str | None, set[int]]:
    """Start every launch in its own session, writing JSON lines to the new file ``out`` and
    logs to ``log``; enforce the budgets; kill every tree.

    The training budget starts once all ``ranks`` local ranks said "imported". On several nodes
    ``rendezvous`` is the HOST:PORT the ranks meet at: a rank waiting there past the import
    budget is named as such, not as a slow import. Returns (None or the error, the ranks that
    said "done")."""
    children: list[Child] = []
    with open_capture(out) as out_w:
        try:
            for launch in launches:
                children.append(
                    start(launch.argv, stdout=out_w, stderr=log, env=launch.env, cwd=cwd, cap=CAP)
                )
            budgets = (import_timeout, train_timeout)
            return _watch(children, JsonLines(out), ranks, log_path, budgets, rendezvous)
        except Stopped as exc:
            return str(exc), set()
        finally:
            for child in children:  # on timeout, Ctrl-C and normal exit alike
                child.kill()


def _watch(children, reader, ranks, log_path, budgets, rendezvous):
    import_timeout, train_timeout = budgets
    imported, done, error = set(), set(), None
    started, joining = 0, 0
    phase, deadline = "import", time.monotonic() + import_timeout
    try:
        while True:
            for msg in reader.messages():
                if msg.get("phase") == "started":
                    started += 1
                elif msg.get("phase") == "joining":
                    joining += 1
                elif msg.get("phase") == "imported":
                    imported.add(msg.get("rank"))
                elif msg.get("phase") == "done":
                    done.add(msg.get("rank"))
            if phase == "import" and len(imported) >= ranks:
                phase, deadline = "train", time.monotonic() + train_timeout
            codes = [c.poll() for c in children]
            bad = [c for c in codes if c not in (None, 0)]
            if bad or all(c is not None for c in codes):
                error = f"a rank exited with status {bad[0]}; see {log_path}" if bad else None
                break
            if stream := next((s for c in children if (s := c.overflow(CAP))), None):
                error = f"a rank wrote more than {size_text(CAP)} to its {stream}; see {log_path}"
                break
            if time.monotonic() > deadline and phase == "import" and rendezvous:
                if started == joining:  # no rank is still importing: they wait for the others
                    error = rendezvous_error(rendezvous, import_timeout, started, ranks)
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
        done.update(m.get("rank") for m in reader.messages() if m.get("phase") == "done")
    finally:
        reader.close()
    return error, done


def rendezvous_error(endpoint: str, waited: float, started: int, ranks: int) -> str:
    """One line: the ranks waited ``waited`` s at ``endpoint`` for the other nodes, and whether
    that address answers at all (refused, silent, or up while the others never came)."""
    host, _, port = endpoint.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=2.0):
            reach = "it answers, but the other nodes' ranks never joined"
    except (OSError, ValueError) as exc:
        reason = "refused" if isinstance(exc, ConnectionRefusedError) else "no answer"
        if isinstance(exc, socket.gaierror):
            reason = "the name does not resolve"
        reach = f"unreachable from here ({reason}); is node 0 up, and is this its address?"
    who = "no local rank started" if not started else f"{started} of {ranks} local ranks waiting"
    return (
        f"the rendezvous at {endpoint} did not complete within {waited:g}s ({who}): "
        f"{reach}; every process was killed"
    )


# --- comparing the ranks -----------------------------------------------------------------------


def rank_docs(work: str) -> list[dict]:
    """Every ``rank-*.json`` in ``work``, in rank order."""
    docs = (
        d
        for f in sorted(os.listdir(work))
        if f.startswith("rank-")
        if (d := read_doc(os.path.join(work, f)))
    )
    return sorted(docs, key=lambda d: d.get("rank", 0))


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
    steps = [s for d in docs if isinstance(s := d.get("step_s"), (int, float))]
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
