"""Benchmark a fleet recommendation: N facts files, D distinct machines among them.

Generates the fleet in a temp folder from the persona machines (each copy gets its own hostname,
collected_at and probe timings, the fields that never make two machines different), then runs
`dlrec recommend --facts DIR --no-smoke --json --accelerator nvidia` and reports wall time and
peak RSS (the child's ru_maxrss). Targets (issue 15): 10,000 files <= 3 s and <= 150 MB, growing
with the number of distinct machines rather than files.

    python benchmarks/bench_fleet.py [--files 10000] [--distinct 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MACHINES = HERE.parent / "tests" / "fixtures" / "personas5" / "machines"


def make_fleet(folder: Path, files: int, distinct: int) -> None:
    bases = [json.loads(p.read_text()) for p in sorted(MACHINES.glob("*.json"))]
    for i in range(files):
        k = i % distinct  # the machine; past the personas, one with another amount of memory
        doc = json.loads(json.dumps(bases[k % len(bases)]))
        if k >= len(bases) and isinstance(doc.get("memory"), dict):
            doc["memory"]["total_bytes"] = (doc["memory"].get("total_bytes") or 0) + (k << 20)
        doc["hostname"] = f"node{i:05d}"
        doc["collected_at"] = f"2026-12-01T10:{i % 60:02d}:00Z"
        for probe in (doc.get("probes") or {}).values():
            if isinstance(probe, dict):
                probe["seconds"] = 0.001 * (i % 97)
        (folder / f"node{i:05d}.json").write_text(json.dumps(doc))


#: As an installed dlrec runs: its bytecode compiled once (pip does it at install time), not
#: recompiled on every run as under PYTHONDONTWRITEBYTECODE (about 0.25 s here).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(folder: Path) -> tuple[float, float]:
    argv = [sys.executable, "-m", "recommender", "recommend", "--facts", str(folder)]
    argv += ["--no-smoke", "--json", "--accelerator", "nvidia"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=ENV)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"dlrec failed ({proc.returncode}): {proc.stderr[-2000:]}")
    nodes = len(json.loads(proc.stdout)["fleet"]["nodes"])
    assert nodes == len(list(folder.glob("*.json"))), nodes
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--distinct", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlrec-fleet-") as tmp:
        folder = Path(tmp)
        make_fleet(folder, args.files, args.distinct)
        run_once(folder)  # warm-up: the page cache and the bytecode, as on a second run
        runs = [run_once(folder) for _ in range(args.rounds)]
    walls = [w for w, _ in runs]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"{args.files} files, {args.distinct} distinct machines, {args.rounds} rounds")
    print("wall (s): " + ", ".join(f"{w:.2f}" for w in walls))
    print(f"median wall {statistics.median(walls):.2f} s (target <= 3 s)")
    print(f"peak RSS {max(r for _, r in runs):.0f} MB (target <= 150 MB)")


if __name__ == "__main__":
    main()
