"""One node's task of a fleet command: ``python -m recommender.cluster.node probe|smoke ...``.

srun starts it once per node. It prints its header (name and address), does the work (probe the
node, or run this node's part of the multi-node smoke), and prints the answer as one JSON line
between ``DLREC-DOC`` and ``DLREC-END`` (:mod:`recommender.cluster.gather` reads them). While it
works, whatever anything else writes to stdout goes to stderr, so the answer stays parseable.
A failure is an answer too (``{"error": ...}``), never a traceback on the launcher's screen.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import traceback
from collections.abc import Mapping
from contextlib import contextmanager

from recommender.cluster.gather import DOC, END, HEADER
from recommender.core.errors import DlrecError


def _say(fd: int, line: str) -> None:
    data = (line + "\n").encode("utf-8", "replace")
    while data:
        data = data[os.write(fd, data) :]


@contextmanager
def _stdout_to_stderr():
    """Yield the real stdout's fd; meanwhile fd 1 (and sys.stdout) point at stderr."""
    sys.stdout.flush()
    real = os.dup(1)
    os.dup2(2, 1)
    try:
        yield real
    finally:
        sys.stdout.flush()
        os.dup2(real, 1)
        os.close(real)


def node_name(env: Mapping[str, str]) -> str:
    """SLURMD_NODENAME (unique per node even where nodes share a host name), else the host's."""
    return env.get("SLURMD_NODENAME") or env.get("DLREC_NODE_NAME") or socket.gethostname()


def probe_doc(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> dict:
    from recommender.facts.collect import collect_facts

    # no host name in the document: the file's name (the node's, unique) names it in a fleet
    facts = collect_facts(scale=args.timeout_scale).to_dict()
    answers = None if args.answers_text is None else (args.answers_text, args.answers_suffix)
    return probe_answer(facts, answers, env or os.environ)


def probe_answer(facts: dict, answers: tuple[str, str] | None, env: Mapping[str, str]) -> dict:
    """A node's probe answer, whatever engine carries it (Slurm's task, Ray's): its facts and,
    given answers (text, suffix), its own recommendation for them. A recommendation that fails
    leaves the facts and says why (``recommendation_error``): the head then evaluates the node."""
    if answers is None:
        return {"facts": facts}
    try:
        return {"facts": facts, "recommendation": recommendation_doc(facts, answers, env)}
    except (OSError, ValueError, RuntimeError, subprocess.SubprocessError) as exc:
        traceback.print_exc()
        why = str(exc) if type(exc) is RuntimeError else f"{type(exc).__name__}: {exc}"
        return {"facts": facts, "recommendation_error": why}


def recommendation_doc(facts: dict, answers: tuple[str, str], env: Mapping[str, str]) -> dict:
    """This node's own recommendation for the answers the launcher passed, written by
    ``dlrec fleet node-recommend`` (run here) from the very text the launcher writes as
    ``DIR/<node>.json`` (so the facts digest in its stamp is that file's)."""
    import tempfile

    from recommender.cluster.probe import facts_text

    answers_text, answers_suffix = answers
    with tempfile.TemporaryDirectory(prefix="dlrec-node-") as tmp:
        facts_path = os.path.join(tmp, f"{node_name(env)}.json")
        answers_path = os.path.join(tmp, "answers" + answers_suffix)
        out = os.path.join(tmp, "recommendation.json")
        for path, text in ((facts_path, facts_text(facts)), (answers_path, answers_text)):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        argv = [sys.executable, "-m", "recommender", "fleet", "node-recommend", facts_path,
                "--answers", answers_path, "--out", out]  # fmt: skip
        done = subprocess.run(
            argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"node-recommend failed (exit {done.returncode}): {last}")
        with open(out, encoding="utf-8") as handle:
            doc: dict = json.load(handle)
        return doc


def smoke_doc(args: argparse.Namespace, env: Mapping[str, str]) -> dict:
    from recommender.cluster.slurm import step
    from recommender.facts.collect import collect_facts
    from recommender.smoke.distributed.plan import Cluster
    from recommender.smoke.distributed.run import run_distributed

    here = step(env, port=args.port)
    cluster = Cluster(
        nnodes=here.nnodes,
        node_rank=here.node_rank,
        rdzv_endpoint=here.endpoint,
        worker_hosts=here.addrs,
        cores=here.cpus,
    )
    results = run_distributed(
        collect_facts(),
        args.nproc_per_node,
        frameworks=[args.framework],
        device=args.device,
        cluster=cluster,
        steps=args.steps,
        import_timeout=args.import_timeout,
        train_timeout=args.timeout,
        env=env,
    )
    return {
        "node_rank": here.node_rank,
        "addr": here.addrs[here.node_rank],
        "results": [r.to_dict() for r in results],
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="dlrec-node")
    sub = p.add_subparsers(dest="what", required=True)
    pr = sub.add_parser("probe")
    pr.add_argument("--timeout-scale", type=float, default=1.0)
    pr.add_argument("--answers-text", default=None)  # the launcher's --answers FILE, as text
    pr.add_argument("--answers-suffix", default=".yaml")
    sm = sub.add_parser("smoke")
    sm.add_argument("--framework", required=True)
    sm.add_argument("--nproc-per-node", type=int, default=1)
    sm.add_argument("--device", default="cpu")
    sm.add_argument("--steps", type=int, default=30)
    sm.add_argument("--import-timeout", type=float, default=120.0)
    sm.add_argument("--timeout", type=float, default=120.0)
    sm.add_argument("--port", type=int, default=None)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    env = dict(os.environ)
    with _stdout_to_stderr() as out:
        _say(out, HEADER + json.dumps({"name": node_name(env)}))
        try:
            doc = probe_doc(args, env) if args.what == "probe" else smoke_doc(args, env)
        except DlrecError as exc:
            doc = {"error": exc.format_message()}
        except Exception as exc:  # noqa: BLE001 - the node's one guard: an answer, not a traceback
            traceback.print_exc()
            doc = {"error": f"{type(exc).__name__}: {exc} (traceback in the task's stderr)"}
        _say(out, DOC + json.dumps(doc))
        _say(out, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
