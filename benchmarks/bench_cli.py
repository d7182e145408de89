"""Warm ``dlrec recommend --no-smoke --json`` against ``dlrec --help``, and against the same
command at another commit (the previous one by default), side by side in one run.

    python benchmarks/bench_cli.py [--runs 15] [--base HEAD~1]

Each command is a whole process (``python -m recommender ...``), started in turn (help, this
tree, the base tree, help, ...) so that a machine whose speed drifts weighs on all three alike.
Before the counted runs each command runs twice: bytecode is written (as an installed dlrec has
it) and dlrec's caches are filled, so the figures are the warm ones a user sees from the second
run on. The base commit is exported with ``git archive`` into a temporary folder; both trees get
their own cache folder. Prints the median, min and max wall time of each, and the ratios of the
medians: recommend / help (the goal: 3x or less) and this tree / the base.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECOMMEND = ("recommend", "--no-smoke", "--json")
HELP = ("--help",)


def export(ref: str, into: Path) -> Path:
    """The tree of ``ref`` (a commit of this repository), unpacked into ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "tar_filter"):  # Python 3.10.12+, 3.11.4+: no path outside ``into``
            tar.extractall(into, filter="tar")
        else:
            tar.extractall(into)  # our own repository's tree
    return into


def environment(tree: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(tree), DLREC_CACHE_DIR=str(cache), NO_COLOR="1", COLUMNS="100")
    return env


def timed(args: tuple[str, ...], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole run; CPU is user + system of the process and of the
    children it waited for (the probes' tools), which a loaded machine distorts less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "recommender", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):  # 1: nothing feasible is still a full run
        raise SystemExit(
            f"{' '.join(args)} exited {done.returncode} (PYTHONPATH={env['PYTHONPATH']})"
        )
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="counted runs of each command")
    parser.add_argument("--base", default="HEAD~1", help="the commit to compare against")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlrec-bench-") as tmp:
        work = Path(tmp)
        base = export(options.base, work / "base")
        cases = {
            "dlrec --help": (HELP, environment(ROOT, work / "cache-help")),
            "recommend (this tree)": (RECOMMEND, environment(ROOT, work / "cache-this")),
            f"recommend ({options.base})": (RECOMMEND, environment(base, work / "cache-base")),
        }
        for args, env in cases.values():  # warm-up: bytecode and caches written
            for _ in range(2):
                timed(args, env, work)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(options.runs):
            for name, (args, env) in cases.items():
                times[name].append(timed(args, env, work))
    print(f"{options.runs} runs each, interleaved, after 2 warm-up runs; seconds")
    for column, what in ((1, "CPU (user + system)"), (0, "wall")):
        values = {name: [run[column] for run in runs] for name, runs in times.items()}
        medians = {name: statistics.median(v) for name, v in values.items()}
        print(f"{what:<28} {'median':>8} {'min':>8} {'max':>8}")
        for name, v in values.items():
            print(f"  {name:<26} {medians[name]:8.3f} {min(v):8.3f} {max(v):8.3f}")
        help_s, this_s, base_s = medians.values()
        print(
            f"  recommend / --help: {this_s / help_s:.1f}x (the base commit: "
            f"{base_s / help_s:.1f}x); this tree / {options.base}: {this_s / base_s:.2f}"
        )


if __name__ == "__main__":
    main()
