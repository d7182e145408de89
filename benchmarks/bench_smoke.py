"""Benchmark `dlrec smoke` against hand-written scripts doing the same trainings.

In one run, alternately:
  A. `dlrec smoke --fresh --all-backends --json`: tensorflow, pytorch, jax, and keras on each
     installed backend (fresh cache dir), and
  B. benchmarks/handwritten/train_{tensorflow,torch,jax}.py, then train_keras.py once per backend
     (KERAS_BACKEND=tensorflow, torch, jax), one after another (import plus the same 40 steps of
     the same MLP and CNN on the same synthetic data).
Reports the medians and the ratio A/B (target <= 0.75), then the warm-cache `dlrec smoke --json`
wall time (target <= 0.5 s).

    python benchmarks/bench_smoke.py [--rounds 5] [--warm 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HAND = HERE / "handwritten"
#: (script, KERAS_BACKEND or None): every run of side A has its hand-written twin.
HANDWRITTEN = [(HAND / f"train_{name}.py", None) for name in ("tensorflow", "torch", "jax")] + [
    (HAND / "train_keras.py", backend) for backend in ("tensorflow", "torch", "jax")
]


def hand(env: dict[str, str]) -> float:
    total = 0.0
    for script, backend in HANDWRITTEN:
        run_env = dict(env, KERAS_BACKEND=backend) if backend else env
        total += wall([sys.executable, str(script)], run_env, script.parent)
    return total


def wall(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(
            f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-2000:]}"
        )
    return elapsed


def dlrec(*args: str) -> list[str]:
    return [sys.executable, "-m", "recommender", "smoke", "--json", *args]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warm", type=int, default=10)
    args = ap.parse_args()
    cache = tempfile.mkdtemp(prefix="dlrec-bench-")
    env = dict(os.environ, DLREC_CACHE_DIR=cache)
    ours, theirs = [], []
    for i in range(args.rounds):
        pair = [
            ("dlrec", lambda: wall(dlrec("--fresh", "--all-backends"), env, ROOT)),
            ("hand", lambda: hand(env)),
        ]
        for name, fn in pair if i % 2 == 0 else reversed(pair):  # alternate who goes first
            (ours if name == "dlrec" else theirs).append(fn())
        print(f"round {i + 1}: dlrec {ours[-1]:.2f}s  hand-written {theirs[-1]:.2f}s", flush=True)
    doc = json.loads(
        subprocess.run(
            dlrec("--all-backends"), env=env, cwd=ROOT, capture_output=True, text=True
        ).stdout
    )
    assert all(r["ok"] and r["cached"] for r in doc["results"]), (
        "warm run was not served from the cache"
    )
    warm = [wall(dlrec("--all-backends"), env, ROOT) for _ in range(args.warm)]
    m_ours, m_theirs, m_warm = (
        statistics.median(ours),
        statistics.median(theirs),
        statistics.median(warm),
    )
    print(
        f"\nmachine: {cpu_model()}, {os.cpu_count()} logical cores, Python {platform.python_version()}"
    )
    print(
        f"dlrec smoke --fresh --all-backends (tf, torch, jax, keras x3): median {m_ours:.2f}s "
        f"over {args.rounds}"
    )
    print(
        f"hand-written scripts one after another:          median {m_theirs:.2f}s over {args.rounds}"
    )
    print(f"ratio {m_ours / m_theirs:.2f} (target <= 0.75)")
    print("dlrec runs (s): " + ", ".join(f"{t:.2f}" for t in ours))
    print("hand-written runs (s): " + ", ".join(f"{t:.2f}" for t in theirs))
    print(f"warm-cache dlrec smoke --json: median {m_warm:.3f}s over {args.warm} (target <= 0.5 s)")


if __name__ == "__main__":
    main()
